"""Louvain community detection on the weighted undirected (symmetric CSR) view.

The kernels here (local moving with a work queue, aggregation, renumbering) are shared with
:mod:`algorithms.leiden`.

Conventions inside the kernels: the graph is held as an adjacency matrix ``A`` in CSR form
where a self-loop of weight ``w`` is stored as ``A_ii = 2w`` (so that aggregated graphs, where
``A_cc`` is the sum of ``A`` inside community ``c``, follow the same rule); node strength
``k_i = Σ_j A_ij``; ``2m = Σ_i k_i``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from algorithms._csr import check_csr, check_weights
from algorithms.components import _renumber as renumber_by_first_appearance


@dataclass(frozen=True)
class CommunityResult:
    """Result of :func:`louvain` or :func:`algorithms.leiden.leiden`.

    Attributes
    ----------
    labels : int64 (n,)
        Community of each node at the last level, numbered ``0..k-1`` by first appearance.
    levels : list of int64 (n,)
        The partition of the original nodes after each level, from finest to coarsest;
        ``levels[-1]`` equals ``labels``. Louvain's levels are nested; Leiden's need not be
        (a later level may move a refined sub-community to another community).
    modularity : float
        Modularity of ``labels`` at the requested resolution.
    """

    labels: np.ndarray
    levels: list[np.ndarray]
    modularity: float


def louvain(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray | None,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    max_levels: int = 20,
    tol: float = 1e-7,
) -> CommunityResult:
    """Louvain communities maximising modularity.

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
        Seeds the node visiting order; the result is a function of the inputs and the seed.
    max_levels : int
        At most this many aggregation levels.
    tol : float
        Stop when a level improves modularity by less than this.

    Returns
    -------
    CommunityResult

    Notes
    -----
    Blondel, Guillaume, Lambiotte & Lefebvre 2008, "Fast unfolding of communities in large
    networks". Local moving visits nodes from a queue (as in Traag, Waltman & van Eck 2019's
    fast local move): after the first pass over a random permutation only neighbours of nodes
    that changed community are revisited. Aggregation is a counting sort by community plus one
    pass over the edges, O(m) per level; each level costs O(m) times a small number of visits.
    """
    ip, ix = check_csr(indptr, indices)
    w = check_weights(weights, len(ix))
    rng = np.random.default_rng(seed)
    n = len(ip) - 1
    gip, gix, gw = _prepare(ip, ix, w)
    to_node = np.arange(n, dtype=np.int64)  # original node -> node of the current graph
    levels: list[np.ndarray] = []
    quality = _quality(gip, gix, gw, np.arange(n, dtype=np.int64), float(resolution))
    for _ in range(max_levels):
        n_cur = len(gip) - 1
        order = rng.permutation(n_cur).astype(np.int64)
        comm = np.arange(n_cur, dtype=np.int64)
        comm, n_moves = _local_move(gip, gix, gw, comm, order, float(resolution), threads())
        if n_moves == 0:
            break
        comm, k = _renumber(comm)
        new_quality = _quality(gip, gix, gw, comm, float(resolution))
        to_node = comm[to_node]
        levels.append(_first_appearance(to_node))
        gip, gix, gw = _aggregate(gip, gix, gw, comm, k)
        improved = new_quality - quality
        quality = new_quality
        if improved < tol:
            break
    if not levels:
        levels.append(np.arange(n, dtype=np.int64))
    return CommunityResult(labels=levels[-1], levels=levels, modularity=float(quality))


@numba.njit(cache=True, nogil=True)
def _prepare(indptr, indices, weights):
    """Copy of the input in the A_ii = 2w convention."""
    w = weights.copy()
    n = len(indptr) - 1
    for u in range(n):
        for e in range(indptr[u], indptr[u + 1]):
            if indices[e] == u:
                w[e] *= 2.0
    return indptr, indices, w


@numba.njit(cache=True, nogil=True)
def _strengths(indptr, weights):
    n = len(indptr) - 1
    k = np.zeros(n, dtype=np.float64)
    for u in range(n):
        s = 0.0
        for e in range(indptr[u], indptr[u + 1]):
            s += weights[e]
        k[u] = s
    return k


@numba.njit(cache=True, nogil=True)
def _quality(indptr, indices, weights, comm, resolution):
    """Modularity of ``comm`` on a graph in the A_ii = 2w convention."""
    n = len(indptr) - 1
    internal = 0.0
    two_m = 0.0
    tot = np.zeros(n, dtype=np.float64)
    for u in range(n):
        cu = comm[u]
        for e in range(indptr[u], indptr[u + 1]):
            w = weights[e]
            two_m += w
            tot[cu] += w
            if comm[indices[e]] == cu:
                internal += w
    if two_m == 0.0:
        return 0.0
    q = internal / two_m
    for c in range(n):
        q -= resolution * (tot[c] / two_m) ** 2
    return q


#: Nodes decided together in one parallel step of :func:`_local_move`: at most this many and
#: at most 1/128 of the graph, so that a node rarely has a neighbour in its own chunk (those
#: are decided again, serially). Graphs too small for chunks of :data:`MIN_CHUNK` are moved
#: one node at a time, which is the classic serial algorithm.
CHUNK = 2048
MIN_CHUNK = 32


@numba.njit(cache=True, nogil=True)
def _decide(indptr, indices, weights, comm, tot, k, u, scale, acc, touched):
    """Best community for ``u`` given ``comm`` and ``tot`` (``tot`` still counting ``u``).

    Returns (community, weight from ``u`` to it, weight from ``u`` to its own community).
    ``acc`` is an all-zero scratch array of length n and is left all zero.
    """
    cu = comm[u]
    ku = k[u]
    nt = 1
    touched[0] = cu
    for e in range(indptr[u], indptr[u + 1]):
        v = indices[e]
        if v == u:
            continue
        c = comm[v]
        if acc[c] == 0.0 and c != cu:
            touched[nt] = c
            nt += 1
        acc[c] += weights[e]
    best = cu
    w_own = acc[cu]
    best_gain = w_own - scale * ku * (tot[cu] - ku)
    stay_gain = best_gain
    w_best = w_own
    for t in range(1, nt):
        c = touched[t]
        gain = acc[c] - scale * ku * tot[c]
        if gain > best_gain:
            best_gain = gain
            best = c
            w_best = acc[c]
    for t in range(nt):
        acc[touched[t]] = 0.0
    if best != cu and best_gain - stay_gain <= 1e-12 * ku:
        best = cu  # rounding noise, not an improvement
    return best, w_best, w_own


@numba.njit(cache=True, nogil=True, parallel=True)
def _local_move(indptr, indices, weights, comm, order, resolution, n_slices):
    """Move nodes between communities while modularity strictly improves.

    ``comm`` holds community numbers in ``0..n-1`` (modified in place and returned). Returns
    the partition and the number of moves made. ``n_slices`` is the number of threads (see
    :func:`threads`); it changes the speed, never the answer.

    Nodes leave a FIFO queue (first ``order``, then the neighbours of nodes that moved) in
    chunks of :data:`CHUNK`. The nodes of a chunk choose their best community in parallel
    from the partition as it stood when the chunk began; then, in queue order, each choice is
    checked against the community totals as they are now and applied only if it still
    strictly improves modularity. A node with a neighbour that moved earlier in its chunk is
    decided again, serially, from the current partition. Every decision is a function of the
    partition at a fixed point of the queue, so the answer does not depend on the number of
    threads, and every applied move raises modularity, so the loop ends.
    """
    n = len(indptr) - 1
    k = _strengths(indptr, weights)
    two_m = 0.0
    for u in range(n):
        two_m += k[u]
    if two_m == 0.0:
        return comm, 0
    tot = np.zeros(n, dtype=np.float64)
    for u in range(n):
        tot[comm[u]] += k[u]
    scale = resolution / two_m
    max_deg = 0
    for u in range(n):
        max_deg = max(max_deg, indptr[u + 1] - indptr[u])
    acc = np.zeros((n_slices, n), dtype=np.float64)
    touched = np.empty((n_slices, max_deg + 1), dtype=np.int64)
    chunk_size = min(CHUNK, n // 128)
    if chunk_size < MIN_CHUNK:
        chunk_size = 1
    batch = np.empty(chunk_size, dtype=np.int64)
    choice = np.empty(chunk_size, dtype=np.int64)
    w_choice = np.empty(chunk_size, dtype=np.float64)
    w_stay = np.empty(chunk_size, dtype=np.float64)
    dirty = np.full(n, -1, dtype=np.int64)  # chunk in which a neighbour last moved
    queue = order.copy()
    queued = np.ones(n, dtype=np.bool_)
    head = 0
    size = n
    moves = 0
    chunk = 0
    while size > 0:
        b = min(chunk_size, size)
        for i in range(b):
            u = queue[head]
            head += 1
            if head == n:
                head = 0
            queued[u] = False
            batch[i] = u
        size -= b
        slices = min(n_slices, b) if b > 1 else 0
        for s in numba.prange(slices):
            for i in range(s * b // slices, (s + 1) * b // slices):
                c, wc, wo = _decide(
                    indptr, indices, weights, comm, tot, k, batch[i], scale, acc[s], touched[s]
                )
                choice[i] = c
                w_choice[i] = wc
                w_stay[i] = wo
        for i in range(b):
            u = batch[i]
            cu = comm[u]
            ku = k[u]
            if b == 1 or dirty[u] == chunk:
                c, wc, wo = _decide(
                    indptr, indices, weights, comm, tot, k, u, scale, acc[0], touched[0]
                )
            else:
                c, wc, wo = choice[i], w_choice[i], w_stay[i]
            if c == cu:
                continue
            gain = wc - scale * ku * tot[c]
            stay = wo - scale * ku * (tot[cu] - ku)
            if gain - stay <= 1e-12 * ku:
                continue  # an earlier move in this chunk made it not worth it
            tot[cu] -= ku
            tot[c] += ku
            comm[u] = c
            moves += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                dirty[v] = chunk
                if not queued[v] and comm[v] != c:
                    tail = head + size
                    if tail >= n:
                        tail -= n
                    queue[tail] = v
                    queued[v] = True
                    size += 1
        chunk += 1
    return comm, moves


@numba.njit(cache=True, nogil=True)
def _renumber(comm):
    """Map community numbers to ``0..k-1`` by first appearance; return (labels, k)."""
    n = len(comm)
    new = np.full(n, -1, dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    k = 0
    for u in range(n):
        c = comm[u]
        if new[c] < 0:
            new[c] = k
            k += 1
        out[u] = new[c]
    return out, k


def threads() -> int:
    """Threads the parallel kernels split their work into (numba's current setting)."""
    return max(1, numba.get_num_threads())


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    if len(labels) == 0:
        return labels.astype(np.int64)
    k = int(labels.max()) + 1
    return renumber_by_first_appearance(labels, k)


@numba.njit(cache=True, nogil=True)
def _aggregate(indptr, indices, weights, comm, k):
    """Collapse each community into one node; weights between communities are summed.

    ``comm`` must be numbered ``0..k-1``. Rows of the result are in order of first touch,
    which is deterministic for given inputs.
    """
    n = len(indptr) - 1
    count = np.zeros(k + 1, dtype=np.int64)
    for u in range(n):
        count[comm[u] + 1] += 1
    for c in range(k):
        count[c + 1] += count[c]
    members = np.empty(n, dtype=np.int64)
    fill = count[:-1].copy()
    for u in range(n):
        c = comm[u]
        members[fill[c]] = u
        fill[c] += 1
    acc = np.zeros(k, dtype=np.float64)
    seen = np.zeros(k, dtype=np.bool_)
    touched = np.empty(k, dtype=np.int64)
    new_indptr = np.zeros(k + 1, dtype=np.int64)
    new_indices = np.empty(len(indices), dtype=np.int32)
    new_weights = np.empty(len(indices), dtype=np.float64)
    pos = 0
    for c in range(k):
        nt = 0
        for i in range(count[c], count[c + 1]):
            u = members[i]
            for e in range(indptr[u], indptr[u + 1]):
                d = comm[indices[e]]
                if not seen[d]:
                    seen[d] = True
                    touched[nt] = d
                    nt += 1
                acc[d] += weights[e]
        for t in range(nt):
            d = touched[t]
            new_indices[pos] = d
            new_weights[pos] = acc[d]
            pos += 1
            acc[d] = 0.0
            seen[d] = False
        new_indptr[c + 1] = pos
    return new_indptr, new_indices[:pos].copy(), new_weights[:pos].copy()
