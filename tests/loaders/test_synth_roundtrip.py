"""End to end on the synthetic generator's world: written files load back unchanged."""

from __future__ import annotations

import pyarrow as pa
import pytest

from engine.ingest import ingest_paths
from engine.store.embedded import EmbeddedStore
from engine.synth import generate, write_world
from loaders.registry import load_file


@pytest.fixture(scope="module")
def world():
    return generate("tiny", seed=3)


def _without_batch(table: pa.Table) -> pa.Table:
    return table.drop_columns(["batch_id"])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_every_table_round_trips_without_rejects(world, tmp_path, fmt):
    for path in write_world(world, tmp_path, fmt):
        if path.parent != tmp_path:  # truth/ is for measuring, never loaded
            continue
        result = load_file(path, batch_id="b")
        assert result.format == "canonical"
        assert result.rejected.num_rows == 0, result.rejected.to_pylist()[:3]
        (name,) = result.tables
        got, want = result.tables[name], world.tables[name]
        assert _without_batch(got).equals(_without_batch(want.cast(got.schema))), name


def test_world_ingested_into_a_store(world, tmp_path):
    paths = [p for p in write_world(world, tmp_path / "world") if p.parent == tmp_path / "world"]
    with EmbeddedStore(tmp_path / "store") as store:
        reports = ingest_paths(store, paths, uploaded_by="test")
        assert {r.status for r in reports} == {"written"}
        for name, table in world.tables.items():
            assert store.count(name) == table.num_rows
        again = ingest_paths(store, paths)
        assert {r.status for r in again} == {"duplicate"}
