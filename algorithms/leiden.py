"""Leiden community detection: Louvain's moves plus a refinement that keeps communities connected.

Shares the local moving, aggregation and renumbering kernels of :mod:`algorithms.louvain`
(and its A_ii = 2w convention for self-loops).
"""

from __future__ import annotations

import numba
import numpy as np

from algorithms._csr import check_csr, check_weights
from algorithms.components import _find
from algorithms.louvain import (
    CommunityResult,
    _aggregate,
    _first_appearance,
    _local_move,
    _prepare,
    _quality,
    _renumber,
    _strengths,
)


def leiden(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray | None,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    max_levels: int = 50,
    tol: float = 1e-7,
    n_iterations: int = 2,
) -> CommunityResult:
    """Leiden communities maximising modularity, each community connected.

    Parameters
    ----------
    indptr : int64 (n+1,)
    indices : int32 (m,)
        Symmetric CSR (both directions of every edge; a self-loop stored once).
    weights : float64 (m,) or None
        Non-negative edge weights (None: 1 per edge).
    resolution : float
        γ; larger values give smaller communities.
    seed : int
        Seeds the node visiting orders; the result is a function of the inputs and the seed.
    max_levels : int
        At most this many aggregation levels per iteration.
    tol : float
        Stop iterating when an iteration improves modularity by less than this.
    n_iterations : int
        Runs of the whole algorithm, each starting from the previous partition (igraph's
        ``n_iterations``; more runs can only improve modularity).

    Returns
    -------
    CommunityResult
        ``levels`` are the partitions after each level of the last iteration.

    Notes
    -----
    Traag, Waltman & van Eck 2019, "From Louvain to Leiden: guaranteeing well-connected
    communities". Each level: fast local moving (a queue of nodes to revisit), then refinement
    inside every community starting from singletons, where a singleton node that is
    well connected to its community merges into the well-connected sub-community with the best
    modularity gain (gain ≥ 0; the paper's θ → 0 limit, which is deterministic), then
    aggregation of the *refined* partition with the moved partition as the starting point of
    the next level. A node only ever joins a sub-community it has an edge to, so every
    community stays connected. O(m) per level and pass.
    """
    ip, ix = check_csr(indptr, indices)
    w = check_weights(weights, len(ix))
    n = len(ip) - 1
    gamma = float(resolution)
    rng = np.random.default_rng(seed)
    base = _prepare(ip, ix, w)
    labels = np.arange(n, dtype=np.int64)
    quality = _quality(*base, labels, gamma)  # type: ignore[call-arg]  # numba Dispatcher stub
    levels: list[np.ndarray] = [labels]
    for _ in range(max(1, n_iterations)):
        new_labels, new_levels, connected = _one_run(base, labels, gamma, rng, max_levels)
        if not connected:
            # Safety net for the rare exits that skip refinement (level cap, nothing to
            # refine): split any disconnected community into its pieces, which never lowers
            # modularity.
            new_labels = _split_disconnected(ip, ix, new_labels)
        new_levels[-1] = new_labels
        new_quality = _quality(*base, new_labels, gamma)  # type: ignore[call-arg]  # numba stub
        if new_quality < quality + tol and len(levels) > 1:
            break
        labels, levels, quality = new_labels, new_levels, new_quality
    return CommunityResult(labels=labels, levels=levels, modularity=float(quality))


