"""The bulk path into Neo4j: ``neo4j-admin database import full`` from the canonical tables.

For a *first* load into an empty database only: the import tool writes the store files
directly (no transactions, no Cypher), which is why it is an order of magnitude faster than
``UNWIND`` batches, and why the database must be offline and is replaced as a whole
(``--overwrite-destination``). The graph it builds is the one :class:`Neo4jStore` writes
(same labels, keys, properties, and the ``:Batch`` node), so the store opens it as if the batch
had been written with :meth:`Neo4jStore.write_batch`; the store then creates its constraints
and indexes when it opens.

The project's server: ``scripts/neo4j.sh stop``; :func:`import_batch`; ``scripts/neo4j.sh
start``. The tool comes from Maven Central with the launcher (``org.neo4j:neo4j-import-tool``).
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engine.core import schema
from engine.core.errors import StoreError
from engine.store.base import Batch, BatchReceipt
from engine.store.neo4j import _dedupe, _reason_counts, _stamp

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "neo4j.sh"
#: Tables the bulk path covers: every input table.
BULK_TABLES = ("accounts", "parties", "holdings", "travel", "transactions")

_TYPES = {
    pa.date32(): ":date",
    schema.TS: ":datetime",
    pa.float64(): ":double",
    pa.int64(): ":long",
}


def _header(fields: pa.Schema, renames: dict[str, str]) -> list[str]:
    """The tool's column names: ``renames`` where given, else the name and its ``:type``."""
    names = []
    for field in fields:
        if field.name in renames:
            names.append(renames[field.name])
        else:
            names.append(field.name + _TYPES.get(field.type, ""))
    return names


