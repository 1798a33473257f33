"""Entity resolution and shared identifiers (shared/domain.md, pattern 18).

Travellers on manifests are linked to the parties banks know (KYC), and parties to each other
(the same person at two banks), by *blocking* (only records sharing a birth date, a document
number or a name key are compared) and *fuzzy comparison* with ``rapidfuzz`` (names folded to
ASCII, token order ignored for swapped surname/given name, a consonant skeleton for
transliterations such as Mohammed / Muhammad / Mohamed), birth dates (also with day and month
swapped), documents and nationality. Each link carries its score and the evidence behind it.

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
from rapidfuzz import fuzz, process

from engine.detect.frame import CACHE_SIZE, Frame, digits, fold, map_distinct
from engine.detect.hits import SOURCES, Hits, from_groups

_SPELLED = (("ae", "a"), ("oe", "o"), ("ue", "u"))
#: How strongly each shared identifier points at a network (an address is often innocently
#: shared: flat shares, care homes; a document under two names is a forger's trace).
KIND_STRENGTH = {"document": 2.0, "phone": 1.0, "email": 1.0, "address": 0.4}


@lru_cache(maxsize=CACHE_SIZE)
def canonical_name(name: str | None) -> str:
    """Folded name with German spelled-out umlauts reduced and hyphens removed (cached)."""
    text = fold(name)
    for a, b in _SPELLED:
        text = text.replace(a, b)
    return text


_VOWELS = re.compile(r"[aeiouw]")
_DOUBLES = re.compile(r"(.)\1+")
_NOT_DOC = re.compile(r"[^A-Z0-9]")


@lru_cache(maxsize=CACHE_SIZE)
def skeleton(token: str) -> str:
    """A transliteration-tolerant key: consonants only, ``ou``/``w`` → ``u``-less, doubles
    collapsed (Mohammed, Muhammad, Mohamed → ``mhmd``; Youssef, Yusuf → ``ysf``)."""
    t = token.replace("kh", "h").replace("ph", "f").replace("q", "k").replace("c", "k")
    t = _VOWELS.sub("", t)
    return _DOUBLES.sub(r"\1", t)


def _skeleton_name(name: str) -> str:
    return " ".join(s for s in (skeleton(t) for t in name.split()) if s)


def document_key(doc: str | None) -> str:
    """An identity document number as compared: upper-case letters and digits only."""
    return _NOT_DOC.sub("", (doc or "").upper())


@dataclass(frozen=True)
class Records:
    """Identity records of one side (travellers or parties), normalised.

    The string fields are object arrays (or lists) of one entry per record."""

    name: np.ndarray | list[str]
    skel: np.ndarray | list[str]
    birth: np.ndarray  # int64 days since epoch, -1 missing
    doc: np.ndarray | list[str]
    nationality: np.ndarray | list[str]

    @property
    def n(self) -> int:
        return len(self.name)


def _days(col: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(col, pa.int32()).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _col(values: pa.ChunkedArray | pa.Array | list) -> pa.Array | pa.ChunkedArray:
    return (
        values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values, pa.string())
    )


def _records(names, birth: np.ndarray, docs, nat) -> Records:
    """Normalise one side; names, documents and nationalities once per distinct value."""
    canon_skel = map_distinct(_col(names), lambda n: (c := canonical_name(n), _skeleton_name(c)))
    n = len(canon_skel)
    canon = np.empty(n, object)
    skel = np.empty(n, object)
    if n:
        canon[:] = [c for c, _ in canon_skel]
        skel[:] = [k for _, k in canon_skel]
    return Records(
        name=canon,
        skel=skel,
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
    """Birth dates with day and month swapped (-1 where impossible)."""
    out = np.full(len(days), -1, np.int64)
    ok = days >= 0
    d = days[ok].astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    month = (d.astype("datetime64[M]") - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    good = (day <= 12) & (day != month)
    swapped = (y.astype("datetime64[M]") + (day - 1).astype("timedelta64[M]")).astype(
        "datetime64[D]"
    ) + (month - 1).astype("timedelta64[D]")
    res = np.where(good, swapped.astype(np.int64), -1)
    out[np.flatnonzero(ok)] = res
    return out


def _pair_key(skel: str) -> str:
    """The two longest skeleton tokens, sorted ('' when the name has fewer than two)."""
    toks = sorted((skel or "").split(), key=len, reverse=True)[:2]
    return "|".join(sorted(toks)) if len(toks) == 2 else ""


#: Blocking key kinds, in the high bits of the int64 key (birth, swapped birth share one kind).
_BIRTH, _DOC, _NAME = 1, 2, 3
_KIND_SHIFT = 48


def _keys(
    r: Records, with_swapped: bool, doc_code: np.ndarray, name_code: np.ndarray
) -> pd.DataFrame:
    """Blocking keys ``(key, i)`` of one side as int64: birth date (and its day/month swap),
    document, and the name key (two longest skeleton tokens with the nationality). ``doc_code``
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


