"""Damaged Parquet files: bad text cells are quarantined, an undecodable schema is refused.

Regression tests for the crashes of the loader fuzz run (benchmarks/cases/fuzz.py): each file
is written by pyarrow, then a few bytes are overwritten so a string cell or a column name is no
longer UTF-8 (pyarrow checks neither when reading).
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine.core import schema
from engine.core.errors import InputError
from loaders.parquetio import NOT_UTF8
from loaders.registry import load_file

ROWS = {
    "tx_id": ["t1", "t2", "t3"],
    "ts": ["2024-01-01T10:00:00Z", "2024-01-02T10:00:00Z", "2024-01-03T10:00:00Z"],
    "src_account": ["A", "B", "C"],
    "dst_account": ["B", "C", "A"],
    "amount": ["10.5", "2QQ6.79", "7"],
    "currency": ["EUR", "EUR", "USD"],
    "channel": ["wire", "cardZZ", "cash"],
}


def _parquet(table: pa.Table, patches: dict[bytes, bytes], **options) -> bytes:
    """``table`` as Parquet bytes with every occurrence of each key replaced (same length)."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="NONE", **options)
    data = sink.getvalue()
    for old, new in patches.items():
        assert len(old) == len(new) and old in data
        data = data.replace(old, new)
    return data


def _load(write, data: bytes):
    return load_file(
        write("transactions.parquet", data), format="canonical", kind="transactions", batch_id="b"
    )


def test_invalid_utf8_in_a_mapped_vocabulary_column_is_quarantined(write):
    # fuzz crash 1: UnicodeDecodeError in values.map_values (channel is mapped to the vocabulary)
    data = _parquet(pa.table(ROWS), {b"cardZZ": b"card\xee\x28"}, use_dictionary=False)
    result = _load(write, data)
    rejected = result.rejected.to_pylist()
    assert [(r["row"], r["field"], r["reason"]) for r in rejected] == [(2, "channel", NOT_UTF8)]
    assert rejected[0]["value"].startswith("card\ufffd")
    assert result.tables["transactions"]["tx_id"].to_pylist() == ["t1", "t3"]
    assert result.tables["transactions"].schema == schema.INPUT_TABLES["transactions"]


def test_invalid_utf8_in_a_number_column_is_quarantined(write):
    # fuzz crash 2: ArrowInvalid "Invalid UTF8 sequence" while quarantining "not a number"
    data = _parquet(pa.table(ROWS), {b"2QQ6.79": b"2\xff6.79\xc3"}, use_dictionary=False)
    result = _load(write, data)
    rejected = result.rejected.to_pylist()
    assert [(r["row"], r["field"], r["reason"]) for r in rejected] == [(2, "amount", NOT_UTF8)]
    assert result.rows_accepted == 2


def test_invalid_utf8_in_a_dictionary_column_is_quarantined(write):
    table = pa.table(ROWS)
    table = table.set_column(6, "channel", table["channel"].dictionary_encode())
    data = _parquet(table, {b"cardZZ": b"card\xff\xfe"})
    result = _load(write, data)
    assert [(r["row"], r["field"]) for r in result.rejected.to_pylist()] == [(2, "channel")]
    channels = result.tables["transactions"]["channel"].to_pylist()
    assert channels == ["wire", "cash"]


def test_every_bad_row_is_quarantined_once_naming_the_first_bad_field(write):
    data = _parquet(
        pa.table(ROWS),
        {b"2QQ6.79": b"2\xff6.791", b"cardZZ": b"card\xee\x28", b"USD": b"U\xffD"},
        use_dictionary=False,
    )
    result = _load(write, data)
    got = sorted((r["row"], r["field"]) for r in result.rejected.to_pylist())
    assert got == [(2, "amount"), (3, "currency")]
    assert result.rows_accepted == 1


@pytest.mark.parametrize("store_schema", [True, False])
def test_a_column_name_that_is_not_utf8_refuses_the_file(write, store_schema):
    # fuzz crashes 3 and 4: UnicodeDecodeError from ParquetFile's column paths
    data = _parquet(pa.table(ROWS), {b"currency": b"c\xa8rrency"}, store_schema=store_schema)
    with pytest.raises(InputError, match=r"transactions\.parquet.*not valid UTF-8"):
        _load(write, data)


def test_a_truncated_parquet_file_is_refused(write):
    data = _parquet(pa.table(ROWS), {})
    with pytest.raises(InputError, match=r"transactions\.parquet"):
        _load(write, data[: len(data) // 2] + data[-8:])


def test_a_clean_file_loads_without_quarantine(write):
    rows = dict(ROWS, amount=["10.5", "2", "7"], channel=["wire", "card", "cash"])
    result = _load(write, _parquet(pa.table(rows), {}))
    assert result.rows_accepted == 3 and result.rejected.num_rows == 0
