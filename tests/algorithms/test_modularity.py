from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.modularity import modularity
from tests.algorithms.conftest import symmetric_csr


@settings(max_examples=50, deadline=None)
@given(
    st.integers(2, 15).flatmap(
        lambda n: st.tuples(
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.1, 10)),
                min_size=1,
                max_size=40,
            ),
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
            st.sampled_from([0.5, 1.0, 2.0]),
        )
    )
)
def test_matches_networkx_with_self_loops(case) -> None:
    triples, labels, gamma = case
    n = len(labels)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for u, v, w in triples:
        g.add_edge(u, v, weight=w)
    indptr, indices, weights = symmetric_csr(g)
    labels = np.asarray(labels)
    communities = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    expected = nx.community.modularity(g, communities, resolution=gamma)
    got = modularity(indptr, indices, weights, labels, resolution=gamma)
    assert got == pytest.approx(expected, abs=1e-12)


def test_no_edges_and_bad_labels() -> None:
    indptr = np.zeros(3, np.int64)
    assert modularity(indptr, np.zeros(0, np.int32), None, np.array([0, 1])) == 0.0
    with pytest.raises(ValueError, match="labels"):
        modularity(indptr, np.zeros(0, np.int32), None, np.array([0]))
    with pytest.raises(ValueError, match="weights"):
        modularity(np.array([0, 1]), np.array([0], np.int32), np.array([-1.0]), np.array([0]))
