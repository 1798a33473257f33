"""Travel links (shared/domain.md, "Travel links"): co-travel groups and facilitators, third-
party ticket payers, payment-trip alignment, courier round trips, group crossings with fan-in.

Travellers are people, not records: each travel record is resolved to a party where possible
(:mod:`engine.detect.people`), else to a key of its folded name and birth date.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from algorithms.patterns import neighbour_pairs
from engine.detect.frame import Frame, fold
from engine.detect.hits import SOURCES, Hits, from_groups
from engine.detect.people import person_of_record, record_accounts

TRAVEL = SOURCES["travel"]
HOUR_US = 3_600_000_000


def _ts(frame: Frame, name: str) -> np.ndarray:
    col = frame.travel.column(name).cast(pa.int64()).fill_null(-1)
    return col.to_numpy(zero_copy_only=False).astype(np.int64)


def leg_keys(frame: Frame) -> np.ndarray:
    """A code per travel record naming its leg: the same flight, bus or vessel (route number,
    origin and departure day), or the same crossing point within ``crossing_window_hours``."""
    cfg = frame.config
    t = frame.travel
    dep = _ts(frame, "departure")
    route = t.column("route_number").to_pylist()
    origin = t.column("origin").to_pylist()
    dest = t.column("destination").to_pylist()
    window = cfg.crossing_window_hours * HOUR_US
    keys = [
        f"{r}|{o}|{d // (24 * HOUR_US)}" if r else f"{o}|{x}|{d // window}"
        for r, o, x, d in zip(route, origin, dest, dep, strict=True)
    ]
    return pd.factorize(pd.Series(keys))[0].astype(np.int64)


def co_travel_pairs(frame: Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Person pairs ``(a, b, shared_legs)`` sharing ≥ ``co_travel_min_legs`` legs (cached).
    Legs with more than ``co_travel_max_group`` travellers (a full airliner) are skipped."""
    if "co_travel" in frame.cache:
        return frame.cache["co_travel"]  # type: ignore[return-value]
    cfg = frame.config
    person = person_of_record(frame)
    legs = leg_keys(frame)
    width = int(person.max(initial=0)) + 1
    pairs = np.unique(legs * width + person)
    leg, who = pairs // width, pairs % width
    indptr = np.zeros(int(leg.max(initial=-1)) + 2, np.int64)
    np.cumsum(np.bincount(leg, minlength=len(indptr) - 1), out=indptr[1:])
    u, v, _ = neighbour_pairs(indptr, who, cfg.co_travel_max_group)
    key, shared = np.unique(u * width + v, return_counts=True)
    ok = shared >= cfg.co_travel_min_legs
    result = (key[ok] // width, key[ok] % width, shared[ok])
    frame.cache["co_travel"] = result
    return result


def co_travel(frame: Frame) -> list[Hits]:
    """Co-travel groups (connected co-travellers) that travel one way, and facilitators who
    travel the same route again and again with different companions.

    Groups whose members mostly come back to where they started (tourists, teams) are left
    out: smuggled people do not return. Returns ``[group_hits, facilitator_hits]``.
    """
    cfg = frame.config
    a, b, shared = co_travel_pairs(frame)
    person = person_of_record(frame)
    n = int(max(person.max(initial=0), a.max(initial=0), b.max(initial=0))) + 1
    origin = np.array(frame.travel.column("origin").to_pylist(), object)
    dest = np.array(frame.travel.column("destination").to_pylist(), object)
    dep = _ts(frame, "departure")
    rec = pd.DataFrame({"p": person, "o": origin, "d": dest, "t": dep, "r": np.arange(len(person))})
    # facilitators: many trips on one route, companions who change from trip to trip
    partners = pd.DataFrame({"p": np.r_[a, b], "q": np.r_[b, a], "s": np.r_[shared, shared]})
    brief = partners[partners["s"] <= 3].groupby("p")["q"].nunique()
    route_trips = rec.groupby(["p", "o", "d"]).size().groupby("p").max()
    fac = [
        int(p)
        for p in brief.index
        if brief[p] >= 4 and route_trips.get(p, 0) >= cfg.facilitator_min_trips
    ]
    fac_set = set(fac)
    # groups from the co-travel graph without facilitators (they would chain groups together)
    keep = np.array(
        [x not in fac_set and y not in fac_set for x, y in zip(a, b, strict=True)], bool
    )
    g = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
    _, label = connected_components(g, directed=False)
    members = np.unique(np.r_[a[keep], b[keep]])
    first_origin = rec.sort_values("t").groupby("p")["o"].first()
    returned = rec.assign(first=rec["p"].map(first_origin)).query("d == first")["p"].unique()
    returned = set(int(x) for x in returned)
    strength, recs, people = [], [], []
    for comp in np.unique(label[members]):
        grp = members[label[members] == comp]
        if len(grp) < 2 or len(grp) > 3 * cfg.co_travel_max_group:
            continue
        back = sum(1 for p in grp if int(p) in returned) / len(grp)
        if back >= 0.5:
            continue
        recs.append(rec["r"][rec["p"].isin(grp)].to_numpy())
        people.append(grp)
        strength.append(len(grp) / 3)
    groups = _with_parties(frame, "co_travel_group", strength, people, recs,
                           cfg.subset("co_travel", "crossing"))  # fmt: skip
    f_recs = [rec["r"][rec["p"] == p].to_numpy() for p in fac]
    facil = _with_parties(frame, "facilitator", [brief[p] / 4 for p in fac], [[p] for p in fac],
                          f_recs, cfg.subset("facilitator", "co_travel"))  # fmt: skip
    return [groups, facil]


def _with_parties(frame: Frame, name: str, strength: list, people: list, recs: list,
                  params: dict[str, object]) -> Hits:  # fmt: skip
    """Hits over people: parties where resolved, plus their accounts and payer accounts."""
    n_p = frame.parties.num_rows
    rr, rn = record_accounts(frame)
    nodes = []
    for r in recs:
        nodes.append(np.unique(rn[np.isin(rr, r)]))
    parties = [[int(p) for p in grp if p < n_p] for grp in people]
    return from_groups(name, TRAVEL, params, strength, [-1] * len(strength), nodes=nodes,
                       recs=recs, parties=parties).top(frame.config.max_instances)  # fmt: skip


def third_party_payer(frame: Frame) -> Hits:
    """An account paying the tickets of ≥ k travellers who are not its holders, at least half of
    the legs touching one place (a journey's legs share their waypoints; a travel agency sells
    many routes and is not flagged)."""
    cfg = frame.config
    payer = frame.graph.index_of(frame.travel.column("payer_account").combine_chunks())
    person = person_of_record(frame)
    party, node, _ = frame.holding_pairs
    holders = set(zip(node.tolist(), party.tolist(), strict=True))
    origin = np.array(frame.travel.column("origin").to_pylist(), object)
    dest = np.array(frame.travel.column("destination").to_pylist(), object)
    idx = np.flatnonzero(payer >= 0)
    idx = idx[[(int(payer[i]), int(person[i])) not in holders for i in idx]]
    df = pd.DataFrame(
        {"a": payer[idx], "p": person[idx], "o": origin[idx], "d": dest[idx], "r": idx}
    )
    strength, anchors, recs, people = [], [], [], []
    for acc, grp in df.groupby("a"):
        n_people = grp["p"].nunique()
        if n_people < cfg.payer_min_travellers:
            continue
        places = pd.concat([grp["o"], grp["d"]])
        hub = places.value_counts().index[0]
        top = float(((grp["o"] == hub) | (grp["d"] == hub)).mean())
        if top < 0.5:
            continue
        strength.append(n_people / cfg.payer_min_travellers * top)
        anchors.append(int(acc))
        recs.append(grp["r"].to_numpy())
        people.append(grp["p"].unique())
    hits = _with_parties(frame, "third_party_payer", strength, people, recs, cfg.subset("payer_"))
    hits.anchor = np.asarray(anchors, np.int64)
    return hits


@lru_cache(maxsize=1)
def _place_cities() -> dict[str, str]:
    """Place code → folded city name, from the gazetteer shipped with the generator."""
    path = Path(__file__).resolve().parent.parent / "synth" / "places.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return {row["code"]: fold(row["city"]) for row in csv.DictReader(fh)}


def _location_city(frame: Frame) -> np.ndarray:
    """Per location code, a code of its folded city (shared with travel places)."""
    cities = _place_cities()
    words = {}
    out = np.full(len(frame.locations) + 1, -1, np.int64)
    for loc, code in frame.locations.items():
        c = cities.get(loc, fold(loc))
        out[code] = words.setdefault(c, len(words))
    frame.cache["city_words"] = words
    return out


def payment_trip_alignment(frame: Frame) -> Hits:
    """Cash deposited by the traveller's side in the departure city on the departure day, or
    withdrawn in the arrival city within a day of arrival."""
    cfg = frame.config
    loc_city = _location_city(frame)
    words: dict[str, int] = frame.cache["city_words"]  # type: ignore[assignment]
    cities = _place_cities()
    origin = frame.travel.column("origin").to_pylist()
    dest = frame.travel.column("destination").to_pylist()
    o_city = np.array([words.get(cities.get(x or "", fold(x)), -2) for x in origin], np.int64)
    d_city = np.array([words.get(cities.get(x or "", fold(x)), -2) for x in dest], np.int64)
    dep_day = _ts(frame, "departure") // (24 * HOUR_US)
    arr = _ts(frame, "arrival")
    arr_day = np.where(arr >= 0, arr, _ts(frame, "departure")) // (24 * HOUR_US)
    rr, rn = record_accounts(frame)
    link = pd.DataFrame({"r": rr, "n": rn})
    cash_city = np.where(frame.location >= 0, loc_city[frame.location], -1)
    dep_rows = np.flatnonzero(frame.cash_in & (cash_city >= 0))
    wd_rows = np.flatnonzero(frame.cash_out & (cash_city >= 0))
    dep = pd.DataFrame({"n": frame.dst[dep_rows], "x": dep_rows})
    wd = pd.DataFrame({"n": frame.src[wd_rows], "x": wd_rows})
    m1 = link.merge(dep, on="n")
    m1 = m1[(frame.day[m1["x"]] == dep_day[m1["r"]]) & (cash_city[m1["x"]] == o_city[m1["r"]])]
    m2 = link.merge(wd, on="n")
    lag = frame.day[m2["x"]] - arr_day[m2["r"]]
    m2 = m2[(lag >= 0) & (lag <= 1) & (cash_city[m2["x"]] == d_city[m2["r"]])]
    m = pd.concat([m1, m2])
    strength, anchors, nodes, txs, recs = [], [], [], [], []
    for n, grp in m.groupby("n"):
        strength.append(grp["r"].nunique())
        anchors.append(int(n))
        nodes.append([int(n)])
        txs.append(grp["x"].unique())
        recs.append(grp["r"].unique())
    return from_groups("payment_trip_alignment", TRAVEL, {"days": "departure day, arrival +1"},
                       strength, anchors, nodes=nodes, txs=txs, recs=recs).top(cfg.max_instances)  # fmt: skip


def courier_round_trips(frame: Frame) -> Hits:
    """≥ r short round trips (out and back within ``courier_max_days``) across the same pair of
    places, with cash moving on the traveller's accounts within a day of the crossings."""
    cfg = frame.config
    person = person_of_record(frame)
    origin = np.array(frame.travel.column("origin").to_pylist(), object)
    dest = np.array(frame.travel.column("destination").to_pylist(), object)
    dep = _ts(frame, "departure")
    df = pd.DataFrame({"p": person, "o": origin, "d": dest, "t": dep, "r": np.arange(len(person))})
    df = df.sort_values(["p", "t"])
    nxt = df.groupby("p").shift(-1)
    back = (
        (nxt["o"] == df["d"])
        & (nxt["d"] == df["o"])
        & (nxt["t"] - df["t"] <= frame.days(cfg.courier_max_days))
    )
    trips = df[back].assign(r2=nxt["r"][back].astype(np.int64))
    rr, rn = record_accounts(frame)
    cash = np.flatnonzero(frame.cash_in | frame.cash_out)
    cash_node = np.where(frame.cash_in[cash], frame.dst[cash], frame.src[cash])
    cash_df = pd.DataFrame({"n": cash_node, "day": frame.day[cash], "x": cash})
    strength, anchors, nodes, txs, recs = [], [], [], [], []
    for _, grp in trips.groupby("p"):
        if len(grp) < cfg.courier_min_round_trips:
            continue
        r = np.r_[grp["r"], grp["r2"]]
        accs = np.unique(rn[np.isin(rr, r)])
        days = np.unique(dep[r] // (24 * HOUR_US))
        near = cash_df[cash_df["n"].isin(accs)]
        hit = near[near["day"].isin(np.r_[days - 1, days, days + 1])]
        if hit["day"].nunique() < len(grp) / 2:
            continue
        strength.append(len(grp) / cfg.courier_min_round_trips)
        anchors.append(int(accs[0]) if len(accs) else -1)
        nodes.append(accs)
        txs.append(hit["x"].to_numpy())
        recs.append(r)
    return from_groups("courier_round_trips", TRAVEL, cfg.subset("courier_"), strength, anchors,
                       nodes=nodes, txs=txs, recs=recs).top(cfg.max_instances)  # fmt: skip


def group_fan_in(frame: Frame, groups: Hits) -> Hits:
    """A co-travel group whose relatives (same surname as a member) or own accounts pay one
    collector within ``group_fan_in_days`` of the group's departure: the people layer and the
    money layer tell the same story."""
    cfg = frame.config
    from engine.detect.identity import canonical_name

    tokens = [
        {t for t in canonical_name(n).split() if len(t) >= 3}
        for n in frame.travel.column("traveller_name").to_pylist()
    ]
    last = [
        (canonical_name(n).split() or [""])[-1] for n in frame.parties.column("name").to_pylist()
    ]
    node_sn = np.array([*last, ""], object)[frame.node_owner]
    dep = _ts(frame, "departure")
    w = frame.days(cfg.group_fan_in_days)
    core = np.flatnonzero(frame.core_tx)
    tx = pd.DataFrame(
        {"sn": node_sn[frame.src[core]], "c": frame.dst[core], "t": frame.ts[core], "x": core}
    )
    all_names = set().union(*tokens) if tokens else set()
    tx = tx[tx["sn"].isin(all_names)]
    strength, anchors, nodes, txs, recs = [], [], [], [], []
    for i in range(len(groups)):
        r = groups.recs_of(i)
        names = set().union(*(tokens[x] for x in r))
        t0 = dep[r].min()
        near = tx[tx["sn"].isin(names) & (tx["t"] >= t0 - w) & (tx["t"] <= t0 + w)]
        if not len(near):
            continue
        per_c = near.groupby("c")["sn"].nunique()
        c = int(per_c.idxmax())
        if per_c.max() >= 2:
            sel = near[near["c"] == c]
            strength.append(per_c.max() / 2)
            anchors.append(c)
            nodes.append(np.unique(np.r_[frame.src[sel["x"]], c]))
            txs.append(sel["x"].to_numpy())
            recs.append(r)
    return from_groups("group_fan_in", TRAVEL, cfg.subset("group_fan"), strength, anchors,
                       nodes=nodes, txs=txs, recs=recs).top(cfg.max_instances)  # fmt: skip


def detect_travel(frame: Frame) -> list[Hits]:
    """Run every travel-link detector."""
    groups, facilitators = co_travel(frame)
    return [
        groups,
        facilitators,
        third_party_payer(frame),
        payment_trip_alignment(frame),
        courier_round_trips(frame),
        group_fan_in(frame, groups),
    ]
