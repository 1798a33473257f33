"""Sliding time windows over CSR rows: the most distinct counterparties (or the most events)
any window of a given length holds, per node.

Fan-in, fan-out, structuring and the collector detectors all ask "is there a window of length Δ
in which this account did X at least k times?". Rows of the CSR arrays are ordered by time (as
:mod:`engine.graph` builds them), so one two-pointer sweep per row answers it in O(deg).
Windows include both ends: two events ``window`` apart are in the same window, and equal
timestamps (dates without times) are always together.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def _check(name: str, arr: np.ndarray, dtype: type, length: int | None = None) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    if arr.dtype != dtype:
        raise ValueError(f"{name} must be {np.dtype(dtype).name}, not {arr.dtype}")
    if length is not None and len(arr) != length:
        raise ValueError(f"{name} has length {len(arr)}, expected {length}")
    return arr


def _check_indptr(name: str, indptr: np.ndarray, m: int | None = None) -> np.ndarray:
    """Row pointers: int64, starting at 0, non-decreasing, ending at ``m`` (when given)."""
    indptr = _check(name, indptr, np.int64)
    if len(indptr) == 0 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise ValueError(f"{name} must start at 0 and not decrease")
    if m is not None and indptr[-1] != m:
        raise ValueError(f"{name} ends at {indptr[-1]}, expected {m}")
    return indptr


def _check_window(window: int) -> np.int64:
    if window < 0:
        raise ValueError(f"window must be non-negative, not {window}")
    return np.int64(window)


def window_distinct(
    indptr: np.ndarray,
    indices: np.ndarray,
    ts: np.ndarray,
    valid: np.ndarray,
    window: int,
    n_neighbours: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the largest number of distinct neighbours inside any window of length ``window``.

    Parameters
    ----------
    indptr : int64 (n+1,)
    indices : int32 (m,)
        Neighbour of each edge, rows ordered by ``ts``.
    ts : int64 (m,)
    valid : bool (m,)
        Edges that count (others are skipped).
    window : int
        Window length, same unit as ``ts``.
    n_neighbours : int
        Upper bound of ``indices`` (size of the counting scratch array).

    Returns
    -------
    best : int64 (n,)
        Most distinct valid neighbours in one window.
    lo, hi : int64 (n,)
        Edge positions ``[lo, hi)`` of the first window reaching ``best`` (invalid edges
        inside it are to be ignored by the caller).

    Notes
    -----
    Two pointers per row with a shared counter array reset after each row: O(m) time,
    O(n_neighbours) memory.
    """
    indptr = _check_indptr("indptr", indptr)
    m = int(indptr[-1])
    indices = _check("indices", indices, np.int32, m)
    ts = _check("ts", ts, np.int64, m)
    valid = _check("valid", valid, np.bool_, m)
    if m and (indices.min() < 0 or indices.max() >= n_neighbours):
        raise ValueError(f"indices must be neighbour numbers in 0..{n_neighbours - 1}")
    return _window_distinct(indptr, indices, ts, valid, _check_window(window), int(n_neighbours))


@njit(cache=True)
def _window_distinct(indptr, indices, ts, valid, window, n_neighbours):  # pragma: no cover
    n = len(indptr) - 1
    best = np.zeros(n, np.int64)
    lo = np.zeros(n, np.int64)
    hi = np.zeros(n, np.int64)
    count = np.zeros(max(n_neighbours, 1), np.int32)
    for u in range(n):
        start = indptr[u]
        end = indptr[u + 1]
        lo[u] = start
        hi[u] = start
        j = start
        distinct = 0
        for i in range(start, end):
            if not valid[i]:
                continue
            v = indices[i]
            if count[v] == 0:
                distinct += 1
            count[v] += 1
            while ts[i] - ts[j] > window:
                if valid[j]:
                    w = indices[j]
                    count[w] -= 1
                    if count[w] == 0:
                        distinct -= 1
                j += 1
            if distinct > best[u]:
                best[u] = distinct
                lo[u] = j
                hi[u] = i + 1
        for k in range(j, end):
            if valid[k]:
                count[indices[k]] -= 1
    return best, lo, hi


