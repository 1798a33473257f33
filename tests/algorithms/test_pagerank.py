from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.pagerank import pagerank
from tests.algorithms.conftest import csr


def networkx_pagerank(n, src, dst, w, **kwargs) -> np.ndarray:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v, x in zip(src, dst, w, strict=True):
        if g.has_edge(u, v):
            g[u][v]["weight"] += x
        else:
            g.add_edge(u, v, weight=x)
    pr = nx.pagerank(g, weight="weight", tol=1e-13, max_iter=1000, **kwargs)
    return np.array([pr[i] for i in range(n)])


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 25).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.1, 5.0)),
                max_size=70,
            ),
            st.none() | st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n),
            st.sampled_from([0.5, 0.85, 0.95]),
        )
    )
)
def test_matches_networkx_with_dangling_nodes_and_personalisation(case) -> None:
    n, triples, person, alpha = case
    if person is not None and sum(person) == 0:
        person = None
    src = [t[0] for t in triples]
    dst = [t[1] for t in triples]
    w = np.array([t[2] for t in triples], dtype=np.float64)
    indptr, indices, weights = csr(n, src, dst, w)
    got = pagerank(
        indptr,
        indices,
        weights,
        damping=alpha,
        personalization=None if person is None else np.array(person),
        tol=1e-14,
        max_iter=1000,
    )
    kwargs = {} if person is None else {"personalization": dict(enumerate(person))}
    expected = networkx_pagerank(n, src, dst, w, alpha=alpha, **kwargs)
    assert np.allclose(got, expected, atol=1e-6, rtol=0)
    assert got.sum() == pytest.approx(1.0)


def test_unweighted_counts_parallel_edges() -> None:
    indptr, indices = csr(3, [0, 0, 0, 1, 2], [1, 1, 2, 2, 0])
    got = pagerank(indptr, indices, tol=1e-14, max_iter=1000)
    expected = networkx_pagerank(3, [0, 0, 1, 2], [1, 2, 2, 0], [2.0, 1.0, 1.0, 1.0])
    assert np.allclose(got, expected, atol=1e-9)


def test_suspect_personalisation_ranks_neighbours_first() -> None:
    indptr, indices = csr(6, [0, 1, 2, 3, 4, 5], [1, 2, 0, 4, 5, 3])
    person = np.array([1.0, 0, 0, 0, 0, 0])
    scores = pagerank(indptr, indices, personalization=person)
    assert scores[:3].min() > scores[3:].max()
    assert np.allclose(scores[3:], 0.0)


def test_rejects_bad_input() -> None:
    indptr, indices = csr(2, [0], [1])
    with pytest.raises(ValueError, match="damping"):
        pagerank(indptr, indices, damping=1.5)
    with pytest.raises(ValueError, match="personalization"):
        pagerank(indptr, indices, personalization=np.zeros(2))
    with pytest.raises(ValueError, match="weights"):
        pagerank(indptr, indices, np.array([1.0, 2.0]))


def test_parallel_and_serial_kernels_agree() -> None:
    from algorithms.pagerank import (
        _power_iteration,
        _power_iteration_push,
        _transpose_normalised,
    )

    rng = np.random.default_rng(1)
    indptr, indices, w = csr(
        300, rng.integers(0, 300, 2000), rng.integers(0, 300, 2000), rng.random(2000)
    )
    t = _transpose_normalised(indptr, indices, w)
    p = np.full(300, 1 / 300)
    a = _power_iteration(*t, p, 0.85, 1e-12, 500)
    b = _power_iteration_push(indptr, indices, w, p, 0.85, 1e-12, 500)
    assert np.allclose(a, b, atol=1e-12, rtol=0)
