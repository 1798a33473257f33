"""The windowed 2-core kernel against networkx on random multigraphs and windows."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from algorithms.loops import windowed_two_core


def _naive_two_core(u, v, lo, hi):
    """(sorted edge indices, component root of each) of the edges on cycles of edges[lo:hi]:
    the 2-core less its bridges (networkx), parallel edges a cycle of two."""
    g = nx.MultiGraph()
    g.add_edges_from((int(u[i]), int(v[i]), i) for i in range(lo, hi) if u[i] != v[i])
    while True:
        leaves = [x for x in g if g.degree(x) <= 1]
        if not leaves:
            break
        g.remove_nodes_from(leaves)
    simple = nx.Graph(g)
    multi = {frozenset((a, b)) for a, b in simple.edges() if g.number_of_edges(a, b) > 1}
    bridges = {frozenset(b) for b in nx.bridges(simple)} - multi
    g.remove_edges_from([(a, b, k) for a, b, k in g.edges(keys=True)
                         if frozenset((a, b)) in bridges])  # fmt: skip
    g.remove_nodes_from([x for x in list(g) if g.degree(x) == 0])
    root = {x: min(c) for c in nx.connected_components(g) for x in c}
    edges = sorted(k for _, _, k in g.edges(keys=True))
    return edges, [root[int(u[e])] for e in edges]


@pytest.mark.parametrize("seed", range(40))
def test_two_core_matches_networkx(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 25))
    m = int(rng.integers(0, 50))
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    cuts = np.sort(rng.integers(0, m + 1, 6))
    lo, hi = cuts[:3], cuts[3:]
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    w, e, c, n_edges, n_nodes = windowed_two_core(u, v, lo, hi, n)
    for k in range(3):
        mine = np.argsort(e[w == k], kind="stable")
        want_edges, want_roots = _naive_two_core(u, v, lo[k], hi[k])
        assert e[w == k][mine].tolist() == want_edges
        # the same partition of the core's edges into components
        got = c[w == k][mine]
        assert len(set(zip(got.tolist(), want_roots, strict=True))) == len(set(want_roots))
        assert len(set(got.tolist())) == len(set(want_roots))
        for comp in set(got.tolist()):
            edges = [want_edges[i] for i in np.flatnonzero(got == comp)]
            assert n_edges[comp] == len(edges)
            assert n_nodes[comp] == len({int(u[x]) for x in edges} | {int(v[x]) for x in edges})


def test_a_tree_has_no_core_and_a_triangle_is_all_core():
    u, v = np.array([0, 1, 1, 3, 4, 5]), np.array([1, 2, 3, 4, 5, 3])
    w, e, _c, n_edges, n_nodes = windowed_two_core(u, v, np.array([0, 0]), np.array([3, 6]), 6)
    assert e[w == 0].size == 0  # a star
    assert sorted(e[w == 1].tolist()) == [3, 4, 5]  # the triangle 3-4-5, not its tail
    assert n_edges.tolist() == [3] and n_nodes.tolist() == [3]


def test_two_loops_joined_by_one_transfer_stay_two():
    # triangles 0-1-2 and 3-4-5 and the bridge 2-3
    u, v = np.array([0, 1, 2, 3, 4, 5, 2]), np.array([1, 2, 0, 4, 5, 3, 3])
    w, e, c, n_edges, n_nodes = windowed_two_core(u, v, np.array([0]), np.array([7]), 6)
    assert sorted(e.tolist()) == [0, 1, 2, 3, 4, 5] and set(w.tolist()) == {0}
    comp = dict(zip(e.tolist(), c.tolist(), strict=True))
    assert comp[0] == comp[1] == comp[2] != comp[3] == comp[4] == comp[5]
    assert n_edges.tolist() == [3, 3] and n_nodes.tolist() == [3, 3]


def test_bad_slices_are_refused():
    u = v = np.array([0, 1])
    with pytest.raises(ValueError, match="within the edges"):
        windowed_two_core(u, v, np.array([0]), np.array([3]), 2)
    with pytest.raises(ValueError, match=r"nodes 0\.\.n-1"):
        windowed_two_core(u, np.array([0, 5]), np.array([0]), np.array([2]), 2)
