"""The fast incremental path into Neo4j keeps the store's promises (against the real server).

Transfers are written without MERGE: their account nodes are looked up once per batch, the
missing ones created as bare references, and each transfer is a CREATE between two nodes
found by id (engine/store/cypher.py, WRITE_TRANSFERS). These tests break when that path

* leaves part of a failed batch behind (a transfer, an account reference, the ``:Batch``),
* writes anything on a repeated upload, or makes a second node for a known account,
* lets two concurrent writers that create the same new accounts fail or double them.
"""

from __future__ import annotations

import threading

import pyarrow.compute as pc
import pytest

import engine.store.neo4j as neo4j_store
from engine.core.errors import StoreError
from engine.store.neo4j import Neo4jStore
from tests.store.conftest import neo4j_settings, wipe
from tests.store.test_contract import batch

pytestmark = pytest.mark.neo4j

#: 1,000 transfers over 60 accounts: several CREATE statements once TRANSFER_ROWS is small.
ROWS = [(f"T{i:04d}", f"A{i % 40}", f"B{i % 20}", float(i), i) for i in range(1_000)]


def _nodes(store: Neo4jStore) -> int:
    """Every Account node, references included (count() only counts account rows)."""
    return int(store._query("MATCH (a:Account) RETURN count(a) AS n", write=False).records[0]["n"])


def test_a_batch_failing_after_some_transfers_leaves_nothing(monkeypatch) -> None:
    """The third CREATE statement fails: the first two, the account references and the
    ``:Batch`` must all be rolled back, and the resend must then be written whole."""
    settings = neo4j_settings()
    wipe(settings)
    monkeypatch.setattr(neo4j_store, "TRANSFER_ROWS", 300)
    real = neo4j_store._params
    calls = {"n": 0}

    def failing(chunk, batch_id):  # type: ignore[no-untyped-def]
        if "tx_id" in chunk.column_names and "src_account" not in chunk.column_names:
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("injected failure in the third transfer statement")
        return real(chunk, batch_id)

    with Neo4jStore(settings) as store:
        store.write_batch(batch("earlier", [("E1", "A0", "Z", 1.0, 0)]))
        before = _nodes(store)
        monkeypatch.setattr(neo4j_store, "_params", failing)
        with pytest.raises((RuntimeError, StoreError)):
            store.write_batch(batch("fails", ROWS))
        assert calls["n"] == 3, "the failure must come after transfers were created"
        assert not store.has_batch("fails")
        assert store.count("transactions") == 1
        assert _nodes(store) == before  # no account reference of the failed batch is left
        monkeypatch.setattr(neo4j_store, "_params", real)
        receipt = store.write_batch(batch("fails", ROWS))
        assert receipt.status == "written" and receipt.written == {"transactions": len(ROWS)}
        assert store.count("transactions") == len(ROWS) + 1
        assert _nodes(store) == 61  # A0..A39, B0..B19 and Z, each once


def test_a_repeated_upload_changes_nothing_and_counts_the_rows_as_duplicates() -> None:
    settings = neo4j_settings()
    wipe(settings)
    with Neo4jStore(settings) as store:
        first = store.write_batch(batch("one", ROWS))
        assert first.written == {"transactions": len(ROWS)}
        nodes, stored = _nodes(store), store.read_table("transactions").sort_by("tx_id")
        assert store.write_batch(batch("one", ROWS)).status == "duplicate"
        again = store.write_batch(batch("one-again", ROWS))  # the same rows, another file
        assert again.written == {"transactions": 0}
        assert again.duplicates == {"transactions": len(ROWS)} and not again.conflicts
        half = store.write_batch(batch("half", [*ROWS[500:], ("N1", "A1", "NEW", 2.0, 3)]))
        assert half.written == {"transactions": 1}
        assert half.duplicates == {"transactions": 500}
        assert _nodes(store) == nodes + 1  # only NEW: known accounts are reused, not doubled
        assert store.count("transactions") == len(ROWS) + 1
        now = store.read_table("transactions").sort_by("tx_id")
        assert now.filter(pc.not_equal(now["tx_id"], "N1")).equals(stored)
        # The transfer joins the very nodes the earlier batch made.
        linked = store._query(
            "MATCH (a:Account {account_id: 'A1'})-[r:TRANSFER]->(b:Account) "
            "RETURN count(r) AS n, count(DISTINCT a) AS a",
            write=False,
        ).records[0]
        assert (linked["n"], linked["a"]) == (26, 1)


def test_concurrent_files_creating_the_same_new_accounts_both_land() -> None:
    """Two writers, different transfers, the same accounts not yet stored: one creates the
    references, the other's commit is refused by the account_id constraint and retried."""
    settings = neo4j_settings()
    wipe(settings)
    left = batch("left", ROWS)
    right = batch("right", [(f"R{i:04d}", a, b, v, m) for i, (_, a, b, v, m) in enumerate(ROWS)])
    stores = [Neo4jStore(settings), Neo4jStore(settings)]
    start = threading.Barrier(2)
    out: list = [None, None]

    def run(i: int, sent) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            out[i] = stores[i].write_batch(sent)
        except Exception as exc:  # reported by the assertion below
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, b)) for i, b in enumerate((left, right))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert [getattr(r, "status", r) for r in out] == ["written", "written"], out
        assert store_counts(stores[0]) == (2 * len(ROWS), 60, 2)
    finally:
        for store in stores:
            store.close()


def store_counts(store: Neo4jStore) -> tuple[int, int, int]:
    return store.count("transactions"), _nodes(store), store.count("batches")
