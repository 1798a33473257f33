"""Hard negatives are present in the stated counts and look like what they imitate."""

from __future__ import annotations

import pandas as pd


def _ops(frames, kind):
    ops = frames["truth_operations"]
    return ops[(ops.category == "hard_negative") & (ops.kind == kind)]


def test_counts_match_the_parameters(world, frames):
    p = world.params
    assert len(_ops(frames, "family_remittance")) == p.n_family_clusters
    assert len(_ops(frames, "travel_agency")) == p.n_travel_agencies
    assert len(_ops(frames, "tour_group")) == p.n_tour_groups
    assert len(_ops(frames, "sports_team")) == p.n_sports_teams
    tp = frames["truth_parties"]
    assert (tp.role == "commuter").sum() == p.n_commuters
    assert len(_ops(frames, "payroll")) == 1 and len(_ops(frames, "landlord")) == 1


def test_family_clusters_share_a_surname_and_pay_monthly(frames):
    parties = frames["parties"].set_index("party_id")
    tp, tt = frames["truth_parties"], frames["truth_transactions"]
    tx = frames["transactions"].set_index("tx_id")
    for op_id in _ops(frames, "family_remittance").op_id:
        members = tp[tp.op_id == op_id].party_id
        surnames = parties.loc[members, "name"].str.split().str[-1]
        assert surnames.value_counts().iloc[0] >= 2
        rows = tx.loc[tt[tt.op_id == op_id].tx_id]
        assert rows.dst_account.nunique() == 1 and rows.src_account.nunique() >= 3
        assert (rows.amount_base <= 400).all()


def test_groups_travel_together_and_teams_repeatedly(frames):
    travel = frames["travel"].set_index("record_id")
    trips = frames["truth_trips"]
    for kind, min_trips in (("tour_group", 1), ("sports_team", 2)):
        for op_id in _ops(frames, kind).op_id:
            rows = trips[trips.op_id == op_id]
            assert rows.group_id.nunique() >= min_trips
            legs = travel.loc[rows.record_id].groupby(["route_number", "departure"]).size()
            assert (legs >= 15).all()
            assert travel.loc[rows.record_id, "payer_account"].nunique() == 1


def test_commuters_cross_the_same_border_point_on_workdays(frames):
    travel = frames["travel"].set_index("record_id")
    trips = frames["truth_trips"]
    for op_id in _ops(frames, "commuters").op_id:
        rows = travel.loc[trips[trips.op_id == op_id].record_id]
        assert rows.origin.nunique() == 1 and (rows.origin == rows.destination).all()
        assert (rows.departure.dt.day_of_week < 5).all()
        assert (rows.arrival - rows.departure < pd.Timedelta(hours=1)).all()
