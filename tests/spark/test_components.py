"""Large-star / small-star components against scipy's on random graphs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

pytestmark = pytest.mark.spark


def _partition(nodes, labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for n, c in zip(nodes, labels, strict=True):
        groups.setdefault(int(c), set()).add(int(n))
    return {frozenset(g) for g in groups.values()}


def test_components_match_scipy(spark, tmp_path) -> None:
    from engine.services.spark.components import connected_components

    spark.sparkContext.setCheckpointDir(str(tmp_path / "ck"))
    rng = np.random.default_rng(0)
    n = 400
    # sparse random graph (many components), a long path (many rounds), self-loops, duplicates
    src = rng.integers(0, n, 250)
    dst = rng.integers(0, n, 250)
    path = np.arange(1000, 1040)
    src = np.r_[src, path[:-1], 7, 3, 3]
    dst = np.r_[dst, path[1:], 7, 5, 5]
    isolated = np.array([5000, 5001])
    nodes = np.unique(np.r_[src, dst, isolated])
    edges = spark.createDataFrame(
        [(int(a), int(b)) for a, b in zip(src, dst, strict=True)], "src long, dst long"
    )
    node_df = spark.createDataFrame([(int(x),) for x in nodes], "node long")
    got = connected_components(edges, node_df).toPandas()
    assert sorted(got["node"]) == sorted(nodes.tolist())
    index = {int(x): i for i, x in enumerate(nodes)}
    m = coo_matrix(
        (np.ones(len(src)), ([index[int(x)] for x in src], [index[int(x)] for x in dst])),
        shape=(len(nodes), len(nodes)),
    )
    _, labels = scipy_components(m, directed=False)
    assert _partition(got["node"], got["component"]) == _partition(nodes, labels)
    # each component is named by its smallest node
    for comp, group in got.groupby("component"):
        assert comp == group["node"].min()