def window_events(
    indptr: np.ndarray, ts: np.ndarray, values: np.ndarray, valid: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the most valid events inside one window of length ``window``, and their sum.

    Returns ``(best_count, best_sum, lo, hi)``: of the windows with the most events the one with
    the largest sum, the first of those on ties. Sums are kept running (add on entry, subtract
    on exit), so windows whose sums differ only by rounding may tie-break either way. O(m).
    """
    indptr = _check_indptr("indptr", indptr)
    m = int(indptr[-1])
    ts = _check("ts", ts, np.int64, m)
    values = _check("values", values, np.float64, m)
    valid = _check("valid", valid, np.bool_, m)
    return _window_events(indptr, ts, values, valid, _check_window(window))


@njit(cache=True)
def _window_events(indptr, ts, values, valid, window):  # pragma: no cover
    n = len(indptr) - 1
    best = np.zeros(n, np.int64)
    best_sum = np.zeros(n, np.float64)
    lo = np.zeros(n, np.int64)
    hi = np.zeros(n, np.int64)
    for u in range(n):
        start = indptr[u]
        j = start
        count = 0
        total = 0.0
        lo[u] = start
        hi[u] = start
        for i in range(start, indptr[u + 1]):
            if not valid[i]:
                continue
            count += 1
            total += values[i]
            while ts[i] - ts[j] > window:
                if valid[j]:
                    count -= 1
                    total -= values[j]
                j += 1
            if count > best[u] or (count == best[u] and total > best_sum[u]):
                best[u] = count
                best_sum[u] = total
                lo[u] = j
                hi[u] = i + 1
    return best, best_sum, lo, hi


def window_balance(
    indptr: np.ndarray, ts: np.ndarray, signed: np.ndarray, window: int, margin: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the window of length ``window`` ending on an outflow in which the most money
    came in and (almost) all of it went out again: a pass-through.

    Parameters
    ----------
    indptr : int64 (n+1,)
        Rows of incident transfers (both directions), ordered by time.
    ts : int64 (m,)
    signed : float64 (m,)
        Amount, positive for money coming in and negative for money going out.
    window : int
    margin : float
        The window qualifies when ``(1 - margin) * in <= out <= 1.001 * in``.

    Returns
    -------
    passed : float64 (n,)
        Inflow of the best qualifying window (0 if none).
    n_in : int64 (n,)
        Inflows in it.
    lo, hi : int64 (n,)
        Its positions ``[lo, hi)``.

    Notes
    -----
    Two pointers per row: O(m).
    """
    indptr = _check_indptr("indptr", indptr)
    m = int(indptr[-1])
    ts = _check("ts", ts, np.int64, m)
    signed = _check("signed", signed, np.float64, m)
    return _window_balance(indptr, ts, signed, _check_window(window), float(margin))


@njit(cache=True)
def _window_balance(indptr, ts, signed, window, margin):  # pragma: no cover
    n = len(indptr) - 1
    passed = np.zeros(n, np.float64)
    n_in = np.zeros(n, np.int64)
    lo = np.zeros(n, np.int64)
    hi = np.zeros(n, np.int64)
    for u in range(n):
        j = indptr[u]
        s_in = 0.0
        s_out = 0.0
        c_in = 0
        for i in range(indptr[u], indptr[u + 1]):
            if signed[i] > 0:
                s_in += signed[i]
                c_in += 1
            else:
                s_out -= signed[i]
            while ts[i] - ts[j] > window:
                if signed[j] > 0:
                    s_in -= signed[j]
                    c_in -= 1
                else:
                    s_out += signed[j]
                j += 1
            # trim leading outflows: money that left before any came in is not passed on
            while j < i and signed[j] <= 0:
                s_out += signed[j]
                j += 1
            balanced = s_out >= (1.0 - margin) * s_in and s_out <= 1.001 * s_in
            if signed[i] <= 0 and s_in > passed[u] and balanced:
                passed[u] = s_in
                n_in[u] = c_in
                lo[u] = j
                hi[u] = i + 1
    return passed, n_in, lo, hi
