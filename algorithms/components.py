"""Weakly and strongly connected components of a CSR graph.

Labels are int64, ``0..k-1``, numbered by first appearance: the component of node 0 is 0, the
next component met while scanning nodes in order is 1, and so on. The numbering therefore
depends only on the graph, never on traversal details.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from algorithms._csr import check_csr
from algorithms.ordering import bucket_by_row


def weakly_connected_components(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Weakly connected components (edge direction ignored).

    Parameters
    ----------
    indptr : int64 (n+1,)
    indices : int32 (m,)
        A directed or symmetric CSR graph; an edge in either direction joins its endpoints.

    Returns
    -------
    labels : int64 (n,)
        Component of each node, numbered by first appearance.

    Notes
    -----
    Union-find with path halving, always linking the larger root under the smaller one, so every
    root is the smallest node of its set and the final numbering is one scan: O(m α(n)) time,
    O(n) extra memory, no recursion and no queue.
    """
    ip, ix = check_csr(indptr, indices)
    return _wcc_kernel(ip, ix)


def edge_components(src: npt.ArrayLike, dst: npt.ArrayLike, n: int) -> np.ndarray:
    """Connected components of ``n`` nodes joined by the edges ``src[i] — dst[i]`` (either way).

    Parameters
    ----------
    src, dst : int arrays (m,)
        Endpoints, node numbers in ``0..n-1``.
    n : int
        Number of nodes (isolated ones get components of their own).

    Returns
    -------
    labels : int64 (n,)
        As :func:`weakly_connected_components`: numbered by first appearance.

    Notes
    -----
    A counting sort into CSR (O(n + m)), then the union-find of
    :func:`weakly_connected_components`.
    """
    s = np.asarray(src)
    d = np.asarray(dst)
    if s.shape != d.shape or s.ndim != 1:
        raise ValueError(
            f"src and dst must be one-dimensional of one length, not {s.shape}, {d.shape}"
        )
    if len(s) and (s.dtype.kind not in "iu" or d.dtype.kind not in "iu"):
        raise ValueError(f"src and dst must be integer node numbers, not {s.dtype}, {d.dtype}")
    if len(s) and (min(s.min(), d.min()) < 0 or max(s.max(), d.max()) >= n):
        raise ValueError(f"src and dst must be node numbers in 0..{n - 1}")
    s = s.astype(np.int64, copy=False)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(s, minlength=n), out=indptr[1:])
    order = bucket_by_row(s, np.arange(len(s), dtype=np.int64), indptr)
    return weakly_connected_components(indptr, d[order].astype(np.int32))


@numba.njit(cache=True, nogil=True)
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(cache=True, nogil=True)
def _wcc_kernel(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    n = len(indptr) - 1
    parent = np.arange(n, dtype=np.int32)
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if parent[v] == parent[u]:
                continue
            a = _find(parent, u)
            b = _find(parent, v)
            if a < b:
                parent[b] = a
            elif b < a:
                parent[a] = b
    labels = np.empty(n, dtype=np.int64)
    k = 0
    for u in range(n):
        p = parent[u]
        if p == u:
            labels[u] = k
            k += 1
        else:
            # parent[p] < u is already final: its root is the smallest node, labelled earlier.
            labels[u] = labels[_find(parent, p)]
    return labels


def strongly_connected_components(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Strongly connected components of a directed CSR graph.

    Parameters
    ----------
    indptr : int64 (n+1,)
    indices : int32 (m,)

    Returns
    -------
    labels : int64 (n,)
        Component of each node, numbered by first appearance.

    Notes
    -----
    Tarjan's algorithm (Tarjan 1972, "Depth-first search and linear graph algorithms") with an
    explicit stack of (node, next edge) frames instead of recursion, so deep graphs cannot
    overflow the call stack: O(n + m) time, O(n) memory.
    """
    ip, ix = check_csr(indptr, indices)
    return _scc_kernel(ip, ix)


@numba.njit(cache=True, nogil=True)
def _scc_kernel(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    n = len(indptr) - 1
    index = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    on_stack = np.zeros(n, dtype=np.bool_)
    comp = np.full(n, -1, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    call_node = np.empty(n, dtype=np.int64)
    call_edge = np.empty(n, dtype=np.int64)
    sp = 0
    counter = 0
    n_comp = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        depth = 0
        call_node[0] = root
        call_edge[0] = indptr[root]
        index[root] = counter
        low[root] = counter
        counter += 1
        stack[sp] = root
        sp += 1
        on_stack[root] = True
        while depth >= 0:
            u = call_node[depth]
            e = call_edge[depth]
            if e < indptr[u + 1]:
                call_edge[depth] = e + 1
                v = indices[e]
                if index[v] < 0:
                    index[v] = counter
                    low[v] = counter
                    counter += 1
                    stack[sp] = v
                    sp += 1
                    on_stack[v] = True
                    depth += 1
                    call_node[depth] = v
                    call_edge[depth] = indptr[v]
                elif on_stack[v] and index[v] < low[u]:
                    low[u] = index[v]
                continue
            if low[u] == index[u]:
                while True:
                    sp -= 1
                    w = stack[sp]
                    on_stack[w] = False
                    comp[w] = n_comp
                    if w == u:
                        break
                n_comp += 1
            depth -= 1
            if depth >= 0:
                parent = call_node[depth]
                if low[u] < low[parent]:
                    low[parent] = low[u]
    return _renumber(comp, n_comp)


@numba.njit(cache=True, nogil=True)
def _renumber(labels: np.ndarray, k: int) -> np.ndarray:
    """Relabel so that labels appear in increasing order of their first node."""
    new = np.full(k, -1, dtype=np.int64)
    out = np.empty(len(labels), dtype=np.int64)
    nxt = 0
    for u in range(len(labels)):
        c = labels[u]
        if new[c] < 0:
            new[c] = nxt
            nxt += 1
        out[u] = new[c]
    return out
