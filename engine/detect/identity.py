"""Entity resolution and shared identifiers (shared/domain.md, pattern 18).

Travellers on manifests are linked to the parties banks know (KYC), and parties to each other
(the same person at two banks), by *blocking* (only records sharing a birth date, a document
number or a name key are compared) and *comparison* of names across scripts and romanisations
(:mod:`engine.detect.names`: transliterated, token keys for Mohammed / Muhammad / محمد,
particles, compounds and order swaps, token weights from this data), birth dates (also with day
and month swapped), documents and nationality. Each link carries its score and the evidence
behind it, with the names as the records wrote them.

People who share a phone, e-mail, address or identity document under different names are
flagged (document reuse is a forger's trace): ``shared_identifiers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz
from scipy.sparse import csr_matrix

from algorithms.components import edge_components
from engine.detect.frame import CACHE_SIZE, Frame, digits, fold, map_distinct
from engine.detect.hits import SOURCES, Hits, from_groups
from engine.detect.names import TokenStats, name_key, name_tokens, romanise, similarity

_SPELLED = (("ae", "a"), ("oe", "o"), ("ue", "u"))
#: How strongly each shared identifier points at a network (an address is often innocently
#: shared: flat shares, care homes; a document under two names is a forger's trace).
KIND_STRENGTH = {"document": 2.0, "phone": 1.0, "email": 1.0, "address": 0.4}


@lru_cache(maxsize=CACHE_SIZE)
def canonical_name(name: str | None) -> str:
    """The name romanised (any script to ASCII words, see :func:`engine.detect.names.romanise`)
    with German spelled-out umlauts reduced (cached)."""
    text = romanise(name)
    for a, b in _SPELLED:
        text = text.replace(a, b)
    return text


_NOT_DOC = re.compile(r"[^A-Z0-9]")


def document_key(doc: str | None) -> str:
    """An identity document number as compared: upper-case letters and digits only."""
    return _NOT_DOC.sub("", (doc or "").upper())


@dataclass(frozen=True)
class Records:
    """Identity records of one side (travellers or parties), normalised.

    The string fields are object arrays (or lists) of one entry per record."""

    name: np.ndarray | list[str]  # as written, any script (for evidence)
    text: np.ndarray | list[str]  # romanised (canonical_name)
    skel: np.ndarray | list[str]  # sorted name keys (names.name_key)
    toks: np.ndarray  # names.NameTokens per record
    birth: np.ndarray  # int64 birth codes (see _days), -1 missing
    doc: np.ndarray | list[str]
    nationality: np.ndarray | list[str]

    @property
    def n(self) -> int:
        return len(self.name)


#: Birth codes are days since 1970 plus this offset, so every real birth date (from 1751 on)
#: has a code ≥ 0 and -1 can mean "unknown": days since 1970 alone are negative for everyone
#: born before 1970, who would all have counted as having no birth date.
_BIRTH_OFFSET = 80_000


def _days(col: pa.ChunkedArray) -> np.ndarray:
    """Birth codes of a date column: days since 1970 + :data:`_BIRTH_OFFSET`, -1 when missing."""
    days = pc.cast(col, pa.int32()).to_numpy(zero_copy_only=False)  # nulls become NaN
    codes = np.full(len(days), -1, np.int64)
    known = ~np.isnan(days) if days.dtype.kind == "f" else np.ones(len(days), bool)
    codes[known] = days[known].astype(np.int64) + _BIRTH_OFFSET
    codes[codes < 0] = -1  # before 1751: treated as unknown
    return codes


def _col(values: pa.ChunkedArray | pa.Array | list) -> pa.Array | pa.ChunkedArray:
    return (
        values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values, pa.string())
    )


def _records(names, birth: np.ndarray, docs, nat) -> Records:
    """Normalise one side; names, documents and nationalities once per distinct value."""
    col = _col(names)
    parsed = map_distinct(col, lambda n: (n or "", canonical_name(n), name_key(n), name_tokens(n)))
    n = len(parsed)
    fields = [np.empty(n, object) for _ in range(4)]
    for k, f in enumerate(fields):
        if n:
            f[:] = [p[k] for p in parsed]
    return Records(
        name=fields[0],
        text=fields[1],
        skel=fields[2],
        toks=fields[3],
        birth=birth,
        doc=map_distinct(_col(docs), document_key),
        nationality=map_distinct(_col(nat), lambda x: (x or "").upper()),
    )


def traveller_records(travel: pa.Table) -> Records:
    return _records(
        travel.column("traveller_name"),
        _days(travel.column("traveller_birth_date")),
        travel.column("traveller_document"),
        travel.column("traveller_nationality"),
    )


def party_records(parties: pa.Table) -> Records:
    return _records(
        parties.column("name"),
        _days(parties.column("birth_date")),
        parties.column("id_document_number"),
        parties.column("nationality"),
    )


def _frame_records(frame: Frame, side: str) -> Records:
    """Records of the frame's travellers or parties, normalised once per frame."""
    key = f"records_{side}"
    if key not in frame.cache:
        frame.cache[key] = (
            traveller_records(frame.travel) if side == "travel" else party_records(frame.parties)
        )
    return frame.cache[key]  # type: ignore[return-value]


