"""Money tracing through time with amount conservation: where did it go, where did it come from.

The model (no account balances are known, only transactions): money held by an account at time
``t`` can leave on that account's transactions at or after ``t`` and at most ``max_gap``
later; a transaction can carry at most its own amount; what cannot leave stays ("retained").
Nothing is created: at the end the retained amounts add up to the traced amount.

- ``"proportional"``: a holding is spread over the eligible transactions in proportion to
  their (remaining) amounts (all of it when they add up to more than it holds).
- ``"fifo"``: a holding leaves on the earliest eligible transactions first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from algorithms._csr import check_csr, check_edge_array, check_node, check_weights
from algorithms._heap import heap_pop, heap_push
from algorithms._search import lower_bound, upper_bound

_METHODS = {"proportional": 0, "fifo": 1}
_NO_GAP = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class TraceResult:
    """Result of :func:`trace_forward` or :func:`trace_backward`.

    Attributes
    ----------
    amount : float
        The traced amount (what the source held at the start).
    received : float64 (n,)
        Traced money that reached each account (forward) or that each account contributed
        (backward); 0 for the source itself.
    retained : float64 (n,)
        Traced money that stopped at each account (not moved on within the gap or hop limit);
        sums to ``amount``.
    edge_amount : float64 (m,)
        Traced money carried by each CSR position (0 for untouched edges).
    edges : int64 (k,)
        CSR positions that carried traced money, in time order (forward) or reverse time order
        (backward); map them to ``edge_ids`` for the transactions.
    """

    amount: float
    received: np.ndarray
    retained: np.ndarray
    edge_amount: np.ndarray
    edges: np.ndarray


def trace_forward(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    ts: np.ndarray,
    source: int,
    *,
    start_ts: int,
    max_hops: int = 10,
    max_gap: int | None = None,
    method: str = "proportional",
    amount: float | None = None,
    min_amount: float = 0.01,
) -> TraceResult:
    """Follow money from ``source`` forward in time.

    Parameters
    ----------
    indptr, indices : int64 (n+1,), int32 (m,)
        Directed out-CSR, each row sorted by ``ts`` (as ``engine.graph`` builds it).
    weights : float64 (m,)
        Transaction amounts (non-negative).
    ts : int64 (m,)
        Transaction times, epoch microseconds.
    source : int
    start_ts : int
        The source holds the traced money from this time on.
    max_hops : int
        Money that has moved this many times stops.
    max_gap : int or None
        Money must move on within this many microseconds of arriving (None: no limit).
    method : {"proportional", "fifo"}
    amount : float or None
        The traced amount; None means everything the source sends in
        ``[start_ts, start_ts + max_gap]``.
    min_amount : float
        Holdings smaller than this stop where they are (keeps dust from spreading).

    Returns
    -------
    TraceResult

    Notes
    -----
    Event-driven in time order with a heap: holdings are processed by arrival time, and each
    transaction passes on what it carries as one new holding at its receiver once every holding
    that could feed it has been processed. Each holding scans the eligible part of its row,
    found by binary search: O(h (log m + w)) for h holdings and w eligible transactions per
    holding, independent of the rest of the graph. A holding's hop count is the fewest hops
    by which any of its money arrived.
    """
    ip, ix, w, t, s = _check(indptr, indices, weights, ts, source)
    return _run(
        ip, ix, w, t, s, int(start_ts), max_hops, max_gap, method, amount, min_amount, False
    )


def trace_backward(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    ts: np.ndarray,
    target: int,
    *,
    start_ts: int,
    max_hops: int = 10,
    max_gap: int | None = None,
    method: str = "proportional",
    amount: float | None = None,
    min_amount: float = 0.01,
) -> TraceResult:
    """Follow money that reached ``target`` by ``start_ts`` backward to where it came from.

    Parameters
    ----------
    indptr, indices : int64 (n+1,), int32 (m,)
        The *reverse* CSR (rows are receivers, indices senders), rows sorted by ``ts``.
    weights, ts : as :func:`trace_forward`, aligned with the reverse CSR.
    target : int
    start_ts : int
        Trace the money the target held at this time (received at or before it).
    max_hops, max_gap, method, min_amount : as :func:`trace_forward`, mirrored in time
        (``"fifo"`` takes the latest incoming transactions first).
    amount : float or None
        None means everything the target received in ``[start_ts - max_gap, start_ts]``.

    Returns
    -------
    TraceResult
        ``received[v]`` is how much of the target's money came through ``v``.

    Notes
    -----
    The forward kernel with time running backwards (rows are scanned from their latest
    transaction): the same conservation rules, the same complexity.
    """
    ip, ix, w, t, s = _check(indptr, indices, weights, ts, target)
    return _run(ip, ix, w, t, s, int(start_ts), max_hops, max_gap, method, amount, min_amount, True)


def _check(indptr, indices, weights, ts, node):
    ip, ix = check_csr(indptr, indices)
    w = check_weights(weights, len(ix))
    t = check_edge_array("ts", ts, len(ix), np.int64)
    return ip, ix, w, t, check_node("source", node, len(ip) - 1)


def _run(
    ip, ix, w, t, s, start, max_hops, max_gap, method, amount, min_amount, backward
) -> TraceResult:
    if method not in _METHODS:
        raise ValueError(f"method must be 'proportional' or 'fifo', not {method!r}")
    gap = _NO_GAP if max_gap is None else min(int(max_gap), _NO_GAP)
    if gap < 0 or max_hops < 0:
        raise ValueError("max_gap and max_hops must be non-negative")
    if amount is None:
        row = slice(ip[s], ip[s + 1])
        lag = start - t[row] if backward else t[row] - start
        in_window = (lag >= 0) & (lag <= gap)
        total = float(w[row][in_window].sum())
    else:
        total = float(amount)
        if not np.isfinite(total) or total < 0:
            raise ValueError("amount must be finite and non-negative")
    # Scratch and output arrays come from numpy's calloc-backed zeros: pages a trace never
    # touches are never written, so a small trace on a large graph stays cheap.
    n, m = len(ip) - 1, len(ix)
    received, retained, carried = np.zeros(n), np.zeros(n), np.zeros(m)
    hops = np.zeros(m, dtype=np.int64)
    emitted, scheduled = np.zeros(m, dtype=np.bool_), np.zeros(m, dtype=np.bool_)
    scratch = (received, retained, carried, hops, emitted, scheduled)
    args = (ip, ix, w, t, s, start, total, int(max_hops), gap, _METHODS[method])
    edges = _trace_kernel(*args, float(min_amount), backward, *scratch)
    return TraceResult(total, received, retained, carried, edges)


@numba.njit(cache=True, nogil=True)
def _trace_kernel(
    indptr,
    indices,
    weights,
    ts,
    source,
    start,
    total,
    max_hops,
    gap,
    fifo,
    dust,
    backward,
    received,
    retained,
    carried,
    hops,
    emitted,
    scheduled,
):
    sign = -1 if backward else 1  # heap keys run in the direction of the trace
    order = np.empty(16, dtype=np.int64)
    n_order = 0
    keys = np.empty(64, dtype=np.int64)
    items = np.empty(64, dtype=np.int64)
    size = 0
    # events: key 2*time for a holding arriving, 2*time+1 for a transaction passing money on;
    # item e >= 0 is the edge, item -1 the source's initial holding.
    keys, items, size = heap_push(keys, items, size, 2 * sign * start, -1)
    while size > 0:
        key, e, size = heap_pop(keys, items, size)
        if key & 1:
            emitted[e] = True
            if carried[e] > 0.0:
                received[indices[e]] += carried[e]
                if n_order == len(order):
                    grown = np.empty(2 * n_order, dtype=np.int64)
                    grown[:n_order] = order
                    order = grown
                order[n_order] = e
                n_order += 1
                keys, items, size = heap_push(keys, items, size, 2 * sign * ts[e], e)
            continue
        if e < 0:
            u, t0, x, h = source, start, total, 0
        else:
            u, t0, x, h = indices[e], ts[e], carried[e], hops[e]
        if h >= max_hops or x < dust:
            retained[u] += x
            continue
        if backward:
            lo = lower_bound(ts, indptr[u], indptr[u + 1], t0 - gap)
            hi = upper_bound(ts, lo, indptr[u + 1], t0)
            first, last, step = hi - 1, lo - 1, -1  # latest first
        else:
            lo = lower_bound(ts, indptr[u], indptr[u + 1], t0)
            hi = upper_bound(ts, lo, indptr[u + 1], t0 + gap)
            first, last, step = lo, hi, 1
        left = x
        if fifo:
            for f in range(first, last, step):
                if left <= 0.0:
                    break
                if emitted[f]:
                    continue
                take = min(left, weights[f] - carried[f])
                if take > 0.0:
                    carried[f] += take
                    left -= take
                    keys, items, size = _feed(keys, items, size, f, ts, hops, scheduled, h, sign)
        else:
            capacity = 0.0
            for f in range(lo, hi):
                if not emitted[f]:
                    capacity += weights[f] - carried[f]
            if capacity > 0.0:
                share = min(1.0, x / capacity)
                for f in range(first, last, step):
                    room = weights[f] - carried[f]
                    if emitted[f] or room <= 0.0:
                        continue
                    take = min(left, room * share)
                    if take > 0.0:
                        carried[f] += take
                        left -= take
                        keys, items, size = _feed(
                            keys, items, size, f, ts, hops, scheduled, h, sign
                        )
        if left > 0.0:
            retained[u] += left
    return order[:n_order].copy()


@numba.njit(cache=True, nogil=True)
def _feed(keys, items, size, f, ts, hops, scheduled, h, sign):
    if not scheduled[f]:
        scheduled[f] = True
        hops[f] = h + 1
        keys, items, size = heap_push(keys, items, size, 2 * sign * ts[f] + 1, f)
    elif h + 1 < hops[f]:
        hops[f] = h + 1
    return keys, items, size
