"""The snapshot: layout, round trip, atomic replacement (no Spark needed except the last)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from engine.core import schema
from engine.core.errors import StoreError
from engine.services.spark import snapshot as snap
from tests.spark.conftest import store_of


@pytest.fixture(scope="module")
def store(tiny_world, tmp_path_factory):
    return store_of(tiny_world, tmp_path_factory.mktemp("snap-store"))


def _sorted(table: pa.Table, name: str) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in schema.KEYS[name]])


def test_snapshot_holds_every_table_with_months_as_partitions(store, tmp_path) -> None:
    out = snap.write_snapshot(store, tmp_path / "snap")
    tx = store.read_table("transactions")
    months = sorted(set(pc.strftime(tx.column("ts"), format="%Y-%m").to_pylist()))
    folders = sorted(p.name for p in (out.path / "transactions").iterdir())
    assert folders == [f"month={m}" for m in months]
    for name in schema.INPUT_TABLES:
        back = snap.read_snapshot_table(out.path, name)
        assert back.schema == schema.INPUT_TABLES[name]
        assert _sorted(back, name).equals(
            _sorted(schema.conform(store.read_table(name), name), name)
        )
    # a plain pyarrow dataset reader sees the month column, and each file holds its month only
    dataset = ds.dataset(out.path / "transactions", format="parquet", partitioning="hive")
    table = dataset.to_table(columns=["ts", "month"])
    assert pc.all(pc.equal(pc.strftime(table["ts"], format="%Y-%m"), table["month"])).as_py()
    assert out.rows["transactions"] == tx.num_rows


def test_snapshot_refuses_a_folder_that_is_not_one(store, tmp_path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "precious.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not a moneytrail snapshot"):
        snap.write_snapshot(store, tmp_path / "data")
    assert (tmp_path / "data" / "precious.txt").read_text() == "keep me"


def test_a_failed_snapshot_leaves_the_previous_one(store, tmp_path, monkeypatch) -> None:
    first = snap.write_snapshot(store, tmp_path / "snap", results=False)
    before = sorted(str(p.relative_to(first.path)) for p in first.path.rglob("*"))
    real = snap.write_table
    calls = []

    def failing(table, folder, **kw):
        calls.append(folder.name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(table, folder, **kw)

    monkeypatch.setattr(snap, "write_table", failing)
    with pytest.raises(StoreError, match="No space left"):
        snap.write_snapshot(store, tmp_path / "snap")
    after = sorted(str(p.relative_to(first.path)) for p in first.path.rglob("*"))
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["snap"]  # no temporary folder left


@pytest.mark.spark
def test_spark_reads_the_snapshot(spark, store, tmp_path) -> None:
    out = snap.write_snapshot(store, tmp_path / "snap", results=False)
    df = spark.read.parquet(str(out.path / "transactions"))
    assert "month" in df.columns
    assert df.count() == store.count("transactions")
    one = sorted(p.name for p in (out.path / "transactions").iterdir())[0].split("=")[1]
    expected = store.read_table("transactions")
    expected = pc.sum(pc.equal(pc.strftime(expected["ts"], format="%Y-%m"), one)).as_py()
    assert df.where(df.month == one).count() == expected
