"""Append-only tables the store keeps across analysis runs: case lineage and the worklog.

Analysis results are replaced as a whole by every run; these are not. Like the dispositions
(:mod:`engine.store.dispositions`) they only grow, each write lands as one unit, and rows come
back in the order written.

* ``case_lineage``: one row per case and run saying where a case came from
  (:mod:`engine.services.case_identity`): ``same`` (the case kept its id), ``split`` (a new case
  made mostly of part of an old one), ``merge`` (an old case absorbed into a new one), ``new``
  and ``gone``. ``old_run_id``/``old_id`` name the previous run's case, ``new_id`` this run's.
* ``worklog``: investigators' notes, statuses and assignees of cases and entities
  (:mod:`engine.services.casework`): one row per change, the latest status and assignee in
  force, every note kept.

:data:`LEDGERS` is the single list; both backends store any table named there (the embedded
store as Parquet files named in its manifest, Neo4j as one node per row).
"""

from __future__ import annotations

import pyarrow as pa

from engine.core.schema import TS

#: Kinds of lineage row.
LINEAGE_KINDS = ("same", "split", "merge", "new", "gone")

CASE_LINEAGE = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),  # the run that built the new case
        pa.field("old_run_id", pa.string()),  # the run the old case came from
        pa.field("old_id", pa.int64()),  # null for a new case
        pa.field("new_id", pa.int64()),  # null for a case that is gone
        pa.field("kind", pa.string(), nullable=False),  # one of LINEAGE_KINDS
        pa.field("overlap", pa.float64()),  # similarity of the two cases (0..1)
        pa.field("at", TS),  # when the run was written
    ]
)

#: What a worklog row changes.
WORKLOG_FIELDS = ("note", "status", "assignee")

WORKLOG = pa.schema(
    [
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("entity_kind", pa.string(), nullable=False),  # case | account | party
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("field", pa.string(), nullable=False),  # one of WORKLOG_FIELDS
        pa.field("value", pa.string()),  # the note's text, the status, or the user (null: none)
        pa.field("author", pa.string(), nullable=False),
        pa.field("at", TS),
    ]
)

#: Every append-only table the store keeps, by name.
LEDGERS: dict[str, pa.Schema] = {"case_lineage": CASE_LINEAGE, "worklog": WORKLOG}


def schema_of(name: str) -> pa.Schema:
    """The schema of ledger ``name``.

    Raises
    ------
    KeyError
        If ``name`` is not one of :data:`LEDGERS` (a programming error, not a user's).
    """
    if name not in LEDGERS:
        raise KeyError(f"{name!r} is not a ledger; known: {sorted(LEDGERS)}")
    return LEDGERS[name]


def empty(name: str) -> pa.Table:
    """An empty table of ledger ``name``."""
    return schema_of(name).empty_table()


def conform(table: pa.Table, name: str) -> pa.Table:
    """``table`` in ledger ``name``'s schema (column order and types; missing columns null)."""
    target = schema_of(name)
    arrays = [
        table[f.name].cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in target
    ]
    return pa.Table.from_arrays(arrays, schema=target)
