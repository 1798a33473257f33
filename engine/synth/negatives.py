"""Hard negatives: innocent structures that look like the planted patterns.

Family remittance clusters (fan-in to one home town, but relatives sharing a surname and
paying monthly after payday), travel agencies paying airlines and booking for customers
(fan-out and third-party ticket payers), tour groups and sports teams travelling together
(co-travel, teams again and again), cross-border commuters (round trips across one border).
Payroll and landlords are labelled in :mod:`engine.synth.background`. Each instance is an
operation with category ``hard_negative`` in the truth, so false positives can be counted.
"""

from __future__ import annotations

import numpy as np

from engine.synth import geo
from engine.synth.background import Economy, monthly_days
from engine.synth.builder import DAY, HOUR, Builder
from engine.synth.population import add_orgs, add_people
from engine.synth.trips import group_journey

#: (crossing point, home country, work country) of commuter corridors.
COMMUTES = (("FRFRI", "FR", "LU"), ("CHBSL", "DE", "CH"), ("DEFFO", "PL", "DE"))
COMMUTE_RECORD_SHARE = 0.1  # share of working days a crossing is logged


def plant(b: Builder, eco: Economy) -> None:
    """Plant every kind of hard negative in the counts ``Params.n_*`` ask for."""
    family_remittances(b, b.p.n_family_clusters)
    for _ in range(b.p.n_travel_agencies):
        travel_agency(b, eco)
    for _ in range(b.p.n_tour_groups):
        travelling_group(b, eco, "tour_group")
    for _ in range(b.p.n_sports_teams):
        travelling_group(b, eco, "sports_team")
    commuters(b)


