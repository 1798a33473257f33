"""CSV bytes that are not UTF-8: checked before Arrow parses them, so every bad row is quarantined.

Regression tests for the fuzz run's handler errors: pyarrow could not hand a malformed row
holding invalid UTF-8 to the invalid-row handler (it swallowed the decode error), so the row
was never quarantined and, with an explicit UTF-8 encoding, the whole file was refused.
"""

from __future__ import annotations

import io
import sys
from functools import partial

import pytest

from loaders.registry import load_file
from loaders.utf8 import CheckedUTF8, NotUTF8, valid_utf8

EXPORT = (
    b"date,from,to,amount,currency\n"
    b"2024-01-05,A,B,10,EUR\n"
    b"2024-01-06,B\xff,C,7,USD,extra\n"  # a field too many, and a byte that is not UTF-8
    b"2024-01-07,C,D,8,EUR\n"
)


@pytest.fixture
def swallowed(monkeypatch):
    """The exceptions Python reports as unraisable (swallowed inside a library callback)."""
    seen: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    return seen


def test_valid_utf8():
    assert valid_utf8(b"") and valid_utf8("Müller €".encode())
    assert not valid_utf8(b"ab\xff") and not valid_utf8("é".encode()[:1])


def test_a_character_split_between_reads_is_accepted():
    data = "naïve €uro\n".encode() * 3
    for size in (1, 2, 3, 5):
        out = b"".join(iter(partial(CheckedUTF8(io.BytesIO(data)).read, size), b""))
        assert out == data


@pytest.mark.parametrize("data", [b"ok\n\xff\n", "é".encode()[:1], b"a" * 10 + b"\xc3\x28"])
def test_bytes_that_are_not_utf8_raise(data):
    stream = CheckedUTF8(io.BytesIO(data))
    with pytest.raises(NotUTF8):
        while stream.read(4):
            pass


def test_malformed_non_utf8_row_is_quarantined_without_a_swallowed_error(write, swallowed):
    result = load_file(write("export.csv", EXPORT), batch_id="b")
    assert not swallowed
    (row,) = result.rejected.to_pylist()
    assert (row["row"], row["field"], row["reason"]) == (2, "(row)", "expected 5 fields, found 6")
    # read again row by row: the only bytes that are not UTF-8 were in the refused row, so no
    # accepted row needed Latin-1 (the whole file used to be re-read as Latin-1)
    assert result.rows_accepted == 2 and not result.notes


def test_explicit_utf8_quarantines_the_bad_rows_instead_of_refusing_the_file(write, swallowed):
    data = EXPORT + b"2024-01-08,D,\xc3\x28,9,EUR\n2024-01-09,\xc3\xa9,A,3,EUR\n"
    result = load_file(write("export.csv", data), mapping={"encoding": "utf-8"}, batch_id="b")
    assert not swallowed
    got = [(r["row"], r["field"]) for r in result.rejected.to_pylist()]
    assert got == [(2, "(row)"), (4, "to")]
    assert "\ufffd" in result.rejected["value"][0].as_py()  # shown with a replacement character
    accounts = result.tables["transactions"]["src_account"].to_pylist()
    assert len(accounts) == 3 and "é" in accounts  # valid UTF-8 survives the Latin-1 transport
