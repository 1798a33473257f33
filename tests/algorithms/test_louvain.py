from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.louvain import CommunityResult, louvain
from algorithms.modularity import modularity
from tests.algorithms.conftest import adjusted_rand_index, planted_partition, symmetric_csr


def igraph_of(graph: nx.Graph) -> ig.Graph:
    g = ig.Graph(n=graph.number_of_nodes(), edges=list(graph.edges()))
    g.es["weight"] = [d.get("weight", 1.0) for _, _, d in graph.edges(data=True)]
    return g


def check_result(
    result: CommunityResult, indptr, indices, weights, gamma=1.0, *, nested=True
) -> None:
    n = len(indptr) - 1
    assert result.labels.dtype == np.int64 and result.labels.shape == (n,)
    assert np.array_equal(result.labels, result.levels[-1])
    for level in result.levels:
        k = level.max() + 1
        assert set(np.unique(level).tolist()) == set(range(k))
    for finer, coarser in zip(result.levels, result.levels[1:], strict=False):
        if not nested:
            break
        # Louvain: each coarser community is a union of finer ones
        for c in np.unique(finer):
            assert len(np.unique(coarser[finer == c])) == 1
    assert result.modularity == pytest.approx(
        modularity(indptr, indices, weights, result.labels, gamma), abs=1e-9
    )


GRAPHS = {
    "karate": lambda: nx.karate_club_graph(),
    "les_miserables": lambda: nx.convert_node_labels_to_integers(nx.les_miserables_graph()),
    "davis": lambda: nx.convert_node_labels_to_integers(nx.davis_southern_women_graph()),
    "sbm": lambda: planted_partition([30, 40, 50, 25], 0.3, 0.02, 3)[0],
    "powerlaw": lambda: nx.powerlaw_cluster_graph(300, 3, 0.3, seed=4),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_modularity_close_to_igraph(name: str) -> None:
    graph = GRAPHS[name]()
    indptr, indices, weights = symmetric_csr(graph)
    result = louvain(indptr, indices, weights, seed=1)
    check_result(result, indptr, indices, weights)
    best_igraph = max(
        igraph_of(graph).community_multilevel(weights="weight").modularity for _ in range(5)
    )
    assert result.modularity >= best_igraph - 0.02


def test_planted_partition_recovered() -> None:
    graph, planted = planted_partition([40, 60, 50, 30, 70], 0.25, 0.01, seed=11)
    indptr, indices, weights = symmetric_csr(graph)
    result = louvain(indptr, indices, weights, seed=0)
    assert adjusted_rand_index(result.labels, planted) > 0.95


def test_deterministic_and_seed_matters_only_through_order() -> None:
    graph = GRAPHS["powerlaw"]()
    indptr, indices, weights = symmetric_csr(graph)
    a = louvain(indptr, indices, weights, seed=5)
    b = louvain(indptr, indices, weights, seed=5)
    assert np.array_equal(a.labels, b.labels) and a.modularity == b.modularity


def test_resolution_changes_granularity() -> None:
    graph = GRAPHS["powerlaw"]()
    indptr, indices, weights = symmetric_csr(graph)
    coarse = louvain(indptr, indices, weights, resolution=0.3, seed=2)
    fine = louvain(indptr, indices, weights, resolution=3.0, seed=2)
    check_result(fine, indptr, indices, weights, 3.0)
    assert fine.labels.max() > coarse.labels.max()


def test_graph_without_edges_and_self_loops() -> None:
    result = louvain(np.zeros(4, np.int64), np.zeros(0, np.int32), None)
    assert result.labels.tolist() == [0, 1, 2] and result.modularity == 0.0
    g = nx.Graph([(0, 0), (1, 1), (0, 1)])
    indptr, indices, weights = symmetric_csr(g)
    result = louvain(indptr, indices, weights)
    check_result(result, indptr, indices, weights)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 30).flatmap(
        lambda n: st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=80
        ).map(lambda e: (n, e))
    ),
    st.integers(0, 3),
)
def test_random_graphs_give_valid_partitions(case, seed: int) -> None:
    n, pairs = case
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(pairs)
    indptr, indices, weights = symmetric_csr(g)
    result = louvain(indptr, indices, weights, seed=seed)
    check_result(result, indptr, indices, weights)
    singletons = modularity(indptr, indices, weights, np.arange(n))
    assert result.modularity >= singletons - 1e-12  # local moving only ever improves
