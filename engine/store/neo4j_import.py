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


def _header(table: pa.Table, renames: dict[str, str]) -> list[str]:
    names = []
    for field in table.schema:
        if field.name in renames:
            names.append(renames[field.name])
        else:
            names.append(field.name + _TYPES.get(field.type, ""))
    return names


def _write(table: pa.Table, path: Path, header: list[str]) -> str:
    """Write ``table`` as CSV plus a header file; return the tool's ``header,data`` argument.

    Timestamps are written in ISO-8601 with ``Z`` (microseconds kept).
    """
    columns = []
    for field in table.schema:
        column = table[field.name]
        if field.type == schema.TS:
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
            column = pc.binary_join_element_wise(column, pa.scalar("Z"), "")
        columns.append(column)
    out = pa.Table.from_arrays(columns, names=header).combine_chunks()
    pacsv.write_csv(out, path, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    head = path.with_name(path.stem + "-header.csv")
    head.write_text(",".join(header) + "\n", encoding="utf-8")
    return f"{head},{path}"


def write_import_files(batch: Batch, folder: Path) -> tuple[list[str], BatchReceipt]:
    """Write the CSV files of ``batch`` and return the import tool's arguments and a receipt.

    Rows repeated inside the batch are dropped (first kept), as :meth:`Neo4jStore.write_batch`
    does, and conflicting repeats become ``:Conflict`` nodes; accounts and parties that only a transfer or holding names become reference nodes
    without ``batch_id``.
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
    args: list[str] = []
    for name, key, label, refs in (
        ("accounts", "account_id", "Account", _account_refs(tables)),
        ("parties", "party_id", "Party", _party_refs(tables)),
    ):
        rows = tables.get(name, schema.empty(name))
        stubs = pc.unique(refs) if refs is not None else pa.array([], pa.string())
        stubs = stubs.filter(pc.invert(pc.is_in(stubs, value_set=rows[key].combine_chunks())))
        parts = [t for t in (rows, schema.conform(pa.table({key: stubs}), name)) if t.num_rows]
        rows = pa.concat_tables(parts).combine_chunks() if parts else rows
        if rows.num_rows:
            head = _header(rows, {key: f"{key}:ID({label})"})
            args.append(f"--nodes={label}={_write(rows, folder / f'{name}.csv', head)}")
    if "transactions" in tables:
        tx = tables["transactions"]
        tx = tx.select([c for c in tx.column_names if c not in ("src_account", "dst_account")])
        tx = tx.add_column(0, "src", tables["transactions"]["src_account"])
        tx = tx.add_column(1, "dst", tables["transactions"]["dst_account"])
        head = _header(tx, {"src": ":START_ID(Account)", "dst": ":END_ID(Account)"})
        args.append(f"--relationships=TRANSFER={_write(tx, folder / 'transfers.csv', head)}")
    if "travel" in tables:
        trips = tables["travel"]
        head = _header(trips, {"record_id": "record_id:ID(Trip)"})
        args.append(f"--nodes=Trip={_write(trips, folder / 'travel.csv', head)}")
        paid = trips.select(["payer_account", "record_id"]).filter(
            pc.is_valid(trips["payer_account"])
        )
        if paid.num_rows:
            head = [":START_ID(Account)", ":END_ID(Trip)"]
            args.append(f"--relationships=PAID={_write(paid, folder / 'paid.csv', head)}")
    if "holdings" in tables:
        hold = tables["holdings"]
        head = _header(hold, {"party_id": ":START_ID(Party)", "account_id": ":END_ID(Account)"})
        args.append(f"--relationships=HOLDS={_write(hold, folder / 'holdings.csv', head)}")
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
    head = _header(meta, {"batch_id": "batch_id:ID(Batch)"})
    args.append(f"--nodes=Batch={_write(meta, folder / 'batch.csv', head)}")
    if batch.rejected.num_rows:
        rejected = schema.conform(batch.rejected, "rejected")
        head = _header(rejected, {})
        args.append(f"--nodes=Rejected={_write(rejected, folder / 'rejected.csv', head)}")
    if found:
        quarantined = pa.concat_tables(found)
        head = _header(quarantined, {})
        args.append(f"--nodes=Conflict={_write(quarantined, folder / 'conflicts.csv', head)}")
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
    command += ["--multiline-fields=true", "--id-type=string", *args]
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
