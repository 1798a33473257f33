"""Smuggling and trafficking money (shared/domain.md 12, 16, 17, 19–23).

Border-region collectors, many unrelated senders paying one beneficiary abroad, controller
accounts, victim expenses, revenue without payroll, hawala settlement, stage payments along a
route and pay-on-arrival releases. Corridor countries (config) only raise a finding's strength;
they never make one on their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from algorithms.components import edge_components
from engine.detect.flows import _fan, burst_tx
from engine.detect.frame import CARD, Frame
from engine.detect.hits import SOURCES, Hits, from_groups, from_segments
from engine.detect.people import record_accounts

SMUGGLING = SOURCES["smuggling"]
TRAFFICKING = SOURCES["trafficking"]
BUSINESS = 2


def corridor_mask(frame: Frame) -> np.ndarray:
    """Per country code, whether it is on a smuggling corridor."""
    mask = np.zeros(len(frame.countries) + 1, bool)
    for c in frame.config.corridor_countries:
        if c in frame.countries:
            mask[frame.countries[c]] = True
    return mask


def _distinct_per_inst(inst: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    ok = values >= 0
    pairs = np.unique(np.stack([inst[ok], values[ok].astype(np.int64)]), axis=1)
    return np.bincount(pairs[0], minlength=n) if pairs.size else np.zeros(n, np.int64)


def border_collector(frame: Frame) -> Hits:
    """Pattern 12: a (non-business) beneficiary receives from ≥ k senders spread over ≥ g
    countries within Δ, or from ≥ 2k senders in ≥ 2 countries (many senders from two diaspora
    countries are as telling as a few from three); stronger in a corridor country."""
    cfg = frame.config
    nodes, best, inst, rows = _fan(frame, "in", cfg.collector_k, cfg.collector_window_days)
    n_c = _distinct_per_inst(inst, frame.node_country[frame.src[rows]], len(nodes))
    spread = (n_c >= cfg.collector_countries) | ((n_c >= 2) & (best >= 2 * cfg.collector_k))
    keep = spread & (frame.node_kind[nodes] != BUSINESS)
    sel = np.flatnonzero(keep)
    remap = np.full(len(nodes), -1)
    remap[sel] = np.arange(len(sel))
    ok = remap[inst] >= 0
    boost = 1 + corridor_mask(frame)[frame.node_country[nodes[sel]]]
    strength = np.maximum(n_c[sel] / cfg.collector_countries, best[sel] / (2 * cfg.collector_k))
    return from_segments("border_collector", SMUGGLING, cfg.subset("collector_"),
                         strength * boost, nodes[sel], remap[inst[ok]], rows[ok], frame.src,
                         frame.dst).top(cfg.max_instances)  # fmt: skip


def unrelated_senders_abroad(frame: Frame) -> Hits:
    """Pattern 16: ≥ k senders abroad who are not one family (at least
    ``unrelated_surname_share`` of them with distinct surnames: common surnames of a nationality
    repeat among strangers, a family's remittances share one or two) pay one beneficiary in
    one-off transfers, most of them nationals of the beneficiary's country (paying someone in
    their home country)."""
    cfg = frame.config
    sc, dc = frame.node_country[frame.src], frame.node_country[frame.dst]
    rows = np.flatnonzero(burst_tx(frame) & (sc >= 0) & (dc >= 0) & (sc != dc))
    s, d = frame.src[rows].astype(np.int64), frame.dst[rows].astype(np.int64)
    n = frame.n_nodes
    senders = np.bincount(np.unique(d * n + s) // n, minlength=n)
    surn = frame.node_surname[s]
    surnames = np.bincount(np.unique(d[surn >= 0] * (surn.max(initial=0) + 1) + surn[surn >= 0])
                           // (surn.max(initial=0) + 1), minlength=n)  # fmt: skip
    nat = _owner_nationality(frame)
    home = (nat[s] >= 0) & (nat[s] == dc[rows])
    home_share = np.divide(np.bincount(d, weights=home, minlength=n), np.bincount(d, minlength=n),
                           out=np.zeros(n), where=np.bincount(d, minlength=n) > 0)  # fmt: skip
    nodes = np.flatnonzero((senders >= cfg.unrelated_k) & (surnames >= cfg.unrelated_surname_share * senders)
                           & (home_share >= 0.5) & ~frame.hub)  # fmt: skip
    sel = np.isin(d, nodes)
    return from_segments("unrelated_senders_abroad", SMUGGLING, cfg.subset("unrelated_"),
                         senders[nodes] / cfg.unrelated_k, nodes, np.searchsorted(nodes, d[sel]),
                         rows[sel], frame.src, frame.dst).top(cfg.max_instances)  # fmt: skip


def _owner_nationality(frame: Frame) -> np.ndarray:
    codes = np.array([frame.countries.get(x, -1) if x else -1
                      for x in frame.parties.column("nationality").to_pylist()] + [-1])  # fmt: skip
    return codes[frame.node_owner]


def controller(frame: Frame) -> Hits:
    """Pattern 17: small regular (about weekly) payments from ≥ k people into one account,
    stronger when the payers share an address or phone; and one person signing for ≥ k
    accounts of people with other surnames."""
    cfg = frame.config
    rows = np.flatnonzero(frame.core_tx & (frame.amount <= cfg.controller_max_amount)
                          & (frame.channel != CARD))  # fmt: skip
    df = pd.DataFrame({"s": frame.src[rows], "d": frame.dst[rows], "t": frame.day[rows], "r": rows})
    g = df.groupby(["s", "d"])["t"]
    stats = pd.DataFrame({"n": g.size(), "span": g.max() - g.min()}).reset_index()
    stats["gap"] = stats["span"] / (stats["n"] - 1).clip(lower=1)
    regular = stats[(stats["n"] >= cfg.controller_min_payments) & stats["gap"].between(3, 10)]
    per_d = regular.groupby("d")["s"].agg(list)
    per_d = per_d[per_d.map(len) >= cfg.controller_k]
    shared = _shared_contact_nodes(frame)
    strength: list[float] = []
    anchors: list[int] = []
    nodes: list[list[int] | np.ndarray] = []
    txs: list[np.ndarray] = []
    for d, senders in per_d.items():
        n_shared = sum(1 for s in senders if s in shared)
        strength.append(len(senders) / cfg.controller_k * (1 + (n_shared >= 2)))
        anchors.append(d)
        nodes.append([d, *senders])
        txs.append(
            df["r"].to_numpy()[(df["d"].to_numpy() == d) & np.isin(df["s"].to_numpy(), senders)]
        )
    # variant: one signatory on many accounts owned by people with other surnames
    party, node, owner = frame.holding_pairs
    sig = pd.DataFrame({"p": party[~owner], "n": node[~owner]})
    sig["owner_surname"] = frame.node_surname[sig["n"].to_numpy()]
    sig["own"] = frame.party_surname[sig["p"].to_numpy()] if len(sig) else []
    sig = sig[sig["owner_surname"] != sig["own"]]
    for _, grp in sig.groupby("p")["n"]:
        if grp.nunique() >= cfg.signatory_k:
            accs = np.unique(grp.to_numpy())
            strength.append(len(accs) / cfg.signatory_k)
            anchors.append(int(accs[0]))
            nodes.append(accs)
            txs.append(np.zeros(0, np.int64))
    return from_groups("controller", TRAFFICKING, cfg.subset("controller_", "signatory_"),
                       strength, anchors, nodes=nodes, txs=txs).top(cfg.max_instances)  # fmt: skip


def _shared_contact_nodes(frame: Frame) -> set[int]:
    """Account nodes whose owner shares a phone or address with another owner."""
    from engine.detect.frame import digits, fold

    p = frame.parties
    owner = frame.node_owner
    out: set[int] = set()
    for values in ([digits(x) for x in p.column("phone").to_pylist()],
                   [fold(x) for x in p.column("address").to_pylist()]):  # fmt: skip
        arr = np.array([*values, ""], object)
        v = arr[owner]
        df = pd.DataFrame({"v": v, "n": np.arange(frame.n_nodes)})
        df = df[(df["v"] != "") & (owner >= 0)]
        counts = df.groupby("v")["n"].transform("size")
        out.update(int(x) for x in df["n"][(counts >= 2) & (counts <= 10)])
    return out


def victim_expenses(frame: Frame) -> Hits:
    """Pattern 19: a non-business payer buys tickets for ≥ 2 other people and pays for
    hotels, food or care in ≥ c different places within Δ.

    The finding's accounts are the payer, the travellers' own accounts and the businesses it
    paid; busy businesses (hotels, shops: they serve everyone) get no evidence edges in the
    community graph (:mod:`engine.detect.clusters`), so they do not join the payer's cluster.
    """
    from engine.detect.people import person_of_record

    cfg = frame.config
    payer = frame.graph.index_of(frame.travel.column("payer_account").combine_chunks())
    rec_r, rec_n = record_accounts(frame)
    recs = np.flatnonzero(payer >= 0)
    person = person_of_record(frame)
    # records whose payer is not an account the traveller holds
    party, node, _ = frame.holding_pairs
    own_key = party * (frame.n_nodes + 1) + node
    others = recs[~np.isin(person[recs] * (frame.n_nodes + 1) + payer[recs], own_key)]
    df = pd.DataFrame({"payer": payer[others], "person": person[others], "r": others})
    per = df.groupby("payer")["person"].nunique()
    cand = per[per >= cfg.victim_travellers].index.to_numpy()
    cand = cand[frame.node_kind[cand] != BUSINESS]
    spend = np.flatnonzero(
        np.isin(frame.src, cand)
        & ((frame.channel == CARD) | (frame.node_kind[frame.dst] == BUSINESS))
    )
    spend = spend[np.lexsort((frame.ts[spend], frame.src[spend]))]
    where = np.where(frame.location[spend] >= 0, frame.location[spend], -2 - frame.dst[spend])
    starts = np.searchsorted(frame.src[spend], cand)
    ends = np.searchsorted(frame.src[spend], cand, side="right")
    w = frame.days(cfg.victim_window_days)
    recs_of = df.groupby("payer")["r"].agg(lambda x: x.to_numpy())
    strength, anchors, nodes, txs, rcs = [], [], [], [], []
    for a, lo, hi in zip(cand.tolist(), starts.tolist(), ends.tolist(), strict=True):
        if hi - lo < cfg.victim_cities:
            continue
        t, places = frame.ts[spend[lo:hi]], where[lo:hi]
        last = np.searchsorted(t, t + w, side="right")
        best = max(len(np.unique(places[i:j])) for i, j in enumerate(last.tolist()))
        if best >= cfg.victim_cities:
            r = recs_of[a]
            strength.append(best / cfg.victim_cities + per[a] / cfg.victim_travellers)
            anchors.append(int(a))
            paid = frame.dst[spend[lo:hi]]
            nodes.append(np.unique(np.r_[int(a), rec_n[np.isin(rec_r, r)], paid]))
            txs.append(spend[lo:hi])
            rcs.append(r)
    return from_groups("victim_expenses", TRAFFICKING, cfg.subset("victim_"), strength, anchors,
                       nodes=nodes, txs=txs, recs=rcs).top(cfg.max_instances)  # fmt: skip


def revenue_without_payroll(frame: Frame) -> Hits:
    """Pattern 20: a business whose deposits (cash takings) rise third by third of the period,
    the last third ≥ growth × the first, while it pays no wages (no recurring payments to ≥ 2
    personal accounts)."""
    cfg = frame.config
    n = frame.n_nodes
    t0, t1 = (int(frame.ts.min()), int(frame.ts.max())) if frame.n_tx else (0, 0)
    dep = frame.cash_in
    third = np.minimum((frame.ts - t0) * 3 // max(t1 - t0 + 1, 1), 2)
    thirds = [np.bincount(frame.dst[dep & (third == k)], weights=frame.amount[dep & (third == k)],
                          minlength=n) for k in range(3)]  # fmt: skip
    first, second = thirds[0], thirds[2]
    rising = (thirds[1] > thirds[0]) & (thirds[2] > thirds[1])
    n_dep = np.bincount(frame.dst[dep], minlength=n)
    to_person = frame.core_tx & (frame.node_kind[frame.dst] != BUSINESS) & (frame.pair_count >= 2)
    pairs = np.unique(frame.src[to_person].astype(np.int64) * n + frame.dst[to_person])
    payees = np.bincount(pairs // n, minlength=n)
    nodes = np.flatnonzero((frame.node_kind == BUSINESS) & ~frame.hub & (payees < 2)
                           & (n_dep >= 10) & rising
                           & (thirds[0] + thirds[1] + thirds[2] >= cfg.revenue_min_inflow)
                           & (second >= cfg.revenue_growth * np.maximum(first, 1.0)))  # fmt: skip
    rows = np.flatnonzero(np.isin(frame.dst, nodes) & dep)
    return from_segments("revenue_without_payroll", TRAFFICKING, cfg.subset("revenue_"),
                         second[nodes] / np.maximum(first[nodes], 1.0) / cfg.revenue_growth,
                         nodes, np.searchsorted(nodes, frame.dst[rows]), rows, frame.src,
                         frame.dst).top(cfg.max_instances)  # fmt: skip


def hawala(frame: Frame) -> Hits:
    """Pattern 21: many small inbound remittances (or cash), few large outbound payments, the
    two netting to about zero."""
    cfg = frame.config
    n = frame.n_nodes
    inbound = frame.core_tx | frame.cash_in
    outbound = frame.core_tx
    n_in = np.bincount(frame.dst[inbound], minlength=n)
    n_out = np.bincount(frame.src[outbound], minlength=n)
    s_in = np.bincount(frame.dst[inbound], weights=frame.amount[inbound], minlength=n)
    s_out = np.bincount(frame.src[outbound], weights=frame.amount[outbound], minlength=n)
    mean_in = np.divide(s_in, n_in, out=np.zeros(n), where=n_in > 0)
    mean_out = np.divide(s_out, n_out, out=np.zeros(n), where=n_out > 0)
    nodes = np.flatnonzero((n_in >= cfg.hawala_min_inbound) & (n_out >= 1) & ~frame.hub
                           & (n_out * cfg.hawala_size_ratio <= n_in)
                           & (mean_out >= cfg.hawala_size_ratio * mean_in)
                           & (np.abs(s_in - s_out) <= cfg.hawala_balance * s_in))  # fmt: skip
    rows = np.flatnonzero(
        (inbound & np.isin(frame.dst, nodes)) | (outbound & np.isin(frame.src, nodes))
    )
    anchor = np.where(
        np.isin(frame.dst[rows], nodes) & inbound[rows], frame.dst[rows], frame.src[rows]
    )
    ok = np.isin(anchor, nodes)
    return from_segments("hawala", SMUGGLING, cfg.subset("hawala_"),
                         mean_out[nodes] / np.maximum(mean_in[nodes], 1) / cfg.hawala_size_ratio,
                         nodes, np.searchsorted(nodes, anchor[ok]), rows[ok], frame.src,
                         frame.dst).top(cfg.max_instances)  # fmt: skip


def stage_payments(frame: Frame) -> Hits:
    """Pattern 22: a payer pays (non-business) beneficiaries in ≥ ``stage_min_countries``
    successive countries within Δ, at least one abroad, each country's payments before the next
    one's (in order of time). A relative living in a transit country pays that stage at home.

    A payer's one-off payments are split into episodes where they pause for longer than Δ/3 (a
    transfer months earlier is not part of the journey). Payers (relatives) whose sequences
    share two successive beneficiaries are one instance: relatives of one group pay the same
    collectors in the same order, even when one of them skips a stage paid at home.
    """
    cfg = frame.config
    sc, dc = frame.node_country[frame.src], frame.node_country[frame.dst]
    rows = np.flatnonzero(frame.core_tx & (frame.channel != CARD) & (dc >= 0)
                          & (frame.node_kind[frame.dst] != BUSINESS)
                          & (frame.pair_count <= cfg.max_pair_repeat))  # fmt: skip
    s = frame.src[rows].astype(np.int64)
    width = len(frame.countries) + 1
    n_c = np.bincount(np.unique(s * width + dc[rows]) // width, minlength=frame.n_nodes)
    abroad = np.bincount(s[sc[rows] != dc[rows]], minlength=frame.n_nodes)
    cand = np.flatnonzero((n_c >= cfg.stage_min_countries) & (abroad > 0))
    rows = rows[np.isin(s, cand)]
    # an instance needs ≥ stage_min_payers payers sharing beneficiaries: skip payers none of
    # whose beneficiaries is paid by another candidate (their sequences stay whole)
    n = frame.n_nodes
    pairs = np.unique(frame.dst[rows].astype(np.int64) * n + frame.src[rows])
    shared = np.bincount(pairs // n, minlength=n) >= cfg.stage_min_payers
    rows = rows[np.isin(frame.src[rows], np.unique(frame.src[rows][shared[frame.dst[rows]]]))]
    rows = rows[np.lexsort((frame.ts[rows], frame.src[rows]))]
    corridor = corridor_mask(frame)
    w = frame.days(cfg.stage_window_days)
    gap = frame.days(cfg.stage_window_days / 3)
    new_ep = (np.diff(frame.src[rows]) != 0) | (np.diff(frame.ts[rows]) > gap)
    bounds = np.flatnonzero(new_ep) + 1
    episodes: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, country blocks)
    ep_of, token_of = [], []  # bipartite edges episode — (beneficiary, next beneficiary)
    tokens: dict[tuple[int, int], int] = {}
    for r in np.split(rows, bounds) if len(rows) else []:
        seq = dc[r]
        starts = np.r_[0, np.flatnonzero(np.diff(seq) != 0) + 1]
        blocks = seq[starts]
        if not (len(np.unique(blocks)) == len(blocks) >= cfg.stage_min_countries):
            continue
        if frame.ts[r[-1]] - frame.ts[r[0]] > w or (sc[r] == dc[r]).all():
            continue
        bens = pd.unique(frame.dst[r])
        for pair in zip(bens[:-1].tolist(), bens[1:].tolist(), strict=True):
            ep_of.append(len(episodes))
            token_of.append(tokens.setdefault(pair, len(tokens)))
        episodes.append((r, blocks))
    if not episodes:
        return from_groups("stage_payments", SMUGGLING, cfg.subset("stage_"), [], [])
    n_ep = len(episodes)
    label = edge_components(np.array(ep_of, np.int64), n_ep + np.array(token_of, np.int64),
                            n_ep + len(tokens))  # fmt: skip
    strength, anchors, nodes, txs = [], [], [], []
    for comp in np.unique(label[:n_ep]):
        members = np.flatnonzero(label[:n_ep] == comp)
        r = np.concatenate([episodes[i][0] for i in members])
        blocks = np.unique(np.concatenate([episodes[i][1] for i in members]))
        payers = np.unique(frame.src[r])
        if len(payers) < cfg.stage_min_payers:
            continue
        n_countries = max(len(episodes[i][1]) for i in members)
        strength.append(n_countries / cfg.stage_min_countries * (1 + corridor[blocks].mean())
                        * np.sqrt(len(payers)))  # fmt: skip
        anchors.append(int(payers[0]))
        nodes.append(np.unique(np.r_[payers, frame.dst[r]]))
        txs.append(r)
    return from_groups("stage_payments", SMUGGLING, cfg.subset("stage_"), strength, anchors,
                       nodes=nodes, txs=txs).top(cfg.max_instances)  # fmt: skip


def pay_on_arrival(frame: Frame) -> Hits:
    """Pattern 23: a broker holds money paid by travellers' sides (their own accounts, the
    ticket payer, or relatives) and releases it to a third party within τ after they arrive.

    *Held*: a one-off transfer (not a standing relation, not a card payment) from a traveller's
    side to the broker between 90 days before the traveller's departure and the arrival (money
    paid while the migrant is on the way is held too). The broker may be a business: brokers
    are typically money-transfer or hawala shops. *Released*: a transfer from the broker to an
    account outside the traveller's side within ``arrival_lag_days`` after the arrival, no
    larger than the one-off payments the broker had received by then (released money is
    held money). A broker is reported when its releases follow the arrivals of ≥
    ``arrival_min_travellers`` different people paid for from ≥ 2 accounts, on ≥ 2 different
    days (one journey's coincidence is not a release pattern), and when at least
    ``arrival_release_share`` of its outgoing payments are such releases: an account that pays
    out every few days hits some arrival window by chance, a broker's payments are timed by the
    arrivals.
    """
    from engine.detect.people import person_of_record

    cfg = frame.config
    params = cfg.subset("arrival_")
    rec_r, rec_n = record_accounts(frame, relatives=True)
    if not len(rec_r):
        return from_groups("pay_on_arrival", SMUGGLING, params, [], [])
    arrival = _ts_col(frame, "arrival")
    depart = _ts_col(frame, "departure")
    arrival = np.where(arrival < 0, depart, arrival)
    day_us = frame.days(1)
    # held money: one-off transfers from a traveller's side account to a (non-hub) broker
    held_rows = np.flatnonzero(frame.core_tx & (frame.channel != CARD)
                               & (frame.pair_count <= cfg.max_pair_repeat))  # fmt: skip
    side = np.zeros(frame.n_nodes, bool)
    side[rec_n] = True
    held_rows = held_rows[side[frame.src[held_rows]]]
    # a broker is paid by ≥ 2 side accounts and pays out on ≥ 2 days: cut the rest before the
    # (record × transfer) join
    n = frame.n_nodes
    pairs = np.unique(frame.dst[held_rows].astype(np.int64) * n + frame.src[held_rows])
    n_side = np.bincount(pairs // n, minlength=n)
    pays = np.flatnonzero(frame.core_tx & (frame.channel != CARD))
    out_days = np.unique(frame.src[pays].astype(np.int64) * (1 << 32) + frame.day[pays])
    n_days = np.bincount(out_days >> 32, minlength=n)
    held_rows = held_rows[(n_side[frame.dst[held_rows]] >= 2) & (n_days[frame.dst[held_rows]] >= 2)]
    link = pd.DataFrame({"r": rec_r, "a": rec_n})
    tx = pd.DataFrame({"a": frame.src[held_rows], "b": frame.dst[held_rows], "x1": held_rows})
    m = link.merge(tx, on="a")
    t1, r = frame.ts[m["x1"].to_numpy()], m["r"].to_numpy()
    m = m[(t1 <= arrival[r]) & (t1 >= depart[r] - frame.days(90))]
    # a broker holds money for several travellers: drop receivers paid for fewer than k
    m = m[m.groupby("b")["r"].transform("nunique") >= cfg.arrival_min_travellers]
    if not len(m):
        return from_groups("pay_on_arrival", SMUGGLING, params, [], [])
    width = frame.n_nodes + 1
    own = rec_r * width + rec_n  # (record, account) pairs of the traveller's side
    m = m[~np.isin(m["r"].to_numpy() * width + m["b"].to_numpy(), own)]
    brokers = np.unique(m["b"].to_numpy())
    out_rows = np.flatnonzero(frame.core_tx & (frame.channel != CARD))
    out_rows = out_rows[np.isin(frame.src[out_rows], brokers)]
    out = pd.DataFrame({"b": frame.src[out_rows], "c": frame.dst[out_rows], "x2": out_rows})
    # releases: (broker, record) pairs joined with the broker's payments after the arrival
    rel = m[["b", "r"]].drop_duplicates().merge(out, on="b")
    t2 = frame.ts[rel["x2"].to_numpy()]
    arr = arrival[rel["r"].to_numpy()]
    rel = rel[(t2 >= arr) & (t2 <= arr + frame.days(cfg.arrival_lag_days))]
    rel = rel[~np.isin(rel["r"].to_numpy() * width + rel["c"].to_numpy(), own)]
    held_of = m.merge(rel[["b", "r"]].drop_duplicates(), on=["b", "r"])
    held_of = dict(tuple(held_of.groupby("b")["x1"]))
    person = person_of_record(frame)
    n_out = np.bincount(frame.src[out_rows], minlength=frame.n_nodes)
    one_off = np.flatnonzero(frame.core_tx & (frame.channel != CARD)
                             & (frame.pair_count <= cfg.max_pair_repeat))  # fmt: skip
    one_off = one_off[np.isin(frame.dst[one_off], brokers)]
    order = np.argsort(frame.dst[one_off], kind="stable")
    bounds = np.searchsorted(frame.dst[one_off][order], brokers)
    ends = np.r_[bounds[1:], len(one_off)]
    one_off = one_off[order]
    held_in = {int(x): one_off[lo:hi] for x, lo, hi in zip(brokers, bounds, ends, strict=True)}
    # cheap conditions first: releases on ≥ 2 arrival days, making up enough of its payments
    n_rel = rel.groupby("b")["x2"].nunique()
    n_day = (rel.assign(day=arrival[rel["r"].to_numpy()] // day_us)
             .groupby("b")["day"].nunique())  # fmt: skip
    ok_b = n_rel.index[
        (n_day.reindex(n_rel.index) >= 2).to_numpy()
        & (n_rel.to_numpy() >= cfg.arrival_release_share * n_out[n_rel.index])
    ]
    rel = rel[rel["b"].isin(ok_b)]
    strength, anchors, nodes, txs, recs = [], [], [], [], []
    for b, grp in rel.groupby("b"):
        held = np.unique(held_of[b].to_numpy())
        held = held[frame.ts[held] <= frame.ts[grp["x2"].to_numpy()].max()]
        releases = np.unique(grp["x2"].to_numpy())
        travellers = len(np.unique(person[grp["r"].to_numpy()]))
        payers = np.unique(frame.src[held])
        days = np.unique(arrival[grp["r"].to_numpy()] // day_us)
        share = len(releases) / max(int(n_out[b]), 1)
        # what it held: every one-off inflow up to the last release (not only the linked ones:
        # some relatives are not recognisable by name)
        t_last = frame.ts[releases].max()
        pool = held_in[int(b)]
        pool = pool[(frame.ts[pool] <= t_last) & (frame.ts[pool] >= frame.ts[held].min())]
        inflow = frame.amount[held_in[int(b)]][frame.ts[held_in[int(b)]] <= t_last].sum()
        if (travellers < cfg.arrival_min_travellers or len(payers) < 2 or len(days) < 2
                or share < cfg.arrival_release_share
                or frame.amount[releases].sum() > inflow):  # fmt: skip
            continue
        strength.append(travellers / cfg.arrival_min_travellers * share)
        anchors.append(int(b))
        # the money it held meanwhile belongs to the finding, paid by relatives whose names
        # could not be linked to a traveller too
        nodes.append(np.unique(np.r_[payers, frame.src[pool], int(b), frame.dst[releases]]))
        txs.append(np.unique(np.r_[held, pool, releases]))
        recs.append(np.unique(grp["r"]))
    return from_groups("pay_on_arrival", SMUGGLING, params, strength, anchors, nodes=nodes,
                       txs=txs, recs=recs).top(cfg.max_instances)  # fmt: skip


def _ts_col(frame: Frame, name: str) -> np.ndarray:
    """A travel timestamp column in epoch µs (-1 where missing)."""
    col = frame.travel.column(name).cast("int64").fill_null(-1)
    return col.to_numpy(zero_copy_only=False).astype(np.int64)
