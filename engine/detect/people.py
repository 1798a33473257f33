"""Who is who across the layers: travel records ↔ parties ↔ accounts, relatives by surname.

Shared by the smuggling and travel detectors. Entity resolution runs once per frame (cached).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.detect.frame import Frame, map_distinct
from engine.detect.hits import Hits
from engine.detect.identity import Links, resolve_parties, resolve_travellers
from engine.detect.names import name_key, name_tokens


def traveller_links(frame: Frame) -> Links:
    """Travel record → party links (cached on the frame)."""
    if "travellers" not in frame.cache:
        frame.cache["travellers"] = resolve_travellers(frame)
    return frame.cache["travellers"]  # type: ignore[return-value]


def party_links(frame: Frame) -> Links:
    if "parties" not in frame.cache:
        frame.cache["parties"] = resolve_parties(frame)
    return frame.cache["parties"]  # type: ignore[return-value]


def shared_identifier_hits(frame: Frame) -> Hits:
    """Shared identifiers over the frame's party links."""
    from engine.detect.identity import shared_identifiers

    return shared_identifiers(frame, party_links(frame))


def person_of_record(frame: Frame) -> np.ndarray:
    """A person key per travel record: its best-matching party, else a new key from the name's
    sorted token keys (one for the name in any order, script or common romanisation) and the
    birth date, so unmatched travellers still group across records."""
    if "person" in frame.cache:
        return frame.cache["person"]  # type: ignore[return-value]
    links = traveller_links(frame)
    n_rec, n_p = frame.travel.num_rows, frame.parties.num_rows
    person = np.full(n_rec, -1, np.int64)
    order = np.argsort(-links.score, kind="stable")
    first = np.unique(links.left[order], return_index=True)[1]
    person[links.left[order][first]] = links.right[order][first]
    missing = np.flatnonzero(person < 0)
    if len(missing):
        travel = frame.travel.take(pa.array(missing))
        names = map_distinct(travel.column("traveller_name"), name_key)
        births = pc.cast(travel.column("traveller_birth_date"), pa.int32()).fill_null(-(1 << 31))
        births = births.to_numpy(zero_copy_only=False).astype(np.int64) + (1 << 31)
        key = pd.factorize(names)[0].astype(np.int64) << 33 | births  # one key per name, birth
        codes = pd.factorize(key)[0]
        person[missing] = n_p + codes
    frame.cache["person"] = person
    return person


def record_accounts(frame: Frame, relatives: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (travel record, account node): the traveller's own accounts and the ticket payer;
    with ``relatives``, also accounts whose holder shares the traveller's surname and
    nationality (surnames held by more than 30 account holders are too common to tell)."""
    key = "record_accounts_rel" if relatives else "record_accounts"
    if key in frame.cache:
        return frame.cache[key]  # type: ignore[return-value]
    r, n = _record_accounts(frame)
    if relatives:
        rr, rn = _relative_accounts(frame)
        r, n = np.concatenate([r, rr]), np.concatenate([n, rn])
        k = np.unique(r * (frame.n_nodes + 1) + n)
        r, n = k // (frame.n_nodes + 1), k % (frame.n_nodes + 1)
    frame.cache[key] = (r, n)
    return r, n


def _upper(text: str | None) -> str:
    return (text or "").upper()


def _surname_keys(name: str | None) -> list[str]:
    """A name's romanised words of three letters or more (shorter ones are initials, ``Le``).

    Words, not the skeleton keys of :mod:`engine.detect.names`: keys fold Peter / Petra and
    Hassan / Hussein together, too coarse to call people relatives on a surname alone."""
    return [w for w in name_tokens(name).words if len(w) >= 3]


def _last_word(name: str | None) -> str:
    words = name_tokens(name).words
    return words[-1] if words else ""


def _relative_accounts(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Accounts whose owner's surname (last token of the KYC name) is one of the traveller's
    name tokens (manifests swap the order) and whose nationality is the traveller's; names
    romanised first, so a surname in another script is not empty (but a surname in two
    scripts is two)."""
    if not frame.travel.num_rows or not len(frame.holding_pairs[0]):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    travel = frame.travel
    nat = map_distinct(travel.column("traveller_nationality"), _upper)
    toks = map_distinct(travel.column("traveller_name"), _surname_keys)
    recs = pd.DataFrame({"sn": toks, "nat": nat, "r": np.arange(travel.num_rows)}).explode("sn")
    recs = recs.dropna(subset=["sn"])
    psn = map_distinct(frame.parties.column("name"), _last_word)
    pnat = map_distinct(frame.parties.column("nationality"), _upper)
    party, node, owner = frame.holding_pairs
    holders = pd.DataFrame({"sn": psn[party[owner]], "nat": pnat[party[owner]], "n": node[owner]})
    holders = holders[(holders["sn"] != "") & ~frame.hub[holders["n"].to_numpy()]]
    holders = holders[holders.groupby(["sn", "nat"])["n"].transform("size") <= 30]
    m = recs.merge(holders, on=["sn", "nat"])
    return m["r"].to_numpy(np.int64), m["n"].to_numpy(np.int64)


def _record_accounts(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    links = traveller_links(frame)
    party, node, _ = frame.holding_pairs
    df = pd.DataFrame({"r": links.left, "p": links.right}).merge(
        pd.DataFrame({"p": party, "n": node}), on="p"
    )
    payer = frame.graph.index_of(frame.travel.column("payer_account").combine_chunks())
    has = np.flatnonzero(payer >= 0)
    r = np.concatenate([df["r"].to_numpy(np.int64), has])
    n = np.concatenate([df["n"].to_numpy(np.int64), payer[has]])
    key = np.unique(r * (frame.n_nodes + 1) + n)
    return key // (frame.n_nodes + 1), key % (frame.n_nodes + 1)
