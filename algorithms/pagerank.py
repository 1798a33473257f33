"""Weighted, personalised PageRank on the directed out-CSR."""

from __future__ import annotations

import numba
import numpy as np

from algorithms._csr import check_csr, check_weights

_PARALLEL_MIN_EDGES = 2_000_000


def pagerank(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    damping: float = 0.85,
    personalization: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> np.ndarray:
    """PageRank of every node, as ``networkx.pagerank`` defines it.

    Parameters
    ----------
    indptr : int64 (n+1,)
    indices : int32 (m,)
        Directed out-CSR; parallel edges add up (as summed weights would).
    weights : float64 (m,) or None
        Non-negative; a node's out-edges are followed in proportion to their weight.
    damping : float
        Probability of following an edge rather than teleporting, in ``[0, 1]``.
    personalization : float64 (n,) or None
        Non-negative teleport weights (for example 1 on known suspects, 0 elsewhere); also
        where the mass of dangling nodes goes, as in networkx. None: uniform.
    tol : float
        Stop when the L1 change between iterations is below ``n * tol`` (networkx's rule).
    max_iter : int
        Give up after this many iterations (the last iterate is returned).

    Returns
    -------
    float64 (n,)
        Scores summing to 1.

    Raises
    ------
    ValueError
        Bad arrays, damping outside ``[0, 1]`` or a personalisation vector summing to 0.

    Notes
    -----
    Page, Brin, Motwani & Winograd 1999. Power iteration in pull form: the out-CSR is
    transposed once (counting sort, O(m)) with normalised weights, then each iteration is a
    parallel gather per node (``prange``; every node's sum has a fixed order, so the result
    does not depend on the number of threads). Graphs under two million edges instead use a
    serial push over the out-CSR, which needs no transposed copy. O(m) per iteration.
    """
    ip, ix = check_csr(indptr, indices)
    n = len(ip) - 1
    w = check_weights(weights, len(ix))
    if not 0.0 <= damping <= 1.0:
        raise ValueError(f"damping must be in [0, 1], got {damping}")
    if personalization is None:
        p = np.full(n, 1.0 / max(n, 1))
    else:
        p = np.ascontiguousarray(personalization, dtype=np.float64)
        if p.shape != (n,):
            raise ValueError(f"personalization must have one entry per node ({n})")
        if not np.all(np.isfinite(p)) or (n and p.min() < 0):
            raise ValueError("personalization must be finite and non-negative")
        total = p.sum()
        if n and total <= 0:
            raise ValueError("personalization must not sum to 0")
        p = p / total if n else p
    if n == 0:
        return np.zeros(0)
    if len(ix) < _PARALLEL_MIN_EDGES:
        # Threads only pay off on large graphs (and suffer on a busy machine); below that a
        # serial push over the out-CSR needs no transposed copy.
        return _power_iteration_push(ip, ix, w, p, float(damping), float(tol), max_iter)
    t_ip, t_ix, t_w, dangling = _transpose_normalised(ip, ix, w)
    return _power_iteration(t_ip, t_ix, t_w, dangling, p, float(damping), float(tol), max_iter)


@numba.njit(cache=True, nogil=True)
def _transpose_normalised(indptr, indices, weights):
    n = len(indptr) - 1
    strength = np.zeros(n, dtype=np.float64)
    count = np.zeros(n + 1, dtype=np.int64)
    for u in range(n):
        s = 0.0
        for e in range(indptr[u], indptr[u + 1]):
            s += weights[e]
            count[indices[e] + 1] += 1
        strength[u] = s
    for v in range(n):
        count[v + 1] += count[v]
    fill = count[:-1].copy()
    t_ix = np.empty(len(indices), dtype=np.int32)
    t_w = np.empty(len(indices), dtype=np.float64)
    for u in range(n):
        s = strength[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            t_ix[fill[v]] = u
            t_w[fill[v]] = weights[e] / s if s > 0 else 0.0
            fill[v] += 1
    dangling = np.flatnonzero(strength <= 0.0)
    return count, t_ix, t_w, dangling


@numba.njit(cache=True, nogil=True, parallel=True)
def _power_iteration(t_indptr, t_indices, t_weights, dangling, p, damping, tol, max_iter):
    n = len(t_indptr) - 1
    x = p.copy()
    new = np.empty(n, dtype=np.float64)
    for _ in range(max_iter):
        dangling_mass = 0.0
        for i in range(len(dangling)):
            dangling_mass += x[dangling[i]]
        base = damping * dangling_mass + (1.0 - damping)
        for v in numba.prange(n):
            s = 0.0
            for e in range(t_indptr[v], t_indptr[v + 1]):
                s += x[t_indices[e]] * t_weights[e]
            new[v] = damping * s + base * p[v]
        err = 0.0
        for v in range(n):
            err += abs(new[v] - x[v])
        x, new = new, x
        if err < n * tol:
            break
    return x


@numba.njit(cache=True, nogil=True)
def _power_iteration_push(indptr, indices, weights, p, damping, tol, max_iter):
    """Serial power iteration scattering along out-edges (no transpose needed)."""
    n = len(indptr) - 1
    inv = np.zeros(n, dtype=np.float64)
    for u in range(n):
        s = 0.0
        for e in range(indptr[u], indptr[u + 1]):
            s += weights[e]
        if s > 0.0:
            inv[u] = 1.0 / s
    x = p.copy()
    new = np.empty(n, dtype=np.float64)
    for _ in range(max_iter):
        dangling_mass = 0.0
        for u in range(n):
            if inv[u] == 0.0:
                dangling_mass += x[u]
        base = damping * dangling_mass + (1.0 - damping)
        for v in range(n):
            new[v] = base * p[v]
        for u in range(n):
            c = damping * x[u] * inv[u]
            if c == 0.0:
                continue
            for e in range(indptr[u], indptr[u + 1]):
                new[indices[e]] += c * weights[e]
        err = 0.0
        for v in range(n):
            err += abs(new[v] - x[v])
        x, new = new, x
        if err < n * tol:
            break
    return x
