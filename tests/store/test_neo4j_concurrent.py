"""Concurrent ingest of one file into Neo4j: one writes it, the other is a duplicate.

The uniqueness constraints refuse the second writer's copy at commit; that ended the command
with a ConstraintError where docs/neo4j.md promises a retry counted as duplicates (issue 17,
item 10).
"""

from __future__ import annotations

import threading

import pytest

from engine.store.neo4j import Neo4jStore
from tests.store.conftest import neo4j_settings, wipe
from tests.store.test_contract import batch

pytestmark = pytest.mark.neo4j
ROWS = [(f"c{i}", f"A{i % 50}", f"B{i % 70}", float(i), i) for i in range(20_000)]


def _race(batches) -> list:
    settings = neo4j_settings()
    wipe(settings)
    stores = [Neo4jStore(settings) for _ in batches]
    start = threading.Barrier(len(batches))
    out: list = [None] * len(batches)

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = stores[i].write_batch(batches[i])
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores[1:]:
        store.close()
    out.append(stores[0])
    return out


def test_the_same_batch_from_two_writers_lands_once():
    first, second, store = _race([batch("same", ROWS), batch("same", ROWS)])
    try:
        assert not isinstance(first, Exception) and not isinstance(second, Exception), (
            first,
            second,
        )
        assert sorted([first.status, second.status]) == ["duplicate", "written"]
        assert store.count("transactions") == len(ROWS) and store.count("batches") == 1
    finally:
        store.close()


def test_two_files_sharing_rows_count_the_shared_ones_as_duplicates():
    first, second, store = _race(
        [batch("one", ROWS), batch("two", [*ROWS[5_000:], ("x", "A", "B", 1.0, 0)])]
    )
    try:
        assert not isinstance(first, Exception) and not isinstance(second, Exception), (
            first,
            second,
        )
        assert store.count("transactions") == len(ROWS) + 1
        written = first.written["transactions"] + second.written["transactions"]
        duplicates = first.duplicates["transactions"] + second.duplicates["transactions"]
        assert (written, duplicates) == (len(ROWS) + 1, 15_000)
    finally:
        store.close()
