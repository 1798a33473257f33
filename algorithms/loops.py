"""Loops among transfers inside time windows: the edges on cycles of each window's graph, in one
pass.

A graph's 2-core is what is left after repeatedly removing nodes with one edge: every edge that
lies on a cycle, or on a path between cycles; cutting the bridges of the 2-core (Tarjan's low
links) leaves exactly the edges that lie on a cycle, in 2-edge-connected components. A window's graph of transfers between accounts
that otherwise never deal with each other is nearly a forest when those transfers are
independent (its mean degree is well below one over a short window); money that goes round,
is split and gathered again, or is passed densely within a set of accounts closes loops.
:func:`windowed_two_core` finds, for many windows at once, the edges on cycles of each window's
graph and the 2-edge-connected component each belongs to (two loops joined by one transfer
stay two).
"""

from __future__ import annotations

import numba
import numpy as np


def windowed_two_core(
    u: np.ndarray, v: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The edges on cycles of the graph of each window ``edges[lo[w]:hi[w]]`` (its 2-core less
    the bridges), and their 2-edge-connected components.

    Parameters
    ----------
    u, v : int arrays (m,)
        Endpoints of the edges (undirected), nodes ``0..n-1``, ordered so that each window is a
        slice.
    lo, hi : int arrays (n_windows,)
        Slice of each window.
    n : int
        Number of nodes.

    Returns
    -------
    window, edge, component : int64 arrays
        One row per (window, edge) on a cycle of that window's graph: the window, the edge's
        index into ``u``/``v``, and its 2-edge-connected component (numbered 0, 1, … over all
        windows). Parallel edges form a cycle of two; self-loops are ignored.
    edges, nodes : int64 arrays (n_components,)
        Edges and nodes of each component.
    """
    u = np.ascontiguousarray(u, np.int64)
    v = np.ascontiguousarray(v, np.int64)
    lo = np.ascontiguousarray(lo, np.int64)
    hi = np.ascontiguousarray(hi, np.int64)
    if len(u) != len(v) or len(lo) != len(hi):
        raise ValueError("u and v, and lo and hi, must have equal lengths")
    if len(lo) and (lo.min(initial=0) < 0 or hi.max(initial=0) > len(u) or (hi < lo).any()):
        raise ValueError("window slices must lie within the edges")
    if len(u) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise ValueError("edge endpoints must be nodes 0..n-1")
    return _two_core_kernel(u, v, lo, hi, n)  # type: ignore[no-any-return]


@numba.njit(cache=True, nogil=True)
def _root(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(cache=True, nogil=True)
def _two_core_kernel(u, v, lo, hi, n):  # type: ignore[no-untyped-def]
    deg = np.zeros(n, np.int64)
    start = np.zeros(n, np.int64)
    fill = np.zeros(n, np.int64)
    parent = np.arange(n)
    cid = np.full(n, -1, np.int64)  # component number of a root (this window)
    seen = np.full(n, -1, np.int64)  # last window a node was counted in
    m_max = 0
    total = 0
    for w in range(len(lo)):
        m_max = max(m_max, hi[w] - lo[w])
        total += hi[w] - lo[w]
    inc = np.zeros(2 * m_max, np.int64)  # incident window edges per node, CSR by start
    alive = np.zeros(m_max, np.bool_)
    queue = np.zeros(2 * m_max + 1, np.int64)
    disc = np.full(n, -1, np.int64)
    low = np.zeros(n, np.int64)
    stack_node = np.zeros(2 * m_max + 1, np.int64)
    stack_edge = np.zeros(2 * m_max + 1, np.int64)
    stack_pos = np.zeros(2 * m_max + 1, np.int64)
    out_w = np.empty(total, np.int64)
    out_e = np.empty(total, np.int64)
    out_c = np.empty(total, np.int64)
    c_edges = np.zeros(total + 1, np.int64)
    c_nodes = np.zeros(total + 1, np.int64)
    k = 0  # rows written
    n_comp = 0
    for w in range(len(lo)):
        a, b = lo[w], hi[w]
        m = b - a
        for i in range(m):
            x, y = u[a + i], v[a + i]
            alive[i] = x != y
            if alive[i]:
                deg[x] += 1
                deg[y] += 1
        # incidence lists (offsets + 1, so that 0 means unset)
        pos = 0
        for i in range(m):
            if alive[i]:
                for x in (u[a + i], v[a + i]):
                    if start[x] == 0:
                        start[x] = pos + 1
                        pos += deg[x]
        for i in range(m):
            if alive[i]:
                for x in (u[a + i], v[a + i]):
                    inc[start[x] - 1 + fill[x]] = i
                    fill[x] += 1
        # peel nodes of degree one
        qh, qt = 0, 0
        for i in range(m):
            if alive[i]:
                for x in (u[a + i], v[a + i]):
                    if deg[x] == 1:
                        queue[qt] = x
                        qt += 1
                        deg[x] = -1  # queued
        while qh < qt:
            x = queue[qh]
            qh += 1
            for j in range(start[x] - 1, start[x] - 1 + fill[x]):
                e = inc[j]
                if not alive[e]:
                    continue
                alive[e] = False
                y = v[a + e] if u[a + e] == x else u[a + e]
                if deg[y] > 0:
                    deg[y] -= 1
                    if deg[y] == 1:
                        queue[qt] = y
                        qt += 1
                        deg[y] = -1
        # bridges of what is left (an edge between two loops is on no loop) are cut:
        # iterative DFS with discovery times and low links (Tarjan)
        clock = 0
        for i in range(m):
            if not alive[i]:
                continue
            root = u[a + i]
            if disc[root] >= 0:
                continue
            disc[root] = clock
            low[root] = clock
            clock += 1
            sp = 0
            stack_node[0] = root
            stack_edge[0] = -1
            stack_pos[0] = start[root] - 1
            while sp >= 0:
                x = stack_node[sp]
                j = stack_pos[sp]
                if j < start[x] - 1 + fill[x]:
                    stack_pos[sp] = j + 1
                    e = inc[j]
                    if not alive[e] or e == stack_edge[sp]:
                        continue
                    y = v[a + e] if u[a + e] == x else u[a + e]
                    if disc[y] < 0:
                        disc[y] = clock
                        low[y] = clock
                        clock += 1
                        sp += 1
                        stack_node[sp] = y
                        stack_edge[sp] = e
                        stack_pos[sp] = start[y] - 1
                    elif disc[y] < low[x]:
                        low[x] = disc[y]
                else:
                    e = stack_edge[sp]
                    sp -= 1
                    if sp >= 0:
                        p = stack_node[sp]
                        if low[x] < low[p]:
                            low[p] = low[x]
                        if low[x] > disc[p]:
                            alive[e] = False  # a bridge
        # components of the surviving edges, numbered as they first appear
        for i in range(m):
            if alive[i]:
                rx, ry = _root(parent, u[a + i]), _root(parent, v[a + i])
                if rx != ry:
                    parent[max(rx, ry)] = min(rx, ry)
        for i in range(m):
            if alive[i]:
                r = _root(parent, u[a + i])
                if cid[r] < 0:
                    cid[r] = n_comp
                    n_comp += 1
                c = cid[r]
                out_w[k] = w
                out_e[k] = a + i
                out_c[k] = c
                k += 1
                c_edges[c] += 1
                for x in (u[a + i], v[a + i]):
                    if seen[x] != w:
                        seen[x] = w
                        c_nodes[c] += 1
        # reset what this window touched
        for i in range(m):
            for x in (u[a + i], v[a + i]):
                deg[x] = 0
                start[x] = 0
                fill[x] = 0
                parent[x] = x
                cid[x] = -1
                disc[x] = -1
            alive[i] = False
    return out_w[:k], out_e[:k], out_c[:k], c_edges[:n_comp], c_nodes[:n_comp]
