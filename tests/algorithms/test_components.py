from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.components import (
    edge_components,
    strongly_connected_components,
    weakly_connected_components,
)
from tests.algorithms.conftest import csr


def partition(labels: np.ndarray) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)}


def first_appearance(labels: np.ndarray) -> bool:
    seen: list[int] = []
    for x in labels.tolist():
        if x not in seen:
            if x != len(seen):
                return False
            seen.append(x)
    return True


edges = st.integers(1, 25).flatmap(
    lambda n: st.tuples(
        st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60)
    )
)


@settings(max_examples=40, deadline=None)
@given(edges)
def test_components_match_networkx(case) -> None:
    n, pairs = case
    src = [p[0] for p in pairs]
    dst = [p[1] for p in pairs]
    indptr, indices = csr(n, src, dst)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(pairs)
    wcc = weakly_connected_components(indptr, indices)
    scc = strongly_connected_components(indptr, indices)
    assert partition(wcc) == {frozenset(c) for c in nx.weakly_connected_components(g)}
    assert partition(scc) == {frozenset(c) for c in nx.strongly_connected_components(g)}
    assert wcc.dtype == np.int64 and scc.dtype == np.int64
    assert first_appearance(wcc) and first_appearance(scc)


@settings(max_examples=60, deadline=None)
@given(edges)
def test_edge_list_components_match_networkx_and_scipy(case) -> None:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, pairs = case
    src = np.array([p[0] for p in pairs], np.int64)
    dst = np.array([p[1] for p in pairs], np.int64)
    labels = edge_components(src, dst, n)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(pairs)
    assert partition(labels) == {frozenset(c) for c in nx.connected_components(g)}
    assert labels.dtype == np.int64 and first_appearance(labels)
    # the labels the detectors had from scipy, exactly (both number by first appearance)
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    assert labels.tolist() == connected_components(graph, directed=False)[1].tolist()


def test_edge_list_components_validation() -> None:
    assert edge_components([], [], 3).tolist() == [0, 1, 2]
    assert len(edge_components(np.zeros(0, np.int64), np.zeros(0, np.int64), 0)) == 0
    with pytest.raises(ValueError, match="node numbers"):
        edge_components([0, 3], [1, 1], 3)
    with pytest.raises(ValueError, match="node numbers"):
        edge_components([0.5], [1.0], 3)
    with pytest.raises(ValueError, match="one length"):
        edge_components([0, 1], [1], 3)


def test_long_chain_needs_no_recursion() -> None:
    n = 200_000
    src = np.arange(n)
    dst = (src + 1) % n  # one big cycle: a recursive Tarjan would overflow
    indptr, indices = csr(n, src, dst)
    assert np.all(strongly_connected_components(indptr, indices) == 0)
    indptr, indices = csr(n, src[:-1], dst[:-1])
    assert np.array_equal(strongly_connected_components(indptr, indices), np.arange(n))
    assert np.all(weakly_connected_components(indptr, indices) == 0)


def test_empty_and_isolated() -> None:
    assert len(weakly_connected_components(np.zeros(1, np.int64), np.zeros(0, np.int32))) == 0
    labels = weakly_connected_components(np.zeros(4, np.int64), np.zeros(0, np.int32))
    assert labels.tolist() == [0, 1, 2]


def test_rejects_bad_arrays() -> None:
    with pytest.raises(ValueError, match="indptr"):
        weakly_connected_components(np.array([0.0, 1.0]), np.array([0], np.int32))
    with pytest.raises(ValueError, match="indices"):
        weakly_connected_components(np.array([0, 1]), np.array([5], np.int32))
    with pytest.raises(ValueError, match="indptr"):
        strongly_connected_components(np.array([0, 2]), np.array([0], np.int32))
