"""Temporal cycles: money that goes round and comes back (round-tripping).

A temporal cycle is a sequence of transactions ``e1 … ek`` (2 ≤ k ≤ ``max_length``) where each
one starts at the account the previous one paid, the last pays the first's sender, times are
strictly increasing, no account repeats, and ``ts(ek) − ts(e1) ≤ window``. Optionally each
hop's amount must be close to the previous one (``(1 − margin)·prev ≤ amount ≤ prev``), as
when money is forwarded minus a fee. Every cycle is reported once, from its earliest edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from algorithms._csr import check_csr, check_edge_array, check_weights
from algorithms._search import upper_bound
from algorithms.components import _scc_kernel


@dataclass(frozen=True)
class TemporalCycles:
    """Cycles as flat arrays: cycle ``i`` is ``edges[offsets[i]:offsets[i+1]]``.

    Attributes
    ----------
    offsets : int64 (k+1,)
    edges : int64 (offsets[-1],)
        CSR positions in time order (map them to ``edge_ids`` for the transactions).
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
        Largest time between a cycle's first and last transaction (microseconds).
    max_length : int
        Longest cycle, in transactions (at least 2).
    weights : float64 (m,) or None
        Amounts; needed only with ``amount_margin``.
    amount_margin : float or None
        If given, each hop's amount must lie in ``[(1 − margin)·prev, prev·(1 + 1e-9)]``.
    max_cycles : int
        Return at most this many (those whose first edge comes first in CSR order); the total
        is still counted.

    Returns
    -------
    TemporalCycles

    Notes
    -----
    Pruning as in 2SCENT (Kumar & Calders 2018, "2SCENT: an efficient algorithm to enumerate
    all simple temporal cycles"): only edges inside one strongly connected component can lie
    on a cycle (iterative Tarjan, O(n + m)); from each such edge a depth-first search follows
    only edges later than the previous hop and within the window (a binary search in the
    time-sorted row bounds each scan), with at most ``max_length`` hops and, optionally, the
    amount rule. Start edges are independent, so both passes (count, then fill) run in
    parallel over them; the output order is fixed, so the result does not depend on threads.
    Worst case exponential in ``max_length`` (the number of cycles can be), in practice
    proportional to the number of time-respecting paths inside the window.
    """
    ip, ix = check_csr(indptr, indices)
    t = check_edge_array("ts", ts, len(ix), np.int64)
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    if window < 0 or max_cycles < 0:
        raise ValueError("window and max_cycles must be non-negative")
    if amount_margin is not None:
        if weights is None:
            raise ValueError("weights are needed with amount_margin")
        if not 0.0 <= amount_margin <= 1.0:
            raise ValueError("amount_margin must be in [0, 1]")
    w = check_weights(weights, len(ix))
    margin = -1.0 if amount_margin is None else float(amount_margin)
    scc = _scc_kernel(ip, ix)
    counts = _count_or_fill(ip, ix, t, w, scc, int(window), int(max_length), margin, None, None)
    starts = np.zeros(len(ix) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    n_found = int(starts[-1])
    keep = int(np.searchsorted(starts, max_cycles, side="right")) - 1  # whole start edges only
    lengths = np.zeros(starts[keep], dtype=np.int64)
    edges = np.zeros(starts[keep] * max_length, dtype=np.int64)
    mask = np.zeros(len(ix), dtype=np.bool_)
    mask[:keep] = True
    _count_or_fill(
        ip, ix, t, w, scc, int(window), int(max_length), margin, (starts, mask), (lengths, edges)
    )
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    slot = np.repeat(np.arange(len(lengths)) * max_length, lengths)
    within = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)
    return TemporalCycles(offsets, edges[slot + within], n_found)


def _count_or_fill(ip, ix, t, w, scc, window, max_length, margin, fill, out):
    if fill is None:
        return _cycles_kernel(
            ip,
            ix,
            t,
            w,
            scc,
            window,
            max_length,
            margin,
            False,
            np.zeros(1, np.int64),
            np.ones(len(ix), np.bool_),
            np.zeros(1, np.int64),
            np.zeros(1, np.int64),
        )
    starts, mask = fill
    lengths, edges = out
    return _cycles_kernel(
        ip, ix, t, w, scc, window, max_length, margin, True, starts, mask, lengths, edges
    )


@numba.njit(cache=True, nogil=True, parallel=True)
def _cycles_kernel(
    indptr,
    indices,
    ts,
    weights,
    scc,
    window,
    max_length,
    margin,
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
        lo_node = chunk * n // n_chunks
        hi_node = (chunk + 1) * n // n_chunks
        for s in range(lo_node, hi_node):
            for e1 in range(indptr[s], indptr[s + 1]):
                v = indices[e1]
                if v == s or scc[v] != scc[s] or not mask[e1]:
                    continue
                found = 0
                deadline = ts[e1] + window
                path_edge[0] = e1
                path_node[0] = s
                path_node[1] = v
                depth = 1  # edges on the path
                cursor[1] = upper_bound(ts, indptr[v], indptr[v + 1], ts[e1])
                stop[1] = upper_bound(ts, cursor[1], indptr[v + 1], deadline)
                while depth >= 1:
                    if depth == max_length or cursor[depth] >= stop[depth]:
                        depth -= 1
                        continue
                    f = cursor[depth]
                    cursor[depth] = f + 1
                    y = indices[f]
                    if scc[y] != scc[s]:
                        continue
                    if margin >= 0.0:
                        prev = weights[path_edge[depth - 1]]
                        if weights[f] > prev * (1.0 + 1e-9) or weights[f] < (1.0 - margin) * prev:
                            continue
                    if y == s:
                        if fill:
                            slot = starts[e1] + found
                            lengths[slot] = depth + 1
                            for i in range(depth):
                                edges[slot * max_length + i] = path_edge[i]
                            edges[slot * max_length + depth] = f
                        found += 1
                        continue
                    if depth + 1 == max_length:
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
                    cursor[depth] = upper_bound(ts, indptr[y], indptr[y + 1], ts[f])
                    stop[depth] = upper_bound(ts, cursor[depth], indptr[y + 1], deadline)
                counts[e1] = found
    return counts
