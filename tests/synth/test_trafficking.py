"""Planted trafficking operations: controller accounts, shared identifiers, victim expenses."""

from __future__ import annotations

import json

import pandas as pd

from tests.synth.conftest import pattern_transactions


def _ops(frames):
    ops = frames["truth_operations"]
    return ops[ops.kind == "trafficking"]


def test_operation_count_and_roles(world, frames):
    ops = _ops(frames)
    assert len(ops) == world.params.n_trafficking
    parties = frames["truth_parties"]
    for op_id in ops.op_id:
        roles = parties[parties.op_id == op_id].role.value_counts()
        assert (
            roles["controller"] == 1 and roles["victim"] >= world.params.victims_per_trafficking[0]
        )


def test_victims_share_address_and_phone_and_controller_signs(frames):
    parties = frames["parties"].set_index("party_id")
    tp = frames["truth_parties"]
    holdings = frames["holdings"]
    for op_id in _ops(frames).op_id:
        victims = tp[(tp.op_id == op_id) & (tp.role == "victim")].party_id
        controller = tp[(tp.op_id == op_id) & (tp.role == "controller")].party_id.iloc[0]
        assert parties.loc[victims, "address"].nunique() == 1
        assert parties.loc[victims, "phone"].nunique() == 1
        assert parties.loc[victims, "phone"].iloc[0] == parties.loc[controller, "phone"]
        v_accounts = holdings[holdings.party_id.isin(victims)].account_id
        signed = holdings[(holdings.party_id == controller) & (holdings.role == "signatory")]
        assert set(v_accounts) <= set(signed.account_id)


def test_controller_receives_weekly_from_every_victim(frames):
    insts = pattern_transactions(frames, "controller_account")
    assert insts
    pats = frames["truth_patterns"].set_index("pattern_id")
    for pid, tx in insts.items():
        k = json.loads(pats.loc[pid, "params"])["k"]
        fwd = tx[tx.role == "to_controller"]
        assert fwd.dst_account.nunique() == 1
        assert fwd.src_account.nunique() == k
        for _src, rows in fwd.groupby("src_account"):
            gaps = rows.ts.dt.normalize().diff().dropna()
            assert ((gaps >= pd.Timedelta(days=5)) & (gaps <= pd.Timedelta(days=9))).all()


def test_victim_expenses_span_several_hotels_and_tickets(frames):
    for _pid, tx in pattern_transactions(frames, "victim_expenses").items():
        assert tx.src_account.nunique() == 1
        assert (tx.role == "hotel").sum() >= 2
        assert tx[tx.role == "hotel"].dst_account.nunique() >= 2


def test_front_has_rising_revenue_and_no_payroll(frames):
    tx = frames["transactions"]
    for pid, rows in pattern_transactions(frames, "revenue_without_payroll").items():
        front = frames["truth_patterns"].set_index("pattern_id").loc[pid, "focus"]
        takings = rows[rows.role == "takings"].sort_values("ts")
        half = len(takings) // 2
        assert takings.amount_base.iloc[half:].mean() > takings.amount_base.iloc[:half].mean()
        out = tx[tx.src_account == front]
        assert not (out.reference == "SALARY").any()
