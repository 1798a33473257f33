"""Pass-on hops and what is built from them: layering chains, co-occurring pairs.

A *pass-on hop* is a pair of transfers ``e1 = (s → m, t1, a1)`` and ``e2 = (m → d, t2, a2)``
through the same middle account where the second leaves soon after the first arrives
(``t1 <= t2 <= t1 + lag``; equal times, and a midnight ``t2`` on the day of ``t1``, count as
possibly ordered, for sources with dates only) and
carries the same money less the intermediary's margin (``(1 - margin) a1 <= a2 <= 1.001 a1``).
Hops are the edges of a line graph over transfers; scatter-gather, layering chains, temporal
cycles (round-tripping) and pass-through mules are all shapes in that line graph.

Temporal cycles along pass-on hops are enumerated by :func:`algorithms.cycles.temporal_cycles`
with the same rule switched on (``ordering="date"``, ``max_gap=lag``, ``amount_margin=margin``,
``amount_slack=PASS_SLACK``, ``max_degree``, ``max_fan``); a test holds the two to the same
hops.

Edges here are transaction rows ``0..m-1``; kernels see CSR arrays of rows ordered by time.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from algorithms.cycles import DAY_US
from algorithms.windows import _check, _check_indptr

#: Largest relative increase of the amount along a hop (rounding, a small top-up).
PASS_SLACK = 0.001
#: Hops followed from one transfer by default: the earliest qualifying ones.
MAX_FAN = 16


def pass_on_hops(
    in_indptr: np.ndarray,
    in_rows: np.ndarray,
    out_indptr: np.ndarray,
    out_rows: np.ndarray,
    ts: np.ndarray,
    amount: np.ndarray,
    active: np.ndarray,
    lag: int,
    margin: float,
    max_degree: int,
    max_fan: int = MAX_FAN,
) -> tuple[np.ndarray, np.ndarray]:
    """All pass-on hops ``(e1, e2)`` through every middle node.

    Parameters
    ----------
    in_indptr, out_indptr : int64 (n+1,)
        Row pointers of the reverse (incoming) and forward (outgoing) CSR.
    in_rows, out_rows : int64 (m,)
        Transaction row of each CSR position (``edge_ids``); rows ordered by time.
    ts : int64 (m,), amount : float64 (m,)
        Indexed by transaction row.
    active : bool (m,)
        Transactions that may take part (not to or from a hub).
    lag : int
        Largest ``t2 - t1``.
    margin : float
        Largest share of ``a1`` the middle keeps.
    max_degree : int
        Middle nodes with more in- plus out-transfers are skipped.
    max_fan : int
        At most this many ``e2`` per ``e1`` (the earliest ones).

    Returns
    -------
    e1, e2 : int64 arrays
        Hops, ordered by middle node then ``e1``.

    Notes
    -----
    Two passes (count, fill) of a two-pointer sweep per node: O(m + hops).
    """
    m = len(ts)
    in_indptr = _check_indptr("in_indptr", in_indptr, m)
    out_indptr = _check_indptr("out_indptr", out_indptr, m)
    if len(out_indptr) != len(in_indptr):
        raise ValueError(f"out_indptr has length {len(out_indptr)}, expected {len(in_indptr)}")
    in_rows = _check("in_rows", in_rows, np.int64, m)
    out_rows = _check("out_rows", out_rows, np.int64, m)
    for name, rows in (("in_rows", in_rows), ("out_rows", out_rows)):
        if m and (rows.min() < 0 or rows.max() >= m):
            raise ValueError(f"{name} must be transaction rows in 0..{m - 1}")
    ts = _check("ts", ts, np.int64, m)
    amount = _check("amount", amount, np.float64, m)
    active = _check("active", active, np.bool_, m)
    args = (in_indptr, in_rows, out_indptr, out_rows, ts, amount, active)
    params = (np.int64(lag), float(margin), 1.0 + PASS_SLACK, int(max_degree), int(max_fan),
              np.int64(DAY_US))  # fmt: skip
    n_hops = _hops(*args, *params, np.zeros(0, np.int64), np.zeros(0, np.int64), False)
    e1 = np.empty(n_hops, np.int64)
    e2 = np.empty(n_hops, np.int64)
    _hops(*args, *params, e1, e2, True)
    return e1, e2


@njit(cache=True)
def _hops(
    in_indptr, in_rows, out_indptr, out_rows, ts, amount, active, lag, margin, up, max_degree,
    max_fan, day, e1, e2, fill,
):  # pragma: no cover  # fmt: skip
    n = len(in_indptr) - 1
    k = 0
    for u in range(n):
        a0, a1 = in_indptr[u], in_indptr[u + 1]
        b0, b1 = out_indptr[u], out_indptr[u + 1]
        if a1 == a0 or b1 == b0 or (a1 - a0) + (b1 - b0) > max_degree:
            continue
        start = b0
        for i in range(a0, a1):
            r1 = in_rows[i]
            if not active[r1]:
                continue
            t1 = ts[r1]
            day_start = t1 - t1 % day
            while start < b1 and ts[out_rows[start]] < day_start:
                start += 1
            found = 0
            j = start
            while j < b1 and found < max_fan:
                r2 = out_rows[j]
                t2 = ts[r2]
                if t2 - t1 > lag:
                    break
                # later, or a date-only transfer (midnight) of the same day: possibly later
                after = t2 >= t1 or t2 % day == 0
                if after and active[r2] and r2 != r1:
                    a = amount[r2]
                    if a <= amount[r1] * up and a >= amount[r1] * (1.0 - margin):
                        if fill:
                            e1[k] = r1
                            e2[k] = r2
                        k += 1
                        found += 1
                j += 1
    return k


def successor_csr(e1: np.ndarray, e2: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR over transaction rows: the hops leaving each row (``indptr`` (m+1,), ``succ``), in the
    order the hops are given."""
    e1 = np.asarray(e1, dtype=np.int64)
    if len(e1) != len(e2):
        raise ValueError(f"e1 and e2 must have one length, not {len(e1)} and {len(e2)}")
    if len(e1) and (e1.min() < 0 or e1.max() >= m):
        raise ValueError(f"e1 must be transaction rows in 0..{m - 1}")
    order = np.argsort(e1, kind="stable")
    indptr = np.zeros(m + 1, np.int64)
    np.cumsum(np.bincount(e1, minlength=m), out=indptr[1:])
    return indptr, np.ascontiguousarray(e2[order], dtype=np.int64)


