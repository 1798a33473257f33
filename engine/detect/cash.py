"""Cash patterns (shared/domain.md 11, 13, 14, 15): structuring, out-of-area deposits, funnel
accounts, cash in then wire out.

A cash deposit is a ``cash`` transfer into a (non-hub) account, a withdrawal a ``cash`` transfer
to a hub (the ``CASH`` placeholder). ``location`` and ``location_country`` of the transaction say
where the cash changed hands.
"""

from __future__ import annotations

import numpy as np

from algorithms.windows import window_events
from engine.detect.flows import expand_ranges
from engine.detect.frame import CASH, CHANNEL_CODES, Frame, fold
from engine.detect.hits import SOURCES, Hits, from_groups, from_segments

SMUGGLING = SOURCES["smuggling"]
TRAFFICKING = SOURCES["trafficking"]


def structuring(frame: Frame) -> Hits:
    """Pattern 11: ≥ n cash deposits in Δ, each in [(1−ε)θ, θ), together past θ; and the
    variant of several deposits the same day at different branches, together past θ."""
    cfg = frame.config
    theta = cfg.cash_threshold
    local = frame.amount_local  # θ is a reporting threshold in the deposit's currency
    band = frame.cash_in & (local < theta) & (local >= (1 - cfg.structuring_epsilon) * theta)
    rev = frame.graph.reverse
    valid = band[rev.edge_ids]
    best, total, lo, hi = window_events(rev.indptr, rev.ts, local[rev.edge_ids], valid,
                                        frame.days(cfg.structuring_window_days))  # fmt: skip
    nodes = np.flatnonzero((best >= cfg.structuring_n) & (total >= theta) & ~frame.hub)
    inst, pos = expand_ranges(lo[nodes], hi[nodes])
    keep = valid[pos]
    strength = list(best[nodes] / cfg.structuring_n)
    anchors = [int(a) for a in nodes]
    txs = [rev.edge_ids[pos[keep & (inst == i)]] for i in range(len(nodes))]
    # variant: same day, several branches, each deposit below θ, together past θ
    rows = np.flatnonzero(frame.cash_in & (local < theta) & (frame.location >= 0))
    key = frame.dst[rows].astype(np.int64) * 1_000_000 + frame.day[rows]
    order = np.argsort(key, kind="stable")
    rows, key = rows[order], key[order]
    uniq, start = np.unique(key, return_index=True)
    bounds = np.append(start, len(key))
    sums = np.add.reduceat(local[rows], start) if len(rows) else np.zeros(0)
    seen = set(int(a) for a in nodes)
    for g in np.flatnonzero(sums >= theta):
        r = rows[bounds[g] : bounds[g + 1]]
        n_loc = len(np.unique(frame.location[r]))
        if n_loc >= 2 and len(r) >= 2 and int(uniq[g] // 1_000_000) not in seen:
            strength.append(n_loc / 2)
            anchors.append(int(uniq[g] // 1_000_000))
            txs.append(r)
    params = {**cfg.subset("structuring", "cash_threshold")}
    hits = from_groups("structuring", SOURCES["generic"], params, strength, anchors,
                       nodes=[[a] for a in anchors], txs=txs)  # fmt: skip
    return hits.top(cfg.max_instances)


def _owner_city_code(frame: Frame) -> np.ndarray:
    """Per node, the code (in ``frame.locations``) of its owner's city (-1 if unknown)."""
    folded = {fold(k): v for k, v in frame.locations.items()}
    cities = [folded.get(fold(c), -2) for c in frame.parties.column("city").to_pylist()]
    city = np.array([*cities, -1], np.int64)
    return city[frame.node_owner]


def out_of_area(frame: Frame) -> Hits:
    """Pattern 13: many cash deposits into one account in places away from the holder's home
    (another country than the account's, or another city than the holder's): ≥ k of them at ≥
    g places within ``out_of_area_window_days``. Many people paying in at many places shows as
    a burst; a holder who pays in away from home now and then, all year, does not."""
    cfg = frame.config
    dep = np.flatnonzero(frame.cash_in & (frame.location >= 0))
    d = frame.dst[dep]
    lc, nc = frame.location_country[dep], frame.node_country[d]
    city = _owner_city_code(frame)
    away = ((lc >= 0) & (nc >= 0) & (lc != nc)) | (
        (city[d] != -1) & (city[d] != frame.location[dep])
    )
    dep = dep[away]
    dep = dep[np.lexsort((frame.ts[dep], frame.dst[dep]))]
    # the densest window of each account: deposits within Δ after each deposit
    sec = (frame.ts[dep] - (frame.ts.min() if frame.n_tx else 0)) // 1_000_000  # exact ints
    width = int(sec.max(initial=0)) + 86_400 * (cfg.out_of_area_window_days + 1)
    key = frame.dst[dep].astype(np.int64) * width + sec
    end = np.searchsorted(key, key + 86_400 * cfg.out_of_area_window_days, side="right")
    count = end - np.arange(len(dep))
    cand = np.flatnonzero(count >= cfg.out_of_area_k)
    keep: list[np.ndarray] = []
    done: set[int] = set()
    for i in cand[np.argsort(-count[cand], kind="stable")]:
        acc = int(frame.dst[dep[i]])
        if acc in done:
            continue
        win = dep[i : end[i]]
        if len(np.unique(frame.location[win])) >= cfg.out_of_area_locations:
            keep.append(win)
            done.add(acc)
    rows = np.concatenate(keep) if keep else np.zeros(0, np.int64)
    return _per_account(
        frame, rows, cfg.out_of_area_k, cfg.out_of_area_locations, "out_of_area", SMUGGLING,
        cfg.subset("out_of_area"),
    )  # fmt: skip


def _per_account(frame: Frame, rows: np.ndarray, k: int, n_loc: int, name: str, source: str,
                 params: dict[str, object]) -> Hits:  # fmt: skip
    """Accounts with ≥ k of ``rows`` received at ≥ n_loc distinct locations."""
    d = frame.dst[rows].astype(np.int64)
    count = np.bincount(d, minlength=frame.n_nodes)
    loc_pairs = np.unique(np.stack([d, frame.location[rows].astype(np.int64)]), axis=1)
    locs = np.bincount(loc_pairs[0], minlength=frame.n_nodes) if loc_pairs.size else count * 0
    nodes = np.flatnonzero((count >= k) & (locs >= n_loc))
    sel = np.isin(d, nodes)
    inst = np.searchsorted(nodes, d[sel])
    hits = from_segments(name, source, params, locs[nodes] / n_loc, nodes, inst, rows[sel],
                         frame.src, frame.dst)  # fmt: skip
    return hits.top(frame.config.max_instances)


def soon_after(frame: Frame, first: np.ndarray, then: np.ndarray, lag: int) -> np.ndarray:
    """For the rows ``then`` (sent by an account), whether a row of ``first`` (received by the
    same account) came at most ``lag`` before (the same time counts).

    Notes
    -----
    One sort of ``(account, time rank)`` keys and a binary search: O((f + t) log f).
    """
    if not len(first) or not len(then):
        return np.zeros(len(then), bool)
    rank = frame.ts_rank
    fkey = np.sort((frame.dst[first].astype(np.int64) << 32) | rank[first])
    tkey = (frame.src[then].astype(np.int64) << 32) | rank[then]
    pos = np.searchsorted(fkey, tkey, side="right") - 1
    ok = pos >= 0
    prev = fkey[np.maximum(pos, 0)]
    ok &= (prev >> 32) == (tkey >> 32)
    prev_ts = frame.ts_values[prev & 0xFFFFFFFF]
    return ok & (frame.ts[then] - prev_ts <= lag)


def _flow_after_cash(frame: Frame, out_mask: np.ndarray, lag_days: float, ratio: float,
                     min_amount: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Accounts where ≥ ratio of the cash deposited leaves through ``out_mask`` within lag."""
    n = frame.n_nodes
    dep = np.flatnonzero(frame.cash_in)
    outs = np.flatnonzero(out_mask)
    soon = soon_after(frame, dep, outs, frame.days(lag_days))
    outs = outs[soon]
    cash_in = np.bincount(frame.dst[dep], weights=frame.amount[dep], minlength=n)
    out = np.bincount(frame.src[outs], weights=frame.amount[outs], minlength=n)
    share = np.divide(out, cash_in, out=np.zeros(n), where=cash_in > 0)
    nodes = np.flatnonzero((share >= ratio) & (cash_in >= min_amount) & ~frame.hub)
    return nodes, share, np.concatenate([dep[np.isin(frame.dst[dep], nodes)],
                                         outs[np.isin(frame.src[outs], nodes)]])  # fmt: skip


def funnel(frame: Frame) -> Hits:
    """Pattern 14: cash deposited in one region leaves from another soon after.

    Two readings of the same trace, either suffices: (a) of the cash deposited, ≥
    ``funnel_ratio`` leaves within τ of a deposit (withdrawn at another place, or transferred
    on): nearly all of it passes through; (b) cash deposited at ≥ 2 places, then withdrawn ≥ 2
    times within τ in a country where it was not deposited: the money is collected in R₁ and
    taken out in R₂, whatever stays behind. Both need ≥ ``funnel_min_amount`` deposited.
    """
    cfg = frame.config
    n = frame.n_nodes
    lag = frame.days(cfg.funnel_lag_days)
    dep_loc = np.zeros(n, np.int64) - 1
    dep_c = np.zeros(n, np.int64) - 1
    dep = np.flatnonzero(frame.cash_in & (frame.location >= 0))
    dep_loc[frame.dst[dep]] = frame.location[dep]  # one deposit place per account (the last)
    dep_c[frame.dst[dep]] = frame.location_country[dep]
    elsewhere = frame.location != dep_loc[frame.src]
    out_mask = (frame.cash_out & elsewhere) | (frame.core_tx & (frame.channel != CASH))
    nodes, share, rows = _flow_after_cash(frame, out_mask, cfg.funnel_lag_days, cfg.funnel_ratio,
                                          cfg.funnel_min_amount)  # fmt: skip
    # (b) withdrawn in another country than the deposits, soon after them
    far = np.flatnonzero(frame.cash_out & (frame.location_country >= 0)
                         & (frame.location_country != dep_c[frame.src]))  # fmt: skip
    far = far[soon_after(frame, dep, far, lag)]
    n_far = np.bincount(frame.src[far], minlength=n)
    places = np.unique(np.stack([frame.dst[dep].astype(np.int64), frame.location[dep]]), axis=1)
    n_places = np.bincount(places[0], minlength=n) if places.size else np.zeros(n, np.int64)
    cash_in = np.bincount(frame.dst[dep], weights=frame.amount[dep], minlength=n)
    cross = np.flatnonzero((n_far >= 2) & (n_places >= 2) & (cash_in >= cfg.funnel_min_amount)
                           & ~frame.hub)  # fmt: skip
    extra = np.setdiff1d(cross, nodes)
    rows = np.unique(np.concatenate([rows, dep[np.isin(frame.dst[dep], extra)],
                                     far[np.isin(frame.src[far], extra)]]))  # fmt: skip
    nodes = np.union1d(nodes, extra)
    strength = np.maximum(share[nodes], np.minimum(n_far[nodes], 4) / 4 + 0.5)
    anchor = np.where(frame.cash_in[rows], frame.dst[rows], frame.src[rows])
    inst = np.searchsorted(nodes, anchor)
    return from_segments("funnel", TRAFFICKING, cfg.subset("funnel"), strength, nodes, inst,
                         rows, frame.src, frame.dst).top(cfg.max_instances)  # fmt: skip


def cash_in_wire_out(frame: Frame) -> Hits:
    """Pattern 15: cash deposits followed within τ by international wires (receiver in another
    country), unlike the account's history: either ≥ ``cash_wire_ratio`` of the cash leaves that
    way, or the account sends ≥ ``cash_wire_min_amount`` abroad within τ of its deposits and
    never wires abroad otherwise (a migrant sending money home every month has a history of
    such wires; an account that starts when the cash arrives does not)."""
    cfg = frame.config
    n = frame.n_nodes
    sc, dc = frame.node_country[frame.src], frame.node_country[frame.dst]
    wire = np.isin(frame.channel, [CHANNEL_CODES["wire"], CHANNEL_CODES["money_transfer"]])
    intl = frame.core_tx & wire & (sc >= 0) & (dc >= 0) & (sc != dc)
    nodes, share, rows = _flow_after_cash(frame, intl, cfg.cash_wire_lag_days, cfg.cash_wire_ratio,
                                          cfg.cash_wire_min_amount)  # fmt: skip
    dep = np.flatnonzero(frame.cash_in)
    wires = np.flatnonzero(intl)
    soon = soon_after(frame, dep, wires, frame.days(cfg.cash_wire_lag_days))
    sent = np.bincount(frame.src[wires[soon]], weights=frame.amount[wires[soon]], minlength=n)
    other = np.bincount(frame.src[wires[~soon]], minlength=n)
    novel = np.flatnonzero((sent >= cfg.cash_wire_min_amount) & (other == 0) & ~frame.hub)
    extra = np.setdiff1d(novel, nodes)
    rows = np.unique(np.concatenate([rows, dep[np.isin(frame.dst[dep], extra)],
                                     wires[soon][np.isin(frame.src[wires[soon]], extra)]]))  # fmt: skip
    nodes = np.union1d(nodes, extra)
    anchor = np.where(frame.cash_in[rows], frame.dst[rows], frame.src[rows])
    inst = np.searchsorted(nodes, anchor)
    strength = np.maximum(share[nodes], np.isin(nodes, novel) * 1.0)
    return from_segments("cash_in_wire_out", SMUGGLING, cfg.subset("cash_wire"), strength,
                         nodes, inst, rows, frame.src, frame.dst).top(cfg.max_instances)  # fmt: skip
