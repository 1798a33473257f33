"""The money of a smuggling operation, following its groups along the route.

See :mod:`engine.synth.smuggling` for the roles. Every flow is registered as a pattern
instance in the truth, with the parameters the tests (and the benchmarks) check it against.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from engine.synth import geo
from engine.synth.builder import DAY, HOUR, Builder
from engine.synth.smuggling import Group, Operation
from engine.synth.trips import group_journey
from engine.synth.typologies import chain_on, cycle_on, structuring

RECRUIT_SHARE, STAGE_SHARE, HELD_SHARE = 0.2, 0.3, 0.5
RELEASE_HOURS = 36
FUNNEL_TAU_DAYS = 3


def _channel(abroad: bool) -> str:
    return "money_transfer" if abroad else "mobile"


def route_money(b: Builder, o: Operation, groups: list[Group]) -> None:
    """All flows of operation ``o``: fees, stages, escrow and release, layering, funnel."""
    rng, op = b.rng, o.op
    stage_tx: dict[int, list[np.ndarray]] = defaultdict(list)  # hub number -> tx indices
    recruit_tx: dict[str, list[np.ndarray]] = defaultdict(list)
    held_all, release_all = [], []
    for g in groups:
        nat = b.party_column("nationality")[g.migrants[0]]
        home = g.relative_country == nat
        recruiter = o.recruiters.get(nat) or next(iter(o.recruiters.values()))
        # 1. recruitment deposit before departure
        t = np.maximum(g.departure - rng.integers(3 * DAY, 20 * DAY, len(g.relatives)), b.t0 + HOUR)
        tx = b.add_tx(g.relative_acc, recruiter.account, t, base=g.fees * RECRUIT_SHARE,
                      channel="money_transfer", ref="FAMILY SUPPORT")  # fmt: skip
        b.mark_tx(tx, op, None, "recruitment_fee")
        recruit_tx[nat].append(tx[~home])
        # 2. stage payments as the group reaches each hub
        pt = b.pattern(op, "stage_payments", focus=None, group=g.group_id,
                       hubs=[h for h in o.route.hubs if h in g.hub_arrival])  # fmt: skip
        hubs = [h for h in o.route.hubs if h in g.hub_arrival]
        for j, hub in enumerate(hubs):
            collector = o.collectors[o.route.hubs.index(hub)]
            t = g.hub_arrival[hub] + rng.integers(-12 * HOUR, 36 * HOUR, len(g.relatives))
            tx = b.add_tx(g.relative_acc, collector.account, t,
                          base=np.round(g.fees * STAGE_SHARE / len(hubs), 2),
                          channel="money_transfer")  # fmt: skip
            b.mark_tx(tx, op, pt, f"stage_{j + 1}")
            stage_tx[o.route.hubs.index(hub)].append(tx)
            if j == 0:
                # the first collector passes the group's money on through a mule chain
                mules = rng.permutation([m.account for m in o.mules])[:3]
                hops = [collector.account, *mules.tolist()]
                chain_on(b, op, np.array([*hops, o.front]), int(t.max()) + 6 * HOUR,
                         float(np.sum(g.fees * STAGE_SHARE / len(hubs))) * 0.95)  # fmt: skip
        # 3. the balance is held by the broker and released after the crossing
        pt = b.pattern(op, "pay_on_arrival", focus=o.broker_biz, group=g.group_id,
                       release_within_hours=RELEASE_HOURS)  # fmt: skip
        t = g.departure + rng.integers(0, 2 * DAY, len(g.relatives))
        held = b.add_tx(g.relative_acc, o.broker_biz, t, base=g.fees * HELD_SHARE,
                        channel="money_transfer")  # fmt: skip
        release_amount = round(float(np.sum(g.fees * HELD_SHARE)) * 0.6, 2)
        release = b.add_tx(o.broker_biz, o.front,
                           g.final_crossing + int(rng.integers(2 * HOUR, RELEASE_HOURS * HOUR)),
                           base=release_amount)  # fmt: skip
        b.mark_tx(held, op, pt, "held")
        b.mark_tx(release, op, pt, "release")
        b.mark_trips(g.last_leg, op, pt, "crossing", g.group_id)
        held_all.append(held)
        release_all.append(release)
        _pay_facilitators(b, o, g)
    _collector_patterns(b, o, stage_tx)
    _many_senders(b, o, recruit_tx)
    _hawala(b, o, groups, held_all, release_all)
    _funnel(b, o, groups)
    _courier(b, o, groups)
    t_cycle = groups[len(groups) // 2].final_crossing if groups else b.t0
    cycle_on(b, op, np.array([o.front, o.trading, o.transport_co]), t_cycle,
             float(rng.uniform(20_000, 80_000)))  # fmt: skip


def _pay_facilitators(b: Builder, o: Operation, g: Group) -> None:
    """After the crossing the organiser's front pays drivers, coordinators, keepers, forger."""
    rng = b.rng
    n = len(g.migrants)
    payees = [d.account for d in o.drivers] + [c.account for c in o.coordinators]
    payees += [k.account for k in o.keepers] + [o.forger.account]
    amounts = [rng.uniform(150, 300) * n for _ in o.drivers]
    amounts += [rng.uniform(100, 200) * n for _ in o.coordinators]
    amounts += [15.0 * n * rng.uniform(3, 8) for _ in o.keepers]
    amounts += [rng.uniform(400, 900) * max(1, sum(len(r) for r in g.reused))]
    t = g.final_crossing + rng.integers(DAY, 5 * DAY, len(payees))
    pt = b.pattern(o.op, "facilitator_payments", focus=o.front, group=g.group_id)
    tx = b.add_tx(o.front, np.array(payees), t, base=np.round(amounts, 2), channel="wire")
    b.mark_tx(tx, o.op, pt, "facilitator_payment")


