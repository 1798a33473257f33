"""Neo4j store: incremental UNWIND loading, neo4j-admin bulk import, and graph projection.

Runs against the project's real server (``make neo4j-start``); the bulk import stops it,
imports into the ``neo4j`` database (replacing its contents) and starts it again, so do not
point this at a database you care about. The floor is the EmbeddedStore doing the
same work with Parquet files (subject ``embedded``, the reference of every loading figure):
what the data costs without a database in the way.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from benchmarks.cases.graph_build import random_transactions
from benchmarks.harness import BenchContext, Measurement, case, timed
from engine.core import schema
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
    """Neo4j: UNWIND loading and bulk import at 100k and 1M (each beside the EmbeddedStore
    doing the same work), projection into CSR (packed and plain Cypher), and the same
    end-to-end analysis on the EmbeddedStore and on Neo4j."""
    from benchmarks.neo4j_server import neo4j_settings

    inc_sizes = [20_000] if ctx.quick else [100_000, 1_000_000]
    settings = neo4j_settings()
    out: list[Measurement] = []
    for n_inc in inc_sizes:
        out.extend(_incremental(ctx, settings, n_inc, project=n_inc == inc_sizes[-1]))
    out.extend(_side_by_side(ctx, settings, "tiny" if ctx.quick else "small"))
    if ctx.quick:  # the bulk path stops and restarts the server: full runs only
        out.append(Measurement("neo4j_bulk", "moneytrail", "", None, {}, "full runs only"))
    else:
        for n_bulk in (100_000, 1_000_000):
            out.extend(_bulk(ctx, n_bulk, settings))
    return out


def _size(n: int) -> str:
    return f"{n / 1e6:g}M tx" if n >= 1_000_000 else f"{n / 1e3:g}k tx"


def _incremental(ctx: BenchContext, settings, n_inc: int, project: bool) -> list[Measurement]:  # type: ignore[no-untyped-def]
    """write_batch of ``n_inc`` transfers in batches of BATCH_ROWS into an empty database,
    then (``project``) the projection reads; the EmbeddedStore writes the same batches."""
    from benchmarks.neo4j_server import wipe
    from engine.store.neo4j import Neo4jStore

    out: list[Measurement] = []
    table = transactions(n_inc, ctx.seed)
    size = _size(n_inc)
    wipe(settings)
    with Neo4jStore(settings) as store:
        _, m = metered(lambda: [store.write_batch(b) for b in batches(table, "inc")])
        out.append(m.rate("neo4j_load", size, n_inc, "tx_per_s",
                          f"write_batch, {BATCH_ROWS} rows per batch, one transaction each"))  # fmt: skip
        _, again = metered(lambda: store.write_batch(batches(table, "again")[0]))
        out.append(again.rate("neo4j_load_repeat", size, min(n_inc, BATCH_ROWS), "tx_per_s",
                              "the first batch's rows again under another batch id: all "
                              "duplicates (read back and compared for conflicts)"))  # fmt: skip
        if project:
            out.extend(_projection(store, n_inc, size))
    floor = EmbeddedStore(ctx.workdir / f"neo4j-floor-{time.time_ns()}")
    _, m = metered(lambda: [floor.write_batch(b) for b in batches(table, "inc")])
    embedded = m.rate("neo4j_load", size, n_inc, "tx_per_s",
                      "EmbeddedStore (Parquet) with the same batches: the reference")  # fmt: skip
    embedded.subject = "embedded"
    embedded.metrics.pop("server_cpu_s", None)  # the idle server's, not the store's
    out.append(embedded)
    if project:
        _, seconds = timed(lambda: floor.read_table("transactions", PROJECTION))
        out.append(_rate("neo4j_projection", "embedded", size, seconds, n_inc, "rel_per_s",
                         "EmbeddedStore Parquet read of the same columns"))  # fmt: skip
    return out


def _projection(store, n_inc: int, size: str) -> list[Measurement]:  # type: ignore[no-untyped-def]
    """The graph projection (packed and plain Cypher), the CSR build and a full read."""
    out: list[Measurement] = []
    reads = []
    for packed in (False, True) if store.packed_projection else (False,):
        store.packed_projection = packed
        how = "packed procedure" if packed else "plain Cypher"
        projected, m = metered(lambda: store.read_table("transactions", PROJECTION))
        reads.append(m.wall)
        out.append(m.rate(f"neo4j_projection/{'packed' if packed else 'cypher'}", size,
                          n_inc, "rel_per_s", f"{how}: src, dst, amount_base, ts"))  # fmt: skip
    _, build = timed(build_transaction_graph, projected)
    out.append(Measurement("neo4j_projection_csr", "moneytrail", size, reads[-1] + build,
                           {"rel_per_s": n_inc / (reads[-1] + build)},
                           "read (the faster way the server offers) + CSR build"))  # fmt: skip
    _, m = metered(lambda: store.read_table("transactions"))
    out.append(m.rate("neo4j_read_all", size, n_inc, "rows_per_s", "every canonical column"))
    return out


class Meter:
    """Wall seconds, this process's CPU seconds, the local server's CPU seconds, load."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.server: float | None = None
        self.load = os.getloadavg()[0]

    def rate(self, name: str, size: str, n: int, metric: str, note: str) -> Measurement:
        metrics = {metric: n / self.wall, "python_cpu_s": self.cpu, "load": self.load}
        if self.server is not None:
            metrics["server_cpu_s"] = self.server
        return Measurement(name, "moneytrail", size, self.wall, metrics, note)


