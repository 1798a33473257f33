"""engine.security.pseudonymise: keyed pseudonyms, the key file, and formula neutralisation."""

from __future__ import annotations

import stat

import pyarrow as pa
import pytest

from engine.core import schema
from engine.core.errors import ConfigError
from engine.security.pseudonymise import (
    neutralise_cell,
    neutralise_formulas,
    pseudonym,
    pseudonym_key,
    pseudonymise,
)

KEY = b"k" * 32


def parties() -> pa.Table:
    rows = [
        {
            "party_id": "P1",
            "name": "Amina  Yusuf",
            "id_document_number": "ab-123 456",
            "phone": "+49 170 1234567",
            "email": "Amina@Example.org",
            "address": "1 Main St",
        },
        {
            "party_id": "P2",
            "name": "amina yusuf",
            "id_document_number": "AB123456",
            "phone": "0049-170-1234567",
            "email": "amina@example.org ",
            "address": None,
        },
        {"party_id": "P3", "name": "Omar Hassan", "phone": "+20 100 000 0000"},
    ]
    return schema.conform(pa.Table.from_pylist(rows), "parties")


def test_personal_columns_are_replaced_and_the_rest_kept():
    table = parties()
    out = pseudonymise(table, key=KEY)
    assert out.schema == table.schema
    assert out["party_id"].to_pylist() == ["P1", "P2", "P3"]
    names = out["name"].to_pylist()
    assert all(n.startswith("NAME-") and len(n) == 21 for n in names)
    flat = str(out.to_pylist())
    for secret in ("Amina", "Yusuf", "123456", "1234567", "example.org", "Main St", "Omar"):
        assert secret not in flat


def test_spellings_of_one_identity_get_one_pseudonym_and_others_differ():
    out = pseudonymise(parties(), key=KEY)
    for column in ("name", "id_document_number", "phone", "email"):
        first, second, _ = out[column].to_pylist()
        assert first == second, column
    assert out["name"][0] != out["name"][2]
    assert out["address"].to_pylist()[1:] == [None, None]  # nulls stay null


def test_pseudonyms_depend_on_the_key_and_the_kind():
    assert pseudonym("Amina", "name", KEY) != pseudonym("Amina", "name", b"j" * 32)
    assert pseudonym("X1", "document", KEY)[4:] != pseudonym("X1", "name", KEY)[5:]
    # the same value in two tables (parties and travel) maps to the same pseudonym
    travel = schema.conform(
        pa.table({"record_id": ["r"], "traveller_name": ["AMINA YUSUF"]}), "travel"
    )
    assert (
        pseudonymise(travel, key=KEY)["traveller_name"][0]
        == pseudonymise(parties(), key=KEY)["name"][0]
    )


def test_explicit_columns_and_unknown_kinds():
    table = pa.table({"who": ["Ann"], "n": [1]})
    assert pseudonymise(table, {"who": "name"}, key=KEY)["who"][0].as_py().startswith("NAME-")
    with pytest.raises(ValueError, match="unknown personal-data kinds"):
        pseudonymise(table, {"who": "shoe_size"}, key=KEY)
    assert pseudonymise(pa.table({"n": [1]}), key=KEY).equals(pa.table({"n": [1]}))


def test_key_file_is_created_private_and_reused(isolated_home):
    key = pseudonym_key()
    path = isolated_home / "secrets" / "pseudonym.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64 and pseudonym_key() == key
    # the default key is used when none is given
    assert pseudonymise(parties())["name"][0].as_py() == pseudonym("Amina Yusuf", "name", key)


def test_a_key_file_readable_by_others_is_refused(isolated_home):
    pseudonym_key()
    (isolated_home / "secrets" / "pseudonym.key").chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        pseudonym_key()


