"""Investigators' decisions: recording one, and importing a file of past decisions.

A file of past decisions (``moneytrail feedback import FILE``) is CSV or Parquet with columns

==============  =========  ======================================================================
column          required   meaning
==============  =========  ======================================================================
``entity_id``   yes        the account the decision is about
``label``       yes        ``1`` or ``suspicious`` (confirmed), ``0`` or ``cleared``
``decided_at``  no         ISO 8601 date or date-time (UTC when it names no zone); default: now
``case_id``     no         the FIU's own case reference
``note``        no         the reason, kept with the decision
==============  =========  ======================================================================

Every row is checked like any upload. A file with bad rows is refused **whole**: its bad rows
go to the quarantine (the store's ``rejected`` table, with file, row, field and reason, under a
batch of kind ``feedback``) and not one of its decisions is stored, so a half-read file cannot
teach the model half a history. Fix the rows and import the file again. A file imported before
(same content hash) changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.core.errors import InputError
from engine.store import dispositions
from engine.store.base import Batch, Store

REQUIRED = ("entity_id", "label")
OPTIONAL = ("decided_at", "case_id", "note")
#: Accepted spellings of the label (compared lower-case, trimmed).
LABEL_WORDS = {"1": "suspicious", "suspicious": "suspicious", "0": "cleared", "cleared": "cleared"}
MAX_ID = 200
MAX_NOTE = 2000


@dataclass(frozen=True)
class FeedbackReport:
    """What an import did: ``status`` is ``imported``, ``refused`` (bad rows: nothing stored
    but the quarantine) or ``duplicate`` (this file was imported before)."""

    source: str
    batch_id: str
    status: str
    accepted: int
    rejected: int
    rejected_rows: pa.Table = field(default_factory=lambda: schema.empty("rejected"))


def record_decision(
    store: Store,
    entity_id: str,
    decision: str,
    *,
    reason: str,
    decided_by: str,
    kind: str = "account",
    members: Sequence[str] = (),
    run_id: str | None = None,
) -> pa.Table:
    """Store one investigator's decision about an account or a case, as one write.

    A case decision (``kind="case"``, ``entity_id`` the cluster id) is stored as a row for the
    case and one row per member account, all with the case's id as ``case_id``.

    Raises
    ------
    InputError
        For an unknown decision, or an empty reason (a decision must say why).
    """
    if decision not in dispositions.DECISIONS:
        raise InputError(f"decision {decision!r} is not one of {', '.join(dispositions.DECISIONS)}")
    if not reason or not reason.strip():
        raise InputError("a decision needs a reason", field="reason")
    reason = reason.strip()[:MAX_NOTE]
    ids = [str(entity_id)]
    kinds = [kind]
    if kind == "case":
        ids += [str(m) for m in members]
        kinds += ["account"] * len(members)
    try:
        rows = dispositions.build(
            ids,
            [decision] * len(ids),
            entity_kinds=kinds,
            reasons=[reason] * len(ids),
            decided_by=decided_by,
            case_ids=[str(entity_id) if kind == "case" else None] * len(ids),
            run_id=run_id,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    store.write_dispositions(rows)
    return rows


def import_feedback(
    store: Store,
    path: str | os.PathLike[str],
    *,
    decided_by: str = "import",
    source_name: str | None = None,
    now: datetime | None = None,
) -> FeedbackReport:
    """Validate a file of past decisions and store it whole, or quarantine its bad rows.

    Raises
    ------
    InputError
        If the file cannot be read or lacks a required column (naming the file and column).
    """
    from engine.services.ingest import file_digest, sanitise_source_name

    path = Path(path)
    source = sanitise_source_name(source_name or path.name)
    batch_id = file_digest(path)
    if store.has_batch(batch_id) or _imported(store, batch_id):
        return FeedbackReport(source, batch_id, "duplicate", 0, 0)
    table, fmt = _read(path, source)
    now = now or datetime.now(UTC)
    known = _known_accounts(store)
    good, bad = _validate(table, source, batch_id, known, now)
    if bad:
        rejected = schema.conform(pa.Table.from_pylist(bad, schema=schema.REJECTED), "rejected")
        store.write_batch(Batch(batch_id, source, "feedback", fmt, {}, rejected, decided_by))
        return FeedbackReport(source, batch_id, "refused", 0, len(bad), rejected)
    rows = dispositions.build(
        [g["entity_id"] for g in good],
        [g["decision"] for g in good],
        reasons=[g["note"] for g in good],
        decided_by=decided_by,
        decided_at=[g["decided_at"] for g in good],
        case_ids=[g["case_id"] for g in good],
        batch_id=batch_id,
    )
    store.write_dispositions(rows)
    return FeedbackReport(source, batch_id, "imported", rows.num_rows, 0)


def _imported(store: Store, batch_id: str) -> bool:
    ids = store.read_dispositions()["batch_id"]
    return bool(pc.any(pc.equal(ids, batch_id)).as_py()) if len(ids) else False


def _read(path: Path, source: str) -> tuple[pa.Table, str]:
    """The file as a table of strings (every column), and its format name."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=source) from exc
    try:
        if magic == b"PAR1":
            table, fmt = pq.read_table(path), "parquet"
        else:
            opts = pacsv.ConvertOptions(strings_can_be_null=False)
            table = pacsv.read_csv(path, convert_options=opts)
            fmt = "csv"
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable CSV or Parquet file: {exc}", file=source) from exc
    table = table.rename_columns([c.strip().lower() for c in table.column_names])
    for name in REQUIRED:
        if name not in table.column_names:
            raise InputError(
                f"missing column; a feedback file needs {', '.join(REQUIRED)}",
                file=source,
                field=name,
            )
    columns = {}
    for name in (*REQUIRED, *OPTIONAL):
        if name in table.column_names:
            column = table[name]
            if pa.types.is_timestamp(column.type):
                column = pc.strftime(column, "%Y-%m-%dT%H:%M:%S.%f%z")
            columns[name] = column.cast(pa.string())
    return pa.table(columns), fmt


