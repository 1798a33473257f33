"""Planted migrant-smuggling operations: people, journeys and the money that follows the route.

Each operation runs along one corridor of :data:`engine.synth.geo.ROUTES` with the roles
FATF (2022) and FinCEN FIN-2023-Alert001 describe: an organiser with a front business,
recruiters in origin countries, collectors in transit hubs, a funnel account, transport
coordinators, drivers, a forger, safe-house keepers, money mules and a hawala-style broker;
migrants travel in groups, their relatives pay. The money follows the route:

* a recruitment deposit to a recruiter before departure,
* stage payments to the collector of each hub as the group reaches it (red flag 22),
* the balance held by the broker, released after the final crossing (23, 21),
* collections layered through mule chains to the organiser's front (8), cycles between
  fronts (3), a funnel account fed by structured cash deposits far from its holder's home and
  emptied in a transit country (11, 13, 14, 15),
* the organiser paying drivers, coordinators, safe-house keepers and the forger per group.

Facilitators travel the route again with each group, tickets are bought by the coordinator or
the front (third-party payer), and some migrants travel on a reused document.
:mod:`engine.synth.smuggling_money` holds the money flows; this module the people and trips.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.synth import geo
from engine.synth.background import Economy
from engine.synth.builder import DAY, HOUR, Builder
from engine.synth.population import add_orgs, add_people
from engine.synth.trips import booking_refs, carrier_for, duration_us, route_number


@dataclass
class Member:
    """One facilitator: party index, primary account, country."""

    party: int
    account: int
    country: str


@dataclass
class Operation:
    op: str
    route: geo.Route
    organiser: Member
    front: int  # front business account
    recruiters: dict[str, Member]  # origin country -> recruiter
    collectors: list[Member]  # one per hub, in route order
    coordinators: list[Member]
    drivers: list[Member]
    forger: Member
    keepers: list[Member]
    mules: list[Member]
    broker: Member
    broker_biz: int  # the broker's money-transfer business account
    trading: int  # trading company abroad the broker settles with
    transport_co: int  # the coordinator's transport company account
    funnel: Member
    reused_docs: list[str] = field(default_factory=list)


def _members(
    b: Builder, op: str, role: str, countries: list[str], nationality: str
) -> list[Member]:
    n = len(countries)
    parties = add_people(b, n, np.array(countries, dtype=object), nationality=nationality)
    opened = b.rng.integers(-2000, 20, n) + b.t0 // DAY
    accs = b.add_accounts(parties, np.array(countries, dtype=object), "personal", opened)
    b.mark_parties(parties, op, role)
    b.mark_accounts(accs, op, None, role)
    return [Member(int(p), int(a), c) for p, a, c in zip(parties, accs, countries, strict=True)]


def _org(b: Builder, op: str, country: str, sector: str, owner: int, role: str) -> int:
    org = add_orgs(b, 1, country, sector)
    acc = int(b.add_accounts(org, country, "business")[0])
    b.add_holding(owner, acc, "signatory")
    b.mark_parties(org, op, role)
    b.mark_accounts(acc, op, None, role)
    return acc


def _country(code: str) -> str:
    return geo.places()[code].country


def recruit(b: Builder, route: geo.Route, op: str) -> Operation:
    """Create the facilitators of one operation along ``route``."""
    rng = b.rng
    nat = route.origins[int(rng.integers(len(route.origins)))]
    hubs = [_country(h) for h in route.hubs]
    mid = hubs[len(hubs) // 2]
    dest = route.diaspora[int(rng.integers(len(route.diaspora)))]
    organiser = _members(b, op, "organiser", [mid], nat)[0]
    sector = ("travel_agency", "retail", "transport")[int(rng.integers(3))]
    front = _org(b, op, mid, sector, organiser.party, "front_business")
    recruiters = {
        c: m
        for c, m in zip(
            route.origins, _members(b, op, "recruiter", list(route.origins), nat), strict=True
        )
    }
    collectors = _members(b, op, "collector", hubs, nat)
    coordinators = _members(b, op, "transport_coordinator", [hubs[0], hubs[-1]], nat)
    drivers = _members(b, op, "driver", [hubs[i % len(hubs)] for i in range(3)], nat)
    forger = _members(b, op, "forger", [mid], nat)[0]
    keepers = _members(b, op, "safe_house_keeper", hubs[:2], nat)
    n_mules = int(rng.integers(3, 7))
    mules = _members(b, op, "mule", [dest] * n_mules, nat)
    broker_c = _country(route.broker_city)
    broker = _members(b, op, "hawala_broker", [broker_c], nat)[0]
    broker_biz = _org(b, op, broker_c, "money_transfer", broker.party, "hawala_business")
    trading = _org(b, op, "AE", "trading", broker.party, "trading_company")
    transport_co = _org(b, op, hubs[0], "transport", coordinators[0].party, "transport_company")
    # the funnel sits in the diaspora country with the most cities to deposit in
    funnel_c = max(route.diaspora, key=lambda c: (len(geo.cities(c)), c == dest))
    funnel = _members(b, op, "funnel_holder", [funnel_c], nat)[0]
    b.mark_accounts(funnel.account, op, None, "funnel_account")
    # the forger's stock: documents of real people, reused under other names
    docs = b.party_column("doc_no")
    candidates = np.flatnonzero(docs != None)  # noqa: E711 - elementwise on objects
    reused = [str(docs[d]) for d in rng.choice(candidates, 2, replace=False)]
    return Operation(op, route, organiser, front, recruiters, collectors, coordinators, drivers,
                     forger, keepers, mules, broker, broker_biz, trading, transport_co, funnel,
                     reused)  # fmt: skip


@dataclass
class Group:
    """One group of migrants on one journey, with their paying relatives."""

    group_id: str
    migrants: np.ndarray  # party indices
    relatives: np.ndarray  # party indices, aligned
    relative_acc: np.ndarray  # account indices, aligned
    relative_country: np.ndarray
    hub_arrival: dict[str, int]  # hub place -> arrival time of the group
    departure: int
    final_crossing: int  # arrival at the destination side
    trips: list[np.ndarray]
    fees: np.ndarray  # fee per migrant, EUR
    ticketed: list[tuple[np.ndarray, int]] = field(default_factory=list)  # (trips, payer)
    reused: list[np.ndarray] = field(default_factory=list)  # trips on a reused document
    escorts: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (party, trips)
    last_leg: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def form_group(b: Builder, o: Operation, number: int) -> Group:
    """Migrants of one nationality and their relatives (at home or in the diaspora)."""
    rng, p, route = b.rng, b.p, o.route
    n = int(rng.integers(p.migrants_per_group[0], p.migrants_per_group[1] + 1))
    nat = route.origins[int(rng.integers(len(route.origins)))]
    migrants = add_people(b, n, nat, age=(16, 45))
    surnames = b.party_column("last")[migrants]
    abroad = rng.random(n) < 0.4
    rel_country = np.where(
        abroad,
        np.asarray(route.diaspora, dtype=object)[rng.integers(0, len(route.diaspora), n)],
        nat,
    )
    relatives = add_people(b, n, rel_country, nationality=nat, surname=surnames, age=(30, 70))
    rel_acc = b.add_accounts(relatives, rel_country, "personal")
    b.mark_parties(migrants, o.op, "migrant")
    b.mark_parties(relatives, o.op, "paying_relative")
    b.mark_accounts(rel_acc, o.op, None, "paying_relative")
    fees = np.round(rng.uniform(*route.fee_eur) * rng.uniform(0.9, 1.1, n), -1)
    return Group(f"{o.op}-g{number}", migrants, relatives, rel_acc, rel_country, {}, 0, 0, [], fees)


def journey(b: Builder, o: Operation, g: Group, start: int, number: int) -> None:
    """The group travels the route; facilitators ride along; tickets bought by third parties."""
    rng, route = b.rng, o.route
    nat = b.party_column("nationality")[g.migrants[0]]
    first = route.start.get(nat, next(iter(route.start.values())))
    stops = [(first, "air"), *route.waypoints]
    legs = [(stops[i][0], stops[i + 1][0], stops[i + 1][1]) for i in range(len(stops) - 1)]
    legs = [leg for leg in legs if leg[0] != leg[1]]
    docs = np.empty(len(g.migrants), dtype=object)
    if o.reused_docs:
        k = round(b.p.document_reuse_share * len(g.migrants))
        reuse = np.zeros(len(g.migrants), dtype=bool)
        reuse[rng.choice(len(g.migrants), k, replace=False)] = True
        docs[reuse] = np.asarray(o.reused_docs, dtype=object)[
            rng.integers(0, len(o.reused_docs), int(reuse.sum()))
        ]
    # one driver and one coordinator ride with most groups: facilitators travel again and again
    driver = o.drivers[0 if number % 3 != 2 else 1]
    coordinator = o.coordinators[0]
    payer = o.front if number % 2 else o.coordinators[number % 4 // 2].account
    t = start
    g.departure = start
    for origin, dest, mode in legs:
        dur = int(duration_us(np.array([origin]), np.array([dest]), np.array([mode]))[0])
        carrier = carrier_for(origin, dest, mode)
        ticketed = mode in ("air", "bus", "rail")
        ref = booking_refs(rng, 1)[0] if ticketed else None
        common = dict(mode=mode, carrier=carrier, route_number=route_number(carrier, origin, dest))
        idx = b.add_trips(g.migrants, origin, dest, t, t + dur, booking_ref=ref,
                          payer=payer if ticketed else -1,
                          document=docs if mode != "bus" else None, **common)  # fmt: skip
        b.mark_trips(idx, o.op, None, "migrant", g.group_id)
        g.trips.append(idx)
        g.last_leg = idx
        if ticketed:
            g.ticketed.append((idx, payer))
        if mode != "bus":  # bus manifests often carry no document number
            g.reused.append(idx[docs != None])  # noqa: E711 - elementwise on objects
        escort = driver if mode in ("car", "boat", "foot") else coordinator
        if mode != "air" or number % 2 == 0:
            e_idx = b.add_trips(escort.party, origin, dest, t, t + dur, booking_ref=ref,
                                payer=payer if ticketed else -1, **common)  # fmt: skip
            b.mark_trips(
                e_idx,
                o.op,
                None,
                "driver" if escort is driver else "transport_coordinator",
                g.group_id,
            )
            g.trips.append(e_idx)
            g.escorts.append((escort.party, e_idx))
        if mode == "air" and t - 5 * DAY >= b.t0:
            airline = _airline_account(b, carrier)
            if airline >= 0:
                tx = b.add_tx(payer, airline, t - int(rng.integers(2, 6)) * DAY, channel="card",
                              base=round(float(rng.uniform(180, 450)) * len(g.migrants), 2), ref=ref)  # fmt: skip
                b.mark_tx(tx, o.op, None, "group_ticket")
        t += dur
        g.final_crossing = t
        if dest in route.hubs:
            g.hub_arrival[dest] = t
            t += int(rng.uniform(2, 7) * DAY)  # safe house
        else:
            t += int(rng.uniform(2, 20) * HOUR)


def _airline_account(b: Builder, carrier: str | None) -> int:
    if b.airlines is None or carrier is None:
        return -1
    return int(b.airlines.get(carrier, -1))


def journey_days(route: geo.Route) -> float:
    """A generous estimate of a journey's length, to fit it in the period."""
    return 7.0 * len(route.hubs) + 1.0 * len(route.waypoints) + 3 + 12  # + money afterwards


def plant(b: Builder, eco: Economy) -> None:
    """Plant ``Params.n_smuggling`` operations along the routes."""
    from engine.synth import smuggling_money

    rng, p = b.rng, b.p
    order = rng.permutation(len(geo.ROUTES))
    for i in range(p.n_smuggling):
        route = geo.ROUTES[order[i % len(order)]]
        op = b.operation("smuggling", "smuggling", route=route.name)
        o = recruit(b, route, op)
        n_groups = int(rng.integers(p.groups_per_operation[0], p.groups_per_operation[1] + 1))
        span = journey_days(route)
        latest = max(1.0, p.days - span - 2)
        starts = np.sort(rng.uniform(min(15.0, latest / 2), latest, n_groups))
        groups = []
        for k, s in enumerate(starts):
            g = form_group(b, o, k + 1)
            journey(b, o, g, b.t0 + int(s * DAY) + int(rng.integers(6, 20)) * HOUR, k)
            groups.append(g)
        smuggling_money.route_money(b, o, groups)
        smuggling_money.travel_patterns(b, o, groups)
