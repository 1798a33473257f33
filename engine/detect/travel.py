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

from algorithms.components import edge_components
from algorithms.patterns import neighbour_pairs
from engine.detect.frame import Frame
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
    out: smuggled people do not return. A facilitator travels one route ≥
    ``facilitator_min_trips`` times with ≥ 4 one-way companions, each sharing only part of the
    facilitator's legs (a family travelling together shares all of them; a commuter's or tour
    guide's companions come back). Returns ``[group_hits, facilitator_hits]``.
    """
    cfg = frame.config
    a, b, shared = co_travel_pairs(frame)
    person = person_of_record(frame)
    n = int(max(person.max(initial=0), a.max(initial=0), b.max(initial=0))) + 1
    origin = np.array(frame.travel.column("origin").to_pylist(), object)
    dest = np.array(frame.travel.column("destination").to_pylist(), object)
    dep = _ts(frame, "departure")
    rec = pd.DataFrame({"p": person, "o": origin, "d": dest, "t": dep, "r": np.arange(len(person))})
    first_origin = rec.sort_values("t").groupby("p")["o"].first()
    returned = rec.assign(first=rec["p"].map(first_origin)).query("d == first")["p"].unique()
    returned = set(int(x) for x in returned)
    # facilitators: many trips on one route, with companions who change from trip to trip
    # (each shares only part of the facilitator's legs) and who travel one way (migrants do
    # not come back; a commuter's or a tour guide's companions do)
    partners = pd.DataFrame({"p": np.r_[a, b], "q": np.r_[b, a], "s": np.r_[shared, shared]})
    legs = rec.groupby("p").size()
    partners = partners[(partners["s"] < partners["p"].map(legs).to_numpy())
                        & ~partners["q"].isin(returned)]  # fmt: skip
    brief = partners.groupby("p")["q"].nunique()
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
    label = edge_components(a[keep], b[keep], n)
    members = np.unique(np.r_[a[keep], b[keep]])
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
def _place_countries() -> dict[str, str]:
    """Place code → ISO country code, from the shipped gazetteer."""
    path = Path(__file__).resolve().parent.parent / "synth" / "places.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        return {row["code"]: row["country"] for row in csv.DictReader(fh)}


def _record_countries(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Per travel record, the country codes (``frame.countries``) of origin and destination."""
    places = _place_countries()

    def code(values: list[str | None]) -> np.ndarray:
        return np.array([frame.countries.get(places.get(x or "", ""), -2) for x in values],
                        np.int64)  # fmt: skip

    return (code(frame.travel.column("origin").to_pylist()),
            code(frame.travel.column("destination").to_pylist()))  # fmt: skip


def carried_cash(frame: Frame) -> pd.DataFrame:
    """Legs along which cash travelled with the traveller (cached).

    One row per (record ``r``, departure-side cash ``xd``, arrival-side cash ``xa``): cash moved
    on the traveller's own accounts (or the ticket payer's) in the departure country on the
    departure day (travellers reach the airport or crossing from their town), and cash of about
    the same amount (within ``pass_margin``) moved in the arrival country within a day after
    arrival: on the traveller's accounts, or paid into an account that receives such cash after
    ≥ 2 of the traveller's legs (the carried cash paid in; once would be a coincidence in a
    whole country). ``acc`` is the arrival-side account.
    """
    if "carried_cash" in frame.cache:
        return frame.cache["carried_cash"]  # type: ignore[return-value]
    cfg = frame.config
    o_c, d_c = _record_countries(frame)
    where = frame.location_country
    day = 24 * HOUR_US
    dep_day = _ts(frame, "departure") // day
    arr = _ts(frame, "arrival")
    arr_day = np.where(arr >= 0, arr, _ts(frame, "departure")) // day
    rr, rn = record_accounts(frame)
    cash = np.flatnonzero((frame.cash_in | frame.cash_out) & (where >= 0))
    node = np.where(frame.cash_in[cash], frame.dst[cash], frame.src[cash])
    link = pd.DataFrame({"r": rr, "n": rn})
    dep = link.merge(pd.DataFrame({"n": node, "xd": cash}), on="n")
    r, xd = dep["r"].to_numpy(), dep["xd"].to_numpy()
    dep = dep[(frame.day[xd] == dep_day[r]) & (where[xd] == o_c[r])]
    arrive = pd.DataFrame({"c": where[cash], "d": frame.day[cash], "xa": cash, "acc": node})
    want = dep.assign(c=d_c[dep["r"].to_numpy()], d=arr_day[dep["r"].to_numpy()])
    m = pd.concat([want.merge(arrive, on=["c", "d"]),
                   want.assign(d=want["d"] + 1).merge(arrive, on=["c", "d"])])  # fmt: skip
    xa, xd = m["xa"].to_numpy(np.int64), m["xd"].to_numpy(np.int64)
    ratio = frame.amount[xa] / np.maximum(frame.amount[xd], 1e-9)
    ok = (xa != xd) & (ratio >= 1 - cfg.pass_margin) & (ratio <= 1 + cfg.pass_margin)
    m = m[ok]
    own = set(zip(rr.tolist(), rn.tolist(), strict=True))
    is_own = np.array([(int(a), int(b)) in own for a, b in zip(m["r"], m["acc"], strict=True)],
                      bool)  # fmt: skip
    m = m.assign(p=person_of_record(frame)[m["r"].to_numpy(np.int64)], own=is_own)
    # someone else's account: only deposits, into the same account after ≥ 2 legs
    other = m[~m["own"] & frame.cash_in[m["xa"].to_numpy(np.int64)]]
    other = other[other.groupby(["p", "acc"])["r"].transform("nunique") >= 2]
    out = pd.concat([m[m["own"]], other])[["r", "xd", "xa", "acc", "p"]]
    out = out.drop_duplicates().reset_index(drop=True)
    frame.cache["carried_cash"] = out
    return out


