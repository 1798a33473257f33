"""The ``lookalike`` and ``random`` worlds: laundering hidden among legitimate look-alikes.

One domestic market (``WorldParams.country``; its currency scales every amount). Every
customer lives an ordinary life: card spending to merchant aggregates, cash withdrawals to
``CASH``, a monthly salary from ``EXT_SOURCE``. Customers also transact in the six legitimate
structures that AMLSim-family simulators model as normal on purpose (single payments, fan-in
to a landlord or merchant, fan-out as payroll or a parent paying children, forward, mutual
pay-backs, periodical standing orders), ``lookalike_ratio`` legitimate structured transfers per
laundering transfer. Laundering uses the eight generic typologies on ordinary customers'
accounts, with sizes, spans, amounts, channels and hours drawn from the very laws of the
legitimate structures. Counterparties are drawn in proportion to a heavy-tailed activity
(``1 + Pareto(degree_exponent)``), which gives the degree law.

Ground truth as in the default world: one ``typology`` operation and pattern per laundering
instance with its transactions and accounts; one ``hard_negative`` operation per legitimate
model (kind ``lookalike_<model>``) holding its transactions.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from engine.synth import geo
from engine.synth.builder import Builder
from engine.synth.params import make_params
from engine.synth.profiles import LEGIT_MODELS, TYPOLOGIES, WorldParams

#: Structured transfers (legitimate and laundering) share one channel mix.
CHANNEL_MIX = (("wire", 0.7), ("mobile", 0.3))
#: Hour of day of structured transfers: mean and spread (the same for all of them).
PEAK_HOUR, SPREAD_HOURS = 13.0, 4.0
#: Fewest accounts a typology needs.
MIN_SIZE = {"fan_in": 3, "fan_out": 3, "cycle": 3, "bipartite": 4, "stack": 4,
            "scatter_gather": 3, "gather_scatter": 3, "random": 3}  # fmt: skip


class Laws:
    """The world's draws: amounts, sizes, spans, counterparties, times."""

    def __init__(self, b: Builder, wp: WorldParams, weight: np.ndarray) -> None:
        self.b, self.wp, self.rng = b, wp, b.rng
        self.p_cp = weight / weight.sum()
        self.currency = geo.COUNTRIES[wp.country][1]
        self.fx = geo.FX_EUR[self.currency]

    def amounts(self, n: int, scale: float = 1.0) -> np.ndarray:
        """``n`` amounts in local currency from the world's one amount law (cents, never round)."""
        wp, rng = self.wp, self.rng
        median = wp.amount_median_eur / self.fx * scale
        if wp.amount_law == "uniform":
            w = min(0.95, wp.amount_spread)
            a = rng.uniform(median * (1 - w), median * (1 + w), n)
        elif wp.amount_law == "gamma":
            k = 1.0 / max(wp.amount_spread, 0.05) ** 2
            a = rng.gamma(k, median / max(k - 1 / 3, 0.1), n)
        else:
            a = rng.lognormal(np.log(median), wp.amount_spread, n)
        return np.round(np.maximum(a, 0.01 * median) + rng.uniform(0.01, 0.99, n), 2)

    def size(self, least: int = 2) -> int:
        lo, hi = self.wp.pattern_size
        return max(least, int(self.rng.integers(lo, hi + 1)))

    def sizes(self, n: int, least: int = 2) -> np.ndarray:
        lo, hi = self.wp.pattern_size
        return np.maximum(least, self.rng.integers(lo, hi + 1, n))

    def spans(self, n: int) -> np.ndarray:
        lo, hi = self.wp.pattern_days
        return self.rng.integers(lo, max(lo, hi) + 1, n)

    def counterparties(self, n: int) -> np.ndarray:
        return self.rng.choice(len(self.p_cp), n, p=self.p_cp)

    def starts(self, spans: np.ndarray) -> np.ndarray:
        """Start day of each structure so that its span fits the period."""
        room = np.maximum(1, self.wp.days - spans)
        return (self.rng.random(len(spans)) * room).astype(np.int64)

    def times(self, days: np.ndarray) -> np.ndarray:
        days = np.clip(np.asarray(days, np.int64), 0, self.wp.days - 1)
        return self.b.day_times(days, PEAK_HOUR, SPREAD_HOURS)


