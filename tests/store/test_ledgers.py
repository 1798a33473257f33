"""Ledgers (case lineage, worklog) and the case-id counter: the contract both backends keep.

Runs once per backend through the ``store`` fixture (tests/store/conftest.py): the embedded
folder and the real Neo4j server.
"""

from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pytest

from engine.core.errors import StoreError
from engine.store import ledgers
from engine.store.base import Store

T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def _lineage(run: str, rows: list[tuple[int | None, int | None, str, float | None]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"run_id": run, "old_run_id": "r0", "old_id": o, "new_id": n, "kind": k,
             "overlap": x, "at": T0}
            for o, n, k, x in rows
        ],
        schema=ledgers.CASE_LINEAGE,
    )  # fmt: skip


def _note(entity: str, field: str, value: str | None, author: str, at: dt.datetime) -> dict:
    return {"entry_id": f"{entity}-{field}-{at:%S%f}", "entity_kind": "case", "entity_id": entity,
            "field": field, "value": value, "author": author, "at": at}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ledgers.LEDGERS))
def test_an_empty_ledger_reads_with_its_schema(store: Store, name: str) -> None:
    table = store.read_ledger(name)
    assert table.num_rows == 0
    assert table.schema.equals(ledgers.LEDGERS[name])


def test_ledger_rows_read_back_exactly_in_write_order(store: Store) -> None:
    first = _lineage("r1", [(3, 3, "same", 0.95), (None, 7, "new", None), (4, None, "gone", None)])
    second = _lineage("r2", [(7, 7, "same", 1.0), (3, 8, "split", 0.4)])
    assert store.append_ledger("case_lineage", first) == 3
    assert store.append_ledger("case_lineage", second) == 2
    back = store.read_ledger("case_lineage")
    assert back.schema.equals(ledgers.CASE_LINEAGE)
    assert back.to_pylist() == first.to_pylist() + second.to_pylist()


def test_worklog_keeps_text_as_written_and_microseconds(store: Store) -> None:
    text = "x'}) MATCH (n) DETACH DELETE n // <script>alert(1)</script> **bold**\nline 2"
    rows = pa.Table.from_pylist(
        [_note("12", "note", text, "ines", T0 + dt.timedelta(microseconds=7)),
         _note("12", "assignee", None, "ines", T0)],
        schema=ledgers.WORKLOG,
    )  # fmt: skip
    store.append_ledger("worklog", rows)
    assert store.read_ledger("worklog").to_pylist() == rows.to_pylist()


def test_ledgers_survive_analysis_runs_and_come_with_them(store: Store) -> None:
    store.append_ledger("case_lineage", _lineage("r1", [(None, 1, "new", None)]))
    store.write_results({}, ledgers={"case_lineage": _lineage("r2", [(1, 1, "same", 1.0)])})
    store.write_results({})
    assert store.read_ledger("case_lineage")["run_id"].to_pylist() == ["r1", "r2"]


def test_a_failed_result_write_appends_no_ledger_rows(store: Store) -> None:
    with pytest.raises(StoreError):
        store.write_results(
            {"no_such_table": pa.table({"a": [1]})},
            ledgers={"case_lineage": _lineage("r1", [(None, 1, "new", None)])},
        )
    assert store.read_ledger("case_lineage").num_rows == 0


def test_unknown_ledger_is_refused(store: Store) -> None:
    with pytest.raises((StoreError, KeyError)):
        store.append_ledger("clusters", pa.table({"a": [1]}))
    with pytest.raises((StoreError, KeyError)):
        store.read_ledger("clusters")


def test_case_ids_are_never_handed_out_twice(store: Store) -> None:
    assert store.reserve_case_ids(3) == 1  # 1, 2, 3
    assert store.reserve_case_ids(0) == 4  # nothing reserved
    assert store.reserve_case_ids(2) == 4  # 4, 5
    assert store.reserve_case_ids(1, floor=40) == 40  # a store numbered before the counter
    assert store.reserve_case_ids(1, floor=2) == 41  # the floor never lowers it
    store.write_results({})
    assert store.reserve_case_ids(1) == 42  # results do not reset it


def test_concurrent_reservations_get_disjoint_ids(store: Store) -> None:
    got: list[int] = []
    errors: list[BaseException] = []

    def reserve() -> None:
        try:
            for _ in range(5):
                got.append(store.reserve_case_ids(2))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reserve) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = [first + k for first in got for k in range(2)]
    assert sorted(ids) == list(range(1, 41))


def test_embedded_results_failing_half_way_leave_no_lineage_and_no_file(tmp_path, monkeypatch):
    import errno

    from engine.store import embedded
    from engine.store.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "s")
    real_write = embedded._write_parquet
    calls: list[object] = []

    def failing_write(table, path):
        calls.append(path)
        if len(calls) == 3:  # the lineage file and one result table are on disk
            raise OSError(errno.EIO, "simulated I/O error")
        real_write(table, path)

    monkeypatch.setattr(embedded, "_write_parquet", failing_write)
    with pytest.raises(StoreError, match="not written"):
        store.write_results({}, ledgers={"case_lineage": _lineage("r1", [(None, 1, "new", None)])})
    monkeypatch.setattr(embedded, "_write_parquet", real_write)
    assert store.read_ledger("case_lineage").num_rows == 0
    store.append_ledger("worklog", pa.Table.from_pylist(
        [_note("1", "note", "x", "ines", T0)], schema=ledgers.WORKLOG))  # fmt: skip
    # the next write removed the orphaned lineage file
    assert [p.name.split("-")[0] for p in (tmp_path / "s" / "ledgers").iterdir()] == ["worklog"]


def test_embedded_decision_file_of_a_crashed_writer_is_removed_at_the_next_write(
    tmp_path, monkeypatch
):
    from engine.store import dispositions
    from engine.store.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path / "s")

    def crash(_manifest):
        raise KeyboardInterrupt  # the process dies between the file and the commit

    monkeypatch.setattr(EmbeddedStore, "_commit", lambda self, m: crash(m))
    with pytest.raises(KeyboardInterrupt):
        store.write_dispositions(dispositions.build(["A"], ["cleared"], decided_by="ines"))
    monkeypatch.undo()
    assert len(list((tmp_path / "s" / "dispositions").iterdir())) == 1  # the orphan
    store.reserve_case_ids(1)  # any write
    assert list((tmp_path / "s" / "dispositions").iterdir()) == []
    assert store.read_dispositions().num_rows == 0


@pytest.mark.neo4j
def test_neo4j_results_refused_at_commit_take_their_lineage_with_them() -> None:
    """Two clusters with one id break the server's uniqueness constraint inside the results'
    transaction: the lineage rows of that transaction must not be there either."""
    from engine.core import schema
    from engine.store.neo4j import Neo4jStore
    from tests.store.conftest import neo4j_settings, wipe

    settings = neo4j_settings()
    wipe(settings)
    clash = pa.Table.from_pylist(
        [
            {"cluster_id": 1, "rank": 1, "run_id": "r1"},
            {"cluster_id": 1, "rank": 2, "run_id": "r1"},
        ],
        schema=schema.CLUSTERS,
    )
    with Neo4jStore(settings) as store:
        with pytest.raises(StoreError):
            store.write_results(
                {"clusters": clash},
                ledgers={"case_lineage": _lineage("r1", [(None, 1, "new", None)])},
            )
        assert store.read_ledger("case_lineage").num_rows == 0
