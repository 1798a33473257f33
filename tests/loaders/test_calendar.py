"""Impossible dates and offsets are refused with the reason, never moved to a real date.

Arrow's parsers carry an overflowing day into the next month (``2025-02-30`` became 2 March)
and accepted any two-digit offset (``+25:00``); issue 17, item 6.
"""

from __future__ import annotations

import datetime as dt

import pytest

from loaders.registry import load_file
from tests.loaders.goaml_sample import GOAML
from tests.loaders.test_mapped import GERMAN_TOML

HEADER = "tx_id,ts,src_account,dst_account,amount,currency\n"
NO_SUCH_DAY = "no such day in that month"
OFFSET = "UTC offset out of range (hours 00-23, minutes 00-59)"


@pytest.mark.parametrize(
    ("ts", "reason"),
    [
        ("2025-02-30T10:00:00Z", NO_SUCH_DAY),
        ("2025-04-31T10:00:00Z", NO_SUCH_DAY),
        ("2025-02-29", NO_SUCH_DAY),
        ("1900-02-29 08:00", NO_SUCH_DAY),  # 1900 was not a leap year
        ("2025-01-00", NO_SUCH_DAY),
        ("31.04.2025", NO_SUCH_DAY),
        ("2025/06/31 12:00", NO_SUCH_DAY),
        ("2025-02-28T10:00:00+25:00", OFFSET),
        ("2025-02-28T10:00:00-24:00", OFFSET),
        ("2025-02-28T10:00:00+0160", OFFSET),
    ],
)
def test_canonical_csv_refuses_impossible_times(write, ts, reason):
    text = HEADER + f"t1,{ts},A,B,5,EUR\nt2,2024-02-29T23:00:00+14:00,A,B,5,EUR\n"
    result = load_file(write("transactions.csv", text), batch_id="b")
    assert result.tables["transactions"]["tx_id"].to_pylist() == ["t2"]  # 2024 is a leap year
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"], bad["value"], bad["reason"]) == (1, "ts", ts, reason)


def test_real_dates_at_month_ends_still_load(write):
    times = ["2024-02-29", "2000-02-29T00:00:00Z", "2025-04-30", "31.12.2025", "2025-01-31"]
    text = HEADER + "".join(f"t{i},{t},A,B,5,EUR\n" for i, t in enumerate(times))
    result = load_file(write("transactions.csv", text), batch_id="b")
    assert result.rejected.num_rows == 0
    assert result.tables["transactions"].num_rows == len(times)


@pytest.mark.parametrize("birth", ["2025-02-30", "1980-04-31", "1981-02-29"])
def test_impossible_birth_dates_are_refused(write, birth):
    result = load_file(write("parties.csv", f"party_id,name,birth_date\np1,Ana,{birth}\n"),
                       batch_id="b")  # fmt: skip
    assert result.tables["parties"].num_rows == 0
    (bad,) = result.rejected.to_pylist()
    assert (bad["field"], bad["reason"]) == ("birth_date", NO_SUCH_DAY)


def test_bank_export_with_its_own_date_format_refuses_the_30th_of_february(write):
    text = (
        "Buchungstag;Uhrzeit;Gegenkonto;Betrag;Soll/Haben;Verwendungszweck;Art\n"
        "30.02.2024;14:05;DE02120300000000202051;1.234,56;S;Miete;Überweisung\n"
        "29.02.2024;14:05;DE02120300000000202051;10,00;S;Miete;Überweisung\n"
    )
    mapping = write("bank.toml", GERMAN_TOML)
    result = load_file(write("konto.csv", text.encode("latin-1")), mapping=mapping, batch_id="b")
    (tx,) = result.tables["transactions"].to_pylist()
    assert tx["ts"] == dt.datetime(2024, 2, 29, 13, 5, tzinfo=dt.UTC)
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"], bad["reason"]) == (1, "ts", NO_SUCH_DAY)


def test_month_first_format_is_read_as_the_mapping_says(write):
    mapping = write("us.toml", 'kind = "transactions"\ndate_format = "%m/%d/%Y"\n')
    text = HEADER + "t1,02/30/2025,A,B,5,EUR\nt2,04/30/2025,A,B,5,EUR\n"
    result = load_file(write("us.csv", text), mapping=mapping, batch_id="b")
    assert result.tables["transactions"]["tx_id"].to_pylist() == ["t2"]
    assert result.rejected["reason"].to_pylist() == [NO_SUCH_DAY]


def test_goaml_refuses_impossible_transaction_dates(write):
    xml = GOAML.replace("<date_transaction>2024-03-01T09:30:00<",
                        "<date_transaction>2023-02-29T09:30:00<")  # fmt: skip
    assert "2023-02-29" in xml
    result = load_file(write("report.xml", xml), batch_id="b")
    assert "GT-1" not in result.tables["transactions"]["tx_id"].to_pylist()
    assert {"field": "ts", "value": "2023-02-29T09:30:00", "reason": NO_SUCH_DAY} in [
        {k: r[k] for k in ("field", "value", "reason")} for r in result.rejected.to_pylist()
    ]


def test_an_offset_without_minutes_is_checked_not_a_crash(write):
    """``+05`` (no minutes) once stopped the loader with ArrowInvalid: the regex's optional
    minutes group comes back empty, not null (found by the fuzz case)."""
    text = HEADER + "t1,2025-02-28T10:00+05,A,B,5,EUR\nt2,2025-02-28T10:00:00+25,A,B,5,EUR\n"
    result = load_file(write("transactions.csv", text), batch_id="b")
    assert result.tables["transactions"]["tx_id"].to_pylist() == ["t1"]
    assert result.tables["transactions"]["ts"][0].as_py() == dt.datetime(
        2025, 2, 28, 5, tzinfo=dt.UTC
    )
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["reason"]) == (2, OFFSET)
