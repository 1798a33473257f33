"""Smuggling and trafficking money (shared/domain.md 12, 16, 17, 19–23).

Border-region collectors, many unrelated senders paying one beneficiary abroad, controller
accounts, victim expenses, revenue without payroll, hawala settlement, stage payments along a
route and pay-on-arrival releases. Corridor countries (config) only raise a finding's strength;
they never make one on their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    countries within Δ; stronger in a corridor country."""
    cfg = frame.config
    nodes, _, inst, rows = _fan(frame, "in", cfg.collector_k, cfg.collector_window_days)
    n_c = _distinct_per_inst(inst, frame.node_country[frame.src[rows]], len(nodes))
    keep = (n_c >= cfg.collector_countries) & (frame.node_kind[nodes] != BUSINESS)
    sel = np.flatnonzero(keep)
    remap = np.full(len(nodes), -1)
    remap[sel] = np.arange(len(sel))
    ok = remap[inst] >= 0
    boost = 1 + corridor_mask(frame)[frame.node_country[nodes[sel]]]
    return from_segments("border_collector", SMUGGLING, cfg.subset("collector_"),
                         n_c[sel] / cfg.collector_countries * boost, nodes[sel], remap[inst[ok]],
                         rows[ok], frame.src, frame.dst).top(cfg.max_instances)  # fmt: skip


