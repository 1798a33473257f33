from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.leiden import leiden
from algorithms.modularity import modularity
from tests.algorithms.conftest import adjusted_rand_index, planted_partition, symmetric_csr
from tests.algorithms.test_louvain import GRAPHS, check_result, igraph_of


def assert_connected(graph: nx.Graph, labels: np.ndarray) -> None:
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c).tolist()
        assert nx.is_connected(graph.subgraph(members)), f"community {c} is disconnected"


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_modularity_close_to_igraph_and_connected(name: str) -> None:
    graph = GRAPHS[name]()
    indptr, indices, weights = symmetric_csr(graph)
    result = leiden(indptr, indices, weights, seed=1)
    check_result(result, indptr, indices, weights, nested=False)
    assert_connected(graph, result.labels)
    best_igraph = max(
        igraph_of(graph)
        .community_leiden(objective_function="modularity", weights="weight", n_iterations=2)
        .modularity
        for _ in range(5)
    )
    assert result.modularity >= best_igraph - 0.01


def test_planted_partition_recovered() -> None:
    graph, planted = planted_partition([40, 60, 50, 30, 70], 0.25, 0.01, seed=11)
    indptr, indices, weights = symmetric_csr(graph)
    assert adjusted_rand_index(leiden(indptr, indices, weights).labels, planted) > 0.95


def test_deterministic_for_a_seed() -> None:
    indptr, indices, weights = symmetric_csr(GRAPHS["powerlaw"]())
    a = leiden(indptr, indices, weights, seed=9)
    b = leiden(indptr, indices, weights, seed=9)
    assert np.array_equal(a.labels, b.labels) and a.modularity == b.modularity


def test_more_iterations_never_worse() -> None:
    indptr, indices, weights = symmetric_csr(GRAPHS["les_miserables"]())
    one = leiden(indptr, indices, weights, seed=3, n_iterations=1)
    three = leiden(indptr, indices, weights, seed=3, n_iterations=3)
    assert three.modularity >= one.modularity - 1e-12


def test_bridged_cliques_split_where_louvain_can_disconnect() -> None:
    # Two 5-cliques joined through a hub; a high resolution favours small pieces. Whatever
    # the partition, every community must be connected.
    graph = nx.barbell_graph(5, 1)
    graph.add_edge(0, 11)
    graph.add_edge(11, 12)
    indptr, indices, weights = symmetric_csr(graph)
    for gamma in (0.5, 1.0, 2.0, 4.0):
        result = leiden(indptr, indices, weights, resolution=gamma, seed=0)
        check_result(result, indptr, indices, weights, gamma, nested=False)
        assert_connected(graph, result.labels)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 30).flatmap(
        lambda n: st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.1, 5.0)),
            min_size=1,
            max_size=80,
        ).map(lambda e: (n, e))
    ),
    st.integers(0, 3),
    st.sampled_from([0.5, 1.0, 2.0]),
)
def test_random_graphs_connected_valid_partitions(case, seed: int, gamma: float) -> None:
    n, triples = case
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u, v, w in triples:
        g.add_edge(u, v, weight=w)
    indptr, indices, weights = symmetric_csr(g)
    result = leiden(indptr, indices, weights, seed=seed, resolution=gamma)
    check_result(result, indptr, indices, weights, gamma, nested=False)
    assert_connected(g, result.labels)
    singletons = modularity(indptr, indices, weights, np.arange(n), gamma)
    assert result.modularity >= singletons - 1e-12


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 3), st.sampled_from([0.5, 1.0, 2.0]))
def test_connected_after_every_kind_of_exit(seed: int, max_levels: int, gamma: float) -> None:
    # The disconnected-community split only runs after exits that can leave one (the level
    # cap, a refinement that merged nothing); a cap of 1-3 levels takes those exits. (These
    # graphs rarely produce a disconnected community at all: with the split disabled this
    # test still passed, so it checks the flag's exits, not the split itself.)
    graph = nx.powerlaw_cluster_graph(60, 2, 0.4, seed=seed)
    indptr, indices, weights = symmetric_csr(graph)
    result = leiden(indptr, indices, weights, seed=seed, resolution=gamma, max_levels=max_levels)
    check_result(result, indptr, indices, weights, gamma, nested=False)
    assert_connected(graph, result.labels)
