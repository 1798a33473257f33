"""The generic laundering typologies of AMLSim, AMLworld, AMLGentex and SAML-D.

Fan-in, fan-out, temporal cycle, scatter-gather, gather-scatter, bipartite, stack, layering
chain, pass-through and structuring, ``Params.n_per_typology`` instances each, planted on
ordinary customers' accounts (as AMLworld does) so they hide in the background. Every
instance is one operation with one pattern whose parameters are in the truth; the definitions
are those of ``shared/domain.md`` and the tests check each instance against them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.synth import geo
from engine.synth.background import Economy
from engine.synth.builder import DAY, HOUR, Builder


def _accounts(b: Builder, eco: Economy, k: int) -> np.ndarray:
    return eco.accounts[b.rng.choice(len(eco.accounts), k, replace=False)]


def _start(b: Builder, span_days: float) -> int:
    last = max(1, int(b.p.days - span_days - 1))
    return b.t0 + int(b.rng.integers(0, last)) * DAY + int(b.rng.integers(7, 12)) * HOUR


def _margin(b: Builder, n: int | None = None) -> np.ndarray:
    lo, hi = b.p.margin
    return b.rng.uniform(lo, hi, n)


def fan(b: Builder, eco: Economy, direction: str) -> None:
    rng, p = b.rng, b.p
    k = int(rng.integers(p.fan_k[0], p.fan_k[1] + 1))
    accs = _accounts(b, eco, k + 1)
    hub, others = accs[0], accs[1:]
    kind = "fan_in" if direction == "in" else "fan_out"
    op = b.operation("typology", kind)
    pt = b.pattern(op, kind, focus=hub, k=k, window_days=p.window_days)
    t0 = _start(b, p.window_days)
    ts = np.sort(t0 + rng.integers(0, (p.window_days - 1) * DAY, k))
    amt = np.round(rng.uniform(800, 4500, k), 2)
    if direction == "in":
        idx = b.add_tx(others, hub, ts, base=amt, channel="wire")
    else:
        idx = b.add_tx(hub, others, ts, base=amt, channel="wire")
    b.mark_tx(idx, op, pt, kind)
    b.mark_accounts(hub, op, pt, "hub")
    b.mark_accounts(others, op, pt, "sender" if direction == "in" else "receiver")


def cycle_on(b: Builder, op: str, accs: np.ndarray, t0: int, amount: float) -> str:
    """A temporal cycle through ``accs`` (back to the first), hops at least a day apart."""
    p, length = b.p, len(accs)
    pt = b.pattern(op, "cycle", focus=accs[0], length=length, window_days=p.window_days,
                   margin=list(p.margin))  # fmt: skip
    gaps = b.rng.uniform(1.0, (p.window_days - 1) / length, length) * DAY
    ts = t0 + np.cumsum(gaps).astype(np.int64)
    amt = amount * np.cumprod(np.r_[1.0, 1 - _margin(b, length - 1)])
    idx = b.add_tx(accs, np.roll(accs, -1), ts, base=np.round(amt, 2))
    b.mark_tx(idx, op, pt, "cycle_hop")
    b.mark_accounts(accs, op, pt, "cycle_member")
    return pt


def cycle(b: Builder, eco: Economy) -> None:
    length = int(b.rng.integers(3, 7))
    op = b.operation("typology", "cycle")
    cycle_on(b, op, _accounts(b, eco, length), _start(b, b.p.window_days), b.rng.uniform(8e3, 6e4))


def scatter_gather(b: Builder, eco: Economy) -> None:
    rng, p = b.rng, b.p
    k = int(rng.integers(3, 9))
    accs = _accounts(b, eco, k + 2)
    s, d, mids = accs[0], accs[1], accs[2:]
    tau_h = 48
    op = b.operation("typology", "scatter_gather")
    pt = b.pattern(op, "scatter_gather", focus=s, k=k, tau_hours=tau_h, margin=list(p.margin))
    t1 = _start(b, 4) + rng.integers(0, 2 * DAY, k)
    a1 = np.round(rng.uniform(3_000, 9_000, k), 2)
    t2 = t1 + rng.integers(2 * HOUR, tau_h * HOUR, k)
    a2 = np.round(a1 * (1 - _margin(b, k)), 2)
    b.mark_tx(b.add_tx(s, mids, t1, base=a1), op, pt, "scatter")
    b.mark_tx(b.add_tx(mids, d, t2, base=a2), op, pt, "gather")
    b.mark_accounts(s, op, pt, "source")
    b.mark_accounts(d, op, pt, "destination")
    b.mark_accounts(mids, op, pt, "intermediary")


def gather_scatter(b: Builder, eco: Economy) -> None:
    rng, p = b.rng, b.p
    k_in, k_out = (int(x) for x in rng.integers(3, 9, 2))
    accs = _accounts(b, eco, k_in + k_out + 1)
    h, ins, outs = accs[0], accs[1 : 1 + k_in], accs[1 + k_in :]
    op = b.operation("typology", "gather_scatter")
    pt = b.pattern(op, "gather_scatter", focus=h, k_in=k_in, k_out=k_out,
                   window_days=p.window_days, margin=list(p.margin))  # fmt: skip
    half = (p.window_days // 2) * DAY
    t0 = _start(b, p.window_days)
    t_in = np.sort(t0 + rng.integers(0, half, k_in))
    a_in = np.round(rng.uniform(1_500, 6_000, k_in), 2)
    total = a_in.sum() * (1 - _margin(b))
    t_out = np.sort(rng.integers(t_in[-1] + HOUR, t0 + (p.window_days - 1) * DAY, k_out))
    a_out = np.round(total * rng.dirichlet(np.full(k_out, 3.0)), 2)
    b.mark_tx(b.add_tx(ins, h, t_in, base=a_in), op, pt, "gather")
    b.mark_tx(b.add_tx(h, outs, t_out, base=a_out), op, pt, "scatter")
    b.mark_accounts(h, op, pt, "hub")
    b.mark_accounts(ins, op, pt, "sender")
    b.mark_accounts(outs, op, pt, "receiver")


def _layer(b: Builder, left: np.ndarray, right: np.ndarray, t0: int, span: int) -> np.ndarray:
    src = np.repeat(left, len(right))
    dst = np.tile(right, len(left))
    ts = t0 + b.rng.integers(0, span, len(src))
    return b.add_tx(src, dst, ts, base=np.round(b.rng.uniform(2_000, 8_000, len(src)), 2))


def bipartite(b: Builder, eco: Economy) -> None:
    rng, p = b.rng, b.p
    na, nb = (int(x) for x in rng.integers(2, 6, 2))
    accs = _accounts(b, eco, na + nb)
    left, right = accs[:na], accs[na:]
    op = b.operation("typology", "bipartite")
    pt = b.pattern(op, "bipartite", n_left=na, n_right=nb, window_days=p.window_days)
    idx = _layer(b, left, right, _start(b, p.window_days), (p.window_days - 1) * DAY)
    b.mark_tx(idx, op, pt, "bipartite")
    b.mark_accounts(left, op, pt, "left")
    b.mark_accounts(right, op, pt, "right")


def stack(b: Builder, eco: Economy) -> None:
    rng, p = b.rng, b.p
    na, nb, nc = (int(x) for x in rng.integers(2, 5, 3))
    accs = _accounts(b, eco, na + nb + nc)
    a, m, c = accs[:na], accs[na : na + nb], accs[na + nb :]
    op = b.operation("typology", "stack")
    pt = b.pattern(op, "stack", n_a=na, n_b=nb, n_c=nc, window_days=p.window_days)
    half = (p.window_days // 2) * DAY
    t0 = _start(b, p.window_days)
    first = _layer(b, a, m, t0, half - HOUR)
    second = _layer(b, m, c, t0 + half, half - HOUR)
    b.mark_tx(first, op, pt, "layer1")
    b.mark_tx(second, op, pt, "layer2")
    for accs_, role in ((a, "layer_a"), (m, "layer_b"), (c, "layer_c")):
        b.mark_accounts(accs_, op, pt, role)


def chain_on(b: Builder, op: str, accs: np.ndarray, t0: int, amount: float) -> str:
    """A layering chain along ``accs``: time-respecting hops, each passing on less a margin."""
    hops = len(accs) - 1
    pt = b.pattern(op, "layering_chain", focus=accs[0], hops=hops, margin=list(b.p.margin))
    ts = t0 + np.cumsum(b.rng.integers(2 * HOUR, 36 * HOUR, hops))
    amt = amount * np.cumprod(np.r_[1.0, 1 - _margin(b, hops - 1)])
    idx = b.add_tx(accs[:-1], accs[1:], ts, base=np.round(amt, 2))
    b.mark_tx(idx, op, pt, "chain_hop")
    b.mark_accounts(accs, op, pt, "chain_member")
    return pt


def layering_chain(b: Builder, eco: Economy) -> None:
    hops = int(b.rng.integers(4, 9))
    op = b.operation("typology", "layering_chain")
    accs = _accounts(b, eco, hops + 1)
    chain_on(b, op, accs, _start(b, hops * 1.6), b.rng.uniform(5_000, 40_000))


def pass_through(b: Builder, eco: Economy) -> None:
    rng, p = b.rng, b.p
    n_in, n_out = int(rng.integers(2, 6)), int(rng.integers(1, 3))
    accs = _accounts(b, eco, 1 + n_in + n_out)
    mule, ins, outs = accs[0], accs[1 : 1 + n_in], accs[1 + n_in :]
    dwell_h = 48
    op = b.operation("typology", "pass_through")
    pt = b.pattern(op, "pass_through", focus=mule, dwell_hours=dwell_h, margin=list(p.margin))
    t_in = np.sort(_start(b, 4) + rng.integers(0, DAY, n_in))
    a_in = np.round(rng.uniform(1_000, 5_000, n_in), 2)
    t_out = np.sort(t_in[-1] + rng.integers(HOUR, dwell_h * HOUR, n_out))
    a_out = np.round(a_in.sum() * (1 - _margin(b)) * rng.dirichlet(np.full(n_out, 4.0)), 2)
    b.mark_tx(b.add_tx(ins, mule, t_in, base=a_in), op, pt, "inflow")
    b.mark_tx(b.add_tx(mule, outs, t_out, base=a_out), op, pt, "outflow")
    b.mark_accounts(mule, op, pt, "mule")


def structuring(
    b: Builder,
    account: int,
    country: str,
    op: str,
    same_day: bool | None = None,
    t0: int | None = None,
) -> np.ndarray:
    """Cash deposits into ``account``, each in ``[(1-ε)θ, θ)`` of the local currency.

    Either 3–8 deposits spread over a week, or (``same_day``) several branches on one day.
    Returns the transaction indices; registers the pattern under ``op``.
    """
    rng, p = b.rng, b.p
    theta, eps = p.cash_threshold, p.structuring_epsilon
    n = int(rng.integers(3, 9))
    same_day = bool(rng.random() < 0.4) if same_day is None else same_day
    currency = geo.COUNTRIES[country][1]
    pt = b.pattern(op, "structuring", focus=account, theta=theta, epsilon=eps, n=n,
                   currency=currency, same_day=same_day, window_days=7)  # fmt: skip
    t0 = _start(b, 8) if t0 is None else t0
    if same_day:
        ts = np.sort(t0 + rng.integers(0, 8 * HOUR, n))
    else:
        ts = np.sort(t0 + rng.integers(0, 7 * DAY - 12 * HOUR, n))
    cities = geo.cities(country)
    where = rng.permutation(max(n, len(cities)))[:n] % len(cities)
    amount = np.floor(rng.uniform((1 - eps) * theta, theta, n) / 10) * 10
    amount = np.clip(amount, np.ceil((1 - eps) * theta), theta - 10)
    locs = np.array([b.loc(cities[i], country) for i in where], dtype=np.int32)
    idx = b.add_tx(b.cash, account, ts, amount=amount, currency=currency, channel="cash", loc=locs)
    b.mark_tx(idx, op, pt, "structured_deposit")
    b.mark_accounts(account, op, pt, "depositor_account")
    return idx


def _structuring_instance(b: Builder, eco: Economy) -> None:
    i = int(b.rng.integers(len(eco.accounts)))
    op = b.operation("typology", "structuring")
    structuring(b, int(eco.accounts[i]), str(eco.country[i]), op)


PLANTERS: dict[str, Callable[[Builder, Economy], None]] = {
    "fan_in": lambda b, eco: fan(b, eco, "in"),
    "fan_out": lambda b, eco: fan(b, eco, "out"),
    "cycle": cycle,
    "scatter_gather": scatter_gather,
    "gather_scatter": gather_scatter,
    "bipartite": bipartite,
    "stack": stack,
    "layering_chain": layering_chain,
    "pass_through": pass_through,
    "structuring": _structuring_instance,
}


def plant(b: Builder, eco: Economy) -> None:
    """Plant ``n_per_typology`` instances of every generic typology."""
    for _ in range(b.p.n_per_typology):
        for planter in PLANTERS.values():
            planter(b, eco)