def _add(b: Builder, laws: Laws, src: Any, dst: Any, ts: Any, amount: Any) -> np.ndarray:
    """Structured transfers with the shared channel mix; returns their indices."""
    src, dst = np.atleast_1d(src), np.atleast_1d(dst)
    ts, amount = np.atleast_1d(ts), np.atleast_1d(amount)
    n = len(ts)
    src = np.broadcast_to(src, n) if len(src) == 1 else src
    dst = np.broadcast_to(dst, n) if len(dst) == 1 else dst
    pick = b.rng.random(n) < CHANNEL_MIX[0][1]
    out = []
    for channel, sel in ((CHANNEL_MIX[0][0], pick), (CHANNEL_MIX[1][0], ~pick)):
        if sel.any():
            out.append(b.add_tx(src[sel], dst[sel], ts[sel], amount=amount[sel],
                                currency=laws.currency, channel=channel))  # fmt: skip
    return np.concatenate(out) if out else np.zeros(0, np.int64)


# ---------------------------------------------------------------------------- laundering


def _sorted_days(laws: Laws, n: int, start: int, span: int) -> np.ndarray:
    return np.sort(start + laws.rng.integers(0, max(1, span), n))


def _pass_on(laws: Laws, incoming: float, k: int, conserve: bool) -> np.ndarray:
    """Amounts of ``k`` onward hops: the incoming money less a margin, or fresh draws."""
    if not conserve:
        return laws.amounts(k)
    lo, hi = laws.wp.margin
    total = incoming * (1 - laws.rng.uniform(lo, hi))
    return (
        np.round(total * laws.rng.dirichlet(np.full(k, 3.0)), 2)
        if k > 1
        else np.round(np.array([total]), 2)
    )