def _one_run(
    base: tuple[np.ndarray, np.ndarray, np.ndarray],
    start: np.ndarray,
    gamma: float,
    rng: np.random.Generator,
    max_levels: int,
) -> tuple[np.ndarray, list[np.ndarray], bool]:
    """One Leiden iteration: the final labels, the levels, and whether the labels are known
    to be connected (every aggregated node was a refined, hence connected, sub-community and
    the run ended because no node moved)."""
    gip, gix, gw = base
    connected = False
    refined_nodes = True  # the nodes of the current graph are connected sets
    n = len(gip) - 1
    to_node = np.arange(n, dtype=np.int64)
    part = start.copy()
    levels: list[np.ndarray] = []
    for _ in range(max_levels):
        n_cur = len(gip) - 1
        part, _moves = _local_move(gip, gix, gw, part, _order(rng, n_cur), gamma)
        part, k_part = _renumber(part)
        labels = _first_appearance(part[to_node])
        if not levels or not np.array_equal(labels, levels[-1]):
            levels.append(labels)
        if k_part == n_cur:
            connected = refined_nodes
            break
        refined, k_ref = _refine(gip, gix, gw, part, k_part, _order(rng, n_cur), gamma)
        if k_ref == n_cur:  # refinement merged nothing: aggregate the moved partition instead
            refined, k_ref = part, k_part
            refined_nodes = False
        next_part = np.empty(k_ref, dtype=np.int64)
        next_part[refined] = part
        gip, gix, gw = _aggregate(gip, gix, gw, refined, k_ref)
        to_node = refined[to_node]
        part = next_part
    if not levels:
        levels.append(np.arange(n, dtype=np.int64))
    return levels[-1], levels, connected


def _order(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.permutation(n).astype(np.int64)


@numba.njit(cache=True, nogil=True)
def _refine(indptr, indices, weights, part, k_part, order, resolution):
    """Refine ``part`` (numbered 0..k_part-1) into well-connected sub-communities.

    Returns the refined labels numbered ``0..k-1`` and ``k``.
    """
    n = len(indptr) - 1
    k = _strengths(indptr, weights)
    two_m = 0.0
    for u in range(n):
        two_m += k[u]
    ref = np.arange(n, dtype=np.int64)
    if two_m == 0.0:
        return ref, n
    scale = resolution / two_m
    tot_part = np.zeros(k_part, dtype=np.float64)
    for u in range(n):
        tot_part[part[u]] += k[u]
    rtot = k.copy()
    rsize = np.ones(n, dtype=np.int64)
    ext = np.zeros(n, dtype=np.float64)  # weight from a sub-community to the rest of its community
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if v != u and part[v] == part[u]:
                ext[u] += weights[e]
    to_ref = np.zeros(n, dtype=np.float64)
    touched = np.empty(n, dtype=np.int64)
    for i in range(n):
        u = order[i]
        if rsize[ref[u]] != 1:
            continue
        s = part[u]
        ku = k[u]
        if ext[u] < scale * ku * (tot_part[s] - ku):
            continue
        nt = 0
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if v == u or part[v] != s:
                continue
            r = ref[v]
            if to_ref[r] == 0.0:
                touched[nt] = r
                nt += 1
            to_ref[r] += weights[e]
        best = -1
        best_gain = -1.0
        best_w = 0.0
        for t in range(nt):
            r = touched[t]
            if ext[r] >= scale * rtot[r] * (tot_part[s] - rtot[r]):
                gain = to_ref[r] - scale * ku * rtot[r]
                if gain >= 0.0 and gain > best_gain:
                    best_gain = gain
                    best = r
                    best_w = to_ref[r]
        for t in range(nt):
            to_ref[touched[t]] = 0.0
        if best >= 0:
            ref[u] = best
            rtot[best] += ku
            rsize[best] += 1
            rsize[u] = 0
            ext[best] = ext[best] + ext[u] - 2.0 * best_w
    return _renumber(ref)


@numba.njit(cache=True, nogil=True)
def _split_disconnected(indptr, indices, labels):
    """Relabel so that every community is connected (union-find over intra-community edges)."""
    n = len(indptr) - 1
    parent = np.arange(n, dtype=np.int32)
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if labels[v] != labels[u]:
                continue
            a = _find(parent, u)
            b = _find(parent, v)
            if a < b:
                parent[b] = a
            elif b < a:
                parent[a] = b
    roots = np.empty(n, dtype=np.int64)
    for u in range(n):
        roots[u] = _find(parent, u)
    return _renumber(roots)[0]
