from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.ego import ego_network
from tests.algorithms.conftest import csr


def test_hub_is_capped_and_keeps_largest_amounts() -> None:
    leaves = 10_000
    rng = np.random.default_rng(0)
    amounts = rng.permutation(leaves).astype(np.float64) + 1.0
    src = np.concatenate([np.zeros(leaves, np.int64), np.arange(1, leaves + 1)])
    dst = np.concatenate([np.arange(1, leaves + 1), np.zeros(leaves, np.int64)])
    ts = np.concatenate([np.arange(leaves), np.arange(leaves)]).astype(np.int64)
    indptr, indices, w, t = csr(leaves + 1, src, dst, np.concatenate([amounts, amounts]), ts)
    nodes, edges, left = ego_network(indptr, indices, w, t, 0, hops=2, max_nodes=200)
    assert len(nodes) == 200 and nodes[0] == 0 and left == leaves - 199
    assert sorted(amounts[nodes[1:] - 1].tolist()) == list(np.arange(leaves - 198, leaves + 1.0))
    assert len(edges) == 2 * 199
    nodes, _, _ = ego_network(indptr, indices, w, t, 0, max_nodes=11, rank_by="recency")
    assert sorted(nodes[1:].tolist()) == list(range(leaves - 9, leaves + 1))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 20).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=50),
            st.integers(0, n - 1),
            st.integers(0, 3),
        )
    )
)
def test_uncapped_matches_networkx_ego_graph(case) -> None:
    n, pairs, center, hops = case
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(pairs)
    src = [u for u, v in g.edges()] + [v for u, v in g.edges() if u != v]
    dst = [v for u, v in g.edges()] + [u for u, v in g.edges() if u != v]
    m = len(src)
    indptr, indices, w, t = csr(n, src, dst, np.ones(m), np.zeros(m, np.int64))
    nodes, edges, left = ego_network(indptr, indices, w, t, center, hops=hops, max_nodes=n)
    assert set(nodes.tolist()) == set(nx.ego_graph(g, center, radius=hops).nodes)
    assert left == 0 and nodes[0] == center
    tails = np.repeat(np.arange(n), np.diff(indptr))
    keep = set(nodes.tolist())
    expected = [e for e in range(m) if tails[e] in keep and indices[e] in keep]
    assert sorted(edges.tolist()) == expected
    small, _, left_small = ego_network(indptr, indices, w, t, center, hops=hops, max_nodes=2)
    assert len(small) == min(2, len(nodes)) and len(small) + left_small <= len(nodes)


def test_validation() -> None:
    indptr, indices, w, t = csr(2, [0], [1], np.ones(1), np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="rank_by"):
        ego_network(indptr, indices, w, t, 0, rank_by="size")
    with pytest.raises(ValueError, match="center"):
        ego_network(indptr, indices, w, t, 5)
