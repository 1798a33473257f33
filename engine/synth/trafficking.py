"""Planted human-trafficking operations (FinCEN FIN-2020-A008, FATF-APG 2018).

A controller in a destination country runs a front (salon, massage parlour) and exploits
victims brought from an origin country:

* victims live at one address and share the controller's phone (shared identifiers, flag 18),
  and the controller signs for their accounts (flag 17, second form),
* each victim passes weekly earnings to the controller's account (controller account, 17),
* the controller buys the victims' tickets and pays hotels across several cities in a short
  time (victim expenses, 19; third-party ticket payer),
* the front's takings rise over the period and it pays no wages (revenue without payroll, 20).
"""

from __future__ import annotations

import numpy as np

from engine.synth import geo
from engine.synth.background import Economy
from engine.synth.builder import DAY, HOUR, Builder
from engine.synth.population import add_orgs, add_people
from engine.synth.trips import group_journey

ORIGINS = ("NG", "RO", "VN", "TH", "BG", "HN")
DESTINATIONS = ("DE", "IT", "ES", "GB", "NL", "FR", "BE", "US")


def plant(b: Builder, eco: Economy) -> None:
    """Plant ``Params.n_trafficking`` operations."""
    for _ in range(b.p.n_trafficking):
        _operation(b, eco)