def _known_accounts(store: Store) -> set[str] | None:
    """Account ids the store knows (accounts table and transaction ends); None when empty,
    so decisions may be imported before the data they are about."""
    tx = store.read_table("transactions", ["src_account", "dst_account"])
    accounts = store.read_table("accounts", ["account_id"])
    if tx.num_rows == 0 and accounts.num_rows == 0:
        return None
    ids = pa.concat_arrays(
        [
            tx["src_account"].combine_chunks(),
            tx["dst_account"].combine_chunks(),
            accounts["account_id"].combine_chunks(),
        ]
    )
    return set(pc.unique(ids).to_pylist())


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _validate(
    table: pa.Table, source: str, batch_id: str, known: set[str] | None, now: datetime
) -> tuple[list[dict], list[dict]]:
    """Rows as decisions (good) and as quarantine rows (bad: row, field, value, reason)."""
    good: list[dict] = []
    bad: list[dict] = []
    columns = {name: table[name].to_pylist() for name in table.column_names}
    for i in range(table.num_rows):
        row = i + 1

        def reject(name: str, value: object, reason: str, row: int = row) -> None:
            text = "" if value is None else str(value)[: schema.MAX_REJECTED_VALUE]
            bad.append(
                {"batch_id": batch_id, "source": source, "row": row, "field": name,
                 "value": text, "reason": reason}
            )  # fmt: skip

        before = len(bad)
        entity = (columns["entity_id"][i] or "").strip()
        if not entity:
            reject("entity_id", entity, "empty entity_id")
        elif len(entity) > MAX_ID:
            reject("entity_id", entity, f"entity_id longer than {MAX_ID} characters")
        elif known is not None and entity not in known:
            reject("entity_id", entity, "unknown account: not in the store's data")
        raw_label = columns["label"][i]
        decision = LABEL_WORDS.get((raw_label or "").strip().lower())
        if decision is None:
            reject("label", raw_label, "label must be 1, 0, suspicious or cleared")
        decided_at = None
        raw_time = (columns.get("decided_at") or [None] * table.num_rows)[i]
        if raw_time is not None and raw_time.strip():
            try:
                decided_at = _parse_time(raw_time.strip())
            except ValueError:
                reject("decided_at", raw_time, "not an ISO 8601 date or date-time")
            else:
                if decided_at > now:
                    reject("decided_at", raw_time, "in the future")
        note = (columns.get("note") or [None] * table.num_rows)[i]
        if note is not None and len(note) > MAX_NOTE:
            reject("note", note, f"note longer than {MAX_NOTE} characters")
        case_id = (columns.get("case_id") or [None] * table.num_rows)[i]
        if case_id is not None and len(case_id) > MAX_ID:
            reject("case_id", case_id, f"case_id longer than {MAX_ID} characters")
        if len(bad) == before:
            good.append(
                {"entity_id": entity, "decision": decision, "decided_at": decided_at,
                 "note": note or None, "case_id": (case_id or "").strip() or None}
            )  # fmt: skip
    return good, bad