def unrelated_senders_abroad(frame: Frame) -> Hits:
    """Pattern 16: ≥ k senders abroad with different surnames pay one beneficiary, most of them
    nationals of the beneficiary's country (paying someone in their home country)."""
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
    nodes = np.flatnonzero((senders >= cfg.unrelated_k) & (surnames >= 0.8 * senders)
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
    strength, anchors, nodes, txs = [], [], [], []
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
    hotels, food or care in ≥ c different places within Δ."""
    cfg = frame.config
    payer = frame.graph.index_of(frame.travel.column("payer_account").combine_chunks())
    rec_r, rec_n = record_accounts(frame)
    own = set(zip(rec_r.tolist(), rec_n.tolist(), strict=True)) - {
        (r, int(p)) for r, p in enumerate(payer) if p >= 0
    }
    from engine.detect.people import person_of_record

    person = person_of_record(frame)
    recs = np.flatnonzero(payer >= 0)
    others = [r for r in recs if (int(r), int(payer[r])) not in own]
    df = pd.DataFrame({"payer": payer[others], "person": person[others], "r": others})
    per = df.groupby("payer")["person"].nunique()
    cand = per[per >= cfg.victim_travellers].index.to_numpy()
    spend = np.flatnonzero(
        np.isin(frame.src, cand)
        & ((frame.channel == CARD) | (frame.node_kind[frame.dst] == BUSINESS))
    )
    where = np.where(frame.location[spend] >= 0, frame.location[spend], -2 - frame.dst[spend])
    strength, anchors, nodes, txs, rcs = [], [], [], [], []
    w = frame.days(cfg.victim_window_days)
    for a in cand:
        if frame.node_kind[a] == BUSINESS:
            continue
        mine = spend[frame.src[spend] == a]
        places = where[frame.src[spend] == a]
        t = frame.ts[mine]
        best = 0
        for i in range(len(mine)):
            inwin = (t >= t[i]) & (t <= t[i] + w)
            best = max(best, len(np.unique(places[inwin])))
        if best >= cfg.victim_cities:
            strength.append(best / cfg.victim_cities + per[a] / cfg.victim_travellers)
            anchors.append(int(a))
            nodes.append(np.unique(np.r_[int(a), frame.dst[mine]]))
            txs.append(mine)
            rcs.append(df["r"][df["payer"] == a].to_numpy())
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
    successive foreign countries within Δ, each country's payments before the next one's (in
    order of time). Payers (relatives) paying the same beneficiaries in the same order are one
    instance."""
    cfg = frame.config
    sc, dc = frame.node_country[frame.src], frame.node_country[frame.dst]
    rows = np.flatnonzero(frame.core_tx & (frame.channel != CARD) & (dc >= 0) & (sc != dc)
                          & (frame.node_kind[frame.dst] != BUSINESS)
                          & (frame.pair_count <= cfg.max_pair_repeat))  # fmt: skip
    s = frame.src[rows].astype(np.int64)
    width = len(frame.countries) + 1
    n_c = np.bincount(np.unique(s * width + dc[rows]) // width, minlength=frame.n_nodes)
    cand = np.flatnonzero(n_c >= cfg.stage_min_countries)
    rows = rows[np.isin(s, cand)]
    rows = rows[np.lexsort((frame.ts[rows], frame.src[rows]))]
    corridor = corridor_mask(frame)
    w = frame.days(cfg.stage_window_days)
    groups: dict[tuple[int, ...], list[tuple[int, np.ndarray, np.ndarray]]] = {}
    bounds = np.flatnonzero(np.diff(frame.src[rows])) + 1
    for r in np.split(rows, bounds) if len(rows) else []:
        seq = dc[r]
        starts = np.r_[0, np.flatnonzero(np.diff(seq) != 0) + 1]
        blocks = seq[starts]
        in_order = len(np.unique(blocks)) == len(blocks) >= cfg.stage_min_countries
        if in_order and frame.ts[r[-1]] - frame.ts[r[0]] <= w:
            key = tuple(int(x) for x in frame.dst[r[starts]])
            groups.setdefault(key, []).append((int(frame.src[r[0]]), r, blocks))
    strength, anchors, nodes, txs = [], [], [], []
    for key, items in groups.items():
        blocks = items[0][2]
        strength.append(len(blocks) / cfg.stage_min_countries * (1 + corridor[blocks].mean())
                        * np.sqrt(len(items)))  # fmt: skip
        anchors.append(items[0][0])
        nodes.append([*(x[0] for x in items), *key])
        txs.append(np.concatenate([x[1] for x in items]))
    return from_groups("stage_payments", SMUGGLING, cfg.subset("stage_"), strength, anchors,
                       nodes=nodes, txs=txs).top(cfg.max_instances)  # fmt: skip


def pay_on_arrival(frame: Frame) -> Hits:
    """Pattern 23: an account that received money from a traveller's side (their own accounts
    or the ticket payer) before departure releases money to a third party within τ after the
    traveller arrives."""
    cfg = frame.config
    rec_r, rec_n = record_accounts(frame, relatives=True)
    if not len(rec_r):
        return from_groups("pay_on_arrival", SMUGGLING, cfg.subset("arrival_"), [], [])
    arrival = (
        frame.travel.column("arrival").cast("int64").fill_null(-1).to_numpy(zero_copy_only=False)
    )
    depart = (
        frame.travel.column("departure").cast("int64").fill_null(-1).to_numpy(zero_copy_only=False)
    )
    arrival = np.where(arrival < 0, depart, arrival)
    core = np.flatnonzero(frame.core_tx & (frame.channel != CARD)
                          & (frame.node_kind[frame.dst] != BUSINESS))  # fmt: skip
    tx = pd.DataFrame(
        {"a": frame.src[core], "b": frame.dst[core], "t1": frame.ts[core], "x1": core}
    )
    link = pd.DataFrame({"r": rec_r, "a": rec_n})
    m = link.merge(tx, on="a")
    m = m[
        (m["t1"] <= depart[m["r"].to_numpy()])
        & (m["t1"] >= depart[m["r"].to_numpy()] - frame.days(90))
    ]
    if not len(m):
        return from_groups("pay_on_arrival", SMUGGLING, cfg.subset("arrival_"), [], [])
    out = pd.DataFrame(
        {"b": frame.src[core], "c": frame.dst[core], "t2": frame.ts[core], "x2": core}
    )
    m = m.merge(out, on="b")
    arr = arrival[m["r"].to_numpy()]
    lag = frame.days(cfg.arrival_lag_days)
    m = m[(m["t2"].to_numpy() >= arr) & (m["t2"].to_numpy() <= arr + lag)]
    own = set(zip(rec_r.tolist(), rec_n.tolist(), strict=True))
    m = m[[(r, c) not in own for r, c in zip(m["r"], m["c"], strict=True)]]
    strength, anchors, nodes, txs, recs = [], [], [], [], []
    for b, grp in m.groupby("b"):
        # one traveller's, or one payer's, coincidence is not a release pattern
        if grp["r"].nunique() < cfg.arrival_min_travellers or grp["a"].nunique() < 2:
            continue
        strength.append(grp["r"].nunique() / cfg.arrival_min_travellers)
        anchors.append(int(b))
        nodes.append(np.unique(np.r_[grp["a"], grp["b"], grp["c"]]))
        txs.append(np.unique(np.r_[grp["x1"], grp["x2"]]))
        recs.append(np.unique(grp["r"]))
    return from_groups("pay_on_arrival", SMUGGLING, cfg.subset("arrival_"), strength, anchors,
                       nodes=nodes, txs=txs, recs=recs).top(cfg.max_instances)  # fmt: skip


def detect_smuggling(frame: Frame) -> list[Hits]:
    """Run every smuggling and trafficking money detector."""
    return [
        border_collector(frame),
        unrelated_senders_abroad(frame),
        controller(frame),
        victim_expenses(frame),
        revenue_without_payroll(frame),
        hawala(frame),
        stage_payments(frame),
        pay_on_arrival(frame),
    ]
