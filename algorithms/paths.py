"""Paths between two nodes: fewest hops, cheapest, the k cheapest, and time-respecting.

All functions take the directed out-CSR and return node arrays; the weighted and temporal
ones also return *edge positions* (indices into the CSR arrays), so callers can map each hop
to ``edge_ids`` (the transaction behind it) and show it as evidence.
"""

from __future__ import annotations

import numba
import numpy as np

from algorithms._csr import check_csr, check_edge_array, check_node, check_weights
from algorithms._heap import heap_pop, heap_push
from algorithms._search import lower_bound, upper_bound

_EMPTY = np.zeros(0, dtype=np.int64)


def shortest_path(indptr: np.ndarray, indices: np.ndarray, source: int, target: int) -> np.ndarray:
    """A path with the fewest hops from ``source`` to ``target``.

    Returns
    -------
    int64 (h+1,)
        The nodes from source to target; empty when target is unreachable; ``[source]`` when
        they are the same node.

    Notes
    -----
    Breadth-first search stopping at the target, O(n + m); among equally short paths the one
    through the earliest CSR positions is returned.
    """
    ip, ix = check_csr(indptr, indices)
    n = len(ip) - 1
    s, t = check_node("source", source, n), check_node("target", target, n)
    return _bfs_kernel(ip, ix, s, t)


@numba.njit(cache=True, nogil=True)
def _bfs_kernel(indptr, indices, source, target):
    n = len(indptr) - 1
    parent = np.full(n, -1, dtype=np.int64)
    parent[source] = source
    queue = np.empty(n, dtype=np.int64)
    queue[0] = source
    head, tail = 0, 1
    while head < tail and parent[target] < 0:
        u = queue[head]
        head += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if parent[v] < 0:
                parent[v] = u
                queue[tail] = v
                tail += 1
    if parent[target] < 0:
        return np.zeros(0, dtype=np.int64)
    length = 1
    x = target
    while x != source:
        x = parent[x]
        length += 1
    out = np.empty(length, dtype=np.int64)
    x = target
    for i in range(length - 1, -1, -1):
        out[i] = x
        x = parent[x]
    return out