def _write(table: pa.Table, path: Path, renames: dict[str, str]) -> str:
    """Write ``table`` as CSV plus a header file; return the tool's ``header,data`` argument.

    Columns named in ``renames`` (the tool's ``:ID``, ``:START_ID`` and ``:END_ID`` columns)
    get that header; columns that are null in every row are left out, since the tool stores no
    property for an empty field either and parsing them costs time. Timestamps are written in
    ISO-8601 with ``Z`` (microseconds kept).
    """
    columns, fields = [], []
    for field in table.schema:
        column = table[field.name]
        if field.name not in renames and column.null_count == len(column):
            continue
        if field.type == schema.TS:
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
            column = pc.binary_join_element_wise(column, pa.scalar("Z"), "")
        columns.append(column)
        fields.append(field)
    header = _header(pa.schema(fields), renames)
    out = pa.Table.from_arrays(columns, names=header)
    pacsv.write_csv(out, path, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    head = path.with_name(path.stem + "-header.csv")
    head.write_text(",".join(header) + "\n", encoding="utf-8")
    return f"{head},{path}"


def _ids(keys: pa.Array, of: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The integer import id (position in ``keys``) of every value of ``of``."""
    return pc.index_in(of, value_set=keys).cast(pa.int64())


def _has_line_breaks(tables: list[pa.Table]) -> bool:
    """Whether any string value holds a line break (the tool then needs ``--multiline-fields``,
    which makes it parse every file in one thread)."""
    for table in tables:
        for field in table.schema:
            if (
                pa.types.is_string(field.type)
                and pc.any(pc.match_substring_regex(table[field.name], "[\\r\\n]")).as_py()
            ):
                return True
    return False


def write_import_files(batch: Batch, folder: Path) -> tuple[list[str], BatchReceipt]:
    """Write the CSV files of ``batch`` and return the import tool's arguments and a receipt.

    Rows repeated inside the batch are dropped (first kept), as :meth:`Neo4jStore.write_batch`
    does, and conflicting repeats become ``:Conflict`` nodes; accounts and parties that only a
    transfer or holding names become reference nodes without ``batch_id``.

    Nodes get integer import ids (their row number; ``--id-type=integer``, not stored in the
    graph) and relationships name their ends by those numbers, computed here with one
    vectorised lookup per column: the tool then needs no string id map, which was the largest
    part of its relationship stage. The keys (``account_id``, ...) are ordinary properties.
    """
    extra = set(batch.tables) - set(BULK_TABLES)
    if extra:
        raise StoreError(f"bulk import covers {', '.join(BULK_TABLES)}; not {sorted(extra)}")
    folder.mkdir(parents=True, exist_ok=True)
    tables, written, duplicates, conflicts = {}, {}, {}, {}
    found = []
    for name, table in batch.tables.items():
        tables[name], duplicates[name], within = _dedupe(_stamp(table, name, batch.batch_id), name)
        written[name] = tables[name].num_rows
        if within.num_rows:
            conflicts[name] = within.num_rows
            found.append(within)
    files: list[tuple[str, pa.Table, Path, dict[str, str]]] = []
    keys: dict[str, pa.Array] = {}
    for name, key, label, refs in (
        ("accounts", "account_id", "Account", _account_refs(tables)),
        ("parties", "party_id", "Party", _party_refs(tables)),
        ("travel", "record_id", "Trip", None),
    ):
        rows = tables.get(name, schema.empty(name))
        if refs is not None:
            stubs = pc.unique(refs)
            stubs = stubs.filter(pc.invert(pc.is_in(stubs, value_set=rows[key].combine_chunks())))
            parts = [t for t in (rows, schema.conform(pa.table({key: stubs}), name)) if t.num_rows]
            rows = pa.concat_tables(parts).combine_chunks() if parts else rows
        keys[name] = rows[key].combine_chunks()
        if rows.num_rows:
            rows = rows.add_column(0, "_id", pa.array(np.arange(rows.num_rows, dtype=np.int64)))
            files.append(
                (f"--nodes={label}", rows, folder / f"{name}.csv", {"_id": f":ID({label})"})
            )
    if "transactions" in tables:
        tx = tables["transactions"]
        ends = {
            "src": _ids(keys["accounts"], tx["src_account"]),
            "dst": _ids(keys["accounts"], tx["dst_account"]),
        }
        tx = tx.drop_columns(["src_account", "dst_account"])
        tx = tx.add_column(0, "src", ends["src"]).add_column(1, "dst", ends["dst"])
        head = {"src": ":START_ID(Account)", "dst": ":END_ID(Account)"}
        files.append(("--relationships=TRANSFER", tx, folder / "transfers.csv", head))
    if "travel" in tables:
        trips = tables["travel"]
        payer = pc.is_valid(trips["payer_account"])
        paid = pa.table(
            {
                "payer": _ids(keys["accounts"], trips["payer_account"].filter(payer)),
                "trip": pa.array(np.flatnonzero(payer.to_numpy(zero_copy_only=False))),
            }
        )
        if paid.num_rows:
            head = {"payer": ":START_ID(Account)", "trip": ":END_ID(Trip)"}
            files.append(("--relationships=PAID", paid, folder / "paid.csv", head))
    if "holdings" in tables:
        hold = tables["holdings"]
        ends = {
            "party": _ids(keys["parties"], hold["party_id"]),
            "account": _ids(keys["accounts"], hold["account_id"]),
        }
        hold = hold.drop_columns(["party_id", "account_id"])
        hold = hold.add_column(0, "party", ends["party"]).add_column(1, "account", ends["account"])
        head = {"party": ":START_ID(Party)", "account": ":END_ID(Account)"}
        files.append(("--relationships=HOLDS", hold, folder / "holdings.csv", head))
    meta = pa.table(
        {
            "batch_id": [batch.batch_id],
            "source": [batch.source],
            "kind": [batch.kind],
            "format": [batch.format],
            "uploaded_by": [batch.uploaded_by],
            "uploaded_at": pa.array([datetime.now(UTC)], schema.TS),
            "rows_accepted": pa.array([sum(written.values())], pa.int64()),
            "rows_rejected": pa.array([batch.rejected.num_rows], pa.int64()),
            "rows_duplicate": pa.array([sum(duplicates.values())], pa.int64()),
            "rows_conflict": pa.array([sum(conflicts.values())], pa.int64()),
            "reasons": [json.dumps(_reason_counts(batch.rejected), sort_keys=True)],
        }
    )
    files.append(("--nodes=Batch", meta, folder / "batch.csv", {}))
    if batch.rejected.num_rows:
        rejected = schema.conform(batch.rejected, "rejected")
        files.append(("--nodes=Rejected", rejected, folder / "rejected.csv", {}))
    if found:
        files.append(("--nodes=Conflict", pa.concat_tables(found), folder / "conflicts.csv", {}))
    args = [f"{option}={_write(table, path, head)}" for option, table, path, head in files]
    if _has_line_breaks([table for _, table, _, _ in files]):
        args.insert(0, "--multiline-fields=true")
    receipt = BatchReceipt(
        batch.batch_id, "written", written, duplicates, batch.rejected.num_rows, conflicts
    )
    return args, receipt


def import_batch(
    batch: Batch, folder: Path, *, database: str = "neo4j", script: Path = SCRIPT
) -> BatchReceipt:
    """Bulk-load ``batch`` into the stopped project server's ``database``, replacing it.

    Raises
    ------
    StoreError
        If the server runs, or the import tool fails (its last output lines in the message).
    """
    args, receipt = write_import_files(batch, folder)
    run_import(args, batch.source, database=database, script=script)
    return receipt


def run_import(
    args: list[str], source: str, *, database: str = "neo4j", script: Path = SCRIPT
) -> None:
    """Run ``neo4j-admin database import full`` with the file arguments of
    :func:`write_import_files` on the stopped project server.

    Raises
    ------
    StoreError
        If the server runs, or the import tool fails (its last output lines in the message).
    """
    # The database comes first: the file options take any number of values.
    command = ["bash", str(script), "import", database, "--overwrite-destination=true"]
    command += ["--id-type=integer", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise StoreError(f"neo4j-admin import of {source} failed:\n{tail}")


def _account_refs(tables: dict[str, pa.Table]) -> pa.Array | None:
    parts = []
    if "transactions" in tables:
        parts += [tables["transactions"]["src_account"], tables["transactions"]["dst_account"]]
    if "holdings" in tables:
        parts.append(tables["holdings"]["account_id"])
    if "travel" in tables:
        parts.append(
            tables["travel"]["payer_account"].filter(pc.is_valid(tables["travel"]["payer_account"]))
        )
    if not parts:
        return None
    return pa.chunked_array([c for p in parts for c in p.chunks], pa.string()).combine_chunks()


def _party_refs(tables: dict[str, pa.Table]) -> pa.Array | None:
    if "holdings" not in tables:
        return None
    return tables["holdings"]["party_id"].combine_chunks()
