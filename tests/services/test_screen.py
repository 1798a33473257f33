"""Whatever is stored, analysis runs: rows it cannot weigh are set aside and counted.

One stored ``amount_base`` of ``inf`` stopped ``moneytrail analyze`` for the whole store
(``weights must be finite``), one time before 1970 stopped ``pay_on_arrival`` (``'list'
argument must have no negative elements``); issue 17, item 1.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from engine.core import schema
from engine.services.pipeline import analyze, analyze_tables
from engine.services.screen import screen
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from engine.synth import generate

SIXTY_YEARS_US = int(60 * 365.25 * 86_400_000_000)


@pytest.fixture(scope="module")
def world() -> dict[str, pa.Table]:
    return {name: schema.conform(t, name) for name, t in generate("tiny", 3).tables.items()}


def _clusters(tables: dict[str, pa.Table]) -> list[tuple[frozenset[str], float]]:
    results = analyze_tables(tables, seed=1).results
    members = results["cluster_members"].to_pandas()
    groups = members.groupby("cluster_id")["entity_id"].apply(frozenset)
    ranked = results["clusters"].to_pandas().sort_values("rank")
    return [
        (groups[c], round(s, 9)) for c, s in zip(ranked["cluster_id"], ranked["score"], strict=True)
    ]


def _earlier(table: pa.Table, column: str) -> pa.Table:
    us = pc.subtract(pc.cast(table[column], pa.int64()), pa.scalar(SIXTY_YEARS_US, pa.int64()))
    index = table.schema.get_field_index(column)
    return table.set_column(index, table.schema.field(index), us.cast(schema.TS))


def _conform(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {name: schema.conform(table, name) for name, table in tables.items()}


def _poison(world: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The world plus transactions and trips the detectors cannot weigh."""
    tx = world["transactions"].slice(0, 6)
    ids = pa.array([f"poison-{i}" for i in range(6)])
    tx = tx.set_column(0, tx.schema.field(0), ids)
    base = [float("inf"), float("nan"), -1.0, 5.0, 5.0, 5.0]
    at = tx.schema.get_field_index("amount_base")
    tx = tx.set_column(at, tx.schema.field(at), pa.array(base))
    old = _earlier(tx.slice(3, 3), "ts")
    trips = world["travel"].slice(0, 4)
    trips = trips.set_column(0, trips.schema.field(0), pa.array([f"old-{i}" for i in range(4)]))
    trips = _earlier(_earlier(trips, "departure"), "arrival")
    more = _conform({"transactions": pa.concat_tables([tx.slice(0, 3), old]), "travel": trips})
    return dict(
        world,
        transactions=pa.concat_tables([world["transactions"], more["transactions"]]),
        travel=pa.concat_tables([world["travel"], more["travel"]]),
    )


def test_poison_rows_are_set_aside_and_the_rest_analysed_as_without_them(world):
    poisoned = _poison(world)
    assert _clusters(poisoned) == _clusters(world)
    _, counts = screen(poisoned)
    assert counts == {
        "transactions: amount_base missing, not finite or negative (set aside)": 3,
        "transactions: time before 1970 (set aside)": 3,
        "travel: departure before 1970 (set aside)": 4,
    }


def test_a_store_that_is_entirely_before_1970_analyses_without_error(world):
    old = dict(world, transactions=_earlier(world["transactions"], "ts"))
    old["travel"] = _earlier(_earlier(world["travel"], "departure"), "arrival")
    old = _conform(old)
    summary = analyze_tables(old).summary
    assert summary.set_aside["transactions: time before 1970 (set aside)"] == (
        world["transactions"].num_rows
    )


def test_analyze_on_a_store_holding_poison_rows_writes_results_and_counts_them(tmp_path, world):
    poisoned = _poison(world)
    year_zero = pa.array([-719_528], pa.int32()).cast(pa.date32())  # 0000-01-01
    party = schema.conform(
        pa.table({"party_id": ["p-year-zero"], "name": ["Nobody"], "birth_date": year_zero}),
        "parties",
    )
    poisoned["parties"] = pa.concat_tables([poisoned["parties"], party])
    store = EmbeddedStore(tmp_path / "store")
    store.write_batch(Batch("b1", "old.parquet", "mixed", "parquet", poisoned))
    summary = analyze(store, seed=1)
    assert summary.set_aside["transactions: time before 1970 (set aside)"] == 3
    assert store.read_results("clusters").num_rows == summary.n_clusters > 0
    for name in schema.RESULT_TABLES:
        store.read_results(name).to_pylist()  # every result converts (no year 0, no inf)
    parties = store.read_table("parties").to_pylist()  # once an OverflowError
    (nobody,) = [p for p in parties if p["party_id"] == "p-year-zero"]
    assert nobody["birth_date"] is None and nobody["name"] == "Nobody"


def test_dates_no_python_date_can_hold_are_cleared_and_counted(world):
    year_zero = pa.array([-719_528, 0], pa.int32()).cast(pa.date32())
    parties = schema.conform(
        pa.table({"party_id": ["p0", "p1"], "name": ["A", "B"], "birth_date": year_zero}),
        "parties",
    )
    screened, counts = screen(dict(world, parties=parties))
    assert screened["parties"]["birth_date"].to_pylist() == [None, dt.date(1970, 1, 1)]
    assert counts == {"parties.birth_date: outside years 1-9999 (cleared)": 1}