def family_remittances(b: Builder, n: int) -> None:
    """``n`` clusters of 3–8 relatives in a diaspora paying one person back home, monthly.

    People and accounts are made for all clusters at once (one call each), so thousands of
    clusters cost little; the loop per cluster only writes its transfers and truth.
    """
    rng, p = b.rng, b.p
    if n <= 0:
        return
    hosts = list(geo.DIASPORA)
    host = np.array([hosts[i] for i in rng.integers(0, len(hosts), n)], dtype=object)
    home = np.array([geo.DIASPORA[h][1][int(rng.integers(len(geo.DIASPORA[h][1])))] for h in host],
                    dtype=object)  # fmt: skip
    k = rng.integers(3, 9, n)
    recipients = add_people(b, n, home, age=(45, 80))
    r_acc = b.add_accounts(recipients, home, "personal")
    surname = b.party_column("last")[recipients]
    cluster = np.repeat(np.arange(n), k)
    same = surname[cluster].copy()
    same[rng.random(len(cluster)) >= 0.8] = None
    first_two = np.r_[0, np.cumsum(k)[:-1]]
    same[first_two] = surname  # at least two relatives share the recipient's surname
    same[first_two + 1] = surname
    senders = add_people(b, len(cluster), host[cluster], nationality=home[cluster], surname=same)
    s_acc = b.add_accounts(senders, host[cluster], "personal")
    months = max(1, p.days // 30)
    bounds = np.r_[0, np.cumsum(k)]
    for c in range(n):
        sel = slice(bounds[c], bounds[c + 1])
        kc = int(k[c])
        op = b.operation("hard_negative", "family_remittance", route=f"{host[c]}->{home[c]}",
                         senders=kc)  # fmt: skip
        day = np.repeat(np.arange(months) * 30, kc) + np.tile(rng.integers(0, 6, kc), months)
        tx = b.add_tx(np.tile(s_acc[sel], months), r_acc[c], b.day_times(np.minimum(day, p.days - 1), 18, 2),
                      base=np.round(np.tile(rng.uniform(100, 400, kc), months), -1),
                      channel="money_transfer", ref="FAMILY SUPPORT")  # fmt: skip
        b.mark_tx(tx, op, None, "remittance")
        b.mark_accounts(r_acc[c], op, None, "recipient")
        b.mark_accounts(s_acc[sel], op, None, "sender")
        b.mark_parties(np.r_[recipients[c], senders[sel]], op, "family")


def travel_agency(b: Builder, eco: Economy) -> None:
    rng, p = b.rng, b.p
    country = ("DE", "FR", "IT", "ES", "GB", "NL")[int(rng.integers(6))]
    op = b.operation("hard_negative", "travel_agency", route=country)
    agency = add_orgs(b, 1, country, "travel_agency")
    acc = int(b.add_accounts(agency, country, "business")[0])
    b.mark_accounts(acc, op, None, "travel_agency")
    b.mark_parties(agency, op, "travel_agency")
    customers = eco.people[eco.country == country]
    c_acc = eco.accounts[eco.country == country]
    n = min(len(customers), int(rng.integers(10, 40)))
    if n == 0:
        return
    pick = rng.choice(len(customers), n, replace=False)
    home = geo.airports(country)
    all_air = [
        c for c, pl in geo.places().items() if pl.kind == "airport" and pl.country != country
    ]
    for i in pick:  # one booking per customer, paid by the agency
        start = (
            b.t0
            + int(rng.integers(10, max(11, p.days - 20))) * DAY
            + int(rng.integers(6, 20)) * HOUR
        )
        o, d = home[int(rng.integers(len(home)))], all_air[int(rng.integers(len(all_air)))]
        trips, _ = group_journey(b, customers[i : i + 1], [(o, d, "air")], start, payer=acc)
        b.mark_trips(trips, op, None, "customer")
        booked = start - int(rng.integers(5, 40)) * DAY
        if booked >= b.t0:
            paid = b.add_tx(c_acc[i], acc, booked, channel="card",
                            base=round(float(rng.uniform(300, 1200)), 2))  # fmt: skip
            b.mark_tx(paid, op, None, "customer_payment")
    weeks = np.arange(7, p.days, 7)
    airlines = np.array(list(eco.airline_acc.values()))
    pay_to = airlines[rng.integers(0, len(airlines), len(weeks))]
    tx = b.add_tx(acc, pay_to, b.day_times(weeks, 10, 1), channel="wire",
                  base=np.round(rng.uniform(5_000, 30_000, len(weeks)), 2), ref="BSP SETTLEMENT")  # fmt: skip
    b.mark_tx(tx, op, None, "airline_settlement")


def travelling_group(b: Builder, eco: Economy, kind: str) -> None:
    """A tour group (one trip) or a sports team (several away trips), paid by an organisation."""
    rng, p = b.rng, b.p
    country = ("DE", "FR", "IT", "ES", "GB", "NL", "AT", "GR")[int(rng.integers(8))]
    op = b.operation("hard_negative", kind, route=country)
    org = add_orgs(b, 1, country, "travel_agency" if kind == "tour_group" else "club")
    acc = int(b.add_accounts(org, country, "business")[0])
    size = int(rng.integers(15, 41) if kind == "tour_group" else rng.integers(18, 26))
    members = add_people(b, size, country, age=(18, 70) if kind == "tour_group" else (18, 34))
    b.mark_parties(members, op, "member")
    b.mark_accounts(acc, op, None, "group_payer")
    n_trips = 1 if kind == "tour_group" else int(rng.integers(2, 5))
    home = geo.airports(country)
    away = [c for c, pl in geo.places().items()
            if pl.kind == "airport" and pl.country in geo.RESIDENCE_WEIGHTS and pl.country != country]  # fmt: skip
    days = np.sort(rng.choice(np.arange(5, max(6, p.days - 10)), n_trips, replace=False))
    for k, day in enumerate(days):
        o, d = home[int(rng.integers(len(home)))], away[int(rng.integers(len(away)))]
        stay = int(rng.integers(2, 8) if kind == "tour_group" else 2)
        start = b.t0 + int(day) * DAY + int(rng.integers(6, 14)) * HOUR
        out, _ = group_journey(b, members, [(o, d, "air")], start, payer=acc)
        back, _ = group_journey(b, members, [(d, o, "air")], start + stay * DAY, payer=acc)
        b.mark_trips(np.r_[out, back], op, None, "member", f"{op}-t{k + 1}")
        airline = eco.airline_acc.get(str(b.trips["carrier"][-1][0]), -1)
        if airline >= 0 and start - 10 * DAY >= b.t0:
            tx = b.add_tx(
                acc, airline, start - 10 * DAY, base=round(280.0 * size, 2), channel="wire"
            )
            b.mark_tx(tx, op, None, "group_ticket")


def commuters(b: Builder) -> None:
    """Seasonal and daily workers crossing one border to work, paid by an employer there."""
    rng, p = b.rng, b.p
    n_total = p.n_commuters
    if not n_total:
        return
    per = np.bincount(rng.integers(0, len(COMMUTES), n_total), minlength=len(COMMUTES))
    for (point, home, work), n in zip(COMMUTES, per, strict=True):
        if not n:
            continue
        op = b.operation("hard_negative", "commuters", route=f"{home}->{work}", crossing=point)
        people = add_people(b, int(n), home, age=(20, 62))
        accs = b.add_accounts(people, home, "personal")
        employer = add_orgs(b, 1, work, "employer")
        e_acc = int(b.add_accounts(employer, work, "business")[0])
        b.mark_parties(people, op, "commuter")
        b.mark_accounts(e_acc, op, None, "employer")
        b.mark_accounts(accs, op, None, "commuter")
        workdays = np.array([d for d in range(p.days) if (b.t0 // DAY + d + 3) % 7 < 5])
        logged = rng.random((int(n), len(workdays))) < COMMUTE_RECORD_SHARE
        who, day = np.nonzero(logged)
        morning = b.t0 + workdays[day] * DAY + int(6.5 * HOUR) + rng.integers(0, 2 * HOUR, len(day))
        evening = morning + int(9 * HOUR) + rng.integers(0, HOUR, len(day))
        persons = people[who]
        for t, o, d in ((morning, home, work), (evening, work, home)):
            trips = b.add_trips(persons, point, point, t, t + 10 * 60 * 1_000_000, mode="car",
                                carrier=None, route_number=None, booking_ref=None)  # fmt: skip
            b.mark_trips(trips, op, None, f"commute_{o}_{d}".lower())
        paydays = monthly_days(b, 27, 1)
        tx = b.add_tx(e_acc, np.tile(accs, len(paydays)), b.day_times(np.repeat(paydays, int(n)), 6, 1),
                      base=np.round(np.tile(rng.uniform(2_500, 4_500, int(n)), len(paydays)), 2),
                      ref="SALARY")  # fmt: skip
        b.mark_tx(tx, op, None, "salary")
