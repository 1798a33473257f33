"""Weakly connected components as an iterative DataFrame algorithm.

Large-star / small-star (Kiveris, Lattanzi, Mirrokni, Rastogi & Vassilvitskii 2014,
"Connected Components in MapReduce and Beyond"): each round is two group-bys and joins over
the edge list, O(log² n) rounds, and ends with every node linked to the smallest node id of its
component. The edge DataFrame is checkpointed every round so the lineage (and the query plan
Spark re-optimises) stays one round long however many rounds are run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

#: Rounds after which the algorithm gives up (log² of any realistic graph is far below this).
MAX_ROUNDS = 200


def _large_star(edges: DataFrame) -> DataFrame:
    """Link every larger neighbour of each node to the smallest id of the node's neighbourhood."""
    from pyspark.sql import functions as F  # noqa: N812

    both = edges.select(F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
        edges.select(F.col("b").alias("u"), F.col("a").alias("v"))
    )
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (
        both.join(smallest, "u")
        .where(F.col("v") > F.col("u"))
        .select(F.col("v").alias("a"), F.col("m").alias("b"))
        .distinct()
    )


def _small_star(edges: DataFrame) -> DataFrame:
    """Link each node and its smaller neighbours to the smallest of them (edges have a > b)."""
    from pyspark.sql import functions as F  # noqa: N812

    smallest = edges.groupBy("a").agg(F.min("b").alias("m"))
    joined = edges.join(smallest, "a")
    out = joined.select(F.col("b").alias("a"), F.col("m").alias("b")).unionByName(
        joined.select(F.col("a"), F.col("m").alias("b"))
    )
    return out.where(F.col("a") != F.col("b")).distinct()


def _fingerprint(edges: DataFrame) -> tuple[int, int, int]:
    """Count and two order-free sums of hashes of a distinct edge set, in one pass: equal
    fingerprints of consecutive rounds mean the rounds no longer change the edges."""
    from pyspark.sql import functions as F  # noqa: N812

    row = edges.agg(
        F.count(F.lit(1)),
        F.sum(F.xxhash64("a", "b").cast("decimal(38,0)")),
        F.sum(F.hash("a", "b").cast("long")),
    ).first()
    assert row is not None  # an aggregate without grouping has exactly one row
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)


def connected_components(edges: DataFrame, nodes: DataFrame) -> DataFrame:
    """Component of every node: the smallest node id reachable from it.

    Parameters
    ----------
    edges : DataFrame
        Columns ``src`` and ``dst`` (long node ids); direction and duplicates do not matter.
    nodes : DataFrame
        Column ``node`` (long): every node, including those without edges.

    Returns
    -------
    DataFrame
        Columns ``node`` and ``component`` (long), one row per distinct node.

    Notes
    -----
    Needs a checkpoint directory on the session (``sparkContext.setCheckpointDir``).
    """
    from pyspark.sql import functions as F  # noqa: N812

    e = (
        edges.where(F.col("src") != F.col("dst"))
        .select(
            F.greatest("src", "dst").alias("a"),
            F.least("src", "dst").alias("b"),
        )
        .distinct()
        .checkpoint(eager=True)
    )
    state = _fingerprint(e)
    for _ in range(MAX_ROUNDS):
        nxt = _small_star(_large_star(e)).checkpoint(eager=True)
        new_state = _fingerprint(nxt)
        if new_state == state:
            break
        e, state = nxt, new_state
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
    star = nxt.select(F.col("a").alias("node"), F.col("b").alias("component"))
    return (
        nodes.select("node")
        .distinct()
        .join(star, "node", "left")
        .select("node", F.coalesce("component", "node").alias("component"))
    )
