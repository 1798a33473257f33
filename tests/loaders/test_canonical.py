"""Canonical tables as the generator writes them: fast path, validation, quarantine."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine.core import schema
from engine.core.errors import InputError
from loaders.canonical import table_name
from loaders.registry import load_file
from tests.loaders.conftest import CANONICAL_TX


def test_clean_csv_loads_every_row_with_canonical_types(write):
    result = load_file(write("transactions.csv", CANONICAL_TX), batch_id="b1")
    assert result.format == "canonical"
    assert result.kind == "transactions"
    tx = result.tables["transactions"]
    assert tx.schema == schema.TRANSACTIONS
    assert tx["tx_id"].to_pylist() == ["t1", "t2", "t3"]
    assert result.rejected.num_rows == 0
    # +02:00 is converted to UTC; the missing amount_base is converted from USD.
    assert tx["ts"][1].as_py() == dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.UTC)
    assert tx["amount_base"][1].as_py() == pytest.approx(20 * 0.92)
    assert tx["amount_base"][2].as_py() == pytest.approx(8.19)  # given values are kept
    assert tx["channel"].to_pylist() == ["wire", "cash", "card"]


def test_bad_rows_are_quarantined_with_row_field_value_and_reason(write):
    text = (
        "tx_id,ts,src_account,dst_account,amount,currency\n"
        "t1,2024-01-01T10:00:00Z,A,B,10,EUR\n"
        "t2,yesterday,A,B,10,EUR\n"
        "t3,2024-01-01T10:00:00Z,A,B,-5,EUR\n"
        "t4,2024-01-01T10:00:00Z,A,B,ten,EUR\n"
        "t5,2024-01-01T10:00:00Z,,B,10,EUR\n"
        "t6,2024-01-01T10:00:00Z,A,B,10,XYZ\n"
        "t7,2024-01-01T10:00:00Z,A\n"
        "t8,2024-01-01T10:00:00Z,A,B,nan,EUR\n"
        "t9,2024-01-01T10:00:00Z,A,B,10,EUR\n"
    )
    result = load_file(write("transactions.csv", text), batch_id="b1")
    assert result.tables["transactions"]["tx_id"].to_pylist() == ["t1", "t9"]
    rejected = result.rejected.sort_by("row").to_pylist()
    got = [(r["row"], r["field"], r["value"], r["reason"]) for r in rejected]
    assert got == [
        (2, "ts", "yesterday", "not a date and time"),
        (3, "amount", "-5", "amount must be a finite number, not negative"),
        (4, "amount", "ten", "not a number"),
        (5, "src_account", None, "missing value"),
        (6, "currency", "XYZ", "no exchange rate for this currency"),
        (7, "(row)", "t7,2024-01-01T10:00:00Z,A", "expected 6 fields, found 3"),
        (8, "amount", "nan", "amount must be a finite number, not negative"),
    ]
    assert {r["source"] for r in rejected} == {"transactions.csv"}
    assert {r["batch_id"] for r in rejected} == {"b1"}


def test_parquet_canonical_tables_of_every_kind(tmp_path):
    parties = pa.table(
        {
            "party_id": ["p1", "p2"],
            "kind": ["person", "organisation"],
            "name": ["Ana Lima", "Acme Travel"],
            "birth_date": pa.array([dt.date(1990, 5, 1), None], pa.date32()),
            "nationality": ["BR", None],
        }
    )
    pq.write_table(parties, tmp_path / "parties.parquet")
    holdings = pa.table({"party_id": ["p1"], "account_id": ["A"], "role": ["owner"]})
    pq.write_table(holdings, tmp_path / "holdings.parquet")
    got = load_file(tmp_path / "parties.parquet", batch_id="b")
    assert got.kind == "kyc"
    assert got.tables["parties"].schema == schema.PARTIES
    assert got.tables["parties"]["birth_date"].to_pylist() == [dt.date(1990, 5, 1), None]
    got = load_file(tmp_path / "holdings.parquet", batch_id="b")
    assert list(got.tables) == ["holdings"]


def test_travel_csv_and_dates_without_times(write):
    text = (
        "record_id,traveller_name,traveller_birth_date,mode,carrier,route_number,origin,"
        "destination,departure,booking_ref,payer_account\n"
        "r1,Ana Lima,1990-05-01,flight,TK,TK1234,ist,ath,2024-03-01,PNR1,A\n"
        "r2,,,bus,Flix,N12,BEG,BUD,2024-03-02T08:00:00Z,,\n"
    )
    result = load_file(write("travel.csv", text), batch_id="b")
    travel = result.tables["travel"]
    assert travel["record_id"].to_pylist() == ["r1"]
    assert travel["mode"][0].as_py() == "air"
    assert travel["origin"][0].as_py() == "IST"
    assert travel["departure"][0].as_py() == dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    assert result.rejected["reason"].to_pylist() == ["no traveller name or document"]


def test_table_name_from_file_names():
    from pathlib import Path

    assert table_name(Path("transactions.csv.gz")) == "transactions"
    assert table_name(Path("world_accounts.parquet")) == "accounts"
    assert table_name(Path("bank-export.csv")) is None


def test_empty_and_header_only_files(write):
    with pytest.raises(InputError, match="empty"):
        load_file(write("transactions.csv", ""), batch_id="b")
    header_only = load_file(write("t/transactions.csv", CANONICAL_TX.split("\n")[0]), batch_id="b")
    assert header_only.tables["transactions"].num_rows == 0


def test_unknown_columns_are_refused_with_one_clear_message(write):
    with pytest.raises(InputError, match=r"notes\.csv: .*match no known layout"):
        load_file(write("notes.csv", "colour,shape\nred,round\n"), batch_id="b")
