"""Conflicting duplicates, on every backend (issue 17, item 7).

The same ``tx_id`` arriving with amount 10 and then 99999 is not a duplicate: one of two
reports is wrong, and dropping the second with a count hides that. The store keeps the first
row, quarantines the incoming one with both versions (``conflicts``, written with the batch),
and counts it apart from exact duplicates; an exact repeat still changes nothing.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from engine.core import schema
from engine.store.base import Batch, BatchInfo, Store
from engine.store.conflicts import REASON, differing
from tests.store.test_contract import ROWS, T0, batch, tx_table


def _conflicts(store: Store) -> list[dict]:
    return store.read_table("conflicts").sort_by([("batch_id", "ascending"),
                                                  ("key", "ascending")]).to_pylist()  # fmt: skip


def _batch_row(store: Store, batch_id: str) -> dict:
    (row,) = [b for b in store.read_table("batches").to_pylist() if b["batch_id"] == batch_id]
    return row


def test_a_known_key_with_other_content_is_quarantined_with_both_values(store: Store) -> None:
    store.write_batch(batch("b1", [("t1", "A", "B", 10.0, 0)]))
    receipt = store.write_batch(
        batch("b2", [("t1", "A", "B", 99999.0, 0), ("t9", "A", "C", 5.0, 1)])
    )
    assert receipt.written == {"transactions": 1}
    assert receipt.duplicates == {"transactions": 0}
    assert receipt.conflicts == {"transactions": 1}
    # the stored row is untouched
    stored = store.read_table("transactions", ["tx_id", "amount"]).to_pydict()
    amounts = dict(zip(stored["tx_id"], stored["amount"], strict=True))
    assert amounts == {"t1": 10.0, "t9": 5.0}
    (conflict,) = _conflicts(store)
    assert conflict["batch_id"] == "b2" and conflict["stored_batch_id"] == "b1"
    assert conflict["table"] == "transactions" and conflict["key"] == "t1"
    assert conflict["fields"] == "amount,amount_base" and conflict["reason"] == REASON
    stored, incoming = json.loads(conflict["stored"]), json.loads(conflict["incoming"])
    assert (stored["amount"], incoming["amount"]) == (10.0, 99999.0)
    assert stored["ts"] == incoming["ts"] == T0.isoformat()
    assert _batch_row(store, "b2")["rows_conflict"] == 1
    assert _batch_row(store, "b2")["rows_duplicate"] == 0
    assert store.count("conflicts") == 1


def test_an_exact_repeat_is_a_duplicate_not_a_conflict(store: Store) -> None:
    store.write_batch(batch("b1", ROWS))
    receipt = store.write_batch(batch("b2", [*ROWS, ("t4", "A", "C", 1.0, 2)]))
    assert receipt.duplicates == {"transactions": 3} and receipt.conflicts == {}
    assert store.count("conflicts") == 0
    assert _batch_row(store, "b2")["rows_conflict"] == 0


def test_a_conflict_inside_one_batch_keeps_the_first_row(store: Store) -> None:
    rows = [("t1", "A", "B", 10.0, 0), ("t1", "A", "B", 10.0, 0), ("t1", "A", "X", 10.0, 0)]
    receipt = store.write_batch(batch("b1", rows))
    assert receipt.written == {"transactions": 1}
    assert receipt.duplicates == {"transactions": 1} and receipt.conflicts == {"transactions": 1}
    (conflict,) = _conflicts(store)
    assert conflict["fields"] == "dst_account" and conflict["stored_batch_id"] == "b1"
    assert json.loads(conflict["incoming"])["dst_account"] == "X"
    assert store.read_table("transactions")["dst_account"].to_pylist() == ["B"]


def test_the_same_conflicting_file_twice_adds_the_conflict_once(store: Store) -> None:
    store.write_batch(batch("b1", [("t1", "A", "B", 10.0, 0)]))
    conflicting = batch("b2", [("t1", "A", "B", 99999.0, 0)])
    store.write_batch(conflicting)
    again = store.write_batch(conflicting)
    assert again.status == "duplicate"
    assert store.count("conflicts") == 1 and len(_conflicts(store)) == 1


def test_removing_a_batch_takes_its_conflicts_and_the_file_can_come_back(store: Store) -> None:
    store.write_batch(batch("b1", [("t1", "A", "B", 10.0, 0)]))
    store.write_batch(batch("b2", [("t1", "A", "B", 99999.0, 0)]))
    receipt = store.remove_batch("b2")
    assert receipt.conflicts == 1
    assert store.count("conflicts") == 0 and _conflicts(store) == []
    store.write_batch(batch("b2", [("t1", "A", "B", 99999.0, 0)]))
    assert store.count("conflicts") == 1


def test_travel_conflicts_and_entity_rows_that_differ_are_not_conflicts(store: Store) -> None:
    def trips(batch_id: str, destination: str, institution: str) -> Batch:
        travel = pa.table({"record_id": ["r1"], "traveller_name": ["Ana Lima"], "mode": ["air"],
                           "origin": ["IST"], "destination": [destination],
                           "departure": pa.array([T0], schema.TS)})  # fmt: skip
        accounts = pa.table({"account_id": ["A"], "institution": [institution]})
        tables = {"travel": schema.conform(travel, "travel"),
                  "accounts": schema.conform(accounts, "accounts")}  # fmt: skip
        return Batch(batch_id, f"{batch_id}.csv", "mixed", "csv", tables)

    store.write_batch(trips("b1", "ATH", "Bank One"))
    receipt = store.write_batch(trips("b2", "FRA", "Bank One AG"))
    # an account described with more detail by another source is not a contradiction
    assert receipt.conflicts == {"travel": 1}
    assert receipt.duplicates == {"travel": 0, "accounts": 1}
    (conflict,) = _conflicts(store)
    assert conflict["table"] == "travel" and conflict["fields"] == "destination"
    assert json.loads(conflict["stored"])["destination"] == "ATH"


def test_content_comparison_tells_null_from_empty_and_ignores_the_batch() -> None:
    a = tx_table([("t1", "A", "B", 10.0, 0), ("t2", "A", "B", float("nan"), 0)])
    b = a.set_column(a.schema.get_field_index("batch_id"), "batch_id", pa.array(["x", "y"]))
    ref = a.set_column(a.schema.get_field_index("reference"), "reference", pa.array(["", None]))
    assert differing(a, b).tolist() == [False, False]  # NaN is NaN; the batch is no content
    assert differing(a, ref).tolist() == [True, False]  # "" is not a missing reference
    zero = tx_table([("t1", "A", "B", 0.0, 0)])
    minus = tx_table([("t1", "A", "B", -0.0, 0)])
    assert differing(zero, minus).tolist() == [False]


def test_embedded_streamed_batch_finds_conflicts_across_parts_and_after_reopening(
    tmp_path, monkeypatch
) -> None:
    """A repeat many chunks (part files) after its first row, and a store opened afresh
    (its known keys read from disk, not carried over in memory), still find the conflict."""
    from engine.store import batchwriter
    from engine.store.embedded import EmbeddedStore

    monkeypatch.setattr(batchwriter, "PART_ROWS", 4)
    rows = [(f"t{i}", "A", "B", float(i), i) for i in range(20)]
    chunks = [("transactions", tx_table(rows[i : i + 3])) for i in range(0, 20, 3)]
    chunks.append(("transactions", tx_table([("t2", "A", "B", 2.0, 2), ("t3", "A", "B", 7.5, 3)])))
    with EmbeddedStore(tmp_path / "s") as store:
        receipt = store.write_stream(BatchInfo("b1", "b1.csv", "transactions", "csv"), chunks)
        assert receipt.written == {"transactions": 20}
        assert receipt.duplicates == {"transactions": 1} and receipt.conflicts == {
            "transactions": 1
        }
        (conflict,) = _conflicts(store)
        assert conflict["key"] == "t3" and json.loads(conflict["stored"])["amount"] == 3.0
        # the next batch in the same process uses the carried-over key cache
        store.write_batch(batch("b2", [("t17", "A", "B", 0.5, 17)]))
        assert [c["key"] for c in _conflicts(store)] == ["t3", "t17"]
    with EmbeddedStore(tmp_path / "s") as store:
        receipt = store.write_batch(
            batch("b3", [("t11", "A", "B", 11.0, 11), ("t5", "Q", "B", 5.0, 5)])
        )
        assert receipt.duplicates == {"transactions": 1} and receipt.conflicts == {
            "transactions": 1
        }
        assert json.loads(_conflicts(store)[-1]["stored"])["src_account"] == "A"


def test_embedded_conflicts_land_with_the_batch_or_not_at_all(tmp_path, monkeypatch) -> None:
    from engine.store import embedded
    from engine.store.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "s") as store:
        store.write_batch(batch("b1", [("t1", "A", "B", 10.0, 0)]))
        real_write = embedded._write_parquet

        def failing(table, path):
            if path.name.startswith("transactions"):
                raise OSError(28, "No space left on device")
            real_write(table, path)

        monkeypatch.setattr(embedded, "_write_parquet", failing)
        with pytest.raises(Exception, match="disk is full"):
            store.write_batch(batch("b2", [("t1", "A", "B", 99.0, 0), ("t2", "A", "B", 1.0, 0)]))
        assert store.count("conflicts") == 0 and _conflicts(store) == []
        assert not store.has_batch("b2")