def chain_depth(indptr: np.ndarray, succ: np.ndarray, max_depth: int) -> np.ndarray:
    """Hops in the longest pass-on chain starting at each transaction row (0 = none), capped.

    Notes
    -----
    ``max_depth`` rounds of relaxation ``d(e) = 1 + max d(succ(e))``: O(max_depth · hops). The
    cap makes it safe on same-day loops (which a strict time order would not have).
    """
    indptr = _check_indptr("indptr", indptr)
    succ = _check("succ", succ, np.int64, int(indptr[-1]))
    if len(succ) and (succ.min() < 0 or succ.max() >= len(indptr) - 1):
        raise ValueError(f"succ must be transaction rows in 0..{len(indptr) - 2}")
    if max_depth < 0:
        raise ValueError(f"max_depth must be non-negative, not {max_depth}")
    return _depth(indptr, succ, int(max_depth))


@njit(cache=True)
def _depth(indptr, succ, max_depth):  # pragma: no cover
    m = len(indptr) - 1
    depth = np.zeros(m, np.int64)
    for _ in range(max_depth):
        changed = False
        for e in range(m):
            best = 0
            for p in range(indptr[e], indptr[e + 1]):
                d = depth[succ[p]] + 1
                if d > best:
                    best = d
            if best > max_depth:
                best = max_depth
            if best != depth[e]:
                depth[e] = best
                changed = True
        if not changed:
            break
    return depth


def neighbour_pairs(
    indptr: np.ndarray, indices: np.ndarray, max_row: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``(u, v)``, ``u < v``, of neighbours sharing a row (co-senders of one receiver).

    Rows longer than ``max_row`` are skipped; ``indices`` must be unique within a row.
    Returns int64 arrays ``u, v, row``, by row, then by position in it. O(Σ row²) over the
    rows kept.
    """
    indices = np.ascontiguousarray(indices, dtype=np.int64)
    indptr = _check_indptr("indptr", indptr, len(indices))
    sizes = np.diff(indptr)
    sizes = np.where(sizes <= max_row, sizes, 0)
    total = int((sizes * (sizes - 1) // 2).sum())
    u = np.empty(total, np.int64)
    v = np.empty(total, np.int64)
    row = np.empty(total, np.int64)
    _pairs(indptr, indices, int(max_row), u, v, row)
    return u, v, row


@njit(cache=True)
def _pairs(indptr, indices, max_row, u, v, row):  # pragma: no cover
    k = 0
    for r in range(len(indptr) - 1):
        a, b = indptr[r], indptr[r + 1]
        if b - a > max_row:
            continue
        for i in range(a, b):
            for j in range(i + 1, b):
                x, y = indices[i], indices[j]
                u[k] = min(x, y)
                v[k] = max(x, y)
                row[k] = r
                k += 1