def test_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_PSEUDONYM_KEY", "a-long-enough-secret")
    assert pseudonym_key() == b"a-long-enough-secret"
    monkeypatch.setenv("MONEYTRAIL_PSEUDONYM_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        pseudonym_key()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(cell, expected):
    assert neutralise_cell(cell) == expected
    table = pa.table({"s": [cell], "d": pa.array([cell]).dictionary_encode(), "l": [[cell]]})
    out = neutralise_formulas(table)
    assert out["s"][0].as_py() == expected
    assert out["d"][0].as_py() == expected
    assert out["l"][0].as_py() == [expected]


def test_numbers_and_nulls_are_left_alone():
    table = pa.table({"n": [-1.5, 2.0], "s": [None, "-x"]})
    out = neutralise_formulas(table)
    assert out["n"].to_pylist() == [-1.5, 2.0]
    assert out["s"].to_pylist() == [None, "'-x"]


# -- case files ---------------------------------------------------------------------------------

LONG_NAME = "Abdulrahman Mohammed Al-Hassan Ibrahim"  # longer than the picture's 28 characters


def world() -> dict[str, pa.Table]:
    parties = schema.conform(
        pa.Table.from_pylist(
            [
                {"party_id": "p-a69c4099a12df51c", "name": LONG_NAME, "birth_date": None,
                 "nationality": "SY", "id_document_number": "PX123456", "city": "Aleppo"},
                {"party_id": "p-0000000000000002", "name": "Hoàng Long Huỳnh",
                 "phone": "+44 946545060"},
            ]
        ),
        "parties",
    )  # fmt: skip
    accounts = schema.conform(
        pa.table({"account_id": ["GR01", "CASH"], "kind": ["personal", "placeholder"]}),
        "accounts",
    )
    holdings = schema.conform(
        pa.table({"party_id": ["p-a69c4099a12df51c"], "account_id": ["GR01"], "role": ["owner"]}),
        "holdings",
    )
    travel = schema.conform(
        pa.table({"record_id": ["R1"], "traveller_name": ["ABDULRAHMAN AL-HASSAN"],
                  "booking_ref": ["UTKYK5"]}),
        "travel",
    )  # fmt: skip
    return {"parties": parties, "accounts": accounts, "holdings": holdings, "travel": travel}


def scrubber_for(text: str):
    from engine.services.case_scrubber import CaseScrubber

    return CaseScrubber(world(), text, key=KEY)


def test_free_text_loses_every_identifier_name_and_name_word():
    text = (
        f"{LONG_NAME.upper()} · GR01 paid CASH for R1 (booking UTKYK5), see p-a69c4099a12df51c; "
        "Huynh and Mohammed met; doc PX123456."
    )
    out = scrubber_for(text).text(text)
    for secret in ("Abdulrahman", "ABDULRAHMAN", "Mohammed", "Hassan", "HASSAN", "GR01", "R1",
                   "UTKYK5", "p-a69c4099a12df51c", "Huynh", "PX123456"):  # fmt: skip
        assert secret not in out, secret
    assert "CASH" in out  # a placeholder account is not a person's
    assert out.startswith(pseudonym(LONG_NAME, "name", KEY) + " · ACCT-")
    assert "TRIP-" in out and "BOOK-" in out and "PARTY-" in out and "DOC-" in out


def test_a_lower_case_word_that_is_also_a_name_stays():
    out = scrubber_for("a long chain, Long").text("a long chain, Long")
    assert out.startswith("a long chain, NAME-")


def test_cells_records_and_frames():
    import datetime as dt

    import pandas as pd

    scrub = scrubber_for("GR01 R1 p-a69c4099a12df51c")
    record = scrub.record(
        {"party_id": "p-a69c4099a12df51c", "name": LONG_NAME, "birth_date": dt.date(1980, 1, 2),
         "nationality": "SY", "city": "Aleppo", "phone": "+44 946545060", "amount": 5.0}
    )  # fmt: skip
    assert record == {
        "party_id": pseudonym("p-a69c4099a12df51c", "party", KEY),
        "name": pseudonym(LONG_NAME, "name", KEY),
        "birth_date": "1980",
        "phone": pseudonym("+44 946545060", "phone", KEY),
        "amount": 5.0,
    }
    frame = scrub.frame(
        pd.DataFrame({"entity_ids": [["GR01", "CASH"]], "record_id": ["R1"],
                      "traveller_nationality": ["SY"]})
    )  # fmt: skip
    assert list(frame.columns) == ["entity_ids", "record_id"]
    assert frame["entity_ids"][0] == [pseudonym("GR01", "account", KEY), "CASH"]
    assert frame["record_id"][0] == pseudonym("R1", "record", KEY)
