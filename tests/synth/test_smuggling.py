"""Planted smuggling operations have their roles, and their money follows the route."""

from __future__ import annotations

import json

import pandas as pd

from engine.synth import geo
from tests.synth.conftest import pattern_transactions

ROLES = {
    "organiser", "recruiter", "collector", "transport_coordinator", "driver", "forger",
    "safe_house_keeper", "mule", "hawala_broker", "migrant", "paying_relative", "funnel_holder",
}  # fmt: skip


def _ops(frames, kind="smuggling"):
    ops = frames["truth_operations"]
    return ops[ops.kind == kind]


def _params(frames, pid):
    pats = frames["truth_patterns"].set_index("pattern_id")
    return json.loads(pats.loc[pid, "params"])


def test_every_operation_has_every_role(world, frames):
    ops = _ops(frames)
    assert len(ops) == world.params.n_smuggling
    parties = frames["truth_parties"]
    for op_id in ops.op_id:
        assert set(parties[parties.op_id == op_id].role) >= ROLES


def test_stage_payments_follow_the_route_in_time_order(frames):
    acc = frames["accounts"].set_index("account_id")
    ops = _ops(frames).set_index("op_id")
    routes = {r.name: r for r in geo.ROUTES}
    insts = pattern_transactions(frames, "stage_payments")
    assert insts
    pats = frames["truth_patterns"].set_index("pattern_id")
    for pid, tx in insts.items():
        route = routes[ops.loc[pats.loc[pid, "op_id"], "route"]]
        hubs = _params(frames, pid)["hubs"]
        want = [geo.places()[h].country for h in hubs]
        for _payer, rows in tx.groupby("src_account"):
            rows = rows.sort_values("role")
            assert list(rows.role) == [f"stage_{i + 1}" for i in range(len(hubs))]
            assert rows.ts.is_monotonic_increasing
            assert list(acc.loc[rows.dst_account, "country"]) == want
        assert set(hubs) <= set(route.hubs)


def test_pay_on_arrival_releases_after_the_crossing(frames):
    travel = frames["travel"].set_index("record_id")
    trips = frames["truth_trips"]
    for pid, tx in pattern_transactions(frames, "pay_on_arrival").items():
        prm = _params(frames, pid)
        held, release = tx[tx.role == "held"], tx[tx.role == "release"]
        assert len(release) == 1 and len(held) >= 2
        crossing = travel.loc[trips[(trips.pattern_id == pid)].record_id, "arrival"].max()
        t = release.ts.iloc[0]
        assert (
            crossing.normalize() <= t <= crossing + pd.Timedelta(hours=prm["release_within_hours"])
        )
        assert held.ts.max() < crossing
        assert release.amount_base.iloc[0] < held.amount_base.sum()


def test_collectors_receive_from_many_senders_in_several_countries(frames):
    acc = frames["accounts"].set_index("account_id")
    for _pid, tx in pattern_transactions(frames, "border_collector").items():
        assert tx.dst_account.nunique() == 1
        assert tx.src_account.nunique() >= 5
        countries = set(acc.loc[tx.src_account, "country"])
        assert countries - {acc.loc[tx.dst_account.iloc[0], "country"]}


def test_funnel_accounts_take_cash_in_one_region_and_pay_out_in_another(frames):
    acc = frames["accounts"].set_index("account_id")
    for pid, tx in pattern_transactions(frames, "funnel_account").items():
        prm = _params(frames, pid)
        dep, atm = tx[tx.role == "deposit"], tx[tx.role == "withdrawal"]
        wire = tx[tx.role == "wire_out"]
        holder = dep.dst_account.iloc[0]
        assert (dep.src_account == "CASH").all() and acc.loc[holder, "country"] == prm[
            "deposit_country"
        ]
        assert dep.location.nunique() >= 3
        assert (atm.location_country == prm["withdrawal_country"]).all()
        assert prm["withdrawal_country"] != prm["deposit_country"]
        last = dep.ts.max()
        assert (atm.ts >= last.normalize()).all() and len(wire) == 1
        assert wire.ts.iloc[0] <= last + pd.Timedelta(days=prm["tau_days"] + 1)


def test_hawala_broker_nets_to_about_zero(frames):
    for pid, tx in pattern_transactions(frames, "hawala_settlement").items():
        prm = _params(frames, pid)
        ins = tx[tx.role == "remittance_in"]
        outs = tx[tx.role != "remittance_in"]
        assert len(ins) == prm["n_in"] > len(outs) == prm["n_out"]
        assert 0.9 <= outs.amount_base.sum() / ins.amount_base.sum() <= 1.0


