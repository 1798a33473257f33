"""One Spark session (local[2], sized for a 2-core machine) and one tiny world for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

#: Settings of the test session: 2 cores, a small driver, few shuffle partitions (the worlds
#: here are small; the default 200 partitions would mean 200 tiny tasks per shuffle).
TEST_CONF = {
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.sql.adaptive.enabled": "false",
}


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    # pyspark is the `spark` extra, installed by `make test-spark`, not by `make test` (the
    # Spark tests take 5-6 minutes on 2 cores; issue 19 is open): without it these skip.
    pytest.importorskip("pyspark", reason="the spark extra is not installed (make test-spark)")
    from engine.services.spark.session import spark_session

    session = spark_session("local[2]", TEST_CONF)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's tiny world (seed 0) as Parquet files."""
    from engine.synth import generate, write_world

    out = tmp_path_factory.mktemp("tiny-world")
    write_world(generate("tiny", 0), out, "parquet")
    return out


def store_of(world: Path, home: Path) -> object:
    """An EmbeddedStore holding ``world``'s input tables (one batch)."""
    import pyarrow.parquet as pq

    from engine.core import schema
    from engine.store.base import Batch
    from engine.store.embedded import EmbeddedStore

    store = EmbeddedStore(home)
    tables = {n: pq.read_table(world / f"{n}.parquet") for n in schema.INPUT_TABLES}
    store.write_batch(Batch("world", "world", "mixed", "parquet", tables))
    return store
