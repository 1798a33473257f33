"""Graph features per account for a learned triage model: Numba kernels over the CSR.

The features follow what the published AML graph-feature work computes per account (fan-in/out,
degrees, scatter-gather and temporal cycle counts in time windows; Egressy et al. 2024, the IBM
Graph Feature Preprocessor), plus the money-behaviour ratios an investigator reads first.
:func:`account_features` returns an ``(n_nodes, len(FEATURE_NAMES))`` float64 matrix whose
columns are :data:`FEATURE_NAMES`:

* per direction (``in``: received, ``out``: sent): ``n`` transfers, ``amount`` total,
  ``cp`` distinct counterparties, ``win_n`` / ``win_amount`` the most transfers / money in any
  ``window`` (sliding, both ends included), ``log_mean`` mean log1p(amount), ``burst`` the
  burstiness (σ−μ)/(σ+μ) of the gaps between transfers (−1 regular, 0 random, →1 bursty; 0 with
  fewer than three transfers), ``round`` the share of amounts that are whole multiples of
  ``round_unit``, ``cash`` the share on the cash channel;
* ``balance`` (in − out) / (in + out) of the money; ``pass_on`` the share of the money sent that
  left within ``window`` after money arrived (the two streams merged in time); ``mutual`` the
  share of counterparties that both pay and are paid;
* ``gather_scatter``: min(distinct senders whose transfer was passed on within ``window``,
  distinct receivers of money passed on): the account as the hub of a gather-scatter;
* ``scatter_gather``: receivers reached from the account through at least two distinct
  intermediaries, each second hop within ``window`` after the first (the account as the source
  of a scatter-gather; intermediaries with more than ``hub_degree`` transfers are skipped, which
  bounds the work);
* ``cycles_2`` .. ``cycles_5``: temporal cycles through the account by length (from
  :func:`algorithms.cycles.temporal_cycles`, counted per account on their edges), among
  accounts with at most ``hub_degree`` transfers (through a hub they run into millions).

Every pass is one scan of the rows (linear in transfers), parallel over accounts; the scratch
needed for distinct counts is one array of ``n`` per worker block, not per account.
:func:`neighbour_means` adds 2-hop aggregates: the mean of any per-account columns over the
counterparties a transfer reaches (edge-weighted), in and out.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from algorithms._csr import check_csr, check_edge_array, check_weights

_DIRECTIONAL = ("n", "amount", "cp", "win_n", "win_amount", "log_mean", "burst", "round", "cash")
#: Column names of :func:`account_features`, in order.
FEATURE_NAMES: tuple[str, ...] = (
    *(f"{d}_{name}" for d in ("in", "out") for name in _DIRECTIONAL),
    "balance",
    "pass_on",
    "mutual",
    "gather_scatter",
    "scatter_gather",
    "cycles_2",
    "cycles_3",
    "cycles_4",
    "cycles_5",
)
_ND = len(_DIRECTIONAL)
MAX_CYCLE_LENGTH = 5


def account_features(
    out_indptr: np.ndarray,
    out_indices: np.ndarray,
    out_weights: np.ndarray,
    out_ts: np.ndarray,
    out_cash: np.ndarray,
    in_indptr: np.ndarray,
    in_indices: np.ndarray,
    in_weights: np.ndarray,
    in_ts: np.ndarray,
    in_cash: np.ndarray,
    *,
    window: int,
    round_unit: float = 100.0,
    hub_degree: int = 500,
    cycle_window: int | None = None,
    max_cycles: int = 2_000_000,
) -> np.ndarray:
    """Per-account features (columns :data:`FEATURE_NAMES`).

    Parameters
    ----------
    out_indptr, out_indices, out_weights, out_ts : arrays
        The out-CSR (rows sorted by time, as ``engine.graph`` builds it): int64 (n+1), int32
        (m), float64 amounts, int64 epoch microseconds.
    out_cash : bool (m,)
        Whether each out-CSR edge was cash.
    in_indptr, in_indices, in_weights, in_ts, in_cash : arrays
        The same transfers as an in-CSR (row = receiver, indices = senders), rows by time.
    window : int
        Window of the windowed counts, pass-on and scatter-gather, microseconds.
    round_unit : float
        An amount is round when it is a whole multiple of this (in the base currency).
    hub_degree : int
        Intermediaries with more transfers than this are skipped by ``scatter_gather``, and
        accounts with more transfers (in and out) than this are left out of the cycles.
    cycle_window : int, optional
        Window of the temporal cycles (default ``window``); ``0`` skips cycles.
    max_cycles : int
        Cycles enumerated at most (the counts are of those enumerated).

    Returns
    -------
    float64 ndarray (n, len(FEATURE_NAMES))
    """
    oip, oix = check_csr(out_indptr, out_indices)
    iip, iix = check_csr(in_indptr, in_indices)
    n = len(oip) - 1
    if len(iip) - 1 != n or len(iix) != len(oix):
        raise ValueError("the out- and in-CSR must have the same nodes and edges")
    m = len(oix)
    ow, iw = check_weights(out_weights, m), check_weights(in_weights, m, name="in_weights")
    ots = check_edge_array("out_ts", out_ts, m, np.int64)
    its = check_edge_array("in_ts", in_ts, m, np.int64)
    oc = _flags("out_cash", out_cash, m)
    ic = _flags("in_cash", in_cash, m)
    if window < 0:
        raise ValueError("window must be non-negative")
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float64)
    blocks = _blocks(n)
    _directional(iip, iix, iw, its, ic, int(window), float(round_unit), blocks, out, 0)
    _directional(oip, oix, ow, ots, oc, int(window), float(round_unit), blocks, out, _ND)
    base = 2 * _ND
    _cross(oip, oix, ow, ots, iip, iix, its, int(window), blocks, out, base)
    _scatter_gather(oip, oix, ots, int(window), int(hub_degree), blocks, out, base + 4)
    cw = int(window if cycle_window is None else cycle_window)
    if cw > 0 and m:
        from algorithms.cycles import temporal_cycles

        # Cycles through hubs (cash, an external bank, a payroll account) are counted in the
        # millions and say nothing of an account: only edges between accounts with at most
        # hub_degree transfers each are searched.
        degree = np.diff(oip) + np.diff(iip)
        src_all = np.repeat(np.arange(n, dtype=np.int64), np.diff(oip))
        keep = (degree[src_all] <= hub_degree) & (degree[oix] <= hub_degree)
        kip = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(src_all[keep], minlength=n), out=kip[1:])
        found = temporal_cycles(kip, oix[keep], ots[keep], window=cw,
                                max_length=MAX_CYCLE_LENGTH, max_cycles=max_cycles)  # fmt: skip
        src = src_all[keep]
        lengths = np.diff(found.offsets)
        cyc = np.repeat(np.arange(len(lengths)), lengths)
        nodes = src[found.edges]
        for length in range(2, MAX_CYCLE_LENGTH + 1):
            pick = lengths[cyc] == length
            # a cycle passes each of its accounts once
            out[:, base + 5 + length - 2] = np.bincount(nodes[pick], minlength=n)
    return out


def neighbour_means(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per row, the mean of ``values`` (n, k) over the row's edges' neighbours (0 without).

    Edge-weighted: a counterparty paid three times counts three times, as money flows.
    """
    ip, ix = check_csr(indptr, indices)
    vals = np.ascontiguousarray(values, dtype=np.float64)
    if vals.ndim != 2 or vals.shape[0] != len(ip) - 1:
        raise ValueError("values must be (n_nodes, k)")
    return _neighbour_means(ip, ix, vals)