def _collector_patterns(b: Builder, o: Operation, stage_tx: dict[int, list[np.ndarray]]) -> None:
    """Each collector receives from many senders spread over several countries (flag 12)."""
    for j, chunks in stage_tx.items():
        idx = np.concatenate(chunks)
        collector = o.collectors[j]
        pt = b.pattern(o.op, "border_collector", focus=collector.account, hub=o.route.hubs[j],
                       n_payments=len(idx))  # fmt: skip
        b.mark_tx(idx, o.op, pt, "collection")
        b.mark_accounts(collector.account, o.op, pt, "collector")


def _many_senders(b: Builder, o: Operation, recruit_tx: dict[str, list[np.ndarray]]) -> None:
    """Unrelated diaspora senders all paying one recruiter in their home country (flag 16)."""
    for nat, chunks in recruit_tx.items():
        idx = np.concatenate(chunks)
        if len(idx) >= 3:
            recruiter = o.recruiters.get(nat) or next(iter(o.recruiters.values()))
            pt = b.pattern(o.op, "many_senders_one_beneficiary", focus=recruiter.account,
                           country=nat, n_senders=len(idx))  # fmt: skip
            b.mark_tx(idx, o.op, pt, "remittance")


def _hawala(b: Builder, o: Operation, groups: list[Group], held: list, release: list) -> None:
    """The broker nets many small inbound remittances against few large trade payments."""
    rng = b.rng
    amount_in = sum(float(np.sum(g.fees * HELD_SHARE)) for g in groups)
    released = sum(round(float(np.sum(g.fees * HELD_SHARE)) * 0.6, 2) for g in groups)
    rest = (amount_in - released) * (1 - rng.uniform(0.01, 0.03))
    k = int(rng.integers(1, 4))
    last = max(g.final_crossing for g in groups) if groups else b.t0
    t = last + rng.integers(2 * DAY, 6 * DAY, k)
    trade = b.add_tx(o.broker_biz, o.trading, np.sort(t), base=np.round(rest * rng.dirichlet(np.ones(k) * 3), 2),
                     ref="INVOICE")  # fmt: skip
    pt = b.pattern(o.op, "hawala_settlement", focus=o.broker_biz, n_in=int(sum(len(h) for h in held)),
                   n_out=len(release) + k)  # fmt: skip
    for h in held:
        b.mark_tx(h, o.op, pt, "remittance_in")
    for r in release:
        b.mark_tx(r, o.op, pt, "release")
    b.mark_tx(trade, o.op, pt, "trade_settlement")
    b.mark_accounts(o.broker_biz, o.op, pt, "hawala_business")


