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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from engine.detect.frame import Frame, digits, fold
from engine.detect.hits import SOURCES, Hits, from_groups

_SPELLED = (("ae", "a"), ("oe", "o"), ("ue", "u"))
#: How strongly each shared identifier points at a network (an address is often innocently
#: shared: flat shares, care homes; a document under two names is a forger's trace).
KIND_STRENGTH = {"document": 2.0, "phone": 1.0, "email": 1.0, "address": 0.4}


def canonical_name(name: str | None) -> str:
    """Folded name with German spelled-out umlauts reduced and hyphens removed."""
    text = fold(name)
    for a, b in _SPELLED:
        text = text.replace(a, b)
    return text


def skeleton(token: str) -> str:
    """A transliteration-tolerant key: consonants only, ``ou``/``w`` → ``u``-less, doubles
    collapsed (Mohammed, Muhammad, Mohamed → ``mhmd``; Youssef, Yusuf → ``ysf``)."""
    t = token.replace("kh", "h").replace("ph", "f").replace("q", "k").replace("c", "k")
    t = re.sub(r"[aeiouw]", "", t)
    return re.sub(r"(.)\1+", r"\1", t)


def _skeleton_name(name: str) -> str:
    return " ".join(s for s in (skeleton(t) for t in name.split()) if s)


@dataclass(frozen=True)
class Records:
    """Identity records of one side (travellers or parties), normalised."""

    name: list[str]
    skel: list[str]
    birth: np.ndarray  # int64 days since epoch, -1 missing
    doc: list[str]
    nationality: list[str]

    @property
    def n(self) -> int:
        return len(self.name)


def _days(col: pa.ChunkedArray) -> np.ndarray:
    return pc.cast(col, pa.int32()).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _records(names: list, birth: np.ndarray, docs: list, nat: list) -> Records:
    canon = [canonical_name(n) for n in names]
    return Records(
        name=canon,
        skel=[_skeleton_name(n) for n in canon],
        birth=birth,
        doc=[re.sub(r"[^A-Z0-9]", "", (d or "").upper()) for d in docs],
        nationality=[(x or "").upper() for x in nat],
    )


def traveller_records(travel: pa.Table) -> Records:
    return _records(
        travel.column("traveller_name").to_pylist(),
        _days(travel.column("traveller_birth_date")),
        travel.column("traveller_document").to_pylist(),
        travel.column("traveller_nationality").to_pylist(),
    )


def party_records(parties: pa.Table) -> Records:
    return _records(
        parties.column("name").to_pylist(),
        _days(parties.column("birth_date")),
        parties.column("id_document_number").to_pylist(),
        parties.column("nationality").to_pylist(),
    )


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


def _keys(r: Records, with_swapped: bool) -> pd.DataFrame:
    idx = np.arange(r.n)
    frames = [pd.DataFrame({"key": ["b" + str(b) for b in r.birth], "i": idx})[r.birth >= 0]]
    if with_swapped:
        sw = _swapped(r.birth)
        frames.append(pd.DataFrame({"key": ["b" + str(b) for b in sw], "i": idx})[sw >= 0])
    frames.append(
        pd.DataFrame({"key": ["d" + d for d in r.doc], "i": idx})[[bool(d) for d in r.doc]]
    )
    pair_keys = []
    for s, nat in zip(r.skel, r.nationality, strict=True):
        toks = sorted(s.split(), key=len, reverse=True)[:2]
        pair_keys.append("n" + "|".join(sorted(toks)) + "|" + nat if len(toks) == 2 else "")
    frames.append(pd.DataFrame({"key": pair_keys, "i": idx})[[bool(k) for k in pair_keys]])
    return pd.concat(frames, ignore_index=True)


def candidate_pairs(left: Records, right: Records, max_block: int, same: bool) -> np.ndarray:
    """Pairs ``(i, j)`` sharing a blocking key; keys held by more than ``max_block`` records of
    either side are dropped (a common birth date alone does not make a block)."""
    if not left.n or not right.n:
        return np.zeros((0, 2), np.int64)
    lk = _keys(left, with_swapped=True)
    rk = _keys(right, with_swapped=False)
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
    left, right = traveller_records(frame.travel), party_records(frame.parties)
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
    recs = party_records(frame.parties)
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
    names = [canonical_name(x) for x in p.column("name").to_pylist()]
    fields = {
        "phone": [digits(x) for x in p.column("phone").to_pylist()],
        "email": [(x or "").strip().lower() for x in p.column("email").to_pylist()],
        "address": [fold(x) for x in p.column("address").to_pylist()],
        "document": [
            re.sub(r"[^A-Z0-9]", "", (x or "").upper())
            for x in p.column("id_document_number").to_pylist()
        ],
    }
    # travellers' documents join the document field (record k is entity n_p + k)
    t_docs = [
        re.sub(r"[^A-Z0-9]", "", (x or "").upper())
        for x in frame.travel.column("traveller_document").to_pylist()
    ]
    t_names = [canonical_name(x) for x in frame.travel.column("traveller_name").to_pylist()]
    same = set()
    if same_as is not None:
        same = {(int(a), int(b)) for a, b in zip(same_as.left, same_as.right, strict=True)}
    groups, strength, kinds = [], [], []
    for kind, values in fields.items():
        ents = list(range(n_p))
        vals = list(values)
        ent_names = list(names)
        if kind == "document":
            ents += [n_p + k for k in range(len(t_docs))]
            vals += t_docs
            ent_names += t_names
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
