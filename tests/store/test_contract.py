"""The Store contract: every backend passes these (see engine/store/base.py).

The ``store`` fixture (tests/store/conftest.py) is parametrised over the backends, so each test
here runs against the EmbeddedStore and against the real Neo4j server.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from engine.core import schema
from engine.store.base import RESTART, Batch, BatchInfo, Store

T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def tx_table(rows: list[tuple[str, str, str, float, int]]) -> pa.Table:
    """Transactions (tx_id, src, dst, amount, minutes after T0) in the canonical schema."""
    return schema.conform(
        pa.table(
            {
                "tx_id": [r[0] for r in rows],
                "ts": pa.array([T0 + dt.timedelta(minutes=r[4]) for r in rows], schema.TS),
                "src_account": [r[1] for r in rows],
                "dst_account": [r[2] for r in rows],
                "amount": [r[3] for r in rows],
                "currency": ["EUR"] * len(rows),
                "amount_base": [r[3] for r in rows],
                "channel": ["wire"] * len(rows),
            }
        ),
        "transactions",
    )


def accounts_table(ids: list[str]) -> pa.Table:
    return schema.conform(
        pa.table(
            {"account_id": ids, "country": ["DE"] * len(ids), "kind": ["personal"] * len(ids)}
        ),
        "accounts",
    )


def batch(batch_id: str, tx_rows, accounts=None, rejected=None) -> Batch:
    tables = {"transactions": tx_table(tx_rows)}
    if accounts is not None:
        tables["accounts"] = accounts_table(accounts)
    return Batch(
        batch_id=batch_id,
        source=f"{batch_id}.csv",
        kind="transactions",
        format="csv",
        tables=tables,
        rejected=rejected if rejected is not None else schema.empty("rejected"),
    )


ROWS = [("t1", "A", "B", 100.0, 0), ("t2", "B", "C", 90.0, 5), ("t3", "C", "A", 80.0, 10)]


def test_empty_store_reads_canonical_empty_tables(store: Store) -> None:
    for name in (*schema.INPUT_TABLES, "batches", "rejected"):
        table = store.read_table(name)
        assert table.num_rows == 0
        assert table.schema.names == schema.ALL_TABLES[name].names
        assert store.count(name) == 0
    for name in schema.RESULT_TABLES:
        assert store.read_results(name).num_rows == 0


def test_written_batch_reads_back_exactly(store: Store) -> None:
    receipt = store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    assert receipt.status == "written"
    assert receipt.written == {"transactions": 3, "accounts": 3}
    table = store.read_table("transactions").sort_by("tx_id")
    assert table.schema.equals(schema.TRANSACTIONS)
    assert store.read_table("accounts").schema.equals(schema.ACCOUNTS)
    assert table["tx_id"].to_pylist() == ["t1", "t2", "t3"]
    assert table["amount_base"].to_pylist() == [100.0, 90.0, 80.0]
    assert table["ts"].to_pylist()[1] == T0 + dt.timedelta(minutes=5)
    assert set(table["batch_id"].to_pylist()) == {"b1"}
    assert store.count("transactions") == 3
    assert store.has_batch("b1") and not store.has_batch("b2")


def test_same_batch_twice_changes_nothing(store: Store) -> None:
    store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    before = store.read_table("transactions").sort_by("tx_id")
    receipt = store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    assert receipt.status == "duplicate"
    assert receipt.rows_written == 0
    assert store.read_table("transactions").sort_by("tx_id").equals(before)
    assert store.count("batches") == 1


def test_known_tx_ids_in_a_new_batch_are_skipped(store: Store) -> None:
    store.write_batch(batch("b1", ROWS, accounts=["A", "B"]))
    receipt = store.write_batch(
        batch("b2", [("t3", "C", "A", 80.0, 10), ("t4", "A", "C", 5.0, 20)], accounts=["B", "D"])
    )
    assert receipt.status == "written"
    assert receipt.written == {"transactions": 1, "accounts": 1}
    assert receipt.duplicates == {"transactions": 1, "accounts": 1}
    assert sorted(store.read_table("transactions")["tx_id"].to_pylist()) == ["t1", "t2", "t3", "t4"]
    assert sorted(store.read_table("accounts")["account_id"].to_pylist()) == ["A", "B", "D"]


def test_duplicates_inside_one_batch_keep_the_first(store: Store) -> None:
    receipt = store.write_batch(
        batch(
            "b1", [("t1", "A", "B", 1.0, 0), ("t1", "A", "B", 999.0, 1), ("t2", "B", "A", 2.0, 2)]
        )
    )
    assert receipt.written == {"transactions": 2}
    # the repeat has another amount: a conflict (quarantined), not an exact duplicate
    assert receipt.duplicates == {"transactions": 0}
    assert receipt.conflicts == {"transactions": 1}
    table = store.read_table("transactions").sort_by("tx_id")
    assert table["amount"].to_pylist() == [1.0, 2.0]


def test_rejected_rows_are_kept_with_their_reason(store: Store) -> None:
    rejected = pa.Table.from_pylist(
        [
            {
                "batch_id": "b1",
                "source": "b1.csv",
                "row": 7,
                "field": "amount",
                "value": "12,x",
                "reason": "not a number",
            },
            {
                "batch_id": "b1",
                "source": "b1.csv",
                "row": 9,
                "field": "ts",
                "value": "yesterday",
                "reason": "not a date",
            },
        ],
        schema=schema.REJECTED,
    )
    receipt = store.write_batch(batch("b1", ROWS[:1], rejected=rejected))
    assert receipt.rejected == 2
    kept = store.read_table("rejected").sort_by("row")
    assert kept["row"].to_pylist() == [7, 9]
    assert kept["reason"].to_pylist() == ["not a number", "not a date"]
    batches = store.read_table("batches")
    assert batches["rows_rejected"].to_pylist() == [2]
    assert batches["rows_accepted"].to_pylist() == [1]
    assert store.count("rejected") == 2


def test_injection_looking_values_are_stored_verbatim(store: Store) -> None:
    hostile = "x'}) MATCH (n) DETACH DELETE n //"
    sql = "Robert'); DROP TABLE accounts;--"
    store.write_batch(batch("b1", [(hostile, sql, "=cmd|' /C calc'!A0", 1.0, 0)], accounts=[sql]))
    table = store.read_table("transactions")
    assert table["tx_id"].to_pylist() == [hostile]
    assert table["src_account"].to_pylist() == [sql]
    assert table["dst_account"].to_pylist() == ["=cmd|' /C calc'!A0"]
    assert store.read_table("accounts")["account_id"].to_pylist() == [sql]


def test_account_transactions_filters_by_account_and_time(store: Store) -> None:
    store.write_batch(batch("b1", [*ROWS, ("t4", "D", "E", 1.0, 30)]))
    got = store.account_transactions("A")
    assert got["tx_id"].to_pylist() == ["t1", "t3"]
    got = store.account_transactions(
        "A", start=T0 + dt.timedelta(minutes=1), end=T0 + dt.timedelta(minutes=60)
    )
    assert got["tx_id"].to_pylist() == ["t3"]


def test_results_replace_the_previous_run_as_a_whole(store: Store) -> None:
    first = {
        "clusters": schema.conform(
            pa.table(
                {"cluster_id": [1, 2], "rank": [1, 2], "score": [0.9, 0.5], "run_id": ["r1"] * 2}
            ),
            "clusters",
        ),
        "cluster_members": schema.conform(
            pa.table(
                {
                    "cluster_id": [1, 1, 2],
                    "entity_id": ["A", "B", "C"],
                    "entity_kind": ["account"] * 3,
                    "run_id": ["r1"] * 3,
                }
            ),
            "cluster_members",
        ),
    }
    store.write_results(first)
    assert store.read_results("clusters").sort_by("cluster_id")["score"].to_pylist() == [0.9, 0.5]
    assert store.read_results("cluster_members").num_rows == 3
    second = {
        "clusters": schema.conform(
            pa.table({"cluster_id": [7], "rank": [1], "score": [0.1], "run_id": ["r2"]}), "clusters"
        )
    }
    store.write_results(second)
    assert store.read_results("clusters")["cluster_id"].to_pylist() == [7]
    assert store.read_results("cluster_members").num_rows == 0


def test_unknown_tables_are_refused(store: Store) -> None:
    from engine.core.errors import StoreError

    with pytest.raises(StoreError):
        store.read_table("no_such_table")
    with pytest.raises(StoreError):
        store.read_results("transactions")


def test_a_streamed_batch_lands_like_one_written_whole(store: Store) -> None:
    """write_stream: chunks deduplicated across each other and against the store, a restart
    discards what came before it, and a repeated stream changes nothing."""
    store.write_batch(batch("b0", [("t1", "A", "B", 100.0, 0)]))
    info = BatchInfo("s1", "s1.csv", "transactions", "csv")

    def chunks():
        yield "transactions", tx_table([("junk", "X", "Y", 1.0, 0)])
        yield RESTART, None
        yield "transactions", tx_table([("t1", "A", "B", 100.0, 0), ("t2", "B", "C", 90.0, 5)])
        yield "transactions", tx_table([("t2", "B", "C", 90.0, 5), ("t3", "C", "A", 80.0, 10)])

    receipt = store.write_stream(info, chunks())
    assert receipt.status == "written"
    assert receipt.written == {"transactions": 2}
    assert receipt.duplicates == {"transactions": 2}
    assert sorted(store.read_table("transactions")["tx_id"].to_pylist()) == ["t1", "t2", "t3"]
    again = store.write_stream(info, chunks())
    assert again.status == "duplicate" and again.rows_written == 0
    assert store.count("transactions") == 3


def test_a_stream_that_fails_half_way_writes_nothing(store: Store) -> None:
    def chunks():
        yield "transactions", tx_table(ROWS)
        raise ValueError("the file turned out unreadable")

    with pytest.raises(ValueError, match="unreadable"):
        store.write_stream(BatchInfo("s2", "s2.csv", "transactions", "csv"), chunks())
    assert store.count("transactions") == 0
    assert not store.has_batch("s2")
