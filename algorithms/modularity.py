"""Newman–Girvan modularity of a partition of a symmetric weighted CSR graph."""

from __future__ import annotations

import numba
import numpy as np

from algorithms._csr import check_csr, check_labels, check_weights


def modularity(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray | None,
    labels: np.ndarray,
    resolution: float = 1.0,
) -> float:
    """Modularity of ``labels`` on the undirected graph stored as a symmetric CSR.

    Parameters
    ----------
    indptr : int64 (n+1,)
    indices : int32 (m,)
        Both directions of every edge stored; a self-loop stored once.
    weights : float64 (m,) or None
        Non-negative; None means 1 per stored edge.
    labels : int64 (n,)
        Community of each node (any non-negative numbers).
    resolution : float
        γ in ``Q = Σ_c [L_c / m − γ (d_c / 2m)²]``.

    Returns
    -------
    float
        The same value as ``networkx.community.modularity`` (a self-loop adds twice its weight
        to its node's degree and once to its community's internal weight); 0.0 for a graph
        without edges.

    Notes
    -----
    One pass over the edges and one over the nodes: O(n + m). Newman & Girvan 2004, "Finding
    and evaluating community structure in networks"; resolution as in Reichardt & Bornholdt 2006.
    """
    ip, ix = check_csr(indptr, indices)
    w = check_weights(weights, len(ix))
    lab = check_labels(labels, len(ip) - 1)
    k = int(lab.max()) + 1 if len(lab) else 0
    return float(_modularity_kernel(ip, ix, w, lab, k, float(resolution)))


@numba.njit(cache=True, nogil=True)
def _modularity_kernel(indptr, indices, weights, labels, k, resolution):
    n = len(indptr) - 1
    internal = np.zeros(k, dtype=np.float64)
    degree = np.zeros(k, dtype=np.float64)
    two_m = 0.0
    for u in range(n):
        cu = labels[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            w = weights[e]
            if v == u:
                w = 2.0 * w  # a loop counts twice in the degree and in A_uu
            degree[cu] += w
            two_m += w
            if labels[v] == cu:
                internal[cu] += w
    if two_m == 0.0:
        return 0.0
    q = 0.0
    for c in range(k):
        q += internal[c] / two_m - resolution * (degree[c] / two_m) ** 2
    return q