def cheapest_path(
    indptr: np.ndarray, indices: np.ndarray, cost: np.ndarray, source: int, target: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """The path of least total ``cost`` (Dijkstra).

    Parameters
    ----------
    cost : float64 (m,)
        Non-negative cost of each edge. For the *strongest* path by amount, pass a decreasing
        function of the amount, such as ``-log(amount / amount.max())`` or ``1 / amount``.

    Returns
    -------
    nodes : int64 (h+1,)
        Empty when unreachable.
    edges : int64 (h,)
        CSR position of each hop (the cheapest of parallel edges).
    total : float
        Sum of the costs (``inf`` when unreachable).

    Notes
    -----
    Dijkstra 1959 with a binary heap and lazy deletion, stopping when the target is settled:
    O((n + m) log n).
    """
    ip, ix = check_csr(indptr, indices)
    n = len(ip) - 1
    c = check_weights(cost, len(ix), name="cost")
    s, t = check_node("source", source, n), check_node("target", target, n)
    nodes, edges, total = _dijkstra(
        ip, ix, c, s, t, np.zeros(n, np.bool_), np.zeros(len(ix), np.bool_)
    )
    return nodes, edges, float(total)


@numba.njit(cache=True, nogil=True)
def _dijkstra(indptr, indices, cost, source, target, blocked_node, blocked_edge):
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    via = np.full(n, -1, dtype=np.int64)  # edge position used to reach each node
    done = np.zeros(n, dtype=np.bool_)
    keys = np.empty(64, dtype=np.float64)
    items = np.empty(64, dtype=np.int64)
    size = 0
    dist[source] = 0.0
    keys, items, size = heap_push(keys, items, size, 0.0, source)
    while size > 0:
        d, u, size = heap_pop(keys, items, size)
        if done[u]:
            continue
        done[u] = True
        if u == target:
            break
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if blocked_edge[e] or blocked_node[v] or done[v]:
                continue
            nd = d + cost[e]
            if nd < dist[v]:
                dist[v] = nd
                via[v] = e
                keys, items, size = heap_push(keys, items, size, nd, v)
    if not done[target]:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.inf
    hops = 0
    x = target
    while x != source:
        e = via[x]
        x = _tail(indptr, e)
        hops += 1
    nodes = np.empty(hops + 1, dtype=np.int64)
    edges = np.empty(hops, dtype=np.int64)
    x = target
    nodes[hops] = target
    for i in range(hops - 1, -1, -1):
        e = via[x]
        edges[i] = e
        x = _tail(indptr, e)
        nodes[i] = x
    return nodes, edges, dist[target]


@numba.njit(cache=True, nogil=True)
def _tail(indptr, e):
    """The row (source node) of CSR position ``e``, by binary search."""
    lo, hi = 0, len(indptr) - 2
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if indptr[mid] <= e:
            lo = mid
        else:
            hi = mid - 1
    return lo


def k_shortest_paths(
    indptr: np.ndarray,
    indices: np.ndarray,
    cost: np.ndarray | None,
    source: int,
    target: int,
    k: int,
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The ``k`` cheapest loopless paths (Yen's algorithm), cheapest first.

    Parameters
    ----------
    cost : float64 (m,) or None
        Non-negative edge costs; None counts hops.
    k : int
        How many paths at most.

    Returns
    -------
    list of (nodes, edges, total)
        As :func:`cheapest_path`; fewer than ``k`` when fewer simple paths exist. Paths differ
        in their node sequence (parallel edges between the same nodes count once, at their
        cheapest).

    Notes
    -----
    Yen 1971, "Finding the k shortest loopless paths in a network": each new path costs up to
    h Dijkstra runs (h its length), each O((n + m) log n), with the spur node's root-path
    edges and root nodes blocked.
    """
    ip, ix = check_csr(indptr, indices)
    n = len(ip) - 1
    c = check_weights(cost, len(ix), name="cost")
    s, t = check_node("source", source, n), check_node("target", target, n)
    if k < 1:
        return []
    blocked_node = np.zeros(n, np.bool_)
    blocked_edge = np.zeros(len(ix), np.bool_)
    first = _dijkstra(ip, ix, c, s, t, blocked_node, blocked_edge)
    if len(first[0]) == 0:
        return []
    found = [(first[0], first[1], float(first[2]))]
    candidates: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray, float]] = {}
    while len(found) < k:
        last_nodes, last_edges, _ = found[-1]
        for i in range(len(last_nodes) - 1):
            spur = int(last_nodes[i])
            root = last_nodes[: i + 1]
            root_cost = float(c[last_edges[:i]].sum())
            blocked_node[:] = False
            blocked_edge[:] = False
            blocked_node[root[:-1]] = True
            for nodes, _, _ in found:
                if len(nodes) > i + 1 and np.array_equal(nodes[: i + 1], root):
                    _block_pair(ip, ix, blocked_edge, spur, int(nodes[i + 1]))
            sn, se, sc = _dijkstra(ip, ix, c, spur, t, blocked_node, blocked_edge)
            if len(sn) == 0:
                continue
            nodes = np.concatenate([root[:-1], sn])
            key = tuple(int(x) for x in nodes)
            if key in candidates or any(np.array_equal(nodes, f[0]) for f in found):
                continue
            candidates[key] = (nodes, np.concatenate([last_edges[:i], se]), root_cost + sc)
        if not candidates:
            break
        best = min(candidates, key=lambda kk: (candidates[kk][2], len(kk), kk))
        found.append(candidates.pop(best))
    return found


def _block_pair(
    indptr: np.ndarray, indices: np.ndarray, blocked: np.ndarray, u: int, v: int
) -> None:
    row = slice(indptr[u], indptr[u + 1])
    blocked[row] |= indices[row] == v


def time_respecting_path(
    indptr: np.ndarray,
    indices: np.ndarray,
    ts: np.ndarray,
    source: int,
    target: int,
    *,
    start_ts: int,
    max_gap: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The earliest-arriving time-respecting path: how money could have gone from A to B.

    Parameters
    ----------
    ts : int64 (m,)
        Edge times (epoch microseconds); each CSR row must be sorted by ``ts``, as
        ``engine.graph`` builds it.
    start_ts : int
        The first hop happens at or after this time.
    max_gap : int or None
        Each later hop happens at most this long after the previous one (microseconds).

    Returns
    -------
    nodes : int64 (h+1,)
        Empty when there is no such path; ``[source]`` when source is the target.
    edges : int64 (h,)
        CSR positions of the hops; their ``ts`` never decrease (equal times allowed, so
        same-day bookings chain) and consecutive ones are at most ``max_gap`` apart.

    Notes
    -----
    A search over edges rather than nodes, because with a maximum gap arriving earlier is not
    always better. Reached edges are settled in time order from a heap; because the times
    settled at a node never decrease, each node keeps a cursor into its (time-sorted) row and
    each edge is pushed at most once: O(m log m). The result may revisit a node when that is
    the only way to keep within the gap. Compare Wu et al. 2014, "Path problems in temporal
    graphs".
    """
    ip, ix = check_csr(indptr, indices)
    n = len(ip) - 1
    t_arr = check_edge_array("ts", ts, len(ix), np.int64)
    s, t = check_node("source", source, n), check_node("target", target, n)
    if s == t:
        return np.array([s], dtype=np.int64), _EMPTY.copy()
    gap = np.iinfo(np.int64).max if max_gap is None else int(max_gap)
    if gap < 0:
        raise ValueError("max_gap must be non-negative")
    return _temporal_kernel(ip, ix, t_arr, s, t, int(start_ts), gap)


@numba.njit(cache=True, nogil=True)
def _temporal_kernel(indptr, indices, ts, source, target, start_ts, gap):
    m = len(indices)
    prev = np.full(m, -2, dtype=np.int64)  # -2 unreached, -1 first hop, else previous edge
    cursor = indptr[:-1].copy()  # row positions below this were already pushed
    keys = np.empty(64, dtype=np.int64)
    items = np.empty(64, dtype=np.int64)
    size = 0
    lo = lower_bound(ts, indptr[source], indptr[source + 1], start_ts)
    for e in range(lo, indptr[source + 1]):
        prev[e] = -1
        keys, items, size = heap_push(keys, items, size, ts[e], e)
    cursor[source] = indptr[source + 1]
    found = -1
    while size > 0:
        t, e, size = heap_pop(keys, items, size)
        v = indices[e]
        if v == target:
            found = e
            break
        row_end = indptr[v + 1]
        first = lower_bound(ts, max(cursor[v], indptr[v]), row_end, t)
        limit = t + gap if t <= np.iinfo(np.int64).max - gap else np.iinfo(np.int64).max
        last = upper_bound(ts, first, row_end, limit)
        for f in range(first, last):
            if prev[f] == -2:
                prev[f] = e
                keys, items, size = heap_push(keys, items, size, ts[f], f)
        if last > cursor[v]:
            cursor[v] = last
    if found < 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    hops = 0
    e = found
    while e >= 0:
        hops += 1
        e = prev[e]
    edges = np.empty(hops, dtype=np.int64)
    nodes = np.empty(hops + 1, dtype=np.int64)
    e = found
    for i in range(hops - 1, -1, -1):
        edges[i] = e
        nodes[i + 1] = indices[e]
        e = prev[e]
    nodes[0] = source
    return nodes, edges