def payment_trip_alignment(frame: Frame) -> Hits:
    """Cash that travels with the traveller: cash moved on the traveller's accounts where they
    leave on the departure day, and about the same amount moved where they arrive within a day
    of arrival (on the traveller's accounts, or paid into one account there, leg after leg). One cash withdrawal on arrival is what every tourist does; the two ends matching in
    place, time and amount is the pattern (:func:`carried_cash`)."""
    cfg = frame.config
    m = carried_cash(frame)
    strength, anchors, nodes, txs, recs = [], [], [], [], []
    for _, grp in m.groupby("p"):
        xd = grp["xd"].to_numpy()
        dep_acc = np.where(frame.cash_in[xd], frame.dst[xd], frame.src[xd])
        strength.append(float(grp["r"].nunique()))
        anchors.append(int(dep_acc[0]))
        nodes.append(np.unique(np.r_[dep_acc, grp["acc"].to_numpy()]))
        txs.append(np.unique(np.r_[xd, grp["xa"].to_numpy()]))
        recs.append(grp["r"].unique())
    return from_groups("payment_trip_alignment", TRAVEL,
                       {"days": "departure day, arrival +1", **cfg.subset("pass_margin")},
                       strength, anchors, nodes=nodes, txs=txs, recs=recs).top(cfg.max_instances)  # fmt: skip


def courier_round_trips(frame: Frame) -> Hits:
    """≥ r short round trips (out and back within ``courier_max_days``) across the same pair of
    places, with cash moving on the traveller's accounts within a day of at least half of the
    crossings (commuters without cash are not couriers). Accounts the carried cash was paid
    into at the far end (:func:`carried_cash`) belong to the instance."""
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
    trips = trips[trips.groupby("p")["r"].transform("size") >= cfg.courier_min_round_trips]
    if not len(trips):
        return from_groups("courier_round_trips", TRAVEL, cfg.subset("courier_"), [], [])
    # cash on the traveller's accounts within a day of a crossing (either leg)
    legs = pd.concat([trips[["p", "r"]], trips[["p", "r2"]].rename(columns={"r2": "r"})])
    rr, rn = record_accounts(frame)
    legs = legs.merge(pd.DataFrame({"r": rr, "n": rn}), on="r")
    cash = np.flatnonzero(frame.cash_in | frame.cash_out)
    cash_node = np.where(frame.cash_in[cash], frame.dst[cash], frame.src[cash])
    cash_df = pd.DataFrame({"n": cash_node, "cday": frame.day[cash], "x": cash})
    near = legs.assign(day=dep[legs["r"].to_numpy()] // (24 * HOUR_US)).merge(cash_df, on="n")
    near = near[(near["cday"] - near["day"]).abs() <= 1]
    carried = carried_cash(frame)
    strength, anchors, nodes, txs, recs = [], [], [], [], []
    near_by_p = dict(tuple(near.groupby("p")))
    accs_by_p = legs.groupby("p")["n"].agg(lambda x: np.unique(x.to_numpy()))
    for p, grp in trips.groupby("p"):
        hit = near_by_p.get(p)
        if hit is None or hit["cday"].nunique() < len(grp) / 2:
            continue
        r = np.r_[grp["r"], grp["r2"]]
        paid_in = carried[carried["r"].isin(r)]
        accs = np.unique(np.r_[accs_by_p[p], paid_in["acc"].to_numpy()]).astype(np.int64)
        strength.append(len(grp) / cfg.courier_min_round_trips)
        anchors.append(int(accs_by_p[p][0]))
        nodes.append(accs)
        txs.append(np.unique(np.r_[hit["x"].to_numpy(), paid_in["xa"].to_numpy()]))
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


def co_travel_cached(frame: Frame) -> list[Hits]:
    """:func:`co_travel` once per frame (group fan-in reads the groups too)."""
    if "co_travel_hits" not in frame.cache:
        frame.cache["co_travel_hits"] = co_travel(frame)
    return list(frame.cache["co_travel_hits"])  # type: ignore[call-overload]


def group_fan_in_hits(frame: Frame) -> Hits:
    """:func:`group_fan_in` over the frame's co-travel groups."""
    return group_fan_in(frame, co_travel_cached(frame)[0])
