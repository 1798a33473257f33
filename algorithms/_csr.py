"""Validation shared by the public wrappers: dtypes, shapes and CSR consistency.

Every public function in ``algorithms`` checks its arrays here before calling a kernel, so a
kernel can assume contiguous arrays of the documented dtypes and in-range node numbers.
"""

from __future__ import annotations

import numba
import numpy as np


def _as(name: str, array: object, dtype: type, kind: str) -> np.ndarray:
    arr = np.asarray(array)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in kind:
        raise ValueError(f"{name} must have a {dtype.__name__}-compatible dtype, not {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=dtype)


def check_csr(indptr: object, indices: object) -> tuple[np.ndarray, np.ndarray]:
    """Return ``indptr`` as int64 and ``indices`` as int32, contiguous, after checking them.

    Raises
    ------
    ValueError
        Naming the array: wrong dtype or shape, ``indptr`` not starting at 0, decreasing or
        not ending at ``len(indices)``, or a node number outside ``0..n-1``.
    """
    ip = _as("indptr", indptr, np.int64, "iu")
    ix = _as("indices", indices, np.int32, "iu")
    if len(ip) == 0:
        raise ValueError("indptr must have n+1 entries (at least one)")
    if ip[0] != 0 or ip[-1] != len(ix):
        raise ValueError(
            f"indptr must start at 0 and end at len(indices)={len(ix)}, got {ip[0]}..{ip[-1]}"
        )
    problem = _csr_problem(ip, ix)
    if problem == 1:
        raise ValueError("indptr must be non-decreasing")
    if problem == 2:
        raise ValueError(f"indices must be node numbers in 0..{len(ip) - 2}")
    return ip, ix


@numba.njit(cache=True, nogil=True)
def _csr_problem(indptr, indices):
    """One pass over each array (this runs on every call, so it must be cheap)."""
    n = len(indptr) - 1
    for i in range(n):
        if indptr[i + 1] < indptr[i]:
            return 1
    for e in range(len(indices)):
        v = indices[e]
        if v < 0 or v >= n:
            return 2
    return 0


@numba.njit(cache=True, nogil=True)
def _values_problem(values):
    """1 if a value is not finite, 2 if one is negative, else 0."""
    negative = False
    for x in values:
        if not np.isfinite(x):
            return 1
        if x < 0:
            negative = True
    return 2 if negative else 0


def check_edge_array(name: str, array: object, n_edges: int, dtype: type) -> np.ndarray:
    """One value per CSR entry (``weights``, ``ts``, ``cost``) as a contiguous array."""
    kind = "fiub" if dtype is np.float64 else "iu"
    arr = _as(name, array, dtype, kind)
    if len(arr) != n_edges:
        raise ValueError(f"{name} must have one entry per edge ({n_edges}), got {len(arr)}")
    return arr


def check_weights(weights: object | None, n_edges: int, *, name: str = "weights") -> np.ndarray:
    """Non-negative float64 edge values (all ones when None)."""
    if weights is None:
        return np.ones(n_edges, dtype=np.float64)
    w = check_edge_array(name, weights, n_edges, np.float64)
    problem = _values_problem(w)
    if problem == 1:
        raise ValueError(f"{name} must be finite")
    if problem == 2:
        raise ValueError(f"{name} must be non-negative")
    return w


def check_node(name: str, node: object, n: int) -> int:
    """A node number in ``0..n-1``."""
    try:
        value = int(node)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer node number, not {node!r}") from None
    if not 0 <= value < n:
        raise ValueError(f"{name} must be a node number in 0..{n - 1}, got {value}")
    return value


def check_labels(labels: object, n: int) -> np.ndarray:
    """A partition: one non-negative int64 label per node."""
    lab = _as("labels", labels, np.int64, "iu")
    if len(lab) != n:
        raise ValueError(f"labels must have one entry per node ({n}), got {len(lab)}")
    if len(lab) and lab.min() < 0:
        raise ValueError("labels must be non-negative")
    return lab
