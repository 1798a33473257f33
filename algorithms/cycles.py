"""Temporal cycles: money that goes round and comes back (round-tripping).

A temporal cycle is a sequence of transactions ``e1 … ek`` (2 ≤ k ≤ ``max_length``) where each
one starts at the account the previous one paid, the last pays the first's sender, times are
increasing, no account repeats, and ``ts(ei) − ts(e1) ≤ window`` for every ``i``. Every cycle is
reported once, from its earliest edge.

Each step ``prev → next`` may have to be a *pass-on hop* (as :mod:`algorithms.patterns` defines
it for detection), switched on rule by rule:

- ``ordering``: ``"strict"`` (``ts(next) > ts(prev)``), ``"equal"`` (``≥``: equal times may be
  in either order) or ``"date"`` (as ``"equal"``, and a transfer stamped exactly at midnight,
  a date without a time, may follow any transfer of that day);
- ``max_gap``: ``ts(next) − ts(prev) ≤ max_gap``;
- ``amount_margin``: ``(1 − margin)·prev ≤ next ≤ (1 + amount_slack)·prev``, as when money is
  forwarded minus a fee;
- ``active``: only these transactions take part;
- ``max_degree``: money passes only through accounts with at most this many transfers in and
  out (the first sender is exempt: it passes nothing on);
- ``max_fan``: from each transaction only the first ``max_fan`` transfers that satisfy the rules
  above (in row order) are followed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from algorithms._csr import check_csr, check_edge_array, check_weights
from algorithms._search import lower_bound, upper_bound
from algorithms.components import _scc_kernel

#: One day in microseconds: a transfer stamped exactly at midnight is taken to carry a date
#: only, so it may have happened at any time of that day.
DAY_US = 86_400_000_000

#: ``ordering`` names and their kernel codes.
ORDERINGS = {"strict": 0, "equal": 1, "date": 2}


@dataclass(frozen=True)
class TemporalCycles:
    """Cycles as flat arrays: cycle ``i`` is ``edges[offsets[i]:offsets[i+1]]``.

    Attributes
    ----------
    offsets : int64 (k+1,)
    edges : int64 (offsets[-1],)
        CSR positions in cycle order (map them to ``edge_ids`` for the transactions).
    n_found : int
        How many cycles exist; more than ``k`` when ``max_cycles`` cut the list.
    """

    offsets: np.ndarray
    edges: np.ndarray
    n_found: int

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def truncated(self) -> bool:
        return self.n_found > len(self)

    def cycle(self, i: int) -> np.ndarray:
        """Edge positions of cycle ``i``."""
        return self.edges[self.offsets[i] : self.offsets[i + 1]]


def temporal_cycles(
    indptr: np.ndarray,
    indices: np.ndarray,
    ts: np.ndarray,
    *,
    window: int,
    max_length: int = 5,
    weights: np.ndarray | None = None,
    amount_margin: float | None = None,
    amount_slack: float = 1e-9,
    ordering: str = "strict",
    max_gap: int | None = None,
    active: np.ndarray | None = None,
    max_degree: int | None = None,
    max_fan: int | None = None,
    edge_ids: np.ndarray | None = None,
    day: int = DAY_US,
    max_cycles: int = 100_000,
) -> TemporalCycles:
    """Find temporal cycles of length 2..``max_length`` within ``window``.

    Parameters
    ----------
    indptr, indices : int64 (n+1,), int32 (m,)
        Directed out-CSR, each row sorted by ``ts`` (as ``engine.graph`` builds it).
    ts : int64 (m,)
        Transaction times, epoch microseconds.
    window : int
        Largest time between a cycle's first transaction and any other (microseconds).
    max_length : int
        Longest cycle, in transactions (at least 2).
    weights : float64 (m,) or None
        Amounts; needed only with ``amount_margin``.
    amount_margin : float or None
        If given, each hop's amount must lie in ``[(1 − margin)·prev, (1 + amount_slack)·prev]``.
    amount_slack : float
        Largest relative increase of the amount along a hop (rounding, a small top-up).
    ordering : {"strict", "equal", "date"}
        Time order of successive transactions (see the module notes).
    max_gap : int or None
        Largest time from one transaction to the next.
    active : bool (m,) or None
        Transactions that may take part (all when None).
    max_degree : int or None
        Accounts with more transfers in and out than this pass no money on.
    max_fan : int or None
        Follow at most this many qualifying transfers from each transaction (the earliest).
    edge_ids : int64 (m,) or None
        Tie-break of "earliest" among equal times (lowest first); CSR position when None.
    day : int
        Length of a day in ``ts`` units, for ``ordering="date"``.
    max_cycles : int
        Return at most this many (those whose first edge comes first in CSR order); the total
        is still counted.

    Returns
    -------
    TemporalCycles

    Notes
    -----
    Pruning as in 2SCENT (Kumar & Calders 2018, "2SCENT: an efficient algorithm to enumerate
    all simple temporal cycles"): only edges inside one strongly connected component of the
    active edges can lie on a cycle (iterative Tarjan, O(n + m)); from each such edge a depth-first search follows
    only edges in time order after the previous hop and within the window (a binary search in
    the time-sorted row bounds each scan), with at most ``max_length`` hops and the hop rules.
    With ``ordering="strict"`` a cycle's first edge is its earliest; otherwise a cycle is kept
    only from the start edge that is earliest by ``(ts, edge_ids)``, so each is reported once.
    Start edges are independent, so both passes (count, then fill) run in parallel over them;
    the output order is fixed, so the result does not depend on threads. Worst case
    exponential in ``max_length`` (the number of cycles can be), in practice proportional to
    the number of time-respecting paths inside the window.
    """
    ip, ix = check_csr(indptr, indices)
    m = len(ix)
    t = check_edge_array("ts", ts, m, np.int64)
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    if window < 0 or max_cycles < 0:
        raise ValueError("window and max_cycles must be non-negative")
    if ordering not in ORDERINGS:
        raise ValueError(f"ordering must be one of {sorted(ORDERINGS)}, not {ordering!r}")
    if day <= 0:
        raise ValueError("day must be positive")
    for name, value in (("max_gap", max_gap), ("max_degree", max_degree), ("max_fan", max_fan)):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be non-negative")
    if amount_margin is not None:
        if weights is None:
            raise ValueError("weights are needed with amount_margin")
        if not 0.0 <= amount_margin <= 1.0:
            raise ValueError("amount_margin must be in [0, 1]")
    if amount_slack < 0:
        raise ValueError("amount_slack must be non-negative")
    w = check_weights(weights, m)
    if active is None:
        act = np.ones(m, dtype=np.bool_)
    else:
        act = np.ascontiguousarray(active)
        if act.dtype != np.bool_ or act.shape != (m,):
            raise ValueError(f"active must be bool with one entry per edge ({m})")
    key = (
        np.arange(m, dtype=np.int64)
        if edge_ids is None
        else check_edge_array("edge_ids", edge_ids, m, np.int64)
    )
    n = len(ip) - 1
    if max_degree is None:
        through = np.ones(n, dtype=np.bool_)
    else:
        degree = np.diff(ip) + np.bincount(ix, minlength=n)
        through = degree <= max_degree
    rule = (
        np.int64(ORDERINGS[ordering]),
        np.int64(day),
        np.int64(-1 if max_gap is None else max_gap),
        -1.0 if amount_margin is None else float(amount_margin),
        float(amount_slack),
        np.int64(m + 1 if max_fan is None else max_fan),
    )
    # cycles run inside one strongly connected component of the active edges
    if active is None:
        scc = _scc_kernel(ip, ix)
    else:
        scc = _scc_kernel(np.concatenate(([0], np.cumsum(act, dtype=np.int64)))[ip], ix[act])
    graph = (ip, ix, t, w, act, through, key, scc)
    counts = _count_or_fill(graph, rule, int(window), int(max_length), None, None)
    starts = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    n_found = int(starts[-1])
    keep = int(np.searchsorted(starts, max_cycles, side="right")) - 1  # whole start edges only
    lengths = np.zeros(starts[keep], dtype=np.int64)
    edges = np.zeros(starts[keep] * max_length, dtype=np.int64)
    mask = np.zeros(m, dtype=np.bool_)
    mask[:keep] = counts[:keep] > 0  # the fill pass revisits only starts with cycles
    _count_or_fill(graph, rule, int(window), int(max_length), (starts, mask), (lengths, edges))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    slot = np.repeat(np.arange(len(lengths)) * max_length, lengths)
    within = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)
    return TemporalCycles(offsets, edges[slot + within], n_found)


def _count_or_fill(graph, rule, window, max_length, fill, out):
    if fill is None:
        m = len(graph[1])
        one = np.zeros(1, np.int64)
        return _cycles_kernel(*graph, *rule, window, max_length, False, one,
                              np.ones(m, np.bool_), one, one)  # fmt: skip
    starts, mask = fill
    lengths, edges = out
    return _cycles_kernel(*graph, *rule, window, max_length, True, starts, mask, lengths, edges)


@numba.njit(cache=True, nogil=True)
def _scan(ts, lo, hi, t_prev, deadline, mode, day, gap):
    """Positions ``[a, b)`` of row ``ts[lo:hi]`` that may follow a transfer at ``t_prev``."""
    if mode == 0:
        a = upper_bound(ts, lo, hi, t_prev)
    elif mode == 1:
        a = lower_bound(ts, lo, hi, t_prev)
    else:
        a = lower_bound(ts, lo, hi, t_prev - t_prev % day)
    bound = deadline if gap < 0 else min(deadline, t_prev + gap)
    return a, upper_bound(ts, a, hi, bound)


@numba.njit(cache=True, nogil=True, parallel=True)
def _cycles_kernel(
    indptr,
    indices,
    ts,
    weights,
    active,
    through,
    key,
    scc,
    mode,
    day,
    gap,
    margin,
    slack,
    max_fan,
    window,
    max_length,
    fill,
    starts,
    mask,
    lengths,
    edges,
):
    n = len(indptr) - 1
    m = len(indices)
    counts = np.zeros(m, dtype=np.int64)
    n_chunks = 256
    for chunk in numba.prange(n_chunks):
        path_edge = np.empty(max_length, dtype=np.int64)
        path_node = np.empty(max_length + 1, dtype=np.int64)
        cursor = np.empty(max_length, dtype=np.int64)
        stop = np.empty(max_length, dtype=np.int64)
        fan = np.empty(max_length, dtype=np.int64)
        lo_node = chunk * n // n_chunks
        hi_node = (chunk + 1) * n // n_chunks
        for s in range(lo_node, hi_node):
            for e1 in range(indptr[s], indptr[s + 1]):
                v = indices[e1]
                if v == s or scc[v] != scc[s] or not mask[e1] or not active[e1] or not through[v]:
                    continue
                found = 0
                deadline = ts[e1] + window
                path_edge[0] = e1
                path_node[0] = s
                path_node[1] = v
                depth = 1  # edges on the path
                cursor[1], stop[1] = _scan(ts, indptr[v], indptr[v + 1], ts[e1], deadline, mode,
                                           day, gap)  # fmt: skip
                fan[1] = 0
                while depth >= 1:
                    if depth == max_length or cursor[depth] >= stop[depth]:
                        depth -= 1
                        continue
                    f = cursor[depth]
                    cursor[depth] = f + 1
                    if not active[f]:
                        continue
                    prev = path_edge[depth - 1]
                    if mode == 2 and ts[f] < ts[prev] and ts[f] % day != 0:
                        continue
                    if margin >= 0.0:
                        a = weights[prev]
                        if weights[f] > a * (1.0 + slack) or weights[f] < (1.0 - margin) * a:
                            continue
                    fan[depth] += 1
                    if fan[depth] > max_fan:
                        cursor[depth] = stop[depth]
                        continue
                    y = indices[f]
                    if scc[y] != scc[s]:
                        continue
                    if y == s:
                        if mode != 0 and not _earliest(ts, key, path_edge, depth, f):
                            continue
                        if fill:
                            slot = starts[e1] + found
                            lengths[slot] = depth + 1
                            for i in range(depth):
                                edges[slot * max_length + i] = path_edge[i]
                            edges[slot * max_length + depth] = f
                        found += 1
                        continue
                    if depth + 1 == max_length or not through[y]:
                        continue
                    on_path = False
                    for i in range(1, depth + 1):
                        if path_node[i] == y:
                            on_path = True
                            break
                    if on_path:
                        continue
                    path_edge[depth] = f
                    depth += 1
                    path_node[depth] = y
                    cursor[depth], stop[depth] = _scan(ts, indptr[y], indptr[y + 1], ts[f],
                                                       deadline, mode, day, gap)  # fmt: skip
                    fan[depth] = 0
                counts[e1] = found
    return counts


@numba.njit(cache=True, nogil=True)
def _earliest(ts, key, path_edge, depth, last):
    """Is the path's first edge the earliest of the cycle ``path_edge[:depth] + [last]``?"""
    e1 = path_edge[0]
    for i in range(1, depth + 1):
        x = path_edge[i] if i < depth else last
        if ts[x] < ts[e1] or (ts[x] == ts[e1] and key[x] < key[e1]):
            return False
    return True