def _two_stage(
    laws: Laws, start: int, span: int, n1: int, n2: int
) -> tuple[np.ndarray, np.ndarray]:
    """Days of a first and a second stage: the first in the first half of the span."""
    half = max(1, span // 2)
    d1 = _sorted_days(laws, n1, start, half)
    d2 = np.sort(d1.max() + 1 + laws.rng.integers(0, max(1, span - half), n2))
    return d1, d2


def launder(b: Builder, laws: Laws, kind: str, accs: np.ndarray, start: int, span: int) -> None:
    """Plant one instance of typology ``kind`` on ``accs``: transfers, pattern and truth."""
    rng = laws.rng
    conserve = bool(rng.random() < laws.wp.pass_on_share)
    op = b.operation("typology", kind)
    roles: list[tuple[np.ndarray, str]] = []
    parts: list[tuple[np.ndarray, str]] = []
    k = len(accs)
    focus = int(accs[0])
    if kind in ("fan_in", "fan_out"):
        hub, others = accs[0], accs[1:]
        days = _sorted_days(laws, k - 1, start, span)
        amt = laws.amounts(k - 1)
        src, dst = (others, hub) if kind == "fan_in" else (hub, others)
        parts.append((_add(b, laws, src, dst, laws.times(days), amt), kind))
        roles += [(accs[:1], "hub"), (others, "member")]
    elif kind == "cycle":  # hops on distinct days, in order
        days = start + np.sort(rng.choice(max(span, k), k, replace=False))
        amt = laws.amounts(1)
        amounts = [amt[0]]
        for _ in range(k - 1):
            amounts.append(_pass_on(laws, amounts[-1], 1, conserve)[0])
        idx = _add(b, laws, accs, np.roll(accs, -1), laws.times(days), np.array(amounts))
        parts.append((idx, "cycle_hop"))
        roles.append((accs, "cycle_member"))
    elif kind == "bipartite":
        na = k // 2
        left, right = accs[:na], accs[na:]
        src, dst = np.repeat(left, len(right)), np.tile(right, len(left))
        days = start + rng.integers(0, max(1, span), len(src))
        parts.append((_add(b, laws, src, dst, laws.times(days), laws.amounts(len(src))),
                      "bipartite"))  # fmt: skip
        roles += [(left, "left"), (right, "right")]
    elif kind == "stack":
        cut = np.sort(rng.choice(np.arange(1, k), 2, replace=False))
        a, m, c = accs[: cut[0]], accs[cut[0] : cut[1]], accs[cut[1] :]
        s1, d1 = np.repeat(a, len(m)), np.tile(m, len(a))
        s2, d2 = np.repeat(m, len(c)), np.tile(c, len(m))
        days1, days2 = _two_stage(laws, start, span, len(s1), len(s2))
        amt1 = laws.amounts(len(s1))
        amt2 = _pass_on(laws, amt1.sum(), len(s2), True) if conserve else laws.amounts(len(s2))
        parts.append((_add(b, laws, s1, d1, laws.times(days1), amt1), "layer1"))
        parts.append((_add(b, laws, s2, d2, laws.times(days2), amt2), "layer2"))
        roles += [(a, "layer_a"), (m, "layer_b"), (c, "layer_c")]
    elif kind == "scatter_gather":
        s, d, mids = accs[0], accs[1], accs[2:]
        days1, days2 = _two_stage(laws, start, span, len(mids), len(mids))
        amt1 = laws.amounts(len(mids))
        amt2 = (np.array([_pass_on(laws, a, 1, True)[0] for a in amt1]) if conserve
                else laws.amounts(len(mids)))  # fmt: skip
        parts.append((_add(b, laws, s, mids, laws.times(days1), amt1), "scatter"))
        parts.append((_add(b, laws, mids, d, laws.times(days2), amt2), "gather"))
        roles += [(accs[:1], "source"), (accs[1:2], "destination"), (mids, "intermediary")]
    elif kind == "gather_scatter":
        k_in = max(1, (k - 1) // 2)
        h, ins, outs = accs[0], accs[1 : 1 + k_in], accs[1 + k_in :]
        days1, days2 = _two_stage(laws, start, span, len(ins), len(outs))
        amt1 = laws.amounts(len(ins))
        amt2 = _pass_on(laws, amt1.sum(), len(outs), conserve)
        parts.append((_add(b, laws, ins, h, laws.times(days1), amt1), "gather"))
        parts.append((_add(b, laws, h, outs, laws.times(days2), amt2), "scatter"))
        roles += [(accs[:1], "hub"), (ins, "sender"), (outs, "receiver")]
    else:  # random transfers among the set: a random walk over its members
        n_hops = k + int(rng.integers(0, k + 1))
        walk = [int(rng.integers(k))]
        for _ in range(n_hops):
            nxt = int(rng.integers(k - 1))
            walk.append(nxt + (nxt >= walk[-1]))
        walk_acc = accs[np.array(walk)]
        days = _sorted_days(laws, n_hops, start, span)
        parts.append((_add(b, laws, walk_acc[:-1], walk_acc[1:], laws.times(days),
                           laws.amounts(n_hops)), "random_hop"))  # fmt: skip
        roles.append((accs, "member"))
    pt = b.pattern(op, kind, focus=focus, accounts=k, span_days=int(span), pass_on=conserve)
    for idx, role in parts:
        b.mark_tx(idx, op, pt, role)
    for who, role in roles:
        b.mark_accounts(who, op, pt, role)


def plant_laundering(b: Builder, laws: Laws, activity: np.ndarray, customers: np.ndarray) -> int:
    """All laundering instances; returns the number of laundering transfers."""
    wp, rng = laws.wp, laws.rng
    want = max(1, round(wp.laundering_share * len(customers)))
    kinds: list[str] = list(rng.permutation(TYPOLOGIES))  # every typology at least once
    shares = np.asarray(wp.typology_shares, float)
    sizes = [laws.size(MIN_SIZE[k]) for k in kinds]
    while sum(sizes) < want:
        kind = TYPOLOGIES[int(rng.choice(len(TYPOLOGIES), p=shares / shares.sum()))]
        kinds.append(kind)
        sizes.append(laws.size(MIN_SIZE[kind]))
    total = min(sum(sizes), len(customers))
    w = activity**wp.launderer_bias
    chosen = rng.choice(len(customers), total, replace=False, p=w / w.sum())
    before = b.n_tx
    spans = laws.spans(len(kinds))
    starts = laws.starts(spans)
    at = 0
    for kind, size, span, start in zip(kinds, sizes, spans, starts, strict=True):
        if at + size > total:
            break
        launder(b, laws, kind, customers[chosen[at : at + size]], int(start), int(span))
        at += size
    return b.n_tx - before


# ---------------------------------------------------------------------------- look-alikes


def _no_self(laws: Laws, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    same = src == dst
    dst = dst.copy()
    dst[same] = (dst[same] + 1 + laws.rng.integers(0, len(laws.p_cp) - 1, same.sum())) % len(
        laws.p_cp
    )
    return dst


def plant_lookalikes(b: Builder, laws: Laws, customers: np.ndarray, budget: int) -> int:
    """The six legitimate structures, ``budget`` transfers in all; returns how many."""
    wp, rng = laws.wp, laws.rng
    shares = np.asarray(wp.model_shares, float)
    shares = shares / shares.sum()
    lo, hi = wp.pattern_size
    mean_fan = max(1.0, (lo + hi) / 2 - 1)
    plo, phi = wp.periodic_days
    mean_periodic = max(1.0, wp.days / ((plo + phi) / 2) / 2)
    per_structure = {"single": 1, "fan_in": mean_fan, "fan_out": mean_fan, "forward": 2,
                     "mutual": 2, "periodical": mean_periodic}  # fmt: skip
    made = 0
    for model, share in zip(LEGIT_MODELS, shares, strict=True):
        n = int(np.ceil(budget * share / per_structure[model]))
        if n <= 0:
            continue
        spans = laws.spans(n)
        starts = laws.starts(spans)
        a = laws.counterparties(n)
        if model in ("fan_in", "fan_out"):
            k = laws.sizes(n, 3) - 1
            hub = np.repeat(a, k)
            other = _no_self(laws, hub, laws.counterparties(int(k.sum())))
            days = np.repeat(starts, k) + (rng.random(len(hub)) * np.repeat(spans, k)).astype(int)
            src, dst = (other, hub) if model == "fan_in" else (hub, other)
            idx = _add(b, laws, customers[src], customers[dst], laws.times(days),
                       laws.amounts(len(hub)))  # fmt: skip
        elif model == "single":
            dst = _no_self(laws, a, laws.counterparties(n))
            idx = _add(b, laws, customers[a], customers[dst], laws.times(starts), laws.amounts(n))
        elif model in ("forward", "mutual"):
            mid = _no_self(laws, a, laws.counterparties(n))
            gap = 1 + (rng.random(n) * spans).astype(int)
            amt = laws.amounts(n)
            if model == "forward":
                end = _no_self(laws, mid, laws.counterparties(n))
                end = np.where(end == a, _no_self(laws, mid, laws.counterparties(n)), end)
                lo_m, hi_m = wp.margin
                back = np.round(amt * (1 - rng.uniform(lo_m, hi_m, n)), 2)
            else:
                end = a
                back = np.where(rng.random(n) < 0.5, amt, laws.amounts(n))
            idx = np.r_[
                _add(b, laws, customers[a], customers[mid], laws.times(starts), amt),
                _add(b, laws, customers[mid], customers[end], laws.times(starts + gap), back),
            ]
        else:  # periodical: a standing order over the whole period
            dst = _no_self(laws, a, laws.counterparties(n))
            period = rng.integers(plo, phi + 1, n)
            first = (rng.random(n) * period).astype(int)
            reps = np.maximum(1, (wp.days - first) // period)
            who = np.repeat(np.arange(n), reps)
            nth = np.arange(len(who)) - np.repeat(np.cumsum(reps) - reps, reps)
            days = first[who] + nth * period[who]
            amt = laws.amounts(n)
            idx = _add(b, laws, customers[a[who]], customers[dst[who]], laws.times(days), amt[who])
        op = b.operation("hard_negative", f"lookalike_{model}", structures=n, transfers=len(idx))
        b.mark_tx(idx, op, None, f"lookalike_{model}")
        made += len(idx)
    return made


# ---------------------------------------------------------------------------- ordinary life


def ordinary_life(b: Builder, laws: Laws, customers: np.ndarray, merchants: np.ndarray,
                  n_rows: int) -> None:  # fmt: skip
    """Salaries from ``EXT_SOURCE``; card spending to merchants and cash to ``CASH``."""
    from engine.synth.background import monthly_days

    wp, rng = laws.wp, laws.rng
    n = len(customers)
    paid = np.flatnonzero(rng.random(n) < wp.salaried_share)
    paydays = monthly_days(b, 25, 3)
    if len(paid) and len(paydays):
        salary = laws.amounts(len(paid), wp.salary_scale)
        rep = np.repeat(paydays, len(paid))
        b.add_tx(b.placeholder("EXT_SOURCE"), np.tile(customers[paid], len(paydays)),
                 b.day_times(rep, 6, 1), amount=np.tile(salary, len(paydays)),
                 currency=laws.currency, channel="wire", ref=b.ref("SALARY"))  # fmt: skip
    activity = rng.lognormal(0, 0.8, n)
    k = rng.multinomial(n_rows, activity / activity.sum())
    who = np.repeat(np.arange(n), k)
    cash = rng.random(len(who)) < wp.cash_share
    days = rng.integers(0, wp.days, len(who))
    w = 1.0 / np.arange(1, len(merchants) + 1) ** 1.1
    shop = merchants[rng.choice(len(merchants), int((~cash).sum()), p=w / w.sum())]
    b.add_tx(customers[who[~cash]], shop, b.day_times(days[~cash], 15, 3.5),
             amount=laws.amounts(int((~cash).sum()), wp.spend_scale), currency=laws.currency,
             channel="card")  # fmt: skip
    notes = np.maximum(10.0, np.round(laws.amounts(int(cash.sum()), wp.spend_scale * 2), -1))
    b.add_tx(customers[who[cash]], b.cash, b.day_times(days[cash], 15, 4), amount=notes,
             currency=laws.currency, channel="cash")  # fmt: skip


# ---------------------------------------------------------------------------- the world


def build(wp: WorldParams) -> tuple[Builder, dict[str, float], dict[str, int]]:
    """Fill a :class:`Builder` with the world of ``wp``; returns it, stage timings and counts."""
    from engine.synth.population import add_orgs, add_people

    p = make_params("tiny", wp.seed, start=wp.start, days=wp.days,
                    date_only_bank_share=wp.date_only_bank_share)  # fmt: skip
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    b = Builder(p)
    rng = b.rng
    people = add_people(b, wp.n_customers, wp.country)
    customers = b.add_accounts(people, wp.country, "personal")
    n_merchants = max(5, wp.n_customers // 250)
    merchants = b.add_accounts(add_orgs(b, n_merchants, wp.country, "retail"), wp.country,
                               "business")  # fmt: skip
    activity = 1.0 + rng.pareto(wp.degree_exponent, wp.n_customers)
    laws = Laws(b, wp, activity)
    lap("population")
    laundering = plant_laundering(b, laws, activity, customers)
    lap("laundering")
    cap = wp.max_structured_per_day * wp.n_customers * wp.days
    legit = plant_lookalikes(b, laws, customers, int(min(wp.lookalike_ratio * laundering, cap)))
    lap("lookalikes")
    spending = round(wp.spend_per_day * wp.n_customers * wp.days)
    spending = max(spending, int(1.5 * (legit + laundering)))  # most rows are spending
    ordinary_life(b, laws, customers, merchants, spending)
    lap("ordinary_life")
    counts = {"laundering_transfers": laundering, "lookalike_transfers": legit,
              "spending_rows": spending, "accounts": b.n_accounts, "transactions": b.n_tx}  # fmt: skip
    return b, timings, counts