def _operation(b: Builder, eco: Economy) -> None:
    rng, p = b.rng, b.p
    origin = ORIGINS[int(rng.integers(len(ORIGINS)))]
    dest = DESTINATIONS[int(rng.integers(len(DESTINATIONS)))]
    op = b.operation("trafficking", "trafficking", route=f"{origin}->{dest}")
    controller = add_people(b, 1, dest, nationality=origin if rng.random() < 0.6 else dest)
    c_acc = int(b.add_accounts(controller, dest, "personal")[0])
    front = add_orgs(b, 1, dest, "salon")
    front_acc = int(b.add_accounts(front, dest, "business")[0])
    b.add_holding(controller, front_acc, "signatory")
    phone = b.party_column("phone")[controller[0]]
    city = b.party_column("city")[controller[0]]
    n = int(rng.integers(p.victims_per_trafficking[0], p.victims_per_trafficking[1] + 1))
    flat = f"{b.party_column('address')[controller[0]].split(' ')[0]} Residence {int(rng.integers(2, 60))}"
    victims = add_people(b, n, dest, nationality=origin, city=city, age=(17, 30), address=flat,
                         phone=phone)  # fmt: skip
    opened = b.t0 // DAY + rng.integers(-60, 10, n)
    v_acc = b.add_accounts(victims, dest, "personal", opened)
    b.add_holding(np.full(n, controller[0]), v_acc, "signatory")
    b.mark_parties(controller, op, "controller")
    b.mark_parties(front, op, "front_business")
    b.mark_parties(victims, op, "victim")
    b.mark_accounts(c_acc, op, None, "controller")
    b.mark_accounts(front_acc, op, None, "front_business")
    b.mark_accounts(v_acc, op, None, "victim")
    b.pattern(op, "shared_identifiers", focus=c_acc, phone=phone, address=flat, n_parties=n + 1)
    # arrival: the controller buys the group's tickets
    start_day = int(rng.integers(3, max(4, p.days // 4)))
    legs = [(_airport(origin, rng), _airport(dest, rng), "air")]
    t_arrive = b.t0 + start_day * DAY + int(rng.integers(6, 18)) * HOUR
    trips, arrivals = group_journey(b, victims, legs, t_arrive, payer=c_acc)
    pt_exp = b.pattern(op, "victim_expenses", focus=c_acc, n_victims=n)
    b.mark_trips(trips, op, pt_exp, "victim", f"{op}-arrival")
    pt_pay = b.pattern(op, "third_party_ticket_payer", focus=c_acc)
    b.mark_trips(trips, op, pt_pay, "paid_ticket")
    airline = eco.airline_acc.get(_carrier(legs[0][0], legs[0][1]) or "", -1)
    if airline >= 0 and t_arrive - 3 * DAY >= b.t0:
        tx = b.add_tx(c_acc, airline, t_arrive - 3 * DAY, base=round(350.0 * n, 2), channel="card")
        b.mark_tx(tx, op, pt_exp, "ticket")
    # a circuit of cities in a short time: hotels paid by the controller
    t = arrivals[-1] + 2 * DAY
    hotels = eco.hotels[rng.choice(len(eco.hotels), min(len(eco.hotels), 4), replace=False)]
    for h in hotels:
        nights = int(rng.integers(2, 5))
        tx = b.add_tx(c_acc, int(h), t + int(rng.integers(0, DAY)), channel="card",
                      base=round(float(rng.uniform(60, 110)) * nights * max(1, n // 2), 2), ref="HOTEL")  # fmt: skip
        b.mark_tx(tx, op, pt_exp, "hotel")
        t += nights * DAY
    pharmacy = eco.merchants.get(dest)
    if pharmacy is not None and len(pharmacy):
        k = int(rng.integers(2, 5))
        tx = b.add_tx(c_acc, pharmacy[rng.integers(0, len(pharmacy), k)],
                      arrivals[-1] + rng.integers(DAY, 20 * DAY, k), channel="card",
                      base=np.round(rng.uniform(20, 150, k), 2), ref="PHARMACY")  # fmt: skip
        b.mark_tx(tx, op, pt_exp, "medical")
    # weekly earnings: cash into the victims' accounts, passed on to the controller
    first_week = (arrivals[-1] - b.t0) // DAY + 7
    weeks = np.arange(first_week, p.days - 1, 7)
    if len(weeks):
        pt = b.pattern(op, "controller_account", focus=c_acc, k=n, period_days=7)
        day = np.repeat(weeks, n)
        who = np.tile(v_acc, len(weeks))
        earn = np.round(rng.uniform(250, 700, len(day)), -1)
        t_cash = b.day_times(day, 11, 1.5)
        locs = np.array([b.loc(c, dest) for c in geo.cities(dest)], np.int32)
        dep = b.add_tx(b.cash, who, t_cash, base=earn, channel="cash",
                       loc=locs[rng.integers(0, len(locs), len(day))])  # fmt: skip
        fwd = b.add_tx(who, c_acc, t_cash + rng.integers(HOUR, 20 * HOUR, len(day)),
                       base=np.round(earn * rng.uniform(0.7, 0.9, len(day)), 2), channel="mobile")  # fmt: skip
        b.mark_tx(dep, op, pt, "victim_earnings")
        b.mark_tx(fwd, op, pt, "to_controller")
    # the front: rising takings, no payroll; the controller skims it
    pt = b.pattern(op, "revenue_without_payroll", focus=front_acc)
    days = np.arange(0, p.days, 2)
    growth = 1.0 + 2.0 * days / p.days
    takings = b.add_tx(b.cash, front_acc, b.day_times(days, 19, 1),
                       base=np.round(rng.uniform(300, 900, len(days)) * growth, -1), channel="cash",
                       loc=b.loc(city, dest))  # fmt: skip
    b.mark_tx(takings, op, pt, "takings")
    skim_days = days[::7]
    skim = b.add_tx(front_acc, c_acc, b.day_times(skim_days + 1, 10, 1),
                    base=np.round(rng.uniform(1_500, 3_000, len(skim_days)), -1))  # fmt: skip
    b.mark_tx(skim, op, pt, "skim")


def _airport(country: str, rng: np.random.Generator) -> str:
    ports = geo.airports(country)
    return ports[int(rng.integers(len(ports)))]


def _carrier(origin: str, destination: str) -> str | None:
    from engine.synth.trips import carrier_for

    return carrier_for(origin, destination, "air")