def metered(fn: Callable[[], Any]) -> tuple[Any, Meter]:
    """Run ``fn`` once and measure it (server CPU when the project's server runs here)."""
    meter = Meter()
    server = _server_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    meter.wall, meter.cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = _server_cpu()
    if server is not None and after is not None:
        meter.server = after - server
    return result, meter


def _server_cpu() -> float | None:
    """CPU seconds of the project's server process (from its pid file), if it runs here."""
    from benchmarks.neo4j_server import state_file

    try:
        pid = (state_file().parent / "neo4j.pid").read_text().strip()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _side_by_side(ctx: BenchContext, settings, scale: str) -> list[Measurement]:  # type: ignore[no-untyped-def]
    """The same generated world analysed on the EmbeddedStore and on Neo4j: time and results."""
    from benchmarks.neo4j_server import wipe
    from engine.services.pipeline import analyze, analyze_tables
    from engine.store.neo4j import Neo4jStore
    from engine.synth import generate

    world = generate(scale, ctx.seed)
    batch = Batch(f"world-{scale}", f"{scale}.json", "mixed", "json", dict(world.tables))
    n = world.tables["transactions"].num_rows
    size = f"{n / 1e3:g}k tx ({scale})"
    out, clusters = [], {}
    wipe(settings)
    embedded = EmbeddedStore(ctx.workdir / f"neo4j-side-{time.time_ns()}")
    with Neo4jStore(settings) as neo:
        for name, store in (("embedded", embedded), ("neo4j", neo)):
            _, load = metered(lambda store=store: store.write_batch(batch))
            summary, m = metered(lambda store=store: analyze(store, seed=0))
            clusters[name] = _members(store.read_results("cluster_members"))
            metrics = {"load_s": load.wall, "python_cpu_s": m.cpu, "load": m.load,
                       "n_clusters": float(summary.n_clusters),
                       **{f"stage_{k}_s": v for k, v in summary.seconds.items()}}  # fmt: skip
            if m.server is not None:
                metrics["server_cpu_s"] = m.server
            out.append(Measurement(f"neo4j_analysis/{name}", "moneytrail", size, m.wall, metrics,
                                   "moneytrail analyze: read, detect, rank, write results"))  # fmt: skip
        # The stores return the same rows in different orders, and the analysis is sensitive
        # to row order (ties in community detection): compare the inputs as sets, and the
        # analysis again on key-sorted inputs.
        inputs = {"embedded": _sorted_inputs(embedded), "neo4j": _sorted_inputs(neo)}
    sorted_clusters = {
        name: _members(analyze_tables(tables, seed=0).results["cluster_members"])
        for name, tables in inputs.items()
    }
    same_input = all(inputs["embedded"][n].equals(inputs["neo4j"][n]) for n in inputs["neo4j"])
    out.append(Measurement("neo4j_analysis/same_results", "moneytrail", size, None,
                           {"same_input_rows": float(same_input),
                            "same_clusters": float(clusters["embedded"] == clusters["neo4j"]),
                            "same_clusters_sorted_input": float(
                                sorted_clusters["embedded"] == sorted_clusters["neo4j"]),
                            "clusters_embedded": float(len(clusters["embedded"])),
                            "clusters_neo4j": float(len(clusters["neo4j"]))},
                           "1 = equal: input rows as sets; cluster member sets from analyze(store); "
                           "the same on inputs sorted by key (row order differs by store)"))  # fmt: skip
    return out