def test_groups_travel_together_and_facilitators_travel_again(frames):
    travel = frames["travel"].set_index("record_id")
    trips = frames["truth_trips"]
    pats = frames["truth_patterns"]
    co = pats[pats.pattern == "co_travel"].pattern_id
    assert len(co) >= 2
    for pid in co:
        legs = travel.loc[trips[trips.pattern_id == pid].record_id]
        per_leg = legs.groupby(["origin", "destination", "departure"]).size()
        assert (per_leg >= 2).all()
    repeat = pats[pats.pattern == "facilitator_repeat"].pattern_id
    assert len(repeat) >= 1
    for pid in repeat:
        rows = trips[trips.pattern_id == pid]
        groups = trips[trips.record_id.isin(rows.record_id) & trips.group_id.notna()].group_id
        assert groups.nunique() >= 2


def test_tickets_are_paid_by_third_parties(frames):
    travel = frames["travel"].set_index("record_id")
    trips = frames["truth_trips"]
    ident = frames["truth_identities"].set_index("record_id")
    holdings = frames["holdings"]
    pats = frames["truth_patterns"]
    for pid in pats[pats.pattern == "third_party_ticket_payer"].pattern_id:
        recs = trips[trips.pattern_id == pid].record_id
        payer = travel.loc[recs, "payer_account"].unique()
        assert len(payer) == 1
        travellers = set(ident.loc[recs, "party_id"])
        assert len(travellers) >= 2
        holders = set(holdings[holdings.account_id == payer[0]].party_id)
        assert not travellers & holders


def test_reused_documents_appear_under_other_names(frames):
    travel = frames["travel"].set_index("record_id")
    parties = frames["parties"]
    trips = frames["truth_trips"]
    ident = frames["truth_identities"].set_index("record_id")
    pats = frames["truth_patterns"]
    found = 0
    for pid in pats[pats.pattern == "document_reuse"].pattern_id:
        docs = set(_params(frames, pid)["documents"])
        recs = trips[trips.pattern_id == pid].record_id
        assert set(travel.loc[recs, "traveller_document"]) <= docs
        for rec in recs:
            owners = parties[parties.id_document_number == travel.loc[rec, "traveller_document"]]
            assert not owners.empty
            assert ident.loc[rec, "party_id"] not in set(owners.party_id)
            found += 1
    assert found >= 1


def test_couriers_move_cash_around_short_round_trips(frames):
    travel = frames["travel"].set_index("record_id")
    trips = frames["truth_trips"]
    pats = frames["truth_patterns"]
    insts = pattern_transactions(frames, "payment_trip_alignment")
    assert insts
    for pid, tx in insts.items():
        prm = _params(frames, pid)
        legs = travel.loc[trips[trips.pattern_id == pid].record_id].sort_values("departure")
        outs = tx[tx.role == "cash_out_before_departure"]
        ins = tx[tx.role == "cash_in_after_arrival"]
        assert len(outs) == len(ins) == len(legs) // 2 >= 2
        assert legs.origin.iloc[0] == legs.destination.iloc[1]  # a round trip
        window = pd.Timedelta(hours=prm["max_hours"])
        for t in outs.ts:  # cash leaves the account the day of a departure
            assert (
                (legs.departure - t >= pd.Timedelta(0)) & (legs.departure - t <= window)
            ).any() or (t == t.normalize())
        for t in ins.ts:
            assert (
                (t - legs.arrival >= -pd.Timedelta(days=1)) & (t - legs.arrival <= window)
            ).any()
        assert (outs.amount_base < 10_000).all()
    assert (pats.pattern == "courier_round_trips").sum() == len(insts)


def test_every_place_is_on_the_map_and_groups_follow_their_route(frames):
    travel = frames["travel"]
    known = set(geo.places())
    assert set(travel.origin) | set(travel.destination) <= known
    ident = frames["truth_identities"].set_index("record_id")
    trips = frames["truth_trips"]
    migrants = trips[trips.role == "migrant"]
    legs = travel.set_index("record_id").loc[migrants.record_id]
    legs = legs.assign(party=ident.loc[legs.index, "party_id"].to_numpy())
    for _party, rows in legs.sort_values("departure").groupby("party"):
        assert (rows.destination.to_numpy()[:-1] == rows.origin.to_numpy()[1:]).all()
        assert (rows.arrival.to_numpy()[:-1] <= rows.departure.to_numpy()[1:]).all()


def test_members_also_lead_ordinary_lives(frames):
    """Planted accounts are not only suspicious: they also shop and use ATMs."""
    ta = frames["truth_accounts"]
    ops = set(_ops(frames).op_id)
    members = set(
        ta[ta.op_id.isin(ops) & ta.role.isin(["organiser", "collector", "mule"])].account_id
    )
    tx = frames["transactions"]
    planted = set(frames["truth_transactions"].tx_id)
    ordinary = tx[~tx.tx_id.isin(planted) & tx.src_account.isin(members)]
    assert ordinary.src_account.nunique() >= 0.8 * len(members)
    assert set(ordinary.channel) >= {"card"}
