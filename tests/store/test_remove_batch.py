"""Taking a batch back (``Store.remove_batch``), on every backend (issue 17, item 1).

One bad upload must not stay in the store for ever: removal takes out the rows the batch
stored, its quarantined rows and its record, atomically, leaving other batches' rows as they
were (an account row another batch's transfers point at stays a bare reference).
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from engine.core import schema
from engine.core.errors import StoreError
from engine.store.base import Batch, Store
from tests.store.test_contract import ROWS, T0, batch


def _snapshot(store: Store) -> dict[str, list[dict]]:
    keys = {**schema.KEYS, "batches": ("batch_id",), "rejected": ("batch_id", "row")}
    out = {}
    for name in (*schema.INPUT_TABLES, "batches", "rejected"):
        table = store.read_table(name)
        if name == "batches":
            table = table.drop_columns(["uploaded_at"])
        out[name] = table.sort_by([(k, "ascending") for k in keys[name]]).to_pylist()
    return out


def _rejected(batch_id: str, rows: list[int]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"batch_id": batch_id, "source": f"{batch_id}.csv", "row": r, "field": "amount",
             "value": "inf", "reason": "amount_base must be a finite number"}
            for r in rows
        ],
        schema=schema.REJECTED,
    )  # fmt: skip


def _kyc(batch_id: str) -> Batch:
    parties = pa.table({"party_id": ["P1", "P2"], "name": ["Ana Lima", "Ben Okafor"],
                        "birth_date": pa.array([dt.date(1980, 1, 2), None], pa.date32())})  # fmt: skip
    holdings = pa.table({"party_id": ["P1", "P2"], "account_id": ["A", "Z"],
                         "role": ["owner", "owner"]})  # fmt: skip
    travel = pa.table({
        "record_id": ["r1"], "traveller_name": ["Ana Lima"], "mode": ["air"],
        "origin": ["IST"], "destination": ["ATH"],
        "departure": pa.array([T0], schema.TS), "payer_account": ["Q"],
    })  # fmt: skip
    tables = {
        "parties": schema.conform(parties, "parties"),
        "holdings": schema.conform(holdings, "holdings"),
        "travel": schema.conform(travel, "travel"),
    }
    return Batch(batch_id, f"{batch_id}.csv", "kyc", "csv", tables, _rejected(batch_id, [4]))


def test_removing_a_batch_takes_back_its_rows_and_leaves_the_others(store: Store) -> None:
    store.write_batch(batch("b2", [("t9", "A", "D", 5.0, 30)], accounts=["D"]))
    before = _snapshot(store)
    store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"], rejected=_rejected("b1", [2])))
    store.write_batch(_kyc("k1"))
    receipt = store.remove_batch("b1")
    assert (receipt.batch_id, receipt.source, receipt.rejected) == ("b1", "b1.csv", 1)
    assert receipt.removed == {"transactions": 3, "accounts": 3}
    store.remove_batch("k1")
    assert _snapshot(store) == before  # A stays a bare reference of b2's transfer t9
    assert not store.has_batch("b1") and store.has_batch("b2")
    assert store.count("rejected") == 0 and store.count("transactions") == 1


def test_a_removed_batch_can_be_ingested_again(store: Store) -> None:
    store.write_batch(batch("b1", ROWS, accounts=["A"]))
    store.write_batch(_kyc("k1"))
    wanted = _snapshot(store)
    store.remove_batch("b1")
    store.remove_batch("k1")
    assert store.write_batch(batch("b1", ROWS, accounts=["A"])).written == {
        "transactions": 3,
        "accounts": 1,
    }
    assert store.write_batch(_kyc("k1")).status == "written"
    assert _snapshot(store) == wanted


def test_removing_an_unknown_batch_is_an_error_and_changes_nothing(store: Store) -> None:
    store.write_batch(batch("b1", ROWS))
    before = _snapshot(store)
    with pytest.raises(StoreError, match="no batch 'nope'"):
        store.remove_batch("nope")
    assert _snapshot(store) == before


def test_a_removal_that_fails_half_way_changes_nothing(store: Store, monkeypatch) -> None:
    store.write_batch(batch("b1", ROWS, accounts=["A"], rejected=_rejected("b1", [5])))
    store.write_batch(_kyc("k1"))
    before = _snapshot(store)
    if store.backend == "neo4j":  # the last statement of the transaction fails
        from engine.store import cypher

        monkeypatch.setattr(cypher, "REMOVE_BATCH", "MATCH (b:Batch) RETURN 1 / 0 AS boom")
    else:  # the manifest commit fails
        from engine.store.embedded import EmbeddedStore

        def boom(self, manifest):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(EmbeddedStore, "_commit", boom)
    with pytest.raises(StoreError):
        store.remove_batch("k1")
    monkeypatch.undo()
    assert _snapshot(store) == before