def _sorted_inputs(store) -> dict[str, pa.Table]:  # type: ignore[no-untyped-def]
    """The input tables without batch ids, sorted by their keys (an order both stores share)."""
    from engine.core import schema

    out = {}
    for name in schema.INPUT_TABLES:
        keys = ["party_id", "account_id", "role"] if name == "holdings" else [schema.KEYS[name][0]]
        table = store.read_table(name).drop_columns(["batch_id"])
        out[name] = table.sort_by([(k, "ascending") for k in keys])
    return out


def _members(members: pa.Table) -> set[frozenset[tuple[str, str]]]:
    """Clusters as sets of (entity kind, entity id): independent of cluster numbering."""
    groups: dict[Any, set[tuple[str, str]]] = {}
    for cluster, kind, entity in zip(
        members["cluster_id"].to_pylist(),
        members["entity_kind"].to_pylist(),
        members["entity_id"].to_pylist(),
        strict=True,
    ):
        groups.setdefault(cluster, set()).add((kind, entity))
    return {frozenset(g) for g in groups.values()}


def _bulk(ctx: BenchContext, n_tx: int, settings) -> list[Measurement]:  # type: ignore[no-untyped-def]
    """neo4j-admin import of one batch into the stopped server, split into its stages, and
    the EmbeddedStore writing the same batch (one write_batch) as the reference."""
    from engine.store.neo4j import Neo4jStore
    from engine.store.neo4j_import import SCRIPT, run_import, write_import_files

    size = _size(n_tx)
    if "127.0.0.1" not in settings.uri and "localhost" not in settings.uri:
        return [Measurement("neo4j_bulk", "moneytrail", size, None, {}, "not the local server")]
    table = transactions(n_tx, ctx.seed + 1)
    batch = Batch("bulk", "bulk.csv", "transactions", "csv", {"transactions": table})
    folder = ctx.workdir / f"neo4j-import-{n_tx}"
    (args, receipt), csv = metered(lambda: write_import_files(batch, folder))
    subprocess.run(["bash", str(SCRIPT), "stop"], check=True)
    try:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        run_import(args, batch.source)
        imported = time.perf_counter() - started
    finally:
        started = time.perf_counter()
        subprocess.run(["bash", str(SCRIPT), "start"], check=True)
        start = time.perf_counter() - started
    started = time.perf_counter()
    with Neo4jStore(settings) as store:  # creates the constraints and waits for the indexes
        assert store.count("transactions") == receipt.written["transactions"]
    indexed = time.perf_counter() - started
    total = csv.wall + imported
    floor = EmbeddedStore(ctx.workdir / f"neo4j-bulk-floor-{time.time_ns()}")
    _, m = metered(lambda: floor.write_batch(batch))
    embedded = m.rate("neo4j_bulk", size, n_tx, "tx_per_s",
                      "EmbeddedStore (Parquet), the same batch in one write_batch: the reference")  # fmt: skip
    embedded.subject = "embedded"
    embedded.metrics.pop("server_cpu_s", None)  # the idle server's, not the store's
    return [
        Measurement("neo4j_bulk", "moneytrail", size, total,
                    {"tx_per_s": n_tx / total, "csv_s": csv.wall, "csv_cpu_s": csv.cpu,
                     "import_s": imported, "load": csv.load, "load_import": load},
                    "CSV written by pyarrow + neo4j-admin database import full (offline)"),
        embedded,
        Measurement("neo4j_bulk_online", "moneytrail", size, total + start + indexed,
                    {"tx_per_s": n_tx / (total + start + indexed), "start_s": start,
                     "constraints_s": indexed},
                    "bulk + server start + constraints and indexes online"),
    ]  # fmt: skip


def _rate(
    name: str, subject: str, size: str, seconds: float, n: int, metric: str, note: str
) -> Measurement:
    return Measurement(name, subject, size, seconds, {metric: n / seconds}, note)
