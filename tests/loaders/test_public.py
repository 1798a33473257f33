"""Public benchmark layouts: AMLworld, SAML-D, AMLSim, AMLGentex."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders.registry import load_file


def test_amlworld_transactions_bank_qualified_and_ground_truth_dropped(write):
    text = (
        "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
        "Amount Paid,Payment Currency,Payment Format,Is Laundering\n"
        "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,"
        "Reinvestment,0\n"
        "2022/09/01 00:20,03208,8000F4580,001,8000F5340,0.01,US Dollar,0.01,Euro,Cheque,1\n"
        "2022/09/01 00:21,03209,8000F4670,03209,8000F4670,14675.57,Bitcoin,14675.57,Bitcoin,"
        "Bitcoin,0\n"
        "2022/09/01 00:22,03209,,03209,8000F4670,1,Bitcoin,1,Bitcoin,Bitcoin,0\n"
    )
    result = load_file(write("HI-Small_Trans.csv", text), batch_id="b")
    assert result.format == "amlworld"
    tx = result.tables["transactions"].to_pylist()
    assert [t["src_account"] for t in tx] == ["010:8000EBD30", "03208:8000F4580", "03209:8000F4670"]
    assert tx[1]["dst_account"] == "001:8000F5340"
    assert [t["currency"] for t in tx] == ["USD", "EUR", "BTC"]
    assert [t["channel"] for t in tx] == ["other", "other", "crypto"]
    assert tx[0]["ts"] == dt.datetime(2022, 9, 1, 0, 20, tzinfo=dt.UTC)
    assert tx[2]["amount_base"] == pytest.approx(14675.57 * 55_000)
    assert "Is Laundering" not in result.tables["transactions"].column_names
    assert len({t["tx_id"] for t in tx}) == 3
    (bad,) = result.rejected.to_pylist()  # no account number: no "03209:" account
    assert (bad["row"], bad["field"], bad["reason"]) == (4, "src_account", "missing value")


def test_amlworld_accounts(write):
    text = (
        "Bank Name,Bank ID,Account Number,Entity ID,Entity Name\n"
        "Bank of Lisbon,010,8000EBD30,800073F90,Sole Proprietorship #50438\n"
    )
    result = load_file(write("HI-Small_accounts.csv", text), batch_id="b")
    assert result.tables["accounts"]["account_id"].to_pylist() == ["010:8000EBD30"]
    assert result.tables["holdings"].to_pylist()[0]["party_id"] == "800073F90"


def test_saml_d(write):
    text = (
        "Time,Date,Sender_account,Receiver_account,Amount,Payment_currency,Received_currency,"
        "Sender_bank_location,Receiver_bank_location,Payment_type,Is_laundering,Laundering_type\n"
        "10:35:19,2022-10-07,8724731955,2769355426,1459.15,UK pounds,UK pounds,UK,UK,"
        "Cash Deposit,0,Normal_Cash_Deposits\n"
        "10:35:20,2022-10-07,1491989064,8401255335,6019.64,UK pounds,Dirham,UK,UAE,"
        "Cross-border,0,Normal_Fan_Out\n"
    )
    result = load_file(write("SAML-D.csv", text), batch_id="b")
    assert result.format == "samld"
    tx = result.tables["transactions"].to_pylist()
    assert [t["channel"] for t in tx] == ["cash", "wire"]
    assert tx[0]["currency"] == "GBP"
    assert tx[0]["location_country"] == "GB"
    assert tx[1]["ts"] == dt.datetime(2022, 10, 7, 10, 35, 20, tzinfo=dt.UTC)


def test_amlsim_transactions_and_accounts(write):
    text = (
        "tran_id,orig_acct,bene_acct,tx_type,base_amt,tran_timestamp,is_sar,alert_id\n"
        "1,A1,A2,TRANSFER,100.5,2017-01-01T00:00:00Z,False,-1\n"
    )
    result = load_file(write("transactions.csv", text), batch_id="b")
    assert result.format == "amlsim"
    (tx,) = result.tables["transactions"].to_pylist()
    assert (tx["tx_id"], tx["currency"], tx["channel"]) == ("1", "USD", "wire")
    accounts = (
        "acct_id,dsply_nm,type,acct_stat,acct_rptng_crncy,prior_sar_count,branch_id,open_dt,"
        "close_dt,initial_deposit,tx_behavior_id,bank_id,first_name,last_name,street_addr,city,"
        "state,country,zip,gender,birth_date,ssn,lon,lat\n"
        "A1,C_1,I,A,USD,false,1,0,1000000,100.0,1,bank_a,Jane,Doe,1 Main St,Austin,TX,US,"
        "73301,F,1980-01-01,123,0,0\n"
    )
    result = load_file(write("accounts.csv", accounts), batch_id="b")
    assert result.format == "amlsim"
    (party,) = result.tables["parties"].to_pylist()
    assert (party["name"], party["birth_date"], party["country"]) == (
        "Jane Doe",
        dt.date(1980, 1, 1),
        "US",
    )
    assert result.tables["accounts"]["institution"].to_pylist() == ["bank_a"]


def test_amlgentex_steps_are_days(tmp_path):
    table = pa.table(
        {
            "step": [0, 3],
            "type": ["TRANSFER", "CASH"],
            "amount": [10.0, 20.0],
            "nameOrig": ["a", "b"],
            "nameDest": ["b", "c"],
            "bankOrig": ["x", "x"],
            "bankDest": ["x", "y"],
            "isSAR": [0, 1],
            "patternID": [-1, 4],
        }
    )
    pq.write_table(table, tmp_path / "tx_log.parquet")
    result = load_file(tmp_path / "tx_log.parquet", batch_id="b")
    assert result.format == "amlgentex"
    tx = result.tables["transactions"].to_pylist()
    assert tx[1]["ts"] == dt.datetime(2023, 1, 4, tzinfo=dt.UTC)
    assert [t["channel"] for t in tx] == ["wire", "cash"]
