"""Slow, obvious reference versions of the kernels in ``algorithms/``, for the tests only.

Each function states its kernel's definition as directly as Python allows (brute force over
all edges, pairs or windows) and returns the same thing in the same order, so that a test can
compare exactly. Keep them plain: they are the specification the kernels are held to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

#: One day in microseconds (as ``algorithms.cycles.DAY_US``).
DAY = 86_400_000_000


# -- time order and pass-on hops ---------------------------------------------------------------


def follows(t_prev: int, t: int, ordering: str, day: int = DAY) -> bool:
    """May a transfer at ``t`` come after one at ``t_prev``?

    ``strict``: later; ``equal``: not earlier; ``date``: not earlier, or stamped at the
    midnight that starts ``t_prev``'s day (a date without a time).
    """
    if ordering == "strict":
        return t > t_prev
    if ordering == "equal":
        return t >= t_prev
    return t >= t_prev or (t % day == 0 and t // day == t_prev // day)


def pass_on_successors(
    src: Sequence[int],
    dst: Sequence[int],
    ts: Sequence[int],
    amount: Sequence[float],
    out_order: Sequence[int],
    *,
    ordering: str = "strict",
    max_gap: int | None = None,
    margin: float | None = None,
    slack: float = 1e-9,
    active: Sequence[bool] | None = None,
    max_degree: int | None = None,
    max_fan: int | None = None,
    day: int = DAY,
) -> list[list[int]]:
    """Per transfer ``p``, the transfers ``f`` it may pass money on to, in ``out_order``.

    ``f`` leaves the account ``p`` pays, is another active transfer, follows ``p`` in time
    (``ordering``, at most ``max_gap`` later) and carries ``[(1 - margin) a_p, (1 + slack) a_p]``;
    the account must have at most ``max_degree`` transfers in and out; the first ``max_fan``
    such ``f`` in ``out_order`` are kept.
    """
    m = len(src)
    act = [True] * m if active is None else [bool(x) for x in active]
    degree: dict[int, int] = {}
    for r in range(m):
        degree[src[r]] = degree.get(src[r], 0) + 1
        degree[dst[r]] = degree.get(dst[r], 0) + 1
    succ: list[list[int]] = []
    for p in range(m):
        mid = dst[p]
        out: list[int] = []
        if act[p] and (max_degree is None or degree[mid] <= max_degree):
            for f in out_order:
                if src[f] != mid or f == p or not act[f]:
                    continue
                if not follows(ts[p], ts[f], ordering, day):
                    continue
                if max_gap is not None and ts[f] - ts[p] > max_gap:
                    continue
                if margin is not None and not (
                    (1.0 - margin) * amount[p] <= amount[f] <= amount[p] * (1.0 + slack)
                ):
                    continue
                out.append(f)
        succ.append(out if max_fan is None else out[:max_fan])
    return succ


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
    max_fan: int = 16,
    slack: float = 0.001,
) -> tuple[list[int], list[int]]:
    """``algorithms.patterns.pass_on_hops``: hops ordered by middle node, then ``e1`` in the
    incoming row, then ``e2`` in the outgoing row."""
    m = len(ts)
    src, dst = [0] * m, [0] * m
    for u in range(len(out_indptr) - 1):
        for r in out_rows[out_indptr[u] : out_indptr[u + 1]]:
            src[r] = u
        for r in in_rows[in_indptr[u] : in_indptr[u + 1]]:
            dst[r] = u
    succ = pass_on_successors(
        src, dst, ts.tolist(), amount.tolist(), out_rows.tolist(), ordering="date",
        max_gap=lag, margin=margin, slack=slack, active=active.tolist(), max_degree=max_degree,
        max_fan=max_fan,
    )  # fmt: skip
    e1: list[int] = []
    e2: list[int] = []
    for u in range(len(in_indptr) - 1):
        for r1 in in_rows[in_indptr[u] : in_indptr[u + 1]]:
            e1 += [int(r1)] * len(succ[r1])
            e2 += succ[r1]
    return e1, e2


def successor_lists(e1: Sequence[int], e2: Sequence[int], m: int) -> list[list[int]]:
    """``algorithms.patterns.successor_csr`` as lists: the hops leaving each row, in input order."""
    out: list[list[int]] = [[] for _ in range(m)]
    for a, b in zip(e1, e2, strict=True):
        out[a].append(b)
    return out


def chain_depth(succ: list[list[int]], max_depth: int) -> list[int]:
    """Hops in the longest walk along ``succ`` from each row, at most ``max_depth``."""

    @cache
    def longest(e: int, budget: int) -> int:
        if budget == 0:
            return 0
        return max((1 + longest(f, budget - 1) for f in succ[e]), default=0)

    return [longest(e, max_depth) for e in range(len(succ))]


# -- temporal cycles ---------------------------------------------------------------------------


def cycles_along(
    succ: Callable[[int], Sequence[int]],
    src: Sequence[int],
    dst: Sequence[int],
    ts: Sequence[int],
    starts: Sequence[int],
    window: int,
    max_length: int,
    key: Sequence[int] | None = None,
) -> set[tuple[int, ...]]:
    """Every path ``e1 → … → ek`` along ``succ`` (2 ≤ k ≤ ``max_length``) from a start in
    ``starts`` that returns to ``src[e1]`` with no account twice and every transfer at most
    ``window`` after ``e1``; kept only from its earliest transfer by ``(ts, key)``."""
    key = list(range(len(src))) if key is None else list(key)
    found: set[tuple[int, ...]] = set()

    def extend(path: list[int], nodes: list[int]) -> None:
        for f in succ(path[-1]):
            if ts[f] - ts[path[0]] > window:
                continue
            if dst[f] == nodes[0]:
                found.add((*path, f))
            elif len(path) + 1 < max_length and dst[f] not in nodes:
                extend([*path, f], [*nodes, dst[f]])

    for e in starts:
        if src[e] != dst[e]:
            extend([e], [src[e], dst[e]])
    return {c for c in found if min(c, key=lambda x: (ts[x], key[x])) == c[0]}


def temporal_cycles(
    indptr: np.ndarray,
    indices: np.ndarray,
    w: np.ndarray,
    ts: np.ndarray,
    window: int,
    max_length: int,
    margin: float | None,
    **rule: object,
) -> set[tuple[int, ...]]:
    """``algorithms.cycles.temporal_cycles`` as a set of cycles (tuples of CSR positions).

    ``rule`` holds the hop options of :func:`pass_on_successors` (``ordering``, ``max_gap``,
    ``slack``, ``active``, ``max_degree``, ``max_fan``, ``day``) and ``edge_ids``.
    """
    key = rule.pop("edge_ids", None)
    tails = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr)).tolist()
    heads = [int(x) for x in indices]
    m = len(heads)
    succ = pass_on_successors(tails, heads, ts.tolist(), w.tolist(), list(range(m)),
                              margin=margin, **rule)  # type: ignore[arg-type]  # fmt: skip
    act = rule.get("active")
    starts = [e for e in range(m) if act is None or act[e]]  # type: ignore[index]
    return cycles_along(succ.__getitem__, tails, heads, ts.tolist(), starts, window,
                        max_length, key)  # type: ignore[arg-type]  # fmt: skip


# -- time-respecting paths ---------------------------------------------------------------------


def earliest_arrival(n, triples, s, t, start, gap):
    """Enumerate time-respecting walks by brute force over edge states."""
    edges = sorted(range(len(triples)), key=lambda i: triples[i][2])
    reached = set()
    frontier = [i for i in edges if triples[i][0] == s and triples[i][2] >= start]
    reached.update(frontier)
    while frontier:
        nxt = []
        for e in frontier:
            _, v, te = triples[e]
            for f in edges:
                u2, _, tf = triples[f]
                if f not in reached and u2 == v and te <= tf <= te + gap:
                    reached.add(f)
                    nxt.append(f)
        frontier = nxt
    arrivals = [triples[e][2] for e in reached if triples[e][1] == t]
    return min(arrivals) if arrivals else None


# -- sliding windows ---------------------------------------------------------------------------


def _window_start(ts: np.ndarray, lo: int, i: int, window: int) -> int:
    """First position of row ``[lo, …]`` at most ``window`` before position ``i``."""
    j = lo
    while ts[i] - ts[j] > window:
        j += 1
    return j


def window_distinct(indptr, indices, ts, valid, window):
    """Per row, the most distinct valid neighbours among the events of one window ``[t − Δ, t]``
    ending on a valid event, and the first such window as positions ``[lo, hi)``."""
    n = len(indptr) - 1
    best, lo, hi = [0] * n, [int(indptr[u]) for u in range(n)], [int(indptr[u]) for u in range(n)]
    for u in range(n):
        for i in range(indptr[u], indptr[u + 1]):
            if not valid[i]:
                continue
            j = _window_start(ts, indptr[u], i, window)
            distinct = len({int(indices[k]) for k in range(j, i + 1) if valid[k]})
            if distinct > best[u]:
                best[u], lo[u], hi[u] = distinct, j, i + 1
    return best, lo, hi


def window_events(indptr, ts, values, valid, window):
    """Per row, the window ending on a valid event with the most valid events, ties to the
    larger sum, then the first: ``(count, sum, lo, hi)``."""
    n = len(indptr) - 1
    best, total = [0] * n, [0.0] * n
    lo, hi = [int(indptr[u]) for u in range(n)], [int(indptr[u]) for u in range(n)]
    for u in range(n):
        for i in range(indptr[u], indptr[u + 1]):
            if not valid[i]:
                continue
            j = _window_start(ts, indptr[u], i, window)
            inside = [k for k in range(j, i + 1) if valid[k]]
            count, s = len(inside), float(sum(values[k] for k in inside))
            if count > best[u] or (count == best[u] and s > total[u]):
                best[u], total[u], lo[u], hi[u] = count, s, j, i + 1
    return best, total, lo, hi


def window_balance(indptr, ts, signed, window, margin):
    """Per row, over the windows that end on an outflow and start at their first inflow (at most
    ``window`` earlier), the first with the largest inflow whose outflow is within
    ``[(1 − margin) in, 1.001 in]``: ``(inflow, n_inflows, lo, hi)``."""
    n = len(indptr) - 1
    passed, n_in = [0.0] * n, [0] * n
    lo, hi = [0] * n, [0] * n
    for u in range(n):
        for i in range(indptr[u], indptr[u + 1]):
            if signed[i] > 0:
                continue
            j = _window_start(ts, indptr[u], i, window)
            while j < i and signed[j] <= 0:
                j += 1
            ins = [signed[k] for k in range(j, i + 1) if signed[k] > 0]
            s_in = float(sum(ins))
            s_out = float(-sum(signed[k] for k in range(j, i + 1) if signed[k] <= 0))
            if s_in > passed[u] and (1.0 - margin) * s_in <= s_out <= 1.001 * s_in:
                passed[u], n_in[u], lo[u], hi[u] = s_in, len(ins), j, i + 1
    return passed, n_in, lo, hi


# -- pairs -------------------------------------------------------------------------------------


def neighbour_pairs(indptr, indices, max_row):
    """Every pair ``(min, max, row)`` of two entries of one row, rows of at most ``max_row``."""
    out = []
    for r in range(len(indptr) - 1):
        items = [int(x) for x in indices[indptr[r] : indptr[r + 1]]]
        if len(items) > max_row:
            continue
        for a in range(len(items)):
            for b in range(a + 1, len(items)):
                out.append((min(items[a], items[b]), max(items[a], items[b]), r))
    return out