def _flags(name: str, array: object, m: int) -> np.ndarray:
    flags = np.ascontiguousarray(array, dtype=np.bool_)
    if flags.shape != (m,):
        raise ValueError(f"{name} must have one entry per edge ({m}), got shape {flags.shape}")
    return flags


def _blocks(n: int) -> np.ndarray:
    """Row ranges for the parallel passes: a few per thread, each with its own scratch."""
    k = max(1, min(n, 4 * numba.get_num_threads()))
    return np.linspace(0, n, k + 1).astype(np.int64)


@njit(cache=True, parallel=True, nogil=True)
def _directional(ip, ix, w, ts, cash, window, unit, blocks, out, col):  # pragma: no cover
    n = len(ip) - 1
    for b in prange(len(blocks) - 1):
        seen = np.full(n, -1, np.int64)
        for u in range(blocks[b], blocks[b + 1]):
            lo, hi = ip[u], ip[u + 1]
            k = hi - lo
            if k == 0:
                continue
            total = 0.0
            logs = 0.0
            rounds = 0
            cashes = 0
            cp = 0
            best_n = 0
            best_amt = 0.0
            left = lo
            win_amt = 0.0
            for e in range(lo, hi):
                a = w[e]
                total += a
                logs += np.log1p(max(a, 0.0))
                if unit > 0 and a > 0 and a % unit == 0:
                    rounds += 1
                if cash[e]:
                    cashes += 1
                v = ix[e]
                if seen[v] != u:
                    seen[v] = u
                    cp += 1
                win_amt += a
                while ts[e] - ts[left] > window:
                    win_amt -= w[left]
                    left += 1
                if e - left + 1 > best_n:
                    best_n = e - left + 1
                if win_amt > best_amt:
                    best_amt = win_amt
            burst = 0.0
            if k >= 3:
                mean = (ts[hi - 1] - ts[lo]) / (k - 1)
                var = 0.0
                for e in range(lo + 1, hi):
                    d = (ts[e] - ts[e - 1]) - mean
                    var += d * d
                sd = np.sqrt(var / (k - 1))
                if sd + mean > 0:
                    burst = (sd - mean) / (sd + mean)
            out[u, col + 0] = k
            out[u, col + 1] = total
            out[u, col + 2] = cp
            out[u, col + 3] = best_n
            out[u, col + 4] = best_amt
            out[u, col + 5] = logs / k
            out[u, col + 6] = burst
            out[u, col + 7] = rounds / k
            out[u, col + 8] = cashes / k


