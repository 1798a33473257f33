"""Neo4j store: incremental UNWIND loading, neo4j-admin bulk import, and graph projection.

Runs against the project's real server (``make neo4j-start``); the bulk import stops it,
imports into the ``neo4j`` database (replacing its contents) and starts it again, so do not
point this at a database you care about. The pyarrow floor is the EmbeddedStore doing the
same work with Parquet files: what the data costs without a database in the way.
"""

from __future__ import annotations

import subprocess
import time

import numpy as np
import pyarrow as pa

from benchmarks.cases.graph_build import random_transactions
from benchmarks.harness import BenchContext, Measurement, case, timed
from engine import schema
from engine.graph import build_transaction_graph
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore

BATCH_ROWS = 50_000
PROJECTION = ["src_account", "dst_account", "amount_base", "ts"]


def transactions(n_tx: int, seed: int) -> pa.Table:
    """Canonical transactions between n_tx/10 accounts with heavy-tailed activity."""
    base = random_transactions(max(n_tx // 10, 10), n_tx, seed)
    rng = np.random.default_rng(seed)
    channels = pa.array(rng.choice(list(schema.CHANNELS), n_tx))
    return schema.conform(
        base.append_column("tx_id", pa.array([f"TX{i:012d}" for i in range(n_tx)]))
        .append_column("amount", base["amount_base"])
        .append_column("currency", pa.array(["EUR"] * n_tx))
        .append_column("channel", channels),
        "transactions",
    )


def batches(table: pa.Table, prefix: str) -> list[Batch]:
    return [
        Batch(f"{prefix}-{i}", f"{prefix}-{i}.csv", "transactions", "csv", {"transactions": part})
        for i, part in enumerate(table.to_batches(BATCH_ROWS))
        for part in [pa.Table.from_batches([part])]
    ]


@case("neo4j", quick=True)
def neo4j_store(ctx: BenchContext) -> list[Measurement]:
    """Neo4j: UNWIND loading, bulk import and projection into CSR, with a pyarrow floor."""
    from engine.store.neo4j import Neo4jStore
    from tests.store.conftest import neo4j_settings, wipe

    n_inc, n_bulk = (20_000, 0) if ctx.quick else (300_000, 1_000_000)
    settings = neo4j_settings()
    out: list[Measurement] = []

    table = transactions(n_inc, ctx.seed)
    size = f"{n_inc / 1e3:g}k tx"
    wipe(settings)
    with Neo4jStore(settings) as store:
        _, seconds = timed(lambda: [store.write_batch(b) for b in batches(table, "inc")])
        out.append(_rate("neo4j_load", "moneytrail", size, seconds, n_inc, "tx_per_s",
                         f"write_batch, {BATCH_ROWS} rows per batch, one transaction each"))  # fmt: skip
        projected, seconds = timed(lambda: store.read_table("transactions", PROJECTION))
        out.append(_rate("neo4j_projection", "moneytrail", size, seconds, n_inc, "rel_per_s",
                         "Bolt read of src, dst, amount_base, ts (node ids mapped back)"))  # fmt: skip
        _, build = timed(build_transaction_graph, projected)
        out.append(Measurement("neo4j_projection_csr", "moneytrail", size, seconds + build,
                               {"rel_per_s": n_inc / (seconds + build)}, "read + CSR build"))  # fmt: skip
        _, seconds = timed(lambda: store.read_table("transactions"))
        out.append(_rate("neo4j_read_all", "moneytrail", size, seconds, n_inc, "rows_per_s",
                         "every canonical column"))  # fmt: skip
    floor = EmbeddedStore(ctx.workdir / f"neo4j-floor-{time.time_ns()}")
    _, seconds = timed(lambda: [floor.write_batch(b) for b in batches(table, "inc")])
    out.append(_rate("neo4j_load", "pyarrow", size, seconds, n_inc, "tx_per_s",
                     "EmbeddedStore (Parquet) with the same batches: the floor"))  # fmt: skip
    _, seconds = timed(lambda: floor.read_table("transactions", PROJECTION))
    out.append(_rate("neo4j_projection", "pyarrow", size, seconds, n_inc, "rel_per_s",
                     "EmbeddedStore Parquet read of the same columns"))  # fmt: skip
    if ctx.quick:  # the bulk path stops and restarts the server: full runs only
        out.append(Measurement("neo4j_bulk", "moneytrail", "", None, {}, "full runs only"))
    else:
        out.extend(_bulk(ctx, n_bulk, settings))
    return out


def _bulk(ctx: BenchContext, n_tx: int, settings) -> list[Measurement]:  # type: ignore[no-untyped-def]
    """neo4j-admin import of one batch into the stopped server; then constraints online."""
    from engine.store.neo4j import Neo4jStore
    from engine.store.neo4j_import import SCRIPT, import_batch

    size = f"{n_tx / 1e6:g}M tx"
    if "127.0.0.1" not in settings.uri and "localhost" not in settings.uri:
        return [Measurement("neo4j_bulk", "moneytrail", size, None, {}, "not the local server")]
    table = transactions(n_tx, ctx.seed + 1)
    batch = Batch("bulk", "bulk.csv", "transactions", "csv", {"transactions": table})
    subprocess.run(["bash", str(SCRIPT), "stop"], check=True)
    try:
        receipt, seconds = timed(import_batch, batch, ctx.workdir / "neo4j-import")
    finally:
        subprocess.run(["bash", str(SCRIPT), "start"], check=True)
    started = time.perf_counter()
    with Neo4jStore(settings) as store:  # creates the constraints and waits for the indexes
        assert store.count("transactions") == receipt.written["transactions"]
    indexed = time.perf_counter() - started
    return [
        _rate("neo4j_bulk", "moneytrail", size, seconds, n_tx, "tx_per_s",
              "neo4j-admin database import full (CSV written by pyarrow, included)"),
        _rate("neo4j_bulk_indexed", "moneytrail", size, seconds + indexed, n_tx, "tx_per_s",
              "import + constraints and indexes online (server start excluded)"),
    ]  # fmt: skip


def _rate(
    name: str, subject: str, size: str, seconds: float, n: int, metric: str, note: str
) -> Measurement:
    return Measurement(name, subject, size, seconds, {metric: n / seconds}, note)
