"""Generic laundering structures (shared/domain.md, patterns 1–10).

Fan-in, fan-out, temporal cycle, scatter-gather, gather-scatter, bipartite, stack, layering
chain, pass-through and dense flow. Counterparties that are hubs never count, and a
(sender, receiver) pair that transfers again and again (rent, salary, family support) is a
standing relation, not a burst: it is left out of the fan counts.
"""

from __future__ import annotations

import numpy as np

from algorithms.components import edge_components
from algorithms.cycles import temporal_cycles
from algorithms.patterns import (
    MAX_FAN,
    PASS_SLACK,
    chain_depth,
    neighbour_pairs,
    pass_on_hops,
    successor_csr,
)
from algorithms.windows import window_balance, window_distinct
from engine.detect.frame import CARD, Frame
from engine.detect.hits import SOURCES, Hits, empty_hits, from_groups, from_segments

GENERIC = SOURCES["generic"]


def expand_ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ``arange(lo[i], hi[i])`` with the index ``i`` of each element."""
    sizes = np.maximum(hi - lo, 0)
    inst = np.repeat(np.arange(len(lo), dtype=np.int64), sizes)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
    return inst, starts + np.arange(int(sizes.sum()), dtype=np.int64)


def burst_tx(frame: Frame) -> np.ndarray:
    """Transfers that may count towards a fan: between non-hubs, not card, not a standing pair
    (bool per transaction, computed once per frame; do not modify it)."""
    if "burst_tx" not in frame.cache:
        cfg = frame.config
        frame.cache["burst_tx"] = (
            frame.core_tx & (frame.channel != CARD) & (frame.pair_count <= cfg.max_pair_repeat)
        )
    return frame.cache["burst_tx"]  # type: ignore[return-value]


def _fan(frame: Frame, direction: str, k: int, window_days: float) -> tuple[np.ndarray, ...]:
    g = frame.graph
    csr = g.out if direction == "out" else g.reverse
    valid = burst_tx(frame)[csr.edge_ids]
    best, lo, hi = window_distinct(
        csr.indptr, csr.indices, csr.ts, valid, frame.days(window_days), frame.n_nodes
    )
    nodes = np.flatnonzero((best >= k) & ~frame.hub)
    inst, pos = expand_ranges(lo[nodes], hi[nodes])
    keep = valid[pos]
    return nodes, best[nodes], inst[keep], csr.edge_ids[pos[keep]]


def fan(frame: Frame, direction: str) -> Hits:
    """Pattern 1 (``fan_in``) or 2 (``fan_out``): ≥ k distinct counterparties within Δ.

    The anchor is the collecting (or distributing) account; the transactions are those of the
    first window that reaches the most counterparties.
    """
    cfg = frame.config
    name = "fan_in" if direction == "in" else "fan_out"
    nodes, best, inst, rows = _fan(frame, direction, cfg.fan_k, cfg.fan_window_days)
    params = {**cfg.subset("fan_", "max_pair"), "channels": "all but card"}
    hits = from_segments(name, GENERIC, params, best / cfg.fan_k, nodes, inst, rows,
                         frame.src, frame.dst)  # fmt: skip
    return hits.top(cfg.max_instances)


def fan_in(frame: Frame) -> Hits:
    """Fan-in: ≥ ``fan_k`` distinct senders within ``fan_window_days``."""
    return fan(frame, "in")


def fan_out(frame: Frame) -> Hits:
    """Fan-out: ≥ ``fan_k`` distinct receivers within ``fan_window_days``."""
    return fan(frame, "out")


def hops(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Pass-on hops of the frame (cached): see :func:`algorithms.patterns.pass_on_hops`."""
    if "hops" not in frame.cache:
        cfg = frame.config
        g = frame.graph
        frame.cache["hops"] = pass_on_hops(
            g.reverse.indptr, g.reverse.edge_ids, g.out.indptr, g.out.edge_ids, frame.ts,
            frame.amount, frame.core_tx, frame.days(cfg.pass_lag_days), cfg.pass_margin,
            cfg.pass_max_degree,
        )  # fmt: skip
    return frame.cache["hops"]  # type: ignore[return-value]