def _funnel(b: Builder, o: Operation, groups: list[Group]) -> None:
    """Cash in across the holder's country, out in a transit country within days (13-15)."""
    rng, p = b.rng, b.p
    f = o.funnel
    cities = list(geo.cities(f.country))
    home = b.party_column("city")[f.party]
    t0 = groups[0].departure if groups else b.t0
    t0 = int(min(t0, b.t_end - 14 * DAY))
    structured = structuring(b, f.account, f.country, o.op, same_day=False, t0=t0)
    t_structured = b.tx["ts"][-1]  # the chunk structuring just appended
    n_more = int(rng.integers(4, 9))
    where = [c for c in cities if c != home] or cities
    locs = np.array(
        [b.loc(where[i % len(where)], f.country) for i in rng.permutation(n_more)], np.int32
    )
    t_more = t0 + rng.integers(0, 7 * DAY, n_more)
    cur = geo.COUNTRIES[f.country][1]
    more = b.add_tx(b.cash, f.account, t_more, amount=np.round(rng.uniform(2_000, 8_000, n_more), -1),
                    currency=cur, channel="cash", loc=locs)  # fmt: skip
    deposits = np.concatenate([structured, more])
    hub = o.collectors[0]
    hub_city = b.party_column("city")[hub.party]
    t_last = int(max(t_structured.max(), t_more.max()))
    n_atm = int(rng.integers(2, 5))
    atm = b.add_tx(f.account, b.cash, t_last + rng.integers(6 * HOUR, FUNNEL_TAU_DAYS * DAY, n_atm),
                   base=np.round(rng.uniform(800, 2_000, n_atm), -1), channel="cash",
                   loc=b.loc(hub_city, hub.country))  # fmt: skip
    wire_amount = float(rng.uniform(0.5, 0.8)) * p.cash_threshold * 3
    wire = b.add_tx(f.account, o.organiser.account, t_last + int(rng.integers(HOUR, FUNNEL_TAU_DAYS * DAY)),
                    base=round(wire_amount, 2), channel="wire")  # fmt: skip
    pt = b.pattern(o.op, "funnel_account", focus=f.account, deposit_country=f.country,
                   withdrawal_country=hub.country, tau_days=FUNNEL_TAU_DAYS)  # fmt: skip
    b.mark_tx(deposits, o.op, pt, "deposit")
    b.mark_tx(atm, o.op, pt, "withdrawal")
    b.mark_tx(wire, o.op, pt, "wire_out")
    pt = b.pattern(o.op, "out_of_area_deposits", focus=f.account, holder_city=home)
    b.mark_tx(deposits, o.op, pt, "deposit")
    pt = b.pattern(o.op, "cash_in_wire_out", focus=f.account, tau_days=FUNNEL_TAU_DAYS + 7,
                   wire_country=o.organiser.country)  # fmt: skip
    b.mark_tx(deposits, o.op, pt, "deposit")
    b.mark_tx(wire, o.op, pt, "wire_out")


