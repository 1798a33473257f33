from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.paths import cheapest_path, k_shortest_paths, shortest_path, time_respecting_path
from tests import naive
from tests.algorithms.conftest import csr

graphs = st.integers(2, 15).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(1, 9)),
            max_size=50,
        ),
        st.integers(0, n - 1),
        st.integers(0, n - 1),
    )
)


def digraph(n, triples) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, c in triples:
        if not g.has_edge(u, v) or g[u][v]["cost"] > c:
            g.add_edge(u, v, cost=float(c))
    return g


def assert_is_path(indptr, indices, nodes, edges) -> None:
    for i, e in enumerate(edges):
        assert indptr[nodes[i]] <= e < indptr[nodes[i] + 1]
        assert indices[e] == nodes[i + 1]


@settings(max_examples=80, deadline=None)
@given(graphs)
def test_shortest_and_cheapest_match_networkx(case) -> None:
    n, triples, s, t = case
    src, dst, cost = zip(*triples, strict=True) if triples else ((), (), ())
    indptr, indices, c = csr(n, src, dst, np.asarray(cost, dtype=np.float64))
    g = digraph(n, triples)
    hops = shortest_path(indptr, indices, s, t)
    nodes, edges, total = cheapest_path(indptr, indices, c, s, t)
    if nx.has_path(g, s, t):
        assert len(hops) - 1 == nx.shortest_path_length(g, s, t)
        assert all(g.has_edge(a, b) for a, b in itertools.pairwise(hops.tolist()))
        assert hops[0] == s and hops[-1] == t
        assert total == nx.shortest_path_length(g, s, t, weight="cost")
        assert_is_path(indptr, indices, nodes, edges)
        assert c[edges].sum() == total
    else:
        assert len(hops) == 0 and len(nodes) == 0 and total == np.inf


@settings(max_examples=50, deadline=None)
@given(graphs, st.integers(1, 6))
def test_k_shortest_costs_match_networkx(case, k: int) -> None:
    n, triples, s, t = case
    if s == t:
        return
    src, dst, cost = zip(*triples, strict=True) if triples else ((), (), ())
    indptr, indices, c = csr(n, src, dst, np.asarray(cost, dtype=np.float64))
    g = digraph(n, triples)
    got = k_shortest_paths(indptr, indices, c, s, t, k)
    if not nx.has_path(g, s, t):
        assert got == []
        return
    expected = [
        nx.path_weight(g, p, "cost")
        for p in itertools.islice(nx.shortest_simple_paths(g, s, t, weight="cost"), k)
    ]
    assert [p[2] for p in got] == expected
    assert len({tuple(p[0].tolist()) for p in got}) == len(got)
    for nodes, edges, total in got:
        assert_is_path(indptr, indices, nodes, edges)
        assert len(set(nodes.tolist())) == len(nodes)
        assert c[edges].sum() == total


@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 10).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 20)),
                max_size=40,
            ),
            st.integers(0, n - 1),
            st.integers(0, n - 1),
            st.integers(0, 5),
            st.integers(0, 8),
        )
    )
)
def test_time_respecting_path_is_earliest_arrival(case) -> None:
    n, triples, s, t, start, gap = case
    if s == t:
        return
    src = [x[0] for x in triples]
    ts = np.array([x[2] for x in triples], dtype=np.int64)
    order = np.lexsort((ts, np.asarray(src, dtype=np.int64)))  # rows sorted by time
    triples = [triples[i] for i in order]
    indptr, indices, tsorted = csr(n, [x[0] for x in triples], [x[1] for x in triples], ts[order])
    nodes, edges = time_respecting_path(indptr, indices, tsorted, s, t, start_ts=start, max_gap=gap)
    expected = naive.earliest_arrival(n, triples, s, t, start, gap)
    if expected is None:
        assert len(nodes) == 0 and len(edges) == 0
        return
    assert_is_path(indptr, indices, nodes, edges)
    times = tsorted[edges]
    assert times[0] >= start and times[-1] == expected
    assert np.all(np.diff(times) >= 0) and np.all(np.diff(times) <= gap)
    assert nodes[0] == s and nodes[-1] == t


def test_same_day_hops_chain_and_gap_blocks() -> None:
    day = 86_400_000_000
    indptr, indices, ts = csr(3, [0, 1], [1, 2], np.array([5 * day, 5 * day]))
    nodes, edges = time_respecting_path(indptr, indices, ts, 0, 2, start_ts=0, max_gap=0)
    assert nodes.tolist() == [0, 1, 2] and edges.tolist() == [0, 1]
    indptr, indices, ts = csr(3, [0, 1], [1, 2], np.array([5 * day, 9 * day]))
    nodes, _ = time_respecting_path(indptr, indices, ts, 0, 2, start_ts=0, max_gap=3 * day)
    assert len(nodes) == 0
    nodes, _ = time_respecting_path(indptr, indices, ts, 0, 2, start_ts=6 * day)
    assert len(nodes) == 0


def test_validation() -> None:
    indptr, indices = csr(2, [0], [1])
    with pytest.raises(ValueError, match="target"):
        shortest_path(indptr, indices, 0, 7)
    with pytest.raises(ValueError, match="cost"):
        cheapest_path(indptr, indices, np.array([1.0, 2.0]), 0, 1)
    with pytest.raises(ValueError, match="cost"):
        cheapest_path(indptr, indices, np.array([-1.0]), 0, 1)
    assert shortest_path(indptr, indices, 1, 1).tolist() == [1]