def _swapped(days: np.ndarray) -> np.ndarray:
    """Birth codes (see :func:`_days`) with day and month swapped (-1 where impossible)."""
    out = np.full(len(days), -1, np.int64)
    ok = days >= 0
    d = (days[ok] - _BIRTH_OFFSET).astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    month = (d.astype("datetime64[M]") - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    good = (day <= 12) & (day != month)
    swapped = (y.astype("datetime64[M]") + (day - 1).astype("timedelta64[M]")).astype(
        "datetime64[D]"
    ) + (month - 1).astype("timedelta64[D]")
    res = np.where(good, swapped.astype(np.int64) + _BIRTH_OFFSET, -1)
    out[np.flatnonzero(ok)] = res
    return out


def _pair_key(skel: str | None) -> str:
    """The name's sorted keys ('' when it has fewer than two): a block of one name in any
    order, script or common romanisation (records without a birth date need the whole name)."""
    return skel if skel is not None and " " in skel else ""


#: Name blocks are limited to ``max_block`` / this: a full name held by many records is too
#: common to compare them all on it alone (birth date and document blocks still pair them).
NAME_BLOCK_SHARE = 8

#: Blocking key kinds, in the high bits of the int64 key (birth, swapped birth share one kind).
_BIRTH, _DOC, _NAME = 1, 2, 3
_KIND_SHIFT = 48


def _keys(
    r: Records, with_swapped: bool, doc_code: np.ndarray, name_code: np.ndarray
) -> pd.DataFrame:
    """Blocking keys ``(key, i)`` of one side as int64: birth date (and its day/month swap),
    document, and the name key (all the name's token keys, sorted, with the nationality). ``doc_code``
    and ``name_code`` are codes shared by both sides (-1 when empty)."""
    idx = np.arange(r.n, dtype=np.int64)
    keys, ids = [], []

    def add(kind: int, code: np.ndarray) -> None:
        ok = code >= 0
        keys.append((np.int64(kind) << _KIND_SHIFT) + code[ok])
        ids.append(idx[ok])

    add(_BIRTH, r.birth)
    if with_swapped:
        add(_BIRTH, _swapped(r.birth))
    add(_DOC, doc_code)
    add(_NAME, name_code)
    return pd.DataFrame({"key": np.concatenate(keys), "i": np.concatenate(ids)})


def _shared_codes(
    left: np.ndarray | list[str], right: np.ndarray | list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Codes of two string arrays in one vocabulary ('' → -1)."""
    codes, uniq = pd.factorize(
        np.concatenate([np.asarray(left, object), np.asarray(right, object)])
    )
    empty = np.flatnonzero(np.asarray(uniq, object) == "")
    if len(empty):
        codes[codes == empty[0]] = -1
    return codes[: len(left)].astype(np.int64), codes[len(left) :].astype(np.int64)


def _name_keys(r: Records) -> np.ndarray:
    pk = map_distinct(pa.array(np.asarray(r.skel, object), pa.string()), _pair_key)
    nat = np.asarray(r.nationality, object)
    out = np.full(r.n, "", object)
    has = pk != ""
    out[has] = pk[has] + "|" + nat[has]
    return out


def _small_blocks(k: pd.DataFrame, max_block: int) -> pd.DataFrame:
    """The keys of blocks no larger than ``max_block`` (name keys: ``max_block /
    NAME_BLOCK_SHARE``)."""
    size = k.groupby("key")["i"].transform("size").to_numpy()
    name = (k["key"].to_numpy() >> _KIND_SHIFT) == _NAME
    return k[size <= np.where(name, max(max_block // NAME_BLOCK_SHARE, 2), max_block)]


def candidate_pairs(left: Records, right: Records, max_block: int, same: bool) -> np.ndarray:
    """Pairs ``(i, j)`` sharing a blocking key; keys held by more than ``max_block`` records of
    either side are dropped (a common birth date alone does not make a block), name keys held
    by more than ``max_block / NAME_BLOCK_SHARE``."""
    if not left.n or not right.n:
        return np.zeros((0, 2), np.int64)
    ldoc, rdoc = _shared_codes(left.doc, right.doc)
    lname, rname = _shared_codes(_name_keys(left), _name_keys(right))
    lk = _keys(left, True, ldoc, lname)
    rk = _keys(right, False, rdoc, rname)
    lk, rk = _small_blocks(lk, max_block), _small_blocks(rk, max_block)
    m = lk.merge(rk, on="key", suffixes=("_l", "_r"))
    key = m["i_l"].to_numpy(np.int64) * right.n + m["i_r"].to_numpy(np.int64)
    if same:
        key = key[key // right.n < key % right.n]
    key = np.sort(key)  # one int64 key per pair: sorts as (i, j)
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    return np.stack([key // right.n, key % right.n], axis=1).reshape(-1, 2)


def compare(left: Records, right: Records, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match score in 0..1 of each pair, and its parts (name, birth, document) as rows of an
    array for :func:`explain`.

    Notes
    -----
    ``0.55 name + 0.25 birth + 0.15 document + 0.05 nationality``, where the name part is
    :func:`engine.detect.names.similarity` (0 for names that share no token key, so without a
    shared token only an equal document and birth date come near the threshold); birth is 1 equal, 0.7 swapped day/month, 0.5 unknown, 0 different; document 1
    equal, 0.5 unknown, 0.3 different (people hold several); nationality 1, 0.5, 0.
    """
    if not len(pairs):
        return np.zeros(0), np.zeros((3, 0))
    i, j = pairs[:, 0], pairs[:, 1]
    name = _name_similarity(left, right, i, j)
    lb, rb = left.birth[i], right.birth[j]
    swapped = _swapped(lb)
    birth = np.where(
        (lb < 0) | (rb < 0), 0.5, np.where(lb == rb, 1.0, np.where(swapped == rb, 0.7, 0.0))
    )
    ld, rd = (c[k] for c, k in zip(_shared_codes(left.doc, right.doc), (i, j), strict=True))
    doc = np.where((ld < 0) | (rd < 0), 0.5, np.where(ld == rd, 1.0, 0.3))  # codes: '' is -1
    ln, rn = (
        c[k]
        for c, k in zip(_shared_codes(left.nationality, right.nationality), (i, j), strict=True)
    )
    nat = np.where((ln < 0) | (rn < 0), 0.5, np.where(ln == rn, 1.0, 0.0))
    score = 0.55 * name + 0.25 * birth + 0.15 * doc + 0.05 * nat
    return score, np.stack([name, birth, doc])


def _name_similarity(left: Records, right: Records, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The name part of :func:`compare` for pairs ``(i, j)``, scored once per distinct pair of
    names (a person's many travel records and namesakes repeat the same pairs). Pairs whose
    names share no token key score 0 without being compared (a sparse product over a name ×
    key matrix finds them, so only pairs sharing a key reach Python); a compound written split
    on one record and joined on the other is matched in :func:`~engine.detect.names.similarity`
    when the names share another key as well."""
    lc, rc = _shared_codes(left.name, right.name)  # '' gets -1: no tokens, scores 0
    base = int(max(lc.max(initial=-1), rc.max(initial=-1))) + 2
    key = (lc[i] + 1) * base + (rc[j] + 1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    a, b = i[first], j[first]
    stats = _token_stats(left, right)
    sim = np.zeros(len(a))
    if not len(a):
        return sim[inverse.ravel()]
    la, rb = lc[a], rc[b]
    toks = np.empty(base - 1, object)  # per code of the shared vocabulary
    toks[lc[lc >= 0]] = np.asarray(left.toks, object)[lc >= 0]
    toks[rc[rc >= 0]] = np.asarray(right.toks, object)[rc >= 0]
    keys = _key_matrix(toks)
    ok = (la >= 0) & (rb >= 0)
    shared = np.zeros(len(a), bool)
    if ok.any():
        hit = keys[la[ok]].multiply(keys[rb[ok]]).sum(axis=1)
        shared[np.flatnonzero(ok)] = np.asarray(hit).ravel() > 0
    for k in np.flatnonzero(shared).tolist():
        sim[k] = similarity(toks[la[k]], toks[rb[k]], stats)
    return sim[inverse.ravel()]


def _key_matrix(toks: np.ndarray) -> csr_matrix:
    """0/1 matrix (name × key) of the names' token keys."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for n, t in enumerate(toks.tolist()):
        if t is not None:
            for k in set(t.keys):
                rows.append(n)
                cols.append(vocab.setdefault(k, len(vocab)))
    shape = (len(toks), max(len(vocab), 1))
    return csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)


def _token_stats(left: Records, right: Records) -> TokenStats:
    """Key frequencies over the records of both sides (once when they are one side)."""
    sides = [left] if left is right else [left, right]
    toks = np.concatenate([np.asarray(r.toks, object) for r in sides])
    names = np.concatenate([np.asarray(r.name, object) for r in sides])
    codes, uniq = pd.factorize(names)
    counts = np.bincount(codes, minlength=len(uniq))
    first = np.unique(codes, return_index=True)[1]
    return TokenStats(toks[first].tolist(), counts.tolist())


_WORDS = {1.0: "same", 0.7: "day/month swapped", 0.5: "unknown", 0.0: "different", 0.3: "different"}


def explain(left: Records, right: Records, pairs: np.ndarray, parts: np.ndarray) -> list[str]:
    """The evidence of each pair in words (only for the pairs that are kept)."""
    return [
        f"name {n:.2f} ({left.name[i]!r} ~ {right.name[j]!r}); birth {_WORDS[float(bt)]}; "
        f"document {_WORDS[float(dt)]}"
        for (i, j), n, bt, dt in zip(pairs.tolist(), parts[0], parts[1], parts[2], strict=True)
    ]


@dataclass(frozen=True)
class Links:
    """Scored links between two sides: ``left[k]`` ↔ ``right[k]`` with ``score[k]``."""

    left: np.ndarray
    right: np.ndarray
    score: np.ndarray
    evidence: list[str]


def resolve_travellers(frame: Frame) -> Links:
    """Link each travel record to the party (or parties, for the same person at two banks) it
    most likely is; records without a match above ``er_threshold`` stay unlinked."""
    cfg = frame.config
    left, right = _frame_records(frame, "travel"), _frame_records(frame, "parties")
    pairs = candidate_pairs(left, right, cfg.er_max_block, same=False)
    score, parts = compare(left, right, pairs)
    ok = score >= cfg.er_threshold
    pairs, score, parts = pairs[ok], score[ok], parts[:, ok]
    if len(pairs):  # keep each record's best match and near-ties
        best = pd.Series(score).groupby(pairs[:, 0]).transform("max").to_numpy()
        keep = score >= best - 0.02
        pairs, score, parts = pairs[keep], score[keep], parts[:, keep]
    return Links(pairs[:, 0], pairs[:, 1], score, explain(left, right, pairs, parts))


def resolve_parties(frame: Frame) -> Links:
    """``same_as`` links between parties that are the same person (e.g. KYC at two banks)."""
    cfg = frame.config
    recs = _frame_records(frame, "parties")
    pairs = candidate_pairs(recs, recs, cfg.er_max_block, same=True)
    score, parts = compare(recs, recs, pairs)
    ok = score >= cfg.er_threshold + 0.05
    return Links(pairs[ok, 0], pairs[ok, 1], score[ok],
                 explain(recs, recs, pairs[ok], parts[:, ok]))  # fmt: skip


def _travellers(frame: Frame) -> Links:
    """Travel record → party links, cached under the key :mod:`engine.detect.people` uses."""
    if "travellers" not in frame.cache:
        frame.cache["travellers"] = resolve_travellers(frame)
    return frame.cache["travellers"]  # type: ignore[return-value]


def _person_of_entity(frame: Frame, same_as: Links | None) -> np.ndarray:
    """One person number per entity (parties, then travel records): entity resolution's
    ``same_as`` links between parties and its traveller → party links, joined transitively."""
    n_p, n_r = frame.parties.num_rows, frame.travel.num_rows
    t = _travellers(frame)
    us = [t.left + n_p, same_as.left if same_as is not None else np.zeros(0, np.int64)]
    vs = [t.right, same_as.right if same_as is not None else np.zeros(0, np.int64)]
    u, v = np.concatenate(us).astype(np.int64), np.concatenate(vs).astype(np.int64)
    return edge_components(u, v, n_p + n_r)


def shared_identifiers(frame: Frame, same_as: Links | None = None) -> Hits:
    """Pattern 18: people sharing a phone, e-mail or identity document under different names.

    Notes
    -----
    What is innocently shared is not reported (shared/domain.md, hard negatives):

    * entities that entity resolution links (a traveller and the party it was matched to, two
      KYC records of one person) are one person, and so are near-identical names (rapidfuzz
      token-sort ratio ≥ 85 on folded names or on their transliteration skeletons);
    * a phone or e-mail shared within one family (same surname) is normal;
    * an address alone is never an instance: flat shares, care homes, relatives and street
      names repeated across cities make it near-useless on its own. It only strengthens a
      phone, e-mail or document group whose distinct people also share an address;
    * groups larger than ``shared_max_group`` (× 4 for documents, which travel records repeat)
      are ignored: a switchboard number, an agency's e-mail.

    Travellers' documents join the parties' documents (travel record ``k`` is entity
    ``n_parties + k``); a document under two different names is a forger's trace.
    """
    cfg = frame.config
    p = frame.parties
    n_p = p.num_rows
    precs, trecs = _frame_records(frame, "parties"), _frame_records(frame, "travel")
    names = np.concatenate([np.asarray(precs.text, object), np.asarray(trecs.text, object)])
    skels = np.concatenate([np.asarray(precs.skel, object), np.asarray(trecs.skel, object)])
    keys = np.concatenate([np.asarray(precs.toks, object), np.asarray(trecs.toks, object)])
    births = np.concatenate([precs.birth, trecs.birth])
    person = _person_of_entity(frame, same_as)
    address = map_distinct(p.column("address"), fold)
    fields = {
        "phone": map_distinct(p.column("phone"), digits),
        "email": map_distinct(p.column("email"), lambda x: (x or "").strip().lower()),
        "document": np.concatenate([np.asarray(precs.doc, object), np.asarray(trecs.doc, object)]),
    }
    groups, strength, kinds = [], [], []
    for kind, values in fields.items():
        df = pd.DataFrame({"v": values, "e": np.arange(len(values), dtype=np.int64)})
        df = df[df["v"].str.len() >= 4]
        sizes = df.groupby("v")["e"].transform("size")
        df = df[(sizes >= 2) & (sizes <= cfg.shared_max_group * (4 if kind == "document" else 1))]
        if not len(df):
            continue
        df = df.sort_values(["v", "e"], kind="stable")
        vals, ents = df["v"].to_numpy(object), df["e"].to_numpy(np.int64)
        cuts = np.flatnonzero(vals[1:] != vals[:-1]) + 1
        for members in np.split(ents, cuts):
            reps = _distinct_people(members, names, skels, keys, births, person,
                                    kind != "document")  # fmt: skip
            if len(reps) < 2:
                continue
            weight = len(reps) / 2 * KIND_STRENGTH[kind]
            label = f"{kind}={values[members[0]]}"
            at = _shared_address(reps[reps < n_p], address)
            if at:
                weight += KIND_STRENGTH["address"]
                label += f"; address={at}"
            groups.append(members)
            strength.append(weight)
            kinds.append(label)
    parties = [g[g < n_p] for g in groups]
    recs = [g[g >= n_p] - n_p for g in groups]
    owner_nodes = _party_nodes(frame)
    none = np.zeros(0, np.int64)
    nodes = [np.concatenate([owner_nodes.get(int(x), none) for x in g] or [none]) for g in parties]
    params = {
        **cfg.subset("shared_"),
        "identifiers": "phone, email, document (address as corroboration)",
        "shared": kinds,
    }
    return from_groups("shared_identifier", SOURCES["identity"], params, strength,
                       [-1] * len(groups), nodes=nodes, recs=recs, parties=parties)  # fmt: skip


def _distinct_people(members: np.ndarray, names: np.ndarray, skels: np.ndarray, keys: np.ndarray,
                     births: np.ndarray, person: np.ndarray, surnames: bool) -> np.ndarray:  # fmt: skip
    """One representative entity per different person in a group.

    Entities resolved to one person are one, and so are similar names: rapidfuzz token-sort
    ratio ≥ 85, or ≥ 90 on the transliteration skeletons, or the same known birth date with a
    token-set ratio ≥ 90 (``El-Sayed`` / ``ELSAYED``, ``Al-Hassan Ali`` / ``ALHASSAN ALI``: one
    person's noisy records). Names are romanised and skeletons are sorted name keys, so one
    name in two scripts is one; an empty name is like no other. With ``surnames``, one family is
    one: names where the last key of one (the surname in KYC order; sources swap the order) is
    a key of the other."""
    reps: list[tuple[int, str, str, set[str], int, str]] = []
    out: list[int] = []
    for e in members.tolist():
        name, skel, born = names[e], skels[e], int(births[e])
        toks = set(keys[e].keys)
        last = keys[e].keys[-1] if surnames and keys[e].keys else ""
        if not any(
            person[e] == pe
            or (name and fuzz.token_sort_ratio(name, rn) >= 85)
            or (skel and fuzz.token_sort_ratio(skel, rs) >= 90)
            or (name and born >= 0 and born == rb and fuzz.token_set_ratio(name, rn) >= 90)
            or (surnames and ((last and last in rt) or (rl and rl in toks)))
            for pe, rn, rs, rt, rb, rl in reps
        ):
            reps.append((int(person[e]), name, skel, toks, born, last))
            out.append(e)
    return np.array(out, np.int64)


def _shared_address(parties: np.ndarray, address: np.ndarray) -> str:
    """An address held by two of ``parties`` (different people), or ''."""
    seen: set[str] = set()
    for e in parties.tolist():
        a = address[e]
        if len(a) >= 4:
            if a in seen:
                return a
            seen.add(a)
    return ""


def _party_nodes(frame: Frame) -> dict[int, np.ndarray]:
    party, node, _ = frame.holding_pairs
    order = np.argsort(party, kind="stable")
    party, node = party[order], node[order]
    uniq, start = np.unique(party, return_index=True)
    if not len(uniq):
        return {}
    return {int(u): g for u, g in zip(uniq, np.split(node, start[1:]), strict=True)}
