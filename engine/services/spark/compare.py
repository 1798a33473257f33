"""How far two analyses of the same world agree (the Spark engine against the local one)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Agreement:
    """Clusters of run ``a`` matched to run ``b`` by their sets of members."""

    n_a: int
    n_b: int
    identical: int  # clusters of a whose member set is a cluster of b
    same_score: int  # ... and whose score agrees within the tolerance
    max_score_diff: float  # over the identical clusters
    same_rank: int  # identical clusters at the same rank

    @property
    def exact(self) -> bool:
        return self.n_a == self.n_b == self.identical == self.same_score == self.same_rank


def member_sets(clusters: pa.Table, members: pa.Table) -> dict[int, frozenset[tuple[str, str]]]:
    """Cluster id → its members as ``(kind, id)`` pairs."""
    out: dict[int, set[tuple[str, str]]] = {
        int(c): set() for c in clusters.column("cluster_id").to_pylist()
    }
    for c, kind, entity in zip(
        members.column("cluster_id").to_pylist(),
        members.column("entity_kind").to_pylist(),
        members.column("entity_id").to_pylist(),
        strict=True,
    ):
        out.setdefault(int(c), set()).add((kind, entity))
    return {c: frozenset(s) for c, s in out.items()}


def agreement(a: dict[str, pa.Table], b: dict[str, pa.Table], tol: float = 1e-9) -> Agreement:
    """Compare the ``clusters`` and ``cluster_members`` of two result sets."""
    sa = member_sets(a["clusters"], a["cluster_members"])
    sb = member_sets(b["clusters"], b["cluster_members"])
    score_a = dict(zip(a["clusters"].column("cluster_id").to_pylist(),
                       a["clusters"].column("score").to_pylist(), strict=True))  # fmt: skip
    score_b = dict(zip(b["clusters"].column("cluster_id").to_pylist(),
                       b["clusters"].column("score").to_pylist(), strict=True))  # fmt: skip
    of_b = {s: c for c, s in sb.items()}
    identical = same_score = same_rank = 0
    worst = 0.0
    for c, s in sa.items():
        if s not in of_b:
            continue
        identical += 1
        diff = abs(score_a[c] - score_b[of_b[s]])
        worst = max(worst, diff)
        same_score += diff <= tol
        same_rank += of_b[s] == c
    return Agreement(len(sa), len(sb), identical, same_score, worst, same_rank)
