"""Loaders as streams: chunks as the file is read, the same result as loading it whole."""

from __future__ import annotations

import pyarrow as pa

from engine.store import base
from loaders import stream, tabular
from loaders.normalise import derive_ids
from loaders.registry import load_file, open_stream

HEADER = "ts,src_account,dst_account,amount,currency,reference\n"


def _rows(n: int) -> str:
    # every row appears three times, far apart, so repeats fall in different chunks
    return "".join(
        f"2024-01-{1 + i % 28:02d}T10:00:00Z,A{i % 50},B{i % 70},{i % 100}.5,EUR,r{i % 1000}\n"
        for i in range(n)
    )


def test_a_file_streams_in_chunks_with_rejects_as_they_come(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "CSV_BLOCK_BYTES", 8192)
    path = tmp_path / "transactions.csv"
    body = _rows(3000).splitlines(keepends=True)
    body[1500] = "2024-13-45T10:00:00Z,A,B,1,EUR,bad date\n"
    path.write_text(HEADER + "".join(body))
    chunks = list(open_stream(path, batch_id="b"))
    names = [name for name, _ in chunks]
    assert names.count("transactions") > 5  # many chunks, not one table
    first_reject = names.index("rejected")
    assert 0 < first_reject < len(names) - 1  # the reject came with its chunk, not at the end
    rejected = pa.concat_tables([t for name, t in chunks if name == "rejected"])
    assert rejected["row"].to_pylist() == [1501]


def test_ids_derived_across_chunks_equal_those_of_the_whole_file(tmp_path, monkeypatch):
    """The k-th repeat of an identical row gets '-k' even when the repeats are chunks apart."""
    path = tmp_path / "transactions.csv"
    path.write_text(HEADER + _rows(1000) * 3)
    monkeypatch.setattr(tabular, "CSV_BLOCK_BYTES", 4096)
    streamed = load_file(path, batch_id="b").tables["transactions"]
    monkeypatch.setattr(tabular, "CSV_BLOCK_BYTES", 8 << 20)
    whole = load_file(path, batch_id="b").tables["transactions"]
    assert whole.num_rows == streamed.num_rows == 3000
    assert streamed["tx_id"].to_pylist() == whole["tx_id"].to_pylist()
    ids = streamed["tx_id"].to_pylist()
    assert len(set(ids)) == 3000
    assert sum(i.endswith("-2") for i in ids) == 1000
    # and both are what derive_ids gives on the table as one piece
    at = whole.schema.get_field_index("tx_id")
    blank = whole.set_column(at, "tx_id", pa.nulls(whole.num_rows, pa.string()))
    assert derive_ids(blank, "transactions")["tx_id"].to_pylist() == ids


def test_stream_names_are_the_store_names():
    assert (stream.RESTART, stream.REJECTED) == (base.RESTART, base.REJECTED)


def test_collect_honours_restart():
    table = pa.table({"tx_id": ["a"]})
    chunks = iter([("transactions", table), (stream.RESTART, None), ("transactions", table)])
    result = stream.collect(stream.LoadStream("csv", "transactions", ("transactions",), chunks))
    assert result.tables["transactions"].num_rows == 1
