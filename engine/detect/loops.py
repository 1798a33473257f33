"""New-money loops: transfers between strangers that close loops within days, judged against the
same transfers with who pays whom shuffled within each day.

**Statistic.** Take the transfers whose (unordered) pair of accounts transacts exactly once in
the data (:func:`engine.detect.significance.pair_counts`): the money between accounts that do
not otherwise deal with each other. Laundering structures are made of such transfers (a cycle,
money split and gathered again, layers of mules paying each other, a set of accounts paying each
other at random), and they happen close together in time. Within a window of ``W`` days those
transfers form a graph; the 2-core of that graph (:func:`algorithms.loops.windowed_two_core`)
keeps the edges on loops, and each of its components is a candidate. Its statistic is the
number of independent loops it closes (``edges − accounts + 1``), then its edges.

**Null, from the data.** The same one-off transfers with the receivers shuffled among the
transfers of each day (``PERMUTATIONS`` times; the shuffle of each day is drawn from its transfers' ids, so a
transfer added on another day leaves it unchanged): every account keeps how many transfers
it sends and receives on each day, and the calendar, degrees and amounts stay as they are; only
who pays whom that day is drawn again. Accounts that are busy together (a payday, an account
opened for a fortnight) close loops by chance in the null as often as in the data; a set of
accounts that pay *each other* closes more. A candidate is compared with null candidates of its
own size stratum (⌊log2 accounts⌋; cycles by length): its q-value is the empirical false
discovery rate at its statistic, the mean number of null candidates at least as extreme over the
number of real ones (with one pseudo-count in the null), made monotone. Measured on our
look-alike and randomised worlds, shuffling times globally or within each sender was not
conservative enough (tens of false findings at q ≤ 0.05 in a randomised world); this null gave
none. Nothing here is a money threshold or a fixed count: the window ladder is in days
(``WINDOWS_DAYS``, those shorter than a quarter of the data's span), and the null sets the bar.
Directed time-ordered cycles (each hop within a third of the width) are candidates too, with
the same null.

Candidates are taken best first (smallest q, then fewest transfers); one that shares a transfer
with a candidate already taken is left out (overlapping windows see one loop many times).
A component with more than ``MAX_ACCOUNTS`` accounts is not a finding: the window's graph has
percolated and a loop says nothing there.
"""

from __future__ import annotations

import numpy as np

from algorithms.loops import windowed_two_core
from engine.detect.frame import Frame
from engine.detect.hits import SOURCES, Hits, empty_hits, from_segments
from engine.detect.significance import pair_counts

GENERIC = SOURCES["generic"]
PATTERN = "new_money_loop"
#: Window widths tried, in days (a ladder; widths above a quarter of the span are dropped).
WINDOWS_DAYS = (2.0, 4.0, 8.0, 16.0)
#: Widths for directed time-ordered cycles, in days (each hop within a third of the width).
CYCLE_WINDOWS_DAYS = (16.0,)
CYCLE_MAX_LENGTH = 8
#: Transfers followed from each transfer while searching cycles (the earliest).
CYCLE_MAX_FAN = 8
#: Permutations of the cycles' null (the search costs more than the 2-core).
CYCLE_PERMUTATIONS = 8
#: Permutations of the null (each is one pass of the kernels over every window).
PERMUTATIONS = 16
#: A 2-core component with more accounts than this is percolation, not a finding.
MAX_ACCOUNTS = 40
#: Candidates kept as findings (the runner and cases keep only q ≤ the FDR anyway).
KEEP_Q = 0.5
SEED = 20261203
#: Statistics carry their stratum as ``stratum · STRATUM + value`` (values stay below it).
STRATUM = 1e12


def one_off_rows(frame: Frame) -> np.ndarray:
    """Rows of core transfers whose unordered account pair transacts exactly once."""
    return np.flatnonzero(frame.core_tx & (pair_counts(frame) == 1) & (frame.src != frame.dst))