def _successors(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    if "succ" not in frame.cache:
        e1, e2 = hops(frame)
        frame.cache["succ"] = successor_csr(e1, e2, frame.n_tx)
    return frame.cache["succ"]  # type: ignore[return-value]


def _pass_params(frame: Frame) -> dict[str, object]:
    return frame.config.subset("pass_lag", "pass_margin", "pass_max")


def temporal_cycle(frame: Frame) -> Hits:
    """Pattern 3: v0 → … → v0 along pass-on hops, 2..L transfers, span ≤ Δ."""
    cfg = frame.config
    out = frame.graph.out
    # only transfers on a pass-on hop can be on a cycle of them: the rest need not be searched
    on_hop = np.zeros(frame.n_tx, bool)
    for rows in hops(frame):
        on_hop[rows] = True
    found = temporal_cycles(
        out.indptr, out.indices, out.ts, window=frame.days(cfg.cycle_window_days),
        max_length=cfg.cycle_max_len, weights=frame.amount[out.edge_ids],
        amount_margin=cfg.pass_margin, amount_slack=PASS_SLACK, ordering="date",
        max_gap=frame.days(cfg.pass_lag_days), active=on_hop[out.edge_ids],
        max_degree=cfg.pass_max_degree, max_fan=MAX_FAN, edge_ids=out.edge_ids,
    )  # fmt: skip
    # cycles in the order of their first transaction row
    order = np.argsort(out.edge_ids[found.edges[found.offsets[:-1]]], kind="stable")
    length = np.diff(found.offsets)[order]
    cyc, pos = expand_ranges(found.offsets[:-1][order], found.offsets[1:][order])
    rows = out.edge_ids[found.edges[pos]]
    anchor = frame.src[rows[np.cumsum(length) - length]]
    params = {**cfg.subset("cycle_"), **_pass_params(frame)}
    hits = from_segments("temporal_cycle", GENERIC, params, length / 2.0, anchor, cyc, rows,
                         frame.src, frame.dst)  # fmt: skip
    return hits.top(cfg.max_instances)


def scatter_gather(frame: Frame) -> Hits:
    """Pattern 4: s → {m1..mk} → d with ≥ k distinct middles passing the money on."""
    cfg = frame.config
    e1, e2 = hops(frame)
    s, mid, d = frame.src[e1].astype(np.int64), frame.dst[e1], frame.dst[e2].astype(np.int64)
    ok = s != d
    e1, e2, s, mid, d = e1[ok], e2[ok], s[ok], mid[ok], d[ok]
    key = s * frame.n_nodes + d
    pairs = np.unique(np.stack([key, mid.astype(np.int64)]), axis=1)
    ukey, counts = np.unique(pairs[0], return_counts=True)
    good = ukey[counts >= cfg.scatter_k]
    inst_of = np.searchsorted(good, key)
    inst_of[inst_of >= len(good)] = 0
    hit = (len(good) > 0) & (good[inst_of] == key) if len(good) else np.zeros(len(key), bool)
    inst = np.concatenate([inst_of[hit], inst_of[hit]])
    rows = np.concatenate([e1[hit], e2[hit]])
    strength = counts[counts >= cfg.scatter_k] / cfg.scatter_k
    params = {**cfg.subset("scatter_"), **_pass_params(frame)}
    hits = from_segments("scatter_gather", GENERIC, params, strength, good // frame.n_nodes,
                         inst, rows, frame.src, frame.dst)  # fmt: skip
    return hits.top(cfg.max_instances)


def pass_through(frame: Frame) -> Hits:
    """Pattern 9: a mule. Within a short window, money arrives (≥ 2 inflows) and about all of it
    (less a margin) leaves again: Σin ≈ Σout and a short dwell time between them."""
    cfg = frame.config
    inc = frame.incident
    passed, n_in, lo, hi = window_balance(inc.indptr, inc.ts, inc.weights,
                                          frame.days(cfg.pass_lag_days), cfg.pass_margin)  # fmt: skip
    nodes = np.flatnonzero(
        (passed >= cfg.pass_through_min_amount)
        & (n_in >= cfg.pass_through_min_events)
        & ~frame.hub
        & (np.diff(inc.indptr) <= cfg.pass_max_degree)
    )
    inst, pos = expand_ranges(lo[nodes], hi[nodes])
    strength = n_in[nodes] / cfg.pass_through_min_events
    params = {**cfg.subset("pass_through"), **_pass_params(frame)}
    hits = from_segments("pass_through", GENERIC, params, strength, nodes, inst,
                         inc.edge_ids[pos], frame.src, frame.dst)  # fmt: skip
    return hits.top(cfg.max_instances)


def layering_chain(frame: Frame) -> Hits:
    """Pattern 8: a time-respecting path of ≥ L transfers along pass-on hops, no repeated account."""
    cfg = frame.config
    L = cfg.chain_min_hops
    indptr, succ = _successors(frame)
    depth = chain_depth(indptr, succ, max(L + 4, 8))
    e1, e2 = hops(frame)
    has_longer_pred = np.zeros(frame.n_tx, bool)
    has_longer_pred[e2[depth[e1] == depth[e2] + 1]] = True
    starts = np.flatnonzero((depth >= L - 1) & ~has_longer_pred)
    starts = starts[np.argsort(-depth[starts], kind="stable")][: cfg.max_instances]
    chains, anchors = [], []
    for e in starts:
        path = [int(e)]
        seen = {int(frame.src[e])}
        cur = int(e)
        while depth[cur] > 0:
            nxt = succ[indptr[cur] : indptr[cur + 1]]
            nxt = nxt[depth[nxt] == depth[cur] - 1]
            if not len(nxt):
                break
            cur = int(nxt[0])
            if int(frame.src[cur]) in seen:
                break
            seen.add(int(frame.src[cur]))
            path.append(cur)
        if len(path) >= L and int(frame.dst[path[-1]]) not in seen:
            chains.append(path)
            anchors.append(int(frame.src[path[0]]))
    params = {**cfg.subset("chain_"), **_pass_params(frame)}
    if not chains:
        return empty_hits("layering_chain", GENERIC, params)
    nodes = [[int(frame.src[r]) for r in c] + [int(frame.dst[c[-1]])] for c in chains]
    return from_groups("layering_chain", GENERIC, params, [len(c) / L for c in chains],
                       anchors, nodes=nodes, txs=chains)  # fmt: skip


def gather_scatter(frame: Frame) -> Hits:
    """Pattern 5: {s_i} → h → {d_j}: ≥ k senders, then ≥ k receivers, within Δ, Σin ≈ Σout.

    The hub's busiest Δ-window of incoming and of outgoing transfers are found by the window
    kernel; the pattern is then a split time t* inside them: the gather is the inflows before
    t*, the scatter the outflows from t* on. An account also lives its everyday life (a rent
    payment while the money gathers, a salary while it is passed on), so those are left on the
    side of the split they fall on rather than disqualifying the hub; of all splits with ≥ k
    distinct senders before, ≥ k distinct receivers after and the two sums within
    ``gather_scatter_balance`` of each other, the one with the most counterparties is kept.
    """
    cfg = frame.config
    k, w = cfg.gather_scatter_k, cfg.gather_scatter_window_days
    n_in, _, i_inst, i_rows = _fan(frame, "in", k, w)
    n_out, _, o_inst, o_rows = _fan(frame, "out", k, w)
    both, ia, ob = np.intersect1d(n_in, n_out, return_indices=True)
    empty = empty_hits("gather_scatter", GENERIC, cfg.subset("gather_scatter"))
    if not len(both):
        return empty
    i_groups = _groups(i_inst, i_rows, len(n_in))
    o_groups = _groups(o_inst, o_rows, len(n_out))
    anchors, strengths, txs = [], [], []
    for h, a, b in zip(both.tolist(), ia.tolist(), ob.tolist(), strict=True):
        found = _best_split(frame, i_groups[a], o_groups[b], k, cfg.gather_scatter_balance,
                            frame.days(2 * w))  # fmt: skip
        if found is not None:
            anchors.append(h)
            strengths.append(found[0] / k)
            txs.append(found[1])
    if not anchors:
        return empty
    inst = np.repeat(np.arange(len(txs)), [len(x) for x in txs])
    return from_segments("gather_scatter", GENERIC, cfg.subset("gather_scatter"),
                         np.asarray(strengths), np.asarray(anchors, np.int64), inst,
                         np.concatenate(txs), frame.src, frame.dst).top(cfg.max_instances)  # fmt: skip


def _groups(inst: np.ndarray, rows: np.ndarray, n: int) -> list[np.ndarray]:
    """``rows`` split by instance number (``inst`` ascending, as the window kernel gives it)."""
    return np.split(rows, np.searchsorted(inst, np.arange(1, n)))


def _best_split(
    frame: Frame, ins: np.ndarray, outs: np.ndarray, k: int, balance: float, span: int
) -> tuple[int, np.ndarray] | None:
    """The gather/scatter split of one hub with the most counterparties (see
    :func:`gather_scatter`): ``(min(senders, receivers), transaction rows)`` or ``None``."""
    ins = ins[np.argsort(frame.ts[ins], kind="stable")]
    outs = outs[np.argsort(frame.ts[outs], kind="stable")]
    its, ots = frame.ts[ins], frame.ts[outs]
    # distinct senders among the first p inflows, p = 0..len(ins)
    first_in = np.zeros(len(ins), np.int64)
    first_in[np.unique(frame.src[ins], return_index=True)[1]] = 1
    k_in = np.concatenate([[0], np.cumsum(first_in)])
    s_in = np.concatenate([[0.0], np.cumsum(frame.amount[ins])])
    # distinct receivers among the outflows from q on, q = 0..len(outs)-1
    rev = frame.dst[outs][::-1]
    first_out = np.zeros(len(outs), np.int64)
    first_out[np.unique(rev, return_index=True)[1]] = 1
    k_out = np.cumsum(first_out)[::-1]
    s_out = np.cumsum(frame.amount[outs][::-1])[::-1]
    p = np.searchsorted(its, ots, side="left")  # inflows strictly before each split
    kin, sin = k_in[p], s_in[p]
    ok = (
        (kin >= k)
        & (k_out >= k)
        & (np.abs(sin - s_out) <= balance * sin)
        & (ots[-1] - its[0] <= span)
    )
    if not ok.any():
        return None
    score = np.where(ok, np.minimum(kin, k_out), -1)
    q = int(np.argmax(score))
    return int(score[q]), np.concatenate([ins[: p[q]], outs[q:]])


def bipartite(frame: Frame) -> list[Hits]:
    """Patterns 6 and 7: senders A (≥ 2) densely paying receivers B (≥ 2) within Δ, and stacks
    A → B → C where the receivers of one layer are the senders of the next, later.

    Returns ``[bipartite_hits, stack_hits]``.

    Notes
    -----
    Senders are paired when they pay ≥ 2 common receivers (receivers with in-degree above
    ``bipartite_max_receiver_degree`` are skipped: merchants, employers); connected groups of
    paired senders are A, the receivers paid by ≥ 2 of them B, and the layer is kept when at
    least 70 % of the A × B pairs carry a transfer, all of them fall within 2Δ, and they move
    at least ``bipartite_min_amount`` in total (everyday payments among friends do not).
    """
    cfg = frame.config
    n = frame.n_nodes
    params = cfg.subset("bipartite_")
    rows = np.flatnonzero(burst_tx(frame))
    pair = np.unique(frame.dst[rows].astype(np.int64) * n + frame.src[rows])
    # receivers with few distinct senders, senders paying at least two of them
    n_send = np.bincount(pair // n, minlength=n)
    pair = pair[n_send[pair // n] <= cfg.bipartite_max_receiver_degree]
    n_recv = np.bincount(pair % n, minlength=n)
    pair = pair[n_recv[pair % n] >= cfg.bipartite_min_side]
    keep_r = np.zeros(n, bool)
    keep_r[pair // n] = True
    keep_s = np.zeros(n, bool)
    keep_s[pair % n] = True
    rows = rows[keep_r[frame.dst[rows]] & keep_s[frame.src[rows]]]
    recv, send = pair // n, pair % n
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(recv, minlength=n), out=indptr[1:])
    u, v, rec = neighbour_pairs(indptr, send, cfg.bipartite_max_receiver_degree)
    # the set of receivers each sender pair has in common, as an order-free hash
    code = np.random.default_rng(12345).integers(1, 2**62, size=n, dtype=np.int64)
    pkey = u * n + v
    order = np.argsort(pkey, kind="stable")
    pkey, u, v, rec = pkey[order], u[order], v[order], rec[order]
    starts = np.flatnonzero(np.r_[True, pkey[1:] != pkey[:-1]]) if len(pkey) else pkey
    common = np.diff(np.r_[starts, len(pkey)])
    set_hash = np.add.reduceat(code[rec], starts) if len(pkey) else pkey
    good = common >= cfg.bipartite_min_side
    # a sender pair's transfers to its common receivers must fall within 2Δ (vectorised
    # prefilter: background pairs share receivers over months, planted layers within days)
    if len(pkey):
        rkey = frame.dst[rows].astype(np.int64) * n + frame.src[rows]
        ro = np.argsort(rkey, kind="stable")
        rk = rkey[ro]
        rs = np.flatnonzero(np.r_[True, rk[1:] != rk[:-1]])
        t_lo = np.minimum.reduceat(frame.ts[rows][ro], rs)
        t_hi = np.maximum.reduceat(frame.ts[rows][ro], rs)
        uk = rk[rs]
        iu = np.searchsorted(uk, rec * n + u)
        iv = np.searchsorted(uk, rec * n + v)
        lo_t = np.minimum.reduceat(np.minimum(t_lo[iu], t_lo[iv]), starts)
        hi_t = np.maximum.reduceat(np.maximum(t_hi[iu], t_hi[iv]), starts)
        good &= hi_t - lo_t <= frame.days(2 * cfg.bipartite_window_days)
    gi = np.flatnonzero(good)
    gi = gi[np.argsort(set_hash[gi], kind="stable")]
    A, B, r = _layers(frame, rows, gi, set_hash, starts, common, u, v, rec)
    nodes = [np.concatenate([a, b]) for a, b in zip(A, B, strict=True)]
    bip = from_groups("bipartite", GENERIC, params, [len(a) * len(b) / 4 for a, b in zip(A, B, strict=True)],
                      [-1] * len(A), nodes=nodes, txs=r)  # fmt: skip
    pairs = list(zip(*_stacked(frame, A, B, r), strict=True))
    s_nodes = [np.unique(np.concatenate([A[x], B[x], B[y]])) for x, y in pairs]
    stack = from_groups("stack", GENERIC, params, [len(x) / 6 for x in s_nodes], [-1] * len(pairs),
                        nodes=s_nodes, txs=[np.concatenate([r[x], r[y]]) for x, y in pairs])  # fmt: skip
    return [bip, stack]


def _split(keys: np.ndarray, n_groups: int, n: int) -> list[np.ndarray]:
    """Per group ``g``, the sorted items of the sorted keys ``g * n + item``."""
    bounds = np.searchsorted(keys, np.arange(n_groups + 1, dtype=np.int64) * n)
    items = keys % n if n else keys
    return [items[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def _member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.isin(keys, sorted_keys)`` for a sorted, unique ``sorted_keys`` (binary search)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def _layers(frame: Frame, rows: np.ndarray, gi: np.ndarray, set_hash: np.ndarray,
            starts: np.ndarray, common: np.ndarray, u: np.ndarray, v: np.ndarray,
            rec: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:  # fmt: skip
    """Bipartite layers (A, B, transactions) from the sender pairs ``gi`` (ordered by the hash
    of their common receivers): pairs with the same receiver set form one candidate; A is
    their senders, B the common receivers that are not senders; kept when ``|B| ≥ min_side``,
    ``|A| ≤ 50``, at least 70 % of A × B carries a transfer, all of them fall within 2Δ and
    together they move at least ``bipartite_min_amount``.

    Vectorised over all candidates at once (flat ``(candidate, item)`` keys), in candidate
    order, so the first ``max_instances`` kept are those of a per-candidate loop."""
    cfg = frame.config
    n = frame.n_nodes
    empty: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    if not len(gi):
        return empty
    g_of = np.r_[0, np.cumsum(set_hash[gi][1:] != set_hash[gi][:-1])].astype(np.int64)
    n_g = int(g_of[-1]) + 1
    first = gi[np.r_[0, np.flatnonzero(np.diff(g_of)) + 1]]
    st = starts[gi]
    akey = np.unique(np.r_[g_of, g_of] * n + np.r_[u[st], v[st]])
    b_g, pos = expand_ranges(starts[first], starts[first] + common[first])
    bkey = np.unique(b_g * n + rec[pos])
    bkey = bkey[~_member(akey, bkey)]
    a_size = np.bincount(akey // n, minlength=n_g)
    b_size = np.bincount(bkey // n, minlength=n_g)
    cand = (b_size >= cfg.bipartite_min_side) & (a_size <= 50)
    # transfers of each candidate: from its senders A to its receivers B, ordered (A, row)
    by_sender = np.argsort(frame.src[rows], kind="stable")
    s_sorted = frame.src[rows][by_sender]
    ak = akey[cand[akey // n]]
    a_node = ak % n
    inst, pos = expand_ranges(np.searchsorted(s_sorted, a_node),
                              np.searchsorted(s_sorted, a_node, "right"))  # fmt: skip
    rg = (ak // n)[inst]
    rr = rows[by_sender[pos]]
    hit = _member(bkey, rg * n + frame.dst[rr])
    rg, rr = rg[hit], rr[hit]
    links = np.unique(rg * (n * n) + frame.src[rr].astype(np.int64) * n + frame.dst[rr])
    density = np.bincount(links // (n * n), minlength=n_g) / np.maximum(a_size * b_size, 1)
    t_lo = np.full(n_g, np.iinfo(np.int64).max)
    t_hi = np.full(n_g, np.iinfo(np.int64).min)
    np.minimum.at(t_lo, rg, frame.ts[rr])
    np.maximum.at(t_hi, rg, frame.ts[rr])
    total = np.bincount(rg, weights=frame.amount[rr], minlength=n_g)
    keep = (
        cand
        & (density >= 0.7)
        & (t_hi - t_lo <= frame.days(2 * cfg.bipartite_window_days))
        & (total >= cfg.bipartite_min_amount)
    )
    kept = np.flatnonzero(keep)[: cfg.max_instances]
    if not len(kept):
        return empty
    A = _split(akey[keep[akey // n]], n_g, n)
    B = _split(bkey[keep[bkey // n]], n_g, n)
    order = np.argsort(rg, kind="stable")
    R = np.split(rr[order], np.searchsorted(rg[order], np.arange(1, n_g)))
    return [A[g] for g in kept], [B[g] for g in kept], [R[g] for g in kept]


def _stacked(frame: Frame, A: list[np.ndarray], B: list[np.ndarray],
             r: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Pairs of layers ``(i, j)``, ``i ≠ j``, where ≥ ``bipartite_min_side`` receivers of i
    are senders of j and j's transfers do not all end before i's begin (pattern 7)."""
    if not A:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sizes = np.array([len(b) for b in B])
    b_layer, b_node = np.repeat(np.arange(len(B)), sizes), np.concatenate(B)
    sizes = np.array([len(a) for a in A])
    a_layer, a_node = np.repeat(np.arange(len(A)), sizes), np.concatenate(A)
    ob, oa = np.argsort(b_node, kind="stable"), np.argsort(a_node, kind="stable")
    lo = np.searchsorted(a_node[oa], b_node[ob])
    hi = np.searchsorted(a_node[oa], b_node[ob], "right")
    inst, pos = expand_ranges(lo, hi)
    i, j = b_layer[ob][inst], a_layer[oa][pos]
    m = len(A)
    pair, count = np.unique(i * m + j, return_counts=True)
    i, j = pair // m, pair % m
    t_min = np.array([frame.ts[x].min() for x in r])
    t_max = np.array([frame.ts[x].max() for x in r])
    ok = (count >= frame.config.bipartite_min_side) & (i != j) & (t_max[j] >= t_min[i])
    return i[ok], j[ok]


def dense_flow(frame: Frame) -> Hits:
    """Pattern 10, after FlowScope (AAAI-20): groups of sources, middles and destinations linked
    by pass-on hops, where the middles keep little of what flows through them.

    Notes
    -----
    A simplified FlowScope: the middles with a pass-on share of at least a half are peeled of
    the rest, and the connected groups of hops through them with at least
    ``dense_flow_min_middles`` middles are reported, scored by the money passed on.
    """
    cfg = frame.config
    e1, e2 = hops(frame)
    n = frame.n_nodes
    params = {**cfg.subset("dense_flow"), **_pass_params(frame)}
    if not len(e1):
        return empty_hits("dense_flow", SOURCES["flowscope"], params)
    core = frame.core_tx
    inflow = np.bincount(frame.dst[core], weights=frame.amount[core], minlength=n)
    u1 = np.unique(e1)
    passed = np.bincount(frame.dst[u1], weights=frame.amount[u1], minlength=n)
    share = np.divide(passed, inflow, out=np.zeros(n), where=inflow > 0)
    mid = frame.dst[e1]
    keep = share[mid] >= 0.5
    e1, e2, mid = e1[keep], e2[keep], mid[keep]
    a, b, c = frame.src[e1], mid, frame.dst[e2]
    label = edge_components(np.concatenate([a, b]), np.concatenate([b, c]), n)
    comp_mid = np.unique(np.stack([label[mid], mid]), axis=1)
    comps, n_mid = np.unique(comp_mid[0], return_counts=True)
    good = comps[n_mid >= cfg.dense_flow_min_middles]
    sel = np.isin(label[mid], good)
    inst_of = np.searchsorted(good, label[mid[sel]])
    rows = np.concatenate([e1[sel], e2[sel]])
    inst = np.concatenate([inst_of, inst_of])
    strength = np.bincount(inst_of, weights=frame.amount[e2[sel]], minlength=len(good))
    strength = np.log10(1.0 + strength) / 4.0
    hits = from_segments("dense_flow", SOURCES["flowscope"], params, strength,
                         np.full(len(good), -1), inst, rows, frame.src, frame.dst)  # fmt: skip
    return hits.top(cfg.max_instances)