@njit(cache=True, parallel=True, nogil=True)
def _cross(oip, oix, ow, ots, iip, iix, its, window, blocks, out, col):  # pragma: no cover
    # Needs the directional columns: in amount 1, in cp 2, out amount _ND+1, out cp _ND+2.
    n = len(oip) - 1
    for b in prange(len(blocks) - 1):
        sender = np.full(n, -1, np.int64)  # stamp u: v sent money that u passed on
        receiver = np.full(n, -1, np.int64)  # stamp u: v received money u passed on
        payer = np.full(n, -1, np.int64)  # stamp u: v pays u
        counted = np.full(n, -1, np.int64)  # stamp u: v looked at for mutual
        for u in range(blocks[b], blocks[b + 1]):
            ilo, ihi, olo, ohi = iip[u], iip[u + 1], oip[u], oip[u + 1]
            money_in = out[u, 1]
            money_out = out[u, _ND + 1]
            # an out edge is passed-on money when an in edge came at or before it, in the window
            passed = 0.0
            receivers = 0
            j = ilo
            last_in = np.int64(0)
            has_in = False
            for e in range(olo, ohi):
                while j < ihi and its[j] <= ots[e]:
                    last_in = its[j]
                    has_in = True
                    j += 1
                if has_in and ots[e] - last_in <= window:
                    passed += ow[e]
                    v = oix[e]
                    if receiver[v] != u:
                        receiver[v] = u
                        receivers += 1
            # an in edge was passed on when an out edge left at or after it, in the window
            senders = 0
            j = olo
            for e in range(ilo, ihi):
                while j < ohi and ots[j] < its[e]:
                    j += 1
                if j < ohi and ots[j] - its[e] <= window:
                    v = iix[e]
                    if sender[v] != u:
                        sender[v] = u
                        senders += 1
            for e in range(ilo, ihi):
                payer[iix[e]] = u
            mutual = 0
            for e in range(olo, ohi):
                v = oix[e]
                if counted[v] != u:
                    counted[v] = u
                    if payer[v] == u:
                        mutual += 1
            if money_in + money_out > 0:
                out[u, col + 0] = (money_in - money_out) / (money_in + money_out)
            if money_out > 0:
                out[u, col + 1] = passed / money_out
            distinct = out[u, 2] + out[u, _ND + 2] - mutual
            if distinct > 0:
                out[u, col + 2] = mutual / distinct
            out[u, col + 3] = min(senders, receivers)


@njit(cache=True, parallel=True, nogil=True)
def _scatter_gather(ip, ix, ts, window, hub_degree, blocks, out, col):  # pragma: no cover
    n = len(ip) - 1
    for b in prange(len(blocks) - 1):
        first = np.full(n, -1, np.int64)  # stamp u: intermediary x seen from u
        first_t = np.zeros(n, np.int64)  # earliest time u paid x
        last_x = np.full(n, -1, np.int64)  # last intermediary that reached v (for u)
        owner = np.full(n, -1, np.int64)  # stamp u: v's counters belong to u
        hits = np.zeros(n, np.int64)
        for u in range(blocks[b], blocks[b + 1]):
            lo, hi = ip[u], ip[u + 1]
            if hi - lo < 2:
                continue
            count = 0
            xs = np.empty(hi - lo, np.int64)
            for e in range(lo, hi):
                x = ix[e]
                if first[x] != u:
                    first[x] = u
                    first_t[x] = ts[e]
                    xs[count] = x
                    count += 1
            found = 0
            for i in range(count):
                x = xs[i]
                if x == u or ip[x + 1] - ip[x] > hub_degree:
                    continue
                t1 = first_t[x]
                # first edge of x after t1 (rows sorted by time): binary search
                a, z = ip[x], ip[x + 1]
                while a < z:
                    mid = (a + z) // 2
                    if ts[mid] <= t1:
                        a = mid + 1
                    else:
                        z = mid
                for f in range(a, ip[x + 1]):
                    if ts[f] - t1 > window:
                        break
                    v = ix[f]
                    if v == u or v == x:  # noqa: SIM109 (Numba)
                        continue
                    if owner[v] != u:
                        owner[v] = u
                        hits[v] = 0
                        last_x[v] = -1
                    if last_x[v] != x:
                        last_x[v] = x
                        hits[v] += 1
                        if hits[v] == 2:
                            found += 1
            out[u, col] = found


@njit(cache=True, parallel=True, nogil=True)
def _neighbour_means(ip, ix, vals):  # pragma: no cover
    n, k = vals.shape
    res = np.zeros((n, k), np.float64)
    for u in prange(n):
        lo, hi = ip[u], ip[u + 1]
        if hi == lo:
            continue
        for e in range(lo, hi):
            v = ix[e]
            for c in range(k):
                res[u, c] += vals[v, c]
        for c in range(k):
            res[u, c] /= hi - lo
    return res