def travel_patterns(b: Builder, o: Operation, groups: list[Group]) -> None:
    """Co-travel, third-party ticket payers, reused documents, facilitators riding again."""
    payer_trips: dict[int, list[np.ndarray]] = defaultdict(list)
    escort_trips: dict[int, list[np.ndarray]] = defaultdict(list)
    escort_groups: dict[int, set[str]] = defaultdict(set)
    reused = []
    for g in groups:
        trips = np.concatenate(g.trips)
        pt = b.pattern(o.op, "co_travel", group=g.group_id, n_travellers=len(g.migrants) + 1,
                       n_legs=len(g.trips))  # fmt: skip
        b.mark_trips(trips, o.op, pt, "co_traveller", g.group_id)
        for idx, payer in g.ticketed:
            payer_trips[payer].append(idx)
        for party, idx in g.escorts:
            escort_trips[party].append(idx)
            escort_groups[party].add(g.group_id)
        reused.extend(g.reused)
    for payer, chunks in payer_trips.items():
        pt = b.pattern(o.op, "third_party_ticket_payer", focus=payer)
        b.mark_trips(np.concatenate(chunks), o.op, pt, "paid_ticket")
        b.mark_accounts(payer, o.op, pt, "ticket_payer")
    for party, chunks in escort_trips.items():
        if len(escort_groups[party]) >= 2:
            pt = b.pattern(o.op, "facilitator_repeat", n_groups=len(escort_groups[party]))
            b.mark_trips(np.concatenate(chunks), o.op, pt, "facilitator")
            b.mark_parties(party, o.op, "repeat_traveller")
    idx = np.concatenate(reused) if reused else np.zeros(0, np.int64)
    if len(idx) >= 2:
        pt = b.pattern(o.op, "document_reuse", documents=o.reused_docs)
        b.mark_trips(idx, o.op, pt, "reused_document")


def _courier(b: Builder, o: Operation, groups: list[Group]) -> None:
    """A mule carries cash to the organiser: short round trips, cash out before each flight
    at home and in on arrival, each under the declaration threshold (courier round trips,
    payment-trip alignment)."""
    rng, p = b.rng, b.p
    mule = o.mules[0]
    hub = o.organiser
    if (
        mule.country == hub.country
        or not geo.airports(mule.country)
        or not geo.airports(hub.country)
    ):
        return
    home_city = b.party_column("city")[mule.party]
    hub_city = b.party_column("city")[hub.party]
    out_port, hub_port = geo.airports(mule.country)[0], geo.airports(hub.country)[0]
    slots = np.arange(b.t0 + 5 * DAY, b.t_end - 12 * DAY, 7 * DAY)  # a week per round trip
    k = min(int(rng.integers(2, 5)), len(slots))
    if k < 2:
        return
    starts = np.sort(rng.choice(slots, k, replace=False))
    pt_trips = b.pattern(o.op, "courier_round_trips", n_trips=k, home=mule.country,
                         abroad=hub.country)  # fmt: skip
    pt_align = b.pattern(o.op, "payment_trip_alignment", focus=mule.account, max_hours=24)
    for start in starts:
        start = int(start) - int(start) % DAY + 14 * HOUR
        out, arrivals = group_journey(b, np.array([mule.party]), [(out_port, hub_port, "air")],
                                      start, payer=mule.account)  # fmt: skip
        back, _ = group_journey(b, np.array([mule.party]), [(hub_port, out_port, "air")],
                                arrivals[-1] + int(rng.integers(1, 4)) * DAY, payer=mule.account)  # fmt: skip
        carried = round(float(rng.uniform(0.6, 0.95)) * p.cash_threshold, -1)
        cash_out = b.add_tx(mule.account, b.cash, start - int(rng.integers(2, 5)) * HOUR,
                            base=carried, channel="cash", loc=b.loc(home_city, mule.country))  # fmt: skip
        cash_in = b.add_tx(b.cash, hub.account, arrivals[-1] + int(rng.integers(1, 8)) * HOUR,
                           base=round(carried * 0.98, 2), channel="cash",
                           loc=b.loc(hub_city, hub.country))  # fmt: skip
        for pt in (pt_trips, pt_align):
            b.mark_trips(np.r_[out, back], o.op, pt, "courier")
            b.mark_tx(cash_out, o.op, pt, "cash_out_before_departure")
            b.mark_tx(cash_in, o.op, pt, "cash_in_after_arrival")
    b.mark_parties(mule.party, o.op, "cash_courier")
