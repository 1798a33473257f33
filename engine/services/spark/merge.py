"""The results of every part made into the results of one run, ranked globally.

Each part's analysis numbers its clusters 1..k by its own ranking. Here every cluster of every
part is ranked again by the single-machine order (score, then volume, both descending; ties by
part and local rank), ``cluster_id`` and ``rank`` become the global rank, and every table that
names a cluster follows. Components and communities are numbered apart per part; hub accounts,
which appear in every part that has a transfer with them, get one ``scores`` row whose degrees
and flows are summed over the parts (each transfer is in exactly one part).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.detect.evidence import MAX_CARD_CLUSTERS


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def merge_results(parts: dict[int, dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """Global ``clusters``, ``cluster_members``, ``evidence``, ``scores`` and ``links``; the
    other result tables (``account_features``, ``triage``, ``models``: the triage model is
    fitted per part) are the parts' tables one after the other.

    Parameters
    ----------
    parts : dict
        Part number → the result tables of that part's analysis
        (:func:`engine.services.pipeline.analyze_tables`).
    """
    order = sorted(parts)
    empty = {n: schema.empty(n) for n in schema.RESULT_TABLES}
    get = lambda p, n: parts[p].get(n, empty[n])  # noqa: E731
    # --- global ranking -------------------------------------------------------------------
    keys = []
    for p in order:
        c = get(p, "clusters")
        for cid, score, volume in zip(
            _column(c, "cluster_id"), _column(c, "score"), _column(c, "volume"), strict=True
        ):
            keys.append((-float(score), -float(volume), p, int(cid)))
    keys.sort()
    new_id = {(p, cid): rank for rank, (_, _, p, cid) in enumerate(keys, start=1)}

    def remap(p: int, ids: pa.ChunkedArray | pa.Array) -> pa.Array:
        values = ids.to_pylist()
        return pa.array(
            [None if v is None else new_id.get((p, int(v)), 0) for v in values], pa.int64()
        )

    out: dict[str, list[pa.Table]] = {n: [] for n in ("clusters", "cluster_members", "evidence")}
    comp_offset = comm_offset = 0
    score_parts = []
    for p in order:
        c = get(p, "clusters")
        ids = remap(p, c.column("cluster_id"))
        c = c.set_column(c.schema.get_field_index("cluster_id"), "cluster_id", ids)
        c = c.set_column(c.schema.get_field_index("rank"), "rank", ids)
        out["clusters"].append(c)
        m = get(p, "cluster_members")
        out["cluster_members"].append(
            m.set_column(0, "cluster_id", remap(p, m.column("cluster_id")))
        )
        e = get(p, "evidence")
        e = e.set_column(1, "cluster_id", remap(p, e.column("cluster_id")))
        e = e.append_column("_part", pa.array([p] * e.num_rows, pa.int64()))
        e = e.append_column("_seq", pa.array(np.arange(e.num_rows), pa.int64()))
        out["evidence"].append(e)
        s = get(p, "scores")
        comp, comm = _column(s, "component"), _column(s, "community")
        comp = np.where(comp >= 0, comp + comp_offset, comp)
        comm = np.where(comm >= 0, comm + comm_offset, comm)
        comp_offset = int(comp.max(initial=comp_offset - 1)) + 1
        comm_offset = int(comm.max(initial=comm_offset - 1)) + 1
        s = s.set_column(2, "component", pa.array(comp, pa.int64()))
        s = s.set_column(3, "community", pa.array(comm, pa.int64()))
        score_parts.append(s)
    clusters = pa.concat_tables(out["clusters"]).sort_by("cluster_id")
    members = pa.concat_tables(out["cluster_members"])  # part by part, in each part's order
    evidence = _renumber_evidence(pa.concat_tables(out["evidence"]))
    scores = _merge_scores(pa.concat_tables(score_parts) if score_parts else empty["scores"])
    links = pa.concat_tables([get(p, "links") for p in order]) if order else empty["links"]
    # no distinct: parties and travel records live in one part each, so their links do too,
    # and the local engine keeps repeated links (one paid_ticket per record)
    merged = {
        "clusters": clusters,
        "cluster_members": members,
        "evidence": evidence,
        "scores": scores,
        "links": links,
    }
    # other result tables (account features, triage, models) are each part's, concatenated
    for name in schema.RESULT_TABLES:
        if name not in merged and name != "runs":
            merged[name] = pa.concat_tables([get(p, name) for p in order]) if order else empty[name]
    return merged


def _renumber_evidence(evidence: pa.Table) -> pa.Table:
    """Cards of the best :data:`MAX_CARD_CLUSTERS` clusters, ids ``<run>-<cluster>-<n>``."""
    if not evidence.num_rows:
        return schema.empty("evidence")
    cid = evidence.column("cluster_id").fill_null(0)
    keep = pc.and_(pc.greater(cid, 0), pc.less_equal(cid, MAX_CARD_CLUSTERS))
    evidence = evidence.filter(keep).sort_by(
        [("cluster_id", "ascending"), ("_part", "ascending"), ("_seq", "ascending")]
    )
    runs = evidence.column("run_id").to_pylist()
    clusters = evidence.column("cluster_id").to_pylist()
    ids = [f"{r}-{c}-{i}" for i, (r, c) in enumerate(zip(runs, clusters, strict=True))]
    evidence = evidence.set_column(0, "evidence_id", pa.array(ids, pa.string()))
    return schema.conform(evidence.drop_columns(["_part", "_seq"]), "evidence")


def _merge_scores(scores: pa.Table) -> pa.Table:
    """One row per entity: the first part's row, degrees and flows summed over the parts."""
    if not scores.num_rows:
        return scores
    key = pc.binary_join_element_wise(
        scores.column("entity_kind"), scores.column("entity_id"), "\x1f"
    )
    _, first, inverse = np.unique(
        key.to_numpy(zero_copy_only=False), return_index=True, return_inverse=True
    )
    if len(first) == scores.num_rows:
        return scores
    groups = np.argsort(first)  # entities in the order of their first row
    merged = scores.take(pa.array(first[groups]))
    for name, kind in (("in_degree", np.int64), ("out_degree", np.int64),
                       ("inflow", np.float64), ("outflow", np.float64)):  # fmt: skip
        total = np.bincount(inverse, weights=_column(scores, name).astype(np.float64),
                            minlength=len(first))  # fmt: skip
        merged = merged.set_column(
            merged.schema.get_field_index(name), name, pa.array(total[groups].astype(kind))
        )
    return merged
