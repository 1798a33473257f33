"""Stable case ids: a case keeps its id from one analysis run to the next while it is the same
case, so notes, decisions and links made on "case 12" still point at it after a new upload.

Detection (:mod:`engine.detect.cases`) numbers the cases of a run by rank, 1..k. Before the
run is written, :func:`stabilise` matches them against the previous run's cases (read from the
store) and renumbers them:

* **Same case.** Two cases are compared by their core members (accounts, parties and travel
  records, not context) and the transactions of their evidence: ``overlap`` is the Jaccard
  similarity of the core members, averaged with that of the transactions when both cases have
  evidence transactions. Pairs with ``overlap >= SAME_OVERLAP`` are matched one-to-one,
  greedily from the most similar (ties: more shared members, then the better-ranked new
  case); a matched new case takes the old id.
* **Split.** An unmatched new case whose core is mostly (``>= SHARE``) part of an old case
  "split from" it, and gets a fresh id.
* **Merge.** An unmatched old case whose core mostly (``>= SHARE``) went into a new case was
  "merged into" it.
* **New** and **gone**: the rest (an old case whose parts all split off is not gone).

Fresh ids come from the store's counter (:meth:`engine.store.base.Store.reserve_case_ids`),
never below any id the store has shown, so an id is never given to two different cases. Each
run appends its matches to the ``case_lineage`` ledger (:mod:`engine.store.ledgers`) in the
same unit as its results.

With 0.5 as threshold a new case can match at most one old case that it mostly contains, so
the greedy matching equals the optimal one except on ties; on the generator's worlds the
number of cases is in the hundreds and matching takes milliseconds (one pass over the core
members with an inverted index).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.store import ledgers
from engine.store.base import Store

#: Smallest overlap at which a new case is the same case as an old one (keeps its id).
SAME_OVERLAP = 0.5
#: Share of a case's core that makes a split (new from old) or a merge (old into new).
SHARE = 0.5


@dataclass(frozen=True)
class Case:
    """What identifies a case: its core members (``kind:id``) and evidence transactions."""

    members: frozenset[str]
    txs: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Link:
    """One lineage row before ids are final: ``old`` id, ``new`` provisional key."""

    kind: str
    old: int | None
    new: int | None
    overlap: float | None


@dataclass
class Matching:
    """The outcome of :func:`match_cases`: ``same`` maps new keys to the old id they keep."""

    same: dict[int, int]
    links: list[Link]


def overlap(a: Case, b: Case) -> float:
    """Similarity of two cases (0..1): Jaccard of their core members, averaged with the
    Jaccard of their evidence transactions when both have some."""
    m = _jaccard(a.members, b.members)
    if a.txs and b.txs:
        return (m + _jaccard(a.txs, b.txs)) / 2
    return m


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def match_cases(
    old: Mapping[int, Case],
    new: Mapping[int, Case],
    *,
    same_overlap: float = SAME_OVERLAP,
    share: float = SHARE,
) -> Matching:
    """Match this run's cases (``new``, keyed by rank) to the previous run's (``old``, by id).

    Returns which new case keeps which old id, and the lineage: one ``same`` link per match,
    ``split``/``merge`` links as the module docstring defines them, ``new`` for a new case with
    no link, ``gone`` for an old case with none. Links list old ids and new keys; the new keys
    of unmatched cases are replaced by fresh ids afterwards (:func:`assign_ids`).
    """
    index: dict[str, list[int]] = {}
    for oid, case in old.items():
        for m in case.members:
            index.setdefault(m, []).append(oid)
    shared: dict[tuple[int, int], int] = {}
    for key, case in new.items():
        counts = Counter(oid for m in case.members for oid in index.get(m, ()))
        for oid, n in counts.items():
            shared[(oid, key)] = n
    pairs = sorted(
        ((overlap(old[o], new[k]), n, o, k) for (o, k), n in shared.items()),
        key=lambda p: (-p[0], -p[1], p[3], p[2]),
    )
    same: dict[int, int] = {}
    taken: set[int] = set()
    for sim, _, o, k in pairs:
        if sim < same_overlap:
            break
        if k in same or o in taken:
            continue
        same[k] = o
        taken.add(o)
    links = [Link("same", o, k, round(overlap(old[o], new[k]), 6)) for k, o in same.items()]
    merged: set[int] = set()  # old cases absorbed into a new one
    split: set[int] = set()  # new cases split from an old one
    parents: set[int] = set()  # old cases something split from
    for (o, k), n in sorted(shared.items()):
        if same.get(k) == o:
            continue
        sim = round(overlap(old[o], new[k]), 6)
        if o not in taken and n / max(len(old[o].members), 1) >= share:
            links.append(Link("merge", o, k, sim))
            merged.add(o)
        elif k not in same and n / max(len(new[k].members), 1) >= share:
            links.append(Link("split", o, k, sim))
            split.add(k)
            parents.add(o)
    links += [Link("new", None, k, None) for k in new if k not in same and k not in split]
    links += [Link("gone", o, None, None) for o in old
              if o not in taken and o not in merged and o not in parents]  # fmt: skip
    return Matching(same, links)


def cases_of(results: Mapping[str, pa.Table]) -> dict[int, Case]:
    """The cases of one run's result tables, by ``cluster_id``: core members from
    ``cluster_members`` (every role but context), transactions from ``evidence``."""
    clusters = results.get("clusters")
    if clusters is None or clusters.num_rows == 0:
        return {}
    members: dict[int, set[str]] = {int(c): set() for c in clusters["cluster_id"].to_pylist()}
    table = results.get("cluster_members")
    if table is not None and table.num_rows:
        core = table.filter(pc.not_equal(pc.fill_null(table["role"], ""), schema.CONTEXT_ROLE))
        for cid, kind, eid in zip(
            core["cluster_id"].to_pylist(),
            core["entity_kind"].to_pylist(),
            core["entity_id"].to_pylist(),
            strict=True,
        ):
            if cid in members:
                members[cid].add(f"{kind}:{eid}")
    txs: dict[int, set[str]] = {}
    evidence = results.get("evidence")
    if evidence is not None and evidence.num_rows:
        for cid, ids in zip(
            evidence["cluster_id"].to_pylist(), evidence["tx_ids"].to_pylist(), strict=True
        ):
            if cid in members and ids:
                txs.setdefault(cid, set()).update(ids)
    return {c: Case(frozenset(m), frozenset(txs.get(c, ()))) for c, m in members.items()}


def assign_ids(
    matching: Matching, new_keys: list[int], reserve: Callable[[int], int]
) -> dict[int, int]:
    """Final id of every new case: the old id it matched, else a fresh one from ``reserve(n)``
    (the first of ``n`` fresh ids), handed out in ``new_keys`` order (best rank first)."""
    fresh = [k for k in new_keys if k not in matching.same]
    first = reserve(len(fresh)) if fresh else 0
    ids = dict(matching.same)
    ids.update({k: first + i for i, k in enumerate(fresh)})
    return ids


def renumber(results: Mapping[str, pa.Table], ids: Mapping[int, int]) -> dict[str, pa.Table]:
    """``results`` with every ``cluster_id`` (clusters, members, evidence) replaced by
    ``ids[cluster_id]``; clusters stay sorted by rank."""
    out = dict(results)
    for name in ("clusters", "cluster_members", "evidence"):
        table = results.get(name)
        if table is None or table.num_rows == 0:
            continue
        at = table.schema.get_field_index("cluster_id")
        old = table["cluster_id"].to_pylist()
        mapped = pa.array([None if c is None else ids[int(c)] for c in old], pa.int64())
        out[name] = table.set_column(at, table.schema.field(at), mapped)
    if "clusters" in out and out["clusters"].num_rows:
        out["clusters"] = out["clusters"].sort_by([("rank", "ascending")])
    return out


def stabilise(
    store: Store, results: Mapping[str, pa.Table], run_id: str
) -> tuple[dict[str, pa.Table], pa.Table]:
    """This run's ``results`` with stable case ids, and the lineage rows to append.

    Reads the previous run's cases from ``store`` (its current results) and the lineage so
    far, matches (:func:`match_cases`), reserves fresh ids for the unmatched cases, and
    renumbers. Write the two together: ``store.write_results(tables,
    ledgers={"case_lineage": lineage})``.
    """
    previous = {n: store.read_results(n) for n in ("clusters", "cluster_members", "evidence")}
    old = cases_of(previous)
    old_run = _run_of(previous["clusters"])
    new = cases_of(results)
    ranks = _ranks(results["clusters"])
    keys = sorted(new, key=lambda c: (ranks.get(c, c), c))
    matching = match_cases(old, new)
    history = store.read_ledger("case_lineage")
    seen = [*old, *_ids_in(history)]
    floor = max(seen, default=0) + 1
    ids = assign_ids(matching, keys, lambda n: store.reserve_case_ids(n, floor=floor))
    now = datetime.now(UTC)
    rows = [
        {
            "run_id": run_id,
            "old_run_id": old_run if link.old is not None else None,
            "old_id": link.old,
            "new_id": None if link.new is None else ids[link.new],
            "kind": link.kind,
            "overlap": link.overlap,
            "at": now,
        }
        for link in matching.links
    ]
    lineage = pa.Table.from_pylist(rows, schema=ledgers.CASE_LINEAGE)
    return renumber(results, ids), lineage


def _run_of(clusters: pa.Table) -> str | None:
    if clusters.num_rows == 0:
        return None
    return clusters["run_id"][0].as_py()


def _ranks(clusters: pa.Table) -> dict[int, int]:
    ids, ranks = clusters["cluster_id"].to_pylist(), clusters["rank"].to_pylist()
    return {int(c): int(r) for c, r in zip(ids, ranks, strict=True) if r is not None}


def _ids_in(lineage: pa.Table) -> list[int]:
    ids = lineage["old_id"].to_pylist() + lineage["new_id"].to_pylist()
    return [int(i) for i in ids if i is not None]


# -- reading the lineage -------------------------------------------------------------------------


def case_history(lineage: pa.Table, case_id: int) -> list[dict[str, object]]:
    """What happened to case ``case_id``, oldest first: the lineage rows that name it (as old
    or new id) other than ``same``, each with ``kind``, ``old_id``, ``new_id``, ``at`` and
    ``overlap``. A case that is new in some run has a ``new`` row."""
    if lineage.num_rows == 0:
        return []
    mine = pc.or_(
        pc.equal(pc.fill_null(lineage["old_id"], -1), case_id),
        pc.equal(pc.fill_null(lineage["new_id"], -1), case_id),
    )
    rows = lineage.filter(pc.and_(mine, pc.not_equal(lineage["kind"], "same"))).to_pylist()
    return sorted(rows, key=lambda r: (r["at"] is None, r["at"]))


def case_runs(lineage: pa.Table, case_id: int) -> set[str]:
    """The runs in which case ``case_id`` existed, as the lineage knows them (the run that
    built it under that id, and the previous run a match or split names it in)."""
    return all_case_runs(lineage).get(int(case_id), set())


def all_case_runs(lineage: pa.Table) -> dict[int, set[str]]:
    """:func:`case_runs` of every case the lineage names, in one pass."""
    runs: dict[int, set[str]] = {}
    columns = [lineage[c].to_pylist() for c in ("run_id", "old_run_id", "old_id", "new_id")]
    for run, old_run, old, new in zip(*columns, strict=True):
        if new is not None and run:
            runs.setdefault(int(new), set()).add(run)
        if old is not None and old_run:
            runs.setdefault(int(old), set()).add(old_run)
    return runs
