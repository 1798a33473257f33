"""``moneytrail snapshot``: the store's tables as one partitioned Parquet dataset.

Layout of a snapshot folder (Hive-style partitions, read directly by Spark, Dask, DuckDB and
pyarrow)::

    _moneytrail.json                 format, store, rows per table, the schemas (last written)
    transactions/month=YYYY-MM/*.parquet
                                     schema of engine.core.schema.TRANSACTIONS; ``month`` (UTC
                                     month of ``ts``) is the partition column, not in the files
    accounts/*.parquet  parties/*.parquet  holdings/*.parquet  travel/*.parquet
    results/<table>.parquet          the latest analysis (runs, clusters, cluster_members,
                                     evidence, scores, links), schemas of engine.core.schema

The folder appears whole or not at all: it is written as ``<out>.tmp-<nonce>`` beside the
target, synced, and renamed into place (an existing snapshot is moved aside first and removed
after the rename).

Reading it::

    spark.read.parquet("snap/transactions")          # month is a column, pruned on filters
    duckdb.sql("select * from 'snap/transactions/*/*.parquet'")
    dask.dataframe.read_parquet("snap/transactions")
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from engine.core import schema
from engine.core.errors import StoreError
from engine.store.base import Store

FORMAT = "moneytrail-snapshot/1"
MARKER = "_moneytrail.json"
#: Rows per Parquet row group inside a snapshot file.
ROW_GROUP = 256 * 1024
MONTH = pa.field("month", pa.string())


@dataclass(frozen=True)
class Snapshot:
    """Where a snapshot is and how many rows each table has."""

    path: Path
    rows: dict[str, int]


def month_of(ts: pa.ChunkedArray | pa.Array) -> pa.Array:
    """``YYYY-MM`` (UTC) of each timestamp."""
    return pc.strftime(ts, format="%Y-%m")


def write_snapshot(store: Store, out: str | os.PathLike[str], *, results: bool = True) -> Snapshot:
    """Write every input table (and the latest results) of ``store`` as a snapshot at ``out``.

    Parameters
    ----------
    store : Store
    out : path
        The snapshot folder; replaced atomically if it exists.
    results : bool
        Also write the latest analysis results under ``results/``.

    Returns
    -------
    Snapshot

    Raises
    ------
    StoreError
        If ``out`` exists and is not a snapshot (it is never overwritten then), or on an OS error.
    """
    target = Path(out)
    if target.exists() and not (target / MARKER).is_file():
        raise StoreError(f"{target}: exists and is not a moneytrail snapshot; not overwritten")
    tmp = target.with_name(f"{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    rows: dict[str, int] = {}
    try:
        tmp.mkdir(parents=True)
        for name in schema.INPUT_TABLES:
            table = schema.conform(store.read_table(name), name)
            rows[name] = table.num_rows
            write_table(table, tmp / name, partition_by_month=name == "transactions")
        if results:
            (tmp / "results").mkdir()
            for name in schema.RESULT_TABLES:
                table = schema.conform(store.read_results(name), name)
                rows[f"results/{name}"] = table.num_rows
                pq.write_table(table, tmp / "results" / f"{name}.parquet")
        marker = {
            "format": FORMAT,
            "store": store.describe(),
            "rows": rows,
            "partitioning": {"transactions": "month=YYYY-MM (UTC month of ts, hive style)"},
            "schemas": {n: str(s) for n, s in schema.INPUT_TABLES.items()},
        }
        (tmp / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True), encoding="utf-8")
        _fsync_tree(tmp)
        old = None
        if target.exists():
            old = target.with_name(f"{target.name}.old-{uuid.uuid4().hex[:8]}")
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StoreError(f"{target}: snapshot not written: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Snapshot(target, rows)


def write_table(table: pa.Table, folder: Path, *, partition_by_month: bool = False) -> None:
    """Write ``table`` as Parquet files in ``folder`` (hive partitions ``month=`` on ``ts``)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not partition_by_month:
        pq.write_table(table, folder / "part-0.parquet", row_group_size=ROW_GROUP)
        return
    with_month = table.append_column(MONTH, month_of(table.column("ts")))
    ds.write_dataset(
        with_month,
        folder,
        format="parquet",
        partitioning=ds.partitioning(pa.schema([MONTH]), flavor="hive"),
        basename_template="part-{i}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        max_rows_per_group=ROW_GROUP,
    )


def read_snapshot_table(path: str | os.PathLike[str], name: str) -> pa.Table:
    """One input table of a snapshot, with the canonical schema (``month`` dropped)."""
    folder = Path(path) / name
    if not (Path(path) / MARKER).is_file():
        raise StoreError(f"{path}: not a moneytrail snapshot (no {MARKER})")
    if name == "transactions":
        dataset = ds.dataset(folder, format="parquet", partitioning="hive")
        table = dataset.to_table(columns=[f.name for f in schema.TRANSACTIONS])
    else:
        table = pq.read_table(folder)
    return schema.conform(table, name)


def _fsync_tree(root: Path) -> None:
    for dirpath, _, files in os.walk(root):
        for f in files:
            with open(Path(dirpath) / f, "rb") as handle:
                os.fsync(handle.fileno())
        fd = os.open(dirpath, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
