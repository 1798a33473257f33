"""Poison rows: values that load but would stop every later analysis are refused with a reason.

An ``amount_base`` of ``inf``, ``nan`` or below zero (given, or converted: 1e308 KWD overflows
to infinity) and a birth date in year 0 each once passed every loader and then stopped
``moneytrail analyze``, the entity view or the Neo4j ingest (issue 17, item 1).
"""

from __future__ import annotations

import pytest

from loaders.registry import load_file
from tests.loaders.goaml_sample import GOAML
from tests.loaders.iso_sample import CAMT053, PACS008

HEADER = "tx_id,ts,src_account,dst_account,amount,currency,amount_base\n"
FINITE = "amount_base must be a finite number, not negative (after conversion)"


@pytest.mark.parametrize(
    ("amount", "currency", "amount_base"),
    [
        ("100", "EUR", "inf"),
        ("100", "EUR", "-inf"),
        ("100", "EUR", "nan"),
        ("100", "EUR", "-5"),
        ("1e308", "KWD", ""),
        ("1.6e308", "GBP", ""),  # 1.6e308 × 1.17 overflows
        ("1e308", "BTC", ""),
    ],
)
def test_canonical_csv_refuses_amounts_no_analysis_can_weigh(write, amount, currency, amount_base):
    text = HEADER + f"t1,2024-01-01T00:00:00Z,A,B,{amount},{currency},{amount_base}\n"
    text += "t2,2024-01-01T00:00:00Z,A,B,5,EUR,5\n"
    result = load_file(write("transactions.csv", text), batch_id="b")
    assert result.tables["transactions"]["tx_id"].to_pylist() == ["t2"]
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"], bad["reason"]) == (1, "amount_base", FINITE)


def test_goaml_amount_overflowing_on_conversion_is_refused(write):
    xml = GOAML.replace("<currency_code_local>EUR<", "<currency_code_local>KWD<")
    xml = xml.replace("<amount_local>9500.00</amount_local>", "<amount_local>1e308</amount_local>")
    assert "1e308" in xml and "KWD" in xml
    result = load_file(write("report.xml", xml), batch_id="b")
    assert "GT-1" not in result.tables["transactions"]["tx_id"].to_pylist()
    assert {"field": "amount_base", "reason": FINITE} in [
        {"field": r["field"], "reason": r["reason"]} for r in result.rejected.to_pylist()
    ]


@pytest.mark.parametrize(
    ("document", "old", "new", "name"),
    [
        (CAMT053, '<Amt Ccy="EUR">250.00</Amt>', '<Amt Ccy="BTC">1e308</Amt>', "camt.xml"),
        (
            PACS008,
            '<IntrBkSttlmAmt Ccy="USD">1000.00',
            '<IntrBkSttlmAmt Ccy="KWD">1e308',
            "pacs.xml",
        ),
    ],
)
def test_iso20022_amount_overflowing_on_conversion_is_refused(write, document, old, new, name):
    assert old in document
    result = load_file(write(name, document.replace(old, new)), batch_id="b")
    amounts = result.tables["transactions"]["amount_base"].to_pylist()
    assert all(a is not None and 0 <= a < float("inf") for a in amounts)
    assert FINITE in result.rejected["reason"].to_pylist()


@pytest.mark.parametrize("birth", ["0000-01-01", "0000-06-15T00:00:00"])
def test_birth_date_in_year_zero_is_refused_not_stored(write, birth):
    text = f"party_id,name,birth_date\np1,Ana,{birth}\np2,Ben,1980-01-01\n"
    result = load_file(write("parties.csv", text), batch_id="b")
    parties = result.tables["parties"]
    assert parties["party_id"].to_pylist() == ["p2"]
    assert [str(d) for d in parties["birth_date"].to_pylist()] == ["1980-01-01"]
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"], bad["value"]) == (1, "birth_date", birth)


def test_goaml_birth_date_in_year_zero_is_refused(write):
    xml = GOAML.replace("<birthdate>1985-02-03T00:00:00</birthdate>",
                        "<birthdate>0000-02-03T00:00:00</birthdate>")  # fmt: skip
    assert "0000-02-03" in xml
    result = load_file(write("report.xml", xml), batch_id="b")
    births = result.tables["parties"]["birth_date"].to_pylist()  # converts every stored date
    assert all(b is None or b.year >= 1 for b in births)
    assert "birth_date" in result.rejected["field"].to_pylist()


def test_times_before_1970_are_dates_like_any_other(write):
    text = HEADER + "t1,1965-03-01T12:00:00Z,A,B,5,EUR,5\n"
    result = load_file(write("transactions.csv", text), batch_id="b")
    assert result.rejected.num_rows == 0
    assert str(result.tables["transactions"]["ts"][0].as_py()) == "1965-03-01 12:00:00+00:00"
