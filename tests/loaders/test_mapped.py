"""Bank exports with mapping files, and files recognised by their column names."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.core.errors import InputError
from loaders.mapping import read_mapping
from loaders.registry import load_file

GERMAN = (
    "Buchungstag;Uhrzeit;Gegenkonto;Betrag;Soll/Haben;Verwendungszweck;Art\n"
    "03.02.2024;14:05;DE02120300000000202051;1.234,56;S;Miete Februar;Überweisung\n"
    "04.02.2024;09:00;;500,00;S;Bargeld;Bargeld\n"
    "05.02.2024;10:00;AT611904300234573201;75,00;H;Rückzahlung;Überweisung\n"
    "06.02.2024;10:00;AT611904300234573201;75,00;X;?;Überweisung\n"
)
GERMAN_TOML = """
kind = "transactions"
delimiter = ";"
encoding = "latin-1"
decimal = ","
thousands = "."
date_formats = ["%d.%m.%Y %H:%M", "%d.%m.%Y"]
timezone = "Europe/Berlin"
currency = "EUR"

[columns]
ts = ["Buchungstag", "Uhrzeit"]
own_account = { value = "DE89370400440532013000" }
counterparty = "Gegenkonto"
amount = "Betrag"
direction = "Soll/Haben"
reference = "Verwendungszweck"
channel = "Art"
"""


def test_german_bank_export_with_a_toml_mapping(write):
    data = write("konto.csv", GERMAN.encode("latin-1"))
    mapping = write("bank.toml", GERMAN_TOML)
    result = load_file(data, mapping=mapping, batch_id="b")
    tx = result.tables["transactions"].to_pylist()
    assert len(tx) == 3
    rent, cash, refund = tx
    assert (rent["src_account"], rent["dst_account"]) == (
        "DE89370400440532013000",
        "DE02120300000000202051",
    )
    assert rent["amount"] == pytest.approx(1234.56)
    assert rent["ts"] == dt.datetime(2024, 2, 3, 13, 5, tzinfo=dt.UTC)  # CET → UTC
    assert rent["reference"] == "Miete Februar"
    assert rent["tx_id"].startswith("tx-")  # derived from the content
    assert cash["dst_account"] == "UNKNOWN"  # "Bargeld" is not a channel word
    assert (refund["src_account"], refund["dst_account"]) == (
        "AT611904300234573201",
        "DE89370400440532013000",
    )
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"], bad["value"]) == (4, "direction", "X")
    again = load_file(data, mapping=mapping, batch_id="c").tables["transactions"]
    assert again["tx_id"].to_pylist() == [t["tx_id"] for t in tx]  # stable ids


def test_yaml_mapping_and_signed_amounts(write):
    text = "date,account,amount,ccy\n2024-01-05,GB29NWBK60161331926819,-10.5,GBP\n"
    mapping = write(
        "m.yaml",
        "kind: transactions\ncolumns:\n  ts: date\n  own_account: {value: ME}\n"
        "  counterparty: account\n  amount: amount\n  currency: ccy\n",
    )
    (row,) = (
        load_file(write("x.csv", text), mapping=mapping, batch_id="b")
        .tables["transactions"]
        .to_pylist()
    )
    assert (row["src_account"], row["dst_account"], row["amount"]) == (
        "ME",
        "GB29NWBK60161331926819",
        10.5,
    )
    assert row["amount_base"] == pytest.approx(10.5 * 1.17)


def test_identical_rows_get_distinct_derived_ids(write):
    text = "date,from,to,amount\n2024-01-05,A,B,10\n2024-01-05,A,B,10\n"
    tx = load_file(write("x.csv", text), batch_id="b").tables["transactions"]
    ids = tx["tx_id"].to_pylist()
    assert len(set(ids)) == 2 and ids[1] == ids[0] + "-1"


def test_mapping_rates_override(write):
    text = "date,from,to,amount,currency\n2024-01-05,A,B,10,XAF\n"
    mapping = write("m.toml", "[rates]\nXAF = 0.0015\n")
    (row,) = (
        load_file(write("x.csv", text), mapping=mapping, batch_id="b")
        .tables["transactions"]
        .to_pylist()
    )
    assert row["amount_base"] == pytest.approx(0.015)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind = 'loans'", "kind must be"),
        ("[columns]\nts = 'a'", "need kind"),
        ("kind = 'transactions'\n[columns]\nwhen = 'a'", "not a field"),
        ("kind = 'transactions'\n[columns]\nts = 5", "a column must be"),
        ("encoding = 'ebcdic'", "encoding must be"),
        ("delimiter = ';;'", "one character"),
        ("[rates]\nUSD = -1", "positive"),
        ("colour = 'red'", "unknown settings"),
        ("kind = [", "not valid TOML"),
    ],
)
def test_bad_mapping_files_are_refused_naming_the_file(write, text, message):
    with pytest.raises(InputError, match=message) as info:
        read_mapping(write("bank.toml", text))
    assert info.value.file == "bank.toml"


def test_mapping_naming_a_missing_column(write):
    mapping = write("m.toml", "kind='transactions'\n[columns]\nts='Date'\namount='Betrag'\n")
    with pytest.raises(InputError, match="'Date'"):
        load_file(write("x.csv", "when,amount\n1,2\n"), mapping=mapping, batch_id="b")


def test_passenger_manifest_recognised_by_its_columns(write):
    text = (
        "Passenger Name,Date of Birth,Passport,Airline,Flight,From,To,Departure Time,PNR,"
        "Paid By\n"
        "Amal Haddad,01/01/2001,P7654321,TK,TK1845,IST,ATH,02/03/2024 10:00,ABC123,"
        "GR1601101250000000012300695\n"
    )
    result = load_file(write("manifest.csv", text), batch_id="b")
    (leg,) = result.tables["travel"].to_pylist()
    assert result.kind == "travel"
    assert leg["traveller_birth_date"] == dt.date(2001, 1, 1)
    assert leg["departure"] == dt.datetime(2024, 3, 2, 10, tzinfo=dt.UTC)  # day first
    assert (leg["route_number"], leg["booking_ref"]) == ("TK1845", "ABC123")
    assert leg["payer_account"] == "GR1601101250000000012300695"
    assert leg["record_id"].startswith("tr-")


def test_kyc_extract_gives_parties_accounts_and_holdings(write):
    text = (
        "Customer ID,Full Name,Date of Birth,Nationality,IBAN,Bank\n"
        "C1,Ana Lima,1990-05-01,BR,PT50000201231234567890154,CGD\n"
        "C1,Ana Lima,1990-05-01,BR,PT50000201231234567890155,CGD\n"
        "C2,Bo Chen,1980-01-01,Germany,DE89370400440532013000,DB\n"
        "C3,X,1980-01-01,Atlantis,DE89370400440532013001,DB\n"
    )
    result = load_file(write("kyc.csv", text), kind="kyc", batch_id="b")
    assert result.kind == "kyc"
    parties = result.tables["parties"]
    assert parties["nationality"].to_pylist()[:3] == ["BR", "BR", "DE"]
    assert result.tables["holdings"].num_rows == 4
    assert result.tables["accounts"]["institution"].to_pylist()[0] == "CGD"
    assert result.rejected["reason"].to_pylist() == ["unknown country code"]


def test_quoted_line_breaks_in_a_bank_export(write):
    text = 'date,from,to,amount,memo\n2024-01-05,A,B,10,"two\nlines"\n2024-01-06,B,C,7,one\n'
    result = load_file(write("export.csv", text), batch_id="b")
    tx = result.tables["transactions"]
    assert tx["reference"].to_pylist() == ["two\nlines", "one"]
    assert result.rejected.num_rows == 0


def test_booking_export_as_parquet_and_jsonl(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    bookings = pa.table(
        {
            "PNR": ["X1", "X2"],
            "Passenger": ["Ana Lima", "Bo Chen"],
            "Flight": ["TK1", "TK1"],
            "Origin": ["IST", "IST"],
            "Destination": ["ATH", "ATH"],
            "Departure": pa.array([dt.datetime(2024, 3, 2, 10), dt.datetime(2024, 3, 2, 10)]),
            "Paid by": ["GR16", "GR16"],
        }
    )
    pq.write_table(bookings, tmp_path / "bookings.parquet")
    legs = load_file(tmp_path / "bookings.parquet", batch_id="b").tables["travel"]
    assert legs["departure"].to_pylist()[0] == dt.datetime(2024, 3, 2, 10, tzinfo=dt.UTC)
    assert legs["payer_account"].to_pylist() == ["GR16", "GR16"]
    lines = "\n".join(
        '{"PNR": "X1", "Passenger": "Ana Lima", "Departure": "2024-03-02T10:00:00"}'
        for _ in range(2)
    )
    (tmp_path / "bookings.jsonl").write_text(lines)
    legs = load_file(tmp_path / "bookings.jsonl", batch_id="b").tables["travel"]
    assert legs["booking_ref"].to_pylist() == ["X1", "X1"]
    assert len(set(legs["record_id"].to_pylist())) == 2  # identical rows, distinct ids
