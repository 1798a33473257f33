"""Investigators' decisions in the store: the contract both backends keep (see base.py).

Runs once per backend through the ``store`` fixture (tests/store/conftest.py): the embedded
folder and the real Neo4j server.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from engine.core.errors import StoreError
from engine.store import dispositions
from engine.store.base import Store
from tests.store.test_contract import ROWS, batch

T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def test_no_decisions_reads_empty_table_with_schema(store: Store) -> None:
    table = store.read_dispositions()
    assert table.num_rows == 0
    assert table.schema.equals(dispositions.DISPOSITIONS)


def test_decisions_read_back_exactly_with_who_and_when(store: Store) -> None:
    store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    rows = dispositions.build(
        ["A", "B", "7"],
        ["suspicious", "cleared", "escalated"],
        entity_kinds=["account", "account", "case"],
        reasons=["mule for cluster 7", "salary account", None],
        decided_by="ines",
        decided_at=[T0, T0 + dt.timedelta(seconds=1), T0 + dt.timedelta(microseconds=7)],
        case_ids=[None, None, "7"],
        run_id="run-1",
    )
    assert store.write_dispositions(rows) == 3
    back = store.read_dispositions()
    assert back.schema.equals(dispositions.DISPOSITIONS)
    assert back.sort_by("entity_id").to_pylist() == rows.sort_by("entity_id").to_pylist()


def test_later_writes_append_and_latest_decision_wins(store: Store) -> None:
    first = dispositions.build(["A"], ["suspicious"], decided_by="ines", decided_at=[T0])
    later = dispositions.build(
        ["A", "B"], ["cleared", "suspicious"], decided_by="omar",
        decided_at=[T0 + dt.timedelta(days=1), T0],
    )  # fmt: skip
    store.write_dispositions(first)
    store.write_dispositions(later)
    back = store.read_dispositions()
    assert back.num_rows == 3
    assert back["decided_by"].to_pylist() == ["ines", "omar", "omar"]  # write order kept
    labels = dispositions.labels(back).to_pylist()
    assert [(r["entity_id"], r["label"]) for r in labels] == [("A", 0), ("B", 1)]


def test_decisions_survive_an_analysis_run(store: Store) -> None:
    store.write_dispositions(dispositions.build(["A"], ["cleared"], decided_by="ines"))
    store.write_results({})
    assert store.read_dispositions()["entity_id"].to_pylist() == ["A"]


def test_a_failed_write_leaves_no_decision(store: Store) -> None:
    good = dispositions.build(["A", "B"], ["cleared", "cleared"], decided_by="ines")
    # A second row with the first row's id breaks uniqueness (Neo4j: the constraint at commit;
    # embedded: refused before anything is written): nothing of the write may be visible.
    ids = good["disposition_id"].to_pylist()
    clash = good.set_column(0, "disposition_id", pa.array([ids[0], ids[0]]))
    with pytest.raises(StoreError):
        store.write_dispositions(clash)
    assert store.read_dispositions().num_rows == 0


def test_triage_result_tables_round_trip(store: Store) -> None:
    from engine.core import schema

    triage = pa.table(
        {
            "entity_id": ["A", "B"],
            "risk": [1.0, 0.25],
            "rule_score": [0.5, 0.25],
            "model_score": [0.9, None],
            "label": pa.array([1, None], pa.int8()),
            "decided_at": pa.array([T0, None], schema.TS),
            "new_evidence": [False, None],
            "flagged": [True, False],
            "run_id": ["r1", "r1"],
        }
    )
    model = {"run_id": "r1", "kind": "lightgbm", "n_labelled": 20, "n_positive": 10,
             "threshold": 0.5, "parameters": "{}", "importances": '{"in_n": 1.0}',
             "metrics": "{}", "model": "tree\n" * 1000}  # fmt: skip
    store.write_results(
        {"triage": triage, "models": pa.Table.from_pylist([model], schema=schema.MODELS)}
    )
    assert store.read_results("triage").to_pylist() == schema.conform(triage, "triage").to_pylist()
    assert store.read_results("models").to_pylist() == [model]