def _windows(t: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Slices of the sorted times ``t`` covered by windows of ``width`` starting every half."""
    # windows start at multiples of half the width (from the epoch), so a transfer added
    # before the first one adds windows and moves none
    step = width / 2
    first, last = np.floor(float(t[0]) / step) * step, float(t[-1])
    starts = np.arange(first, last + step, step)
    lo = np.searchsorted(t, starts, side="left")
    hi = np.searchsorted(t, starts + width, side="left")
    keep = (hi - lo) >= 3
    return lo[keep], hi[keep]


def _components(
    u: np.ndarray, v: np.ndarray, t: np.ndarray, width: float, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-core components of every window: (component of each row, edge of each row, stat of
    each component) with stat = loops · 10⁶ + edges; components too big are dropped."""
    lo, hi = _windows(t, width)
    _, e, comp, edges, accounts = windowed_two_core(u, v, lo, hi, n)
    ok = accounts <= MAX_ACCOUNTS
    stat = np.where(ok, (edges - accounts + 1) * 1e6 + edges + _stratum(accounts) * STRATUM, -1.0)
    keep_row = ok[comp]
    return comp[keep_row], e[keep_row], stat


def _stratum(size: np.ndarray) -> np.ndarray:
    """Size stratum (⌊log2 size⌋): a candidate is compared with null ones of its own size."""
    return np.floor(np.log2(np.maximum(size, 1))).astype(np.int64)


def _fdr(real: np.ndarray, null: list[np.ndarray]) -> np.ndarray:
    """Empirical FDR of each real statistic within its stratum (``stat // STRATUM``): the mean
    null count at least as extreme over the real count at least as extreme (one pseudo-count
    in the null), made monotone within the stratum."""
    q = np.ones(len(real))
    strata = real // STRATUM
    null_all = np.concatenate(null) if null else np.zeros(0)
    null_all = null_all[null_all >= 0]
    for k in np.unique(strata):
        mine = np.flatnonzero(strata == k)
        r = real[mine]
        order = np.sort(r)
        n_real = len(order) - np.searchsorted(order, r, side="left")
        s = np.sort(null_all[null_all // STRATUM == k])
        n_null = len(s) - np.searchsorted(s, r, side="left")
        qk = (n_null + 1.0) / max(len(null), 1) / np.maximum(n_real, 1)
        rank = np.argsort(-r, kind="stable")  # a more extreme statistic never has a larger q
        qk[rank] = np.minimum.accumulate(qk[rank])
        q[mine] = qk
    return np.minimum(q, 1.0)


def new_money_loop(frame: Frame) -> Hits:
    """Findings of one-off transfers closing loops within days (see the module notes).

    ``Hits.p`` and ``Hits.q`` are set here (the permutation null's empirical FDR);
    :func:`engine.detect.significance.calibrate` keeps them (spec null ``"permutation"``).
    """
    params: dict[str, object] = {"windows_days": WINDOWS_DAYS, "cycle_windows_days":
                                 CYCLE_WINDOWS_DAYS, "permutations": PERMUTATIONS,
                                 "max_accounts": MAX_ACCOUNTS}  # fmt: skip
    rows = one_off_rows(frame)
    if len(rows) < 3:
        return _empty(params)
    t_all = frame.ts[rows].astype(np.float64) / 86_400e6
    order = np.argsort(t_all, kind="stable")
    rows, t = rows[order], t_all[order]
    nodes, uv = np.unique(np.concatenate([frame.src[rows], frame.dst[rows]]), return_inverse=True)
    n = len(nodes)
    u, v = uv[: len(rows)], uv[len(rows) :]
    span = t[-1] - t[0]
    day = np.floor(t).astype(np.int64)
    # receivers shuffled among the transfers of each day: every account keeps when it pays
    # and when it is paid, only who pays whom that day is drawn again
    keys = _stable_keys(frame, rows)
    perms = [np.lexsort((_mix(keys + np.uint64(r)), day)) for r in range(PERMUTATIONS)]
    cands: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (candidate, row, q of each)
    for width in [w for w in WINDOWS_DAYS if w <= max(span / 4, WINDOWS_DAYS[0])]:
        comp, edge, stat = _components(u, v, t, width, n)
        if not len(comp):
            continue
        null = [_components(u, v[perm], t, width, n)[2] for perm in perms]
        cands.append((comp, edge, _fdr_of(stat, null)))
    for width in [w for w in CYCLE_WINDOWS_DAYS if w <= max(span / 2, CYCLE_WINDOWS_DAYS[0])]:
        cyc, edge, stat = _cycles(frame, rows, u, v, t, width, n)
        if not len(cyc):
            continue
        null = [
            _cycles(frame, rows, u, v[perm], t, width, n)[2] for perm in perms[:CYCLE_PERMUTATIONS]
        ]
        cands.append((cyc, edge, _fdr_of(stat, null)))
    return _merge(frame, rows, cands, params)


def _fdr_of(stat: np.ndarray, null: list[np.ndarray]) -> np.ndarray:
    """q of each candidate (1 for those dropped, stat < 0)."""
    q = np.ones(len(stat))
    live = stat >= 0
    if live.any():
        q[live] = _fdr(stat[live], null)
    return q


def _cycles(
    frame: Frame,
    rows: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    t: np.ndarray,
    width: float,
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed time-ordered cycles of the one-off transfers (``u`` pays ``v`` at ``t``) that
    close within ``width`` days, each hop within a third of it: (cycle of each row, edge of
    each row, stat of each cycle: the shorter its span, the larger; −1 never)."""
    from algorithms.cycles import temporal_cycles
    from engine.graph import csr_from_edges

    idx = np.arange(len(u), dtype=np.int64)
    ts = np.round(t * 86_400e6).astype(np.int64)
    g = csr_from_edges(u, v, n, np.ones(len(u)), ts, idx)
    found = temporal_cycles(
        g.indptr, g.indices, g.ts, window=int(width * 86_400e6), max_length=CYCLE_MAX_LENGTH,
        ordering="date", max_gap=int(width / 3 * 86_400e6), edge_ids=g.edge_ids,
        max_fan=CYCLE_MAX_FAN,
    )  # fmt: skip
    k = len(found.offsets) - 1
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    length = np.diff(found.offsets)
    cyc = np.repeat(np.arange(k, dtype=np.int64), length)
    edge = g.edge_ids[found.edges].astype(np.int64)
    lo = np.minimum.reduceat(t[edge], found.offsets[:-1])
    hi = np.maximum.reduceat(t[edge], found.offsets[:-1])
    return cyc, edge, (width - (hi - lo)) + _stratum(length) * STRATUM


def _merge(
    frame: Frame,
    rows: np.ndarray,
    cands: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    params: dict[str, object],
) -> Hits:
    """Findings from the candidates with q ≤ ``KEEP_Q``: best first (smallest q, then fewest
    transfers), a candidate sharing a transfer with one already taken is left out (overlapping
    windows and widths see one loop many times; joining them would chain loops into blobs)."""
    inst_l, edge_l, q_l = [], [], []
    n_inst = 0
    for comp, edge, q in cands:
        pick = (q <= KEEP_Q)[comp]
        inst_l.append(comp[pick] + n_inst)
        edge_l.append(edge[pick])
        q_l.append(q)
        n_inst += len(q)
    inst = np.concatenate(inst_l) if inst_l else np.zeros(0, np.int64)
    if not len(inst):
        return _empty(params)
    edge, q_all = np.concatenate(edge_l), np.concatenate(q_l)
    size = np.bincount(inst, minlength=n_inst)
    order = np.argsort(inst, kind="stable")
    inst, edge = inst[order], edge[order]
    bounds = np.searchsorted(inst, np.arange(n_inst + 1))
    taken = np.zeros(len(rows), bool)
    chosen = []
    for c in np.lexsort((size, q_all)):
        if size[c] == 0 or q_all[c] > KEEP_Q:
            continue
        e = edge[bounds[c] : bounds[c + 1]]
        if taken[e].any():
            continue
        taken[e] = True
        chosen.append(c)
    chosen_a = np.sort(np.array(chosen, np.int64))
    new = np.full(n_inst, -1, np.int64)
    new[chosen_a] = np.arange(len(chosen_a))
    keep = new[inst] >= 0
    tx_inst, tx = new[inst[keep]], rows[edge[keep]]
    k = len(chosen_a)
    edges = np.bincount(tx_inst, minlength=k)
    hits = from_segments(PATTERN, GENERIC, params, edges.astype(np.float64), np.full(k, -1),
                         tx_inst, tx, frame.src, frame.dst)  # fmt: skip
    accounts = np.bincount(hits.node_inst, minlength=k)
    hits.strength = (edges - accounts + 1).astype(np.float64)  # independent loops
    hits.anchor = _busiest(frame, tx_inst, tx, k)
    q = q_all[chosen_a]
    hits.p, hits.q = q.copy(), q
    return hits


def _stable_keys(frame: Frame, rows: np.ndarray) -> np.ndarray:
    """A pseudo-random 64-bit key per transfer drawn from its transaction id (and ``SEED``), so
    the null's shuffle of a day depends on that day's transfers only: a transfer added on
    another day, or rows loaded in another order, leave it as it was."""
    from pandas.util import hash_array

    ids = np.asarray(frame.tx_ids.take(rows).to_numpy(zero_copy_only=False), dtype=object)
    return hash_array(ids, hash_key="moneytrail-loops", categorize=False) ^ np.uint64(SEED)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: well-spread keys from nearby inputs (one per permutation)."""
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def _busiest(frame: Frame, tx_inst: np.ndarray, tx: np.ndarray, k: int) -> np.ndarray:
    """Per instance the account on most of its transfers (its anchor on evidence cards; the
    lowest node on ties)."""
    anchor = np.full(k, -1, np.int64)
    if not len(tx):
        return anchor
    n = max(frame.n_nodes, 1)
    key, count = np.unique(
        np.concatenate([tx_inst * n + frame.src[tx], tx_inst * n + frame.dst[tx]]),
        return_counts=True,
    )
    inst, node = key // n, key % n
    order = np.lexsort((node, -count, inst))  # per instance: most transfers, then lowest node
    first = order[np.r_[True, inst[order][1:] != inst[order][:-1]]]
    anchor[inst[first]] = node[first]
    return anchor


def _empty(params: dict[str, object]) -> Hits:
    h = empty_hits(PATTERN, GENERIC, params)
    h.p, h.q = np.zeros(0), np.zeros(0)
    return h
