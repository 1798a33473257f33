"""Travel legs: ordinary trips, group journeys and the ticket payments behind them.

A leg's duration follows the great-circle distance between its places and the mode's speed;
flight numbers are stable per carrier and city pair, so people on the same flight share a
``route_number`` and a departure time, which is what co-travel detection keys on.
"""

from __future__ import annotations

import zlib

import numpy as np

from engine.synth import geo
from engine.synth.background import AIRLINES, Economy
from engine.synth.builder import DAY, HOUR, Builder

SPEED_KMH = {"air": 750.0, "bus": 55.0, "rail": 90.0, "car": 65.0, "boat": 15.0, "foot": 4.0}
OVERHEAD_H = {"air": 0.8, "bus": 0.5, "rail": 0.3, "car": 0.2, "boat": 0.5, "foot": 0.5}
BUS_LINES = ("FlixBus", "Metro Turizm", "Eurolines", "Nile Express", "Sahel Transport")
_ALPHANUM = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"), dtype=object)


def _coords(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pl = geo.places()
    lat = np.array([pl[c].lat for c in codes])
    lon = np.array([pl[c].lon for c in codes])
    return np.radians(lat), np.radians(lon)


def duration_us(origin: np.ndarray, destination: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Travel time per leg, from the haversine distance and the mode's speed."""
    la1, lo1 = _coords(origin)
    la2, lo2 = _coords(destination)
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    speed = np.array([SPEED_KMH[m] for m in mode])
    over = np.array([OVERHEAD_H[m] for m in mode])
    km = np.maximum(km, 3.0)  # a border crossing on foot still takes a while
    return ((km / speed + over) * HOUR).astype(np.int64)


def carrier_for(origin: str, destination: str, mode: str) -> str | None:
    if mode == "air":
        oc, dc = geo.places()[origin].country, geo.places()[destination].country
        return AIRLINES.get(oc) or AIRLINES.get(dc) or "TK"
    if mode in ("bus", "rail"):
        return BUS_LINES[zlib.crc32(f"{origin}{destination}".encode()) % len(BUS_LINES)]
    return None


def route_number(carrier: str | None, origin: str, destination: str) -> str | None:
    if carrier is None:
        return None
    n = 100 + zlib.crc32(f"{carrier}{origin}{destination}".encode()) % 8900
    return f"{carrier}{n}" if len(carrier) == 2 else f"{carrier[:3].upper()}{n}"


def booking_refs(rng: np.random.Generator, n: int) -> np.ndarray:
    idx = rng.integers(0, len(_ALPHANUM), (n, 6))
    return np.array(["".join(r) for r in _ALPHANUM[idx]], dtype=object)


def group_journey(
    b: Builder,
    persons: np.ndarray,
    legs: list[tuple[str, str, str]],
    start: int,
    payer: int = -1,
    documents: np.ndarray | None = None,
    pause_h: tuple[float, float] = (2.0, 30.0),
) -> tuple[np.ndarray, list[int]]:
    """A group travelling ``legs`` (origin, destination, mode) together from ``start``.

    Everyone shares each leg's departure and vehicle; one booking reference per leg and group.
    Returns the trip indices and the arrival time of every leg.
    """
    rng = b.rng
    t = int(start)
    out = []
    arrivals = []
    for origin, destination, mode in legs:
        dur = int(duration_us(np.array([origin]), np.array([destination]), np.array([mode]))[0])
        carrier = carrier_for(origin, destination, mode)
        ref = booking_refs(rng, 1)[0] if mode in ("air", "bus", "rail") else None
        idx = b.add_trips(
            persons,
            origin,
            destination,
            t,
            t + dur,
            mode=mode,
            carrier=carrier,
            route_number=route_number(carrier, origin, destination),
            booking_ref=ref,
            payer=payer if mode in ("air", "bus", "rail") else -1,
            document=documents,
        )
        out.append(idx)
        arrivals.append(t + dur)
        t = t + dur + int(rng.uniform(*pause_h) * HOUR)
    return np.concatenate(out), arrivals


def ordinary_trips(b: Builder, eco: Economy) -> None:
    """Round trips of ordinary travellers (tourism, business, visits home), tickets paid by card."""
    p, rng = b.p, b.rng
    n = len(eco.people)
    who = np.flatnonzero(rng.random(n) < p.traveller_share)
    if not len(who):
        return
    all_air = np.array([c for c, pl in geo.places().items() if pl.kind == "airport"], dtype=object)
    home = np.empty(len(who), dtype=object)
    dest = np.empty(len(who), dtype=object)
    for cc in np.unique(eco.country[who]):
        sel = np.flatnonzero(eco.country[who] == cc)
        ports = np.asarray(geo.airports(cc), dtype=object)
        home[sel] = ports[rng.integers(0, len(ports), len(sel))]
    for i, person in enumerate(who):  # one lookup per traveller; cheap next to the legs
        nat = eco.nationality[person]
        if nat != eco.country[person] and rng.random() < 0.6 and geo.airports(nat):
            choices = geo.airports(nat)
            dest[i] = choices[int(rng.integers(len(choices)))]
        else:
            dest[i] = all_air[int(rng.integers(len(all_air)))]
    same = np.array(
        [
            geo.places()[h].country == geo.places()[d].country
            for h, d in zip(home, dest, strict=True)
        ]
    )
    who, home, dest = who[~same], home[~same], dest[~same]
    m = len(who)
    dep_day = rng.integers(0, max(1, p.days - 17), m)  # back home inside the period
    dep = b.day_times(dep_day, 12, 4)
    mode = np.full(m, "air", dtype=object)
    out_dur = duration_us(home, dest, mode)
    back = dep + out_dur + rng.integers(2, 15, m) * DAY
    carriers = np.array(
        [carrier_for(h, d, "air") for h, d in zip(home, dest, strict=True)], dtype=object
    )
    numbers_out = np.array(
        [route_number(c, h, d) for c, h, d in zip(carriers, home, dest, strict=True)], dtype=object
    )
    numbers_back = np.array(
        [route_number(c, d, h) for c, h, d in zip(carriers, home, dest, strict=True)], dtype=object
    )
    refs = booking_refs(rng, m)
    pays = rng.random(m) < 0.75
    payer = np.where(pays, eco.accounts[who], -1)
    persons = eco.people[who]
    b.add_trips(persons, home, dest, dep, dep + out_dur, mode=mode, carrier=carriers,
                route_number=numbers_out, booking_ref=refs, payer=payer)  # fmt: skip
    b.add_trips(persons, dest, home, back, back + out_dur, mode=mode, carrier=carriers,
                route_number=numbers_back, booking_ref=refs, payer=payer)  # fmt: skip
    # the ticket purchase, days or weeks before departure, when inside the period
    buy = dep - rng.integers(3, 60, m) * DAY - rng.integers(0, 10 * HOUR, m)
    ok = pays & (buy >= b.t0)
    airline = np.array([eco.airline_acc[c] for c in carriers[ok]], dtype=np.int64)
    b.add_tx(
        eco.accounts[who[ok]],
        airline,
        buy[ok],
        base=np.round(rng.lognormal(np.log(320), 0.5, int(ok.sum())), 2),
        channel="card",
        ref=refs[ok],
    )
