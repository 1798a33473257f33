"""Ego networks: the most relevant neighbourhood of an account, capped in size for display."""

from __future__ import annotations

import numba
import numpy as np

from algorithms._csr import check_csr, check_edge_array, check_node, check_weights

_RANKS = {"amount": 0, "recency": 1}


def ego_network(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    ts: np.ndarray,
    center: int,
    *,
    hops: int = 2,
    max_nodes: int = 200,
    rank_by: str = "amount",
) -> tuple[np.ndarray, np.ndarray, int]:
    """The ``hops``-hop neighbourhood of ``center``, keeping at most ``max_nodes`` nodes.

    Parameters
    ----------
    indptr, indices : int64 (n+1,), int32 (m,)
        Pass the symmetric undirected view (amounts summed per pair, ``ts`` the latest) for a
        neighbourhood in both directions, or the out-CSR for where money went.
    weights : float64 (m,)
        Amounts.
    ts : int64 (m,)
        Times, epoch microseconds.
    center : int
    hops : int
        How far to go from the center.
    max_nodes : int
        Most nodes returned, the center included (at least 1).
    rank_by : {"amount", "recency"}
        Which new nodes to keep at each hop when there are too many: those with the largest
        total amount exchanged with the nodes already kept, or the most recent transaction
        with them. Ties go to the smaller node number.

    Returns
    -------
    nodes : int64 (k,)
        The center first, then the kept nodes hop by hop, most relevant first.
    edges : int64 (e,)
        CSR positions of every edge between two kept nodes (all parallel transactions).
    n_left_out : int
        Nodes met within ``hops`` through kept nodes but not kept: a hub with 10,000
        counterparties gives ``max_nodes`` nodes and reports the rest here.

    Notes
    -----
    Hop-by-hop best-first expansion: at each hop the candidate scores are gathered from the
    kept frontier's rows and sorted, O(Σ deg(kept) + c log c) for c candidates; the edges come
    from the kept nodes' rows. Nothing is proportional to the size of the whole graph except
    one O(n) scratch array.
    """
    ip, ix = check_csr(indptr, indices)
    w = check_weights(weights, len(ix))
    t = check_edge_array("ts", ts, len(ix), np.int64)
    c = check_node("center", center, len(ip) - 1)
    if rank_by not in _RANKS:
        raise ValueError(f"rank_by must be 'amount' or 'recency', not {rank_by!r}")
    if hops < 0 or max_nodes < 1:
        raise ValueError("hops must be non-negative and max_nodes at least 1")
    nodes, edges, left = _ego_kernel(ip, ix, w, t, c, int(hops), int(max_nodes), _RANKS[rank_by])
    return nodes, edges, int(left)


@numba.njit(cache=True, nogil=True)
def _ego_kernel(indptr, indices, weights, ts, center, hops, max_nodes, rank):
    n = len(indptr) - 1
    state = np.zeros(n, dtype=np.int8)  # 0 unseen, 1 candidate now, 2 kept, 3 left out
    score = np.zeros(n, dtype=np.float64)
    kept = np.empty(min(n, max_nodes), dtype=np.int64)
    kept[0] = center
    n_kept = 1
    state[center] = 2
    frontier_lo, frontier_hi = 0, 1
    left_out = 0
    for _ in range(hops):
        cand = []
        for i in range(frontier_lo, frontier_hi):
            u = kept[i]
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                s = state[v]
                if s == 2:
                    continue
                value = weights[e] if rank == 0 else float(ts[e])
                if s == 0 or s == 3:
                    if s == 3:
                        left_out -= 1  # seen before and left out; reconsider it now
                    state[v] = 1
                    score[v] = value
                    cand.append(v)
                elif rank == 0:
                    score[v] += value
                elif value > score[v]:
                    score[v] = value
        if len(cand) == 0:
            break
        arr = np.sort(np.array(cand, dtype=np.int64))
        keys = np.empty(len(arr), dtype=np.float64)
        for j in range(len(arr)):
            keys[j] = -score[arr[j]]
        order = np.argsort(keys, kind="mergesort")
        room = max_nodes - n_kept
        frontier_lo = n_kept
        for j in range(len(order)):
            v = arr[order[j]]
            if j < room:
                kept[n_kept] = v
                n_kept += 1
                state[v] = 2
            else:
                state[v] = 3
                left_out += 1
        frontier_hi = n_kept
        if frontier_hi == frontier_lo:
            break
    edges = []
    for i in range(n_kept):
        u = kept[i]
        for e in range(indptr[u], indptr[u + 1]):
            if state[indices[e]] == 2:
                edges.append(e)
    return kept[:n_kept].copy(), np.array(edges, dtype=np.int64), left_out