def _shared_codes(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def candidate_pairs(left: Records, right: Records, max_block: int, same: bool) -> np.ndarray:
    """Pairs ``(i, j)`` sharing a blocking key; keys held by more than ``max_block`` records of
    either side are dropped (a common birth date alone does not make a block)."""
    if not left.n or not right.n:
        return np.zeros((0, 2), np.int64)
    ldoc, rdoc = _shared_codes(left.doc, right.doc)
    lname, rname = _shared_codes(_name_keys(left), _name_keys(right))
    lk = _keys(left, True, ldoc, lname)
    rk = _keys(right, False, rdoc, rname)
    rk = rk[rk.groupby("key")["i"].transform("size") <= max_block]
    lk = lk[lk.groupby("key")["i"].transform("size") <= max_block]
    m = lk.merge(rk, on="key", suffixes=("_l", "_r"))
    pairs = (
        np.unique(m[["i_l", "i_r"]].to_numpy(np.int64), axis=0)
        if len(m)
        else np.zeros((0, 2), np.int64)
    )
    if same:
        pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    return pairs.reshape(-1, 2)


def compare(left: Records, right: Records, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match score in 0..1 of each pair, and its parts (name, birth, document) as rows of an
    array for :func:`explain`.

    Notes
    -----
    ``0.55 name + 0.25 birth + 0.15 document + 0.05 nationality``, where the name part is the
    better of rapidfuzz's token-sort ratio on folded names and 0.95 × the same on consonant
    skeletons; birth is 1 equal, 0.7 swapped day/month, 0.5 unknown, 0 different; document 1
    equal, 0.5 unknown, 0.3 different (people hold several); nationality 1, 0.5, 0.
    """
    if not len(pairs):
        return np.zeros(0), np.zeros((3, 0))
    i, j = pairs[:, 0], pairs[:, 1]
    a = np.asarray(left.name, object)[i]
    b = np.asarray(right.name, object)[j]
    sim = process.cpdist(a, b, scorer=fuzz.token_sort_ratio, workers=-1) / 100.0
    sk = process.cpdist(np.asarray(left.skel, object)[i], np.asarray(right.skel, object)[j],
                        scorer=fuzz.token_sort_ratio, workers=-1) / 100.0  # fmt: skip
    name = np.maximum(sim, 0.95 * sk)
    lb, rb = left.birth[i], right.birth[j]
    swapped = _swapped(lb)
    birth = np.where(
        (lb < 0) | (rb < 0), 0.5, np.where(lb == rb, 1.0, np.where(swapped == rb, 0.7, 0.0))
    )
    ld = np.asarray(left.doc, object)[i]
    rd = np.asarray(right.doc, object)[j]
    known = (ld != "") & (rd != "")
    doc = np.where(~known, 0.5, np.where(ld == rd, 1.0, 0.3))
    ln = np.asarray(left.nationality, object)[i]
    rn = np.asarray(right.nationality, object)[j]
    nat = np.where((ln == "") | (rn == ""), 0.5, np.where(ln == rn, 1.0, 0.0))
    score = 0.55 * name + 0.25 * birth + 0.15 * doc + 0.05 * nat
    return score, np.stack([name, birth, doc])


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


def shared_identifiers(frame: Frame, same_as: Links | None = None) -> Hits:
    """Pattern 18: parties (and travellers) sharing a phone, e-mail, address or identity
    document under different names. A shared address only counts across different surnames
    (families share addresses); groups larger than ``shared_max_group`` are ignored (a
    switchboard number, a hostel)."""
    cfg = frame.config
    p = frame.parties
    n_p = p.num_rows
    names = list(_frame_records(frame, "parties").name)
    fields = {
        "phone": map_distinct(p.column("phone"), digits),
        "email": map_distinct(p.column("email"), lambda x: (x or "").strip().lower()),
        "address": map_distinct(p.column("address"), fold),
        "document": _frame_records(frame, "parties").doc,
    }
    # travellers' documents join the document field (record k is entity n_p + k)
    t_docs = _frame_records(frame, "travel").doc
    t_names = list(_frame_records(frame, "travel").name)
    same = set()
    if same_as is not None:
        same = {(int(a), int(b)) for a, b in zip(same_as.left, same_as.right, strict=True)}
    groups, strength, kinds = [], [], []
    for kind, values in fields.items():
        ents = list(range(n_p))
        vals = list(values)
        ent_names = names
        if kind == "document":
            ents += [n_p + k for k in range(len(t_docs))]
            vals += list(t_docs)
            ent_names = names + t_names
        df = pd.DataFrame(
            {"v": pd.Series(vals, dtype=object), "e": pd.Series(ents, dtype=np.int64)}
        )
        df = df[df["v"].map(len) >= 4]
        sizes = df.groupby("v")["e"].transform("size")
        df = df[(sizes >= 2) & (sizes <= cfg.shared_max_group * (4 if kind == "document" else 1))]
        for v, g in df.groupby("v")["e"]:
            members = g.to_numpy()
            gnames = [ent_names[e] for e in members]
            distinct = _distinct_people(gnames, members, n_p, same, surnames=kind == "address")
            if distinct >= 2:
                groups.append(members)
                strength.append(distinct / 2 * KIND_STRENGTH[kind])
                kinds.append(f"{kind}={v}")
    parties = [[e for e in g if e < n_p] for g in groups]
    recs = [[e - n_p for e in g if e >= n_p] for g in groups]
    owner_nodes = _party_nodes(frame)
    nodes = [
        np.concatenate(
            [owner_nodes.get(int(x), np.zeros(0, np.int64)) for x in g] or [np.zeros(0, np.int64)]
        )
        for g in parties
    ]
    params = {
        **cfg.subset("shared_"),
        "identifiers": "phone, email, address, document",
        "shared": kinds,
    }
    return from_groups("shared_identifier", SOURCES["identity"], params, strength,
                       [-1] * len(groups), nodes=nodes, recs=recs, parties=parties)  # fmt: skip


def _distinct_people(names: list[str], members: np.ndarray, n_p: int, same: set,
                     surnames: bool) -> int:  # fmt: skip
    """How many different people a group of names holds (similar names are one person)."""
    reps: list[tuple[str, int]] = []
    for name, e in zip(names, members, strict=True):
        key = name.split()[-1] if surnames and name else name
        hit = False
        for rname, re_ in reps:
            if (min(e, re_), max(e, re_)) in same or fuzz.token_sort_ratio(key, rname) >= 85:
                hit = True
                break
        if not hit:
            reps.append((key, int(e)))
    return len(reps)


def _party_nodes(frame: Frame) -> dict[int, np.ndarray]:
    party, node, _ = frame.holding_pairs
    order = np.argsort(party, kind="stable")
    party, node = party[order], node[order]
    uniq, start = np.unique(party, return_index=True)
    if not len(uniq):
        return {}
    return {int(u): g for u, g in zip(uniq, np.split(node, start[1:]), strict=True)}
