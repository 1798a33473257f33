"""``moneytrail analyze --engine spark``: the analysis of one world on a Spark cluster.

1. The store is written as a snapshot (:mod:`engine.services.spark.snapshot`) that the executors read.
2. Hubs are found over all transactions (the rule of :func:`engine.detect.frame.build_frame`).
3. The linkage graph (:mod:`engine.services.spark.parts`) is cut into weakly connected components with
   large-star / small-star (:mod:`engine.services.spark.components`), and components are packed into
   parts of similar size.
4. Every part is analysed on an executor by :func:`engine.services.pipeline.analyze_tables`,
   the single-machine analysis itself (same Numba kernels, same detectors, the world's hubs),
   through ``groupBy(part).applyInArrow``.
5. The parts' results are ranked globally (:mod:`engine.services.spark.merge`) and written to the store
   as one run, as :func:`engine.services.pipeline.analyze` writes them.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from engine.core import schema
from engine.detect.config import DetectionConfig
from engine.services.pipeline import HUB_DEGREE, RunSummary, write_analysis
from engine.services.spark import wide
from engine.services.spark.merge import merge_results
from engine.store.base import Store

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

Progress = Callable[[str], None]
#: Parts per core of the session (more parts than cores lets Spark balance uneven ones).
PARTS_PER_CORE = 2


@contextmanager
def _stage(name: str, seconds: dict[str, float], progress: Progress | None) -> Iterator[None]:
    if progress:
        progress(name)
    start = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - start, 3)


def read_snapshot(spark: SparkSession, path: str | Path) -> dict[str, DataFrame]:
    """The input tables of a snapshot as Spark DataFrames (canonical columns, ``month`` off)."""
    out = {}
    for name, table_schema in schema.INPUT_TABLES.items():
        df = spark.read.parquet(str(Path(path) / name))
        out[name] = df.select(*[f.name for f in table_schema])
    return out


def analyze_spark(
    store: Store,
    *,
    master: str = "local[*]",
    snapshot: str | Path | None = None,
    resolution: float = 1.0,
    seed: int = 0,
    suspects: Sequence[str] | None = None,
    progress: Progress | None = None,
    config: DetectionConfig | None = None,
    n_parts: int | None = None,
    conf: dict[str, str] | None = None,
    spark: SparkSession | None = None,
) -> RunSummary:
    """Analyse everything in ``store`` on Spark and replace its results.

    Parameters
    ----------
    store : Store
    master : str
        Spark master URL (``local[*]``, ``spark://host:7077``, ``yarn``, ``k8s://...``).
    snapshot : path, optional
        Snapshot folder the executors read (must be on storage every executor sees). An
        existing snapshot is used as it is; otherwise one is written there (default: a
        temporary folder, removed afterwards; fine for ``local[...]`` masters).
    resolution, seed, suspects, config
        As :func:`engine.services.pipeline.analyze`.
    n_parts : int, optional
        Parts to cut the world into (default: twice the session's default parallelism).
    conf : dict, optional
        Extra Spark settings.
    spark : SparkSession, optional
        A running session to use (``master`` and ``conf`` are then ignored).

    Returns
    -------
    RunSummary
    """
    from engine.services.spark.session import spark_session
    from engine.services.spark.snapshot import MARKER, write_snapshot

    seconds: dict[str, float] = {}
    config = config or DetectionConfig(hub_degree=HUB_DEGREE)
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="moneytrail-spark-") as scratch:
        snap = Path(snapshot) if snapshot else Path(scratch) / "snapshot"
        with _stage("snapshot", seconds, progress):
            if not (snap / MARKER).is_file():
                write_snapshot(store, snap, results=False)
        with _stage("start", seconds, progress):
            session = spark or spark_session(master, conf)
            session.sparkContext.setCheckpointDir(str(Path(scratch) / "checkpoints"))
        parts_n = n_parts or PARTS_PER_CORE * session.sparkContext.defaultParallelism
        tables = read_snapshot(session, snap)
        with _stage("hubs", seconds, progress):
            hubs = _hubs(tables, config.hub_degree)
        with _stage("components", seconds, progress):
            assigned = assign_parts(tables, hubs, parts_n)
        decisions = store.read_dispositions()
        with _stage("parts", seconds, progress):
            by_part = analyse_parts(
                assigned, hubs, run_id=run_id, resolution=resolution, seed=seed,
                suspects=list(suspects or []), config=config, decisions=decisions,
            )  # fmt: skip
    with _stage("merge", seconds, progress):
        results = merge_results({p: t for p, (t, _) in by_part.items()})
        summary = _summary(run_id, results, by_part, len(hubs), seconds)
        results["runs"] = pa.Table.from_pylist(
            [
                {
                    "run_id": run_id,
                    "started_at": started,
                    "finished_at": datetime.now(UTC),
                    "parameters": json.dumps(
                        {
                            "resolution": resolution,
                            "seed": seed,
                            "suspects": list(suspects or []),
                            "thresholds": asdict(config),
                            "engine": "spark",
                            "master": master,
                            "parts": parts_n,
                        },
                        default=str,
                    ),
                    "summary": summary.to_json(),
                }
            ],
            schema=schema.RUNS,
        )
    with _stage("write", seconds, progress):
        write_analysis(store, results, run_id)
    return summary


def _hubs(tables: dict[str, DataFrame], hub_degree: int) -> list[str]:
    from engine.services.spark.parts import hub_accounts

    rows = hub_accounts(tables["transactions"], tables["accounts"], hub_degree).collect()
    return sorted(r["account"] for r in rows)


def assign_parts(
    tables: dict[str, DataFrame], hubs: list[str], n_parts: int
) -> dict[str, DataFrame]:
    """Every input table with a ``part`` column (rows of hub accounts repeated per part).

    Also returns, under the key ``"components"``, the linkage component of every entity key
    (columns ``key``, ``component``, ``part``).
    """
    from pyspark.sql import functions as F  # noqa: N812

    from engine.services.spark.components import connected_components
    from engine.services.spark.parts import entity_nodes, linkage_edges, pack

    spark = tables["transactions"].sparkSession
    if n_parts == 1:  # nothing to cut: the whole world is part 0
        return _one_part(tables, hubs)
    hub_df = spark.createDataFrame([(h,) for h in hubs], "account string")
    hub_df = F.broadcast(hub_df)
    edges = linkage_edges(tables, hub_df)
    entities = entity_nodes(tables, hub_df)
    keys = (
        entities.select("key")
        .unionByName(edges.select(F.col("src").alias("key")))
        .unionByName(edges.select(F.col("dst").alias("key")))
        .distinct()
    )
    # unique (not consecutive) ids made in the JVM; checkpointed at once, as a recomputation
    # could number the rows differently
    ids = keys.withColumn("id", F.monotonically_increasing_id()).checkpoint(eager=True)
    num = (
        edges.join(ids.withColumnRenamed("key", "src").withColumnRenamed("id", "s"), "src")
        .join(ids.withColumnRenamed("key", "dst").withColumnRenamed("id", "d"), "dst")
        .select(F.col("s").alias("src"), F.col("d").alias("dst"))
    )
    comp = connected_components(num, ids.select(F.col("id").alias("node")))
    key_comp = (
        ids.join(comp, ids["id"] == comp["node"])
        .select("key", "component")
        .join(entities, "key")  # identifier keys only glue, they hold no rows
        .checkpoint(eager=True)
    )
    tx = tables["transactions"]
    hub_names = set(hubs)
    hub_col = F.col("account")
    is_hub = lambda c: F.col(c).isin(list(hub_names)) if hub_names else F.lit(False)  # noqa: E731
    owner = F.when(~is_hub("src_account"), F.concat(F.lit("a:"), F.col("src_account"))).when(
        ~is_hub("dst_account"), F.concat(F.lit("a:"), F.col("dst_account"))
    )
    del hub_col
    tx_c = (
        tx.withColumn("key", owner)
        .join(key_comp, "key", "left")
        .withColumn("component", F.coalesce("component", F.lit(-1)))
        .drop("key")
    )
    weight = (
        tx_c.groupBy("component").count()
        .unionByName(key_comp.groupBy("component").count())
        .groupBy("component").agg(F.sum("count").alias("w"))
    )  # fmt: skip
    summed = weight.agg(F.sum("w")).first()
    assert summed is not None  # an aggregate without grouping has exactly one row
    total = summed[0] or 0
    heavy = weight.where(F.col("w") > total / (4 * n_parts)).collect()
    heavy_w = sum(int(r["w"]) for r in heavy)
    placed = pack([(int(r["component"]), int(r["w"])) for r in heavy], n_parts, total - heavy_w)
    placed_df = F.broadcast(
        spark.createDataFrame(
            [(c, p) for c, p in placed.items()] or [(-(2**62), 0)], "component long, hp int"
        )
    )

    def with_part(df: DataFrame) -> DataFrame:
        return (
            df.join(placed_df, "component", "left")
            .withColumn(
                "part",
                F.coalesce(F.col("hp"), F.pmod(F.xxhash64("component"), F.lit(n_parts))).cast(
                    "long"
                ),
            )
            .drop("hp")
        )

    key_part = with_part(key_comp)
    tx_p = with_part(tx_c).drop("component")
    kp = key_part.select("key", "part")

    def by_key(df: DataFrame, prefix: str, column: str) -> DataFrame:
        return (
            df.withColumn("key", F.concat(F.lit(prefix), F.col(column))).join(kp, "key").drop("key")
        )

    parties = by_key(tables["parties"], "p:", "party_id")
    holdings = by_key(tables["holdings"], "p:", "party_id")
    travel = by_key(tables["travel"], "r:", "record_id")
    accounts = tables["accounts"]
    plain = by_key(accounts, "a:", "account_id")
    if hub_names:
        hub_parts = (
            tx_p.select(F.col("src_account").alias("account_id"), "part")
            .unionByName(tx_p.select(F.col("dst_account").alias("account_id"), "part"))
            .unionByName(holdings.select("account_id", "part"))
            .where(F.col("account_id").isin(list(hub_names)))
            .distinct()
        )
        plain = plain.unionByName(accounts.join(hub_parts, "account_id"))
    return {
        "transactions": tx_p,
        "accounts": plain,
        "parties": parties,
        "holdings": holdings,
        "travel": travel,
        "components": key_part,
    }


def _one_part(tables: dict[str, DataFrame], hubs: list[str]) -> dict[str, DataFrame]:
    from pyspark.sql import functions as F  # noqa: N812

    out = {name: df.withColumn("part", F.lit(0).cast("long")) for name, df in tables.items()}
    out["components"] = None  # type: ignore[assignment]
    return out


def analyse_parts(
    assigned: dict[str, DataFrame],
    hubs: list[str],
    *,
    run_id: str,
    resolution: float,
    seed: int,
    suspects: list[str],
    config: DetectionConfig,
    decisions: pa.Table | None = None,
) -> dict[int, tuple[dict[str, pa.Table], dict[str, Any]]]:
    """Run the single-machine analysis on every part (on the executors); per part its result
    tables and its run summary."""
    from pyspark.sql import functions as F  # noqa: N812
    from pyspark.sql.pandas.types import from_arrow_schema

    in_schema = wide.wide_schema(schema.INPUT_TABLES)
    frames = []
    for name, table_schema in schema.INPUT_TABLES.items():
        df = assigned[name]
        frames.append(
            df.select(
                F.col("part"),
                F.lit(name).alias(wide.TABLE),
                *[F.col(f.name).alias(f"{name}{wide.SEP}{f.name}") for f in table_schema],
            )
        )
    union = frames[0]
    for df in frames[1:]:
        union = union.unionByName(df, allowMissingColumns=True)
    union = union.select(*[f.name for f in in_schema])
    out_schema = pa.schema([*wide.RESULTS_WIDE, pa.field("summary_json", pa.string())])
    fn = _part_function(hubs, run_id, resolution, seed, suspects, config, decisions)
    result = union.groupBy("part").applyInArrow(fn, schema=from_arrow_schema(out_schema))
    table = result.toArrow()
    by_part: dict[int, tuple[dict[str, pa.Table], dict[str, Any]]] = {}
    parts = sorted(set(table.column(wide.PART).to_pylist()))
    for p in parts:
        rows = table.filter(pa.compute.equal(table.column(wide.PART), p))
        results = {n: wide.unpack(rows, n) for n in schema.RESULT_TABLES if n != "runs"}
        summary = next(s for s in rows.column("summary_json").to_pylist() if s)
        by_part[p] = (results, json.loads(summary))
    return by_part


def _part_function(
    hubs: list[str],
    run_id: str,
    resolution: float,
    seed: int,
    suspects: list[str],
    config: DetectionConfig,
    decisions: pa.Table | None,
) -> Callable[[pa.Table], pa.Table]:
    """The function each executor runs on one part's wide table (``decisions``, the store's
    dispositions, go to every part whole: they are few)."""

    def analyse(table: pa.Table) -> pa.Table:
        from engine.services.pipeline import analyze_tables

        part = int(table.column(wide.PART)[0].as_py())
        tables = {name: wide.unpack(table, name) for name in schema.INPUT_TABLES}
        analysis = analyze_tables(
            tables, resolution=resolution, seed=seed, suspects=suspects, config=config,
            hubs=hubs, run_id=run_id, decisions=decisions,
        )  # fmt: skip
        results = {n: t for n, t in analysis.results.items() if n != "runs"}
        packed = wide.pack(results, part, wide.RESULTS_WIDE)
        marker = wide.pack({}, part, wide.RESULTS_WIDE)
        marker = pa.table(
            {f.name: pa.nulls(1, f.type) for f in wide.RESULTS_WIDE}, schema=wide.RESULTS_WIDE
        ).set_column(0, wide.PART, pa.array([part], pa.int64()))
        summary = json.dumps(asdict(analysis.summary), sort_keys=True)
        packed = packed.append_column("summary_json", pa.nulls(packed.num_rows, pa.string()))
        marker = marker.append_column("summary_json", pa.array([summary], pa.string()))
        return pa.concat_tables([packed, marker])

    return analyse


def _summary(
    run_id: str,
    results: dict[str, pa.Table],
    by_part: dict[int, tuple[dict[str, pa.Table], dict[str, Any]]],
    n_hubs: int,
    seconds: dict[str, float],
) -> RunSummary:
    summaries = [s for _, s in by_part.values()]
    patterns: dict[str, int] = {}
    for s in summaries:
        for k, v in s["patterns"].items():
            patterns[k] = patterns.get(k, 0) + int(v)
    return RunSummary(
        run_id=run_id,
        n_accounts=results["scores"].num_rows,
        n_transactions=sum(int(s["n_transactions"]) for s in summaries),
        n_components=sum(int(s["n_components"]) for s in summaries),
        n_communities=sum(int(s["n_communities"]) for s in summaries),
        n_clusters=results["clusters"].num_rows,
        n_hubs=n_hubs,
        seconds=seconds,
        patterns=patterns,
        n_links=results["links"].num_rows,
    )
