"""Casework: investigators' notes, a status and an assignee per case and per entity.

Every change is one row of the store's ``worklog`` ledger (:mod:`engine.store.ledgers`), so the
history stays: a note is never edited, the latest status and assignee are the ones in force.
Cases are named by their stable id (:mod:`engine.services.case_identity`), so the work on
"case 12" stays with case 12 across analysis runs.

**Status** is one of :data:`STATUSES`. ``new`` and ``in review`` are the workflow's own and
are written here; ``confirmed``, ``cleared`` and ``escalated`` are the investigators'
decisions, which stay the dispositions of :mod:`engine.store.dispositions` (recorded with a
reason through :func:`engine.services.feedback.record_decision`): the status in force is the
latest of the two by time, so recording a decision moves a case to its status, and putting it
back in review is a later status row. People (``party``) have no dispositions, so their status
is the workflow's only.

Notes are free text from users: stripped, capped at :data:`MAX_NOTE_CHARS` (refused beyond,
never silently cut), and stored as written; whoever shows them escapes them.

Role checks and audit entries are :class:`engine.services.audited.AuditedSession`'s; these
functions only validate and write.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from engine.core.errors import InputError
from engine.store import dispositions, ledgers
from engine.store.base import Store

#: Every status, in workflow order.
STATUSES = ("new", "in_review", "confirmed", "cleared", "escalated")
#: Statuses written to the worklog (the others are decisions).
WORKFLOW_STATUSES = ("new", "in_review")
#: Status each decision gives.
DECISION_STATUS = {"suspicious": "confirmed", "cleared": "cleared", "escalated": "escalated"}
#: How each status reads.
STATUS_WORDS = {"new": "New", "in_review": "In review", "confirmed": "Confirmed",
                "cleared": "Cleared", "escalated": "Escalated"}  # fmt: skip
#: What casework can be about.
KINDS = ("case", "account", "party")
#: Longest note accepted (characters).
MAX_NOTE_CHARS = 4000
#: Longest assignee name (the users file's own limit).
MAX_NAME_CHARS = 128


@dataclass
class WorkState:
    """The work on one case or entity: status in force (who set it, when, and whether it is
    a decision), assignee, and every note, newest first."""

    status: str = "new"
    status_by: str | None = None
    status_at: datetime | None = None
    decided: bool = False
    assignee: str | None = None
    assigned_by: str | None = None
    assigned_at: datetime | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)


def _check(kind: str, entity_id: str) -> str:
    if kind not in KINDS:
        raise InputError(f"casework is about {', '.join(KINDS)}, not {kind!r}", field="kind")
    entity = str(entity_id).strip()
    if not entity:
        raise InputError("casework needs an entity id", field="entity_id")
    return entity


def _row(kind: str, entity_id: str, what: str, value: str | None, author: str) -> pa.Table:
    return pa.Table.from_pylist(
        [{"entry_id": uuid.uuid4().hex, "entity_kind": kind, "entity_id": entity_id,
          "field": what, "value": value, "author": author, "at": datetime.now(UTC)}],
        schema=ledgers.WORKLOG,
    )  # fmt: skip


def add_note(store: Store, kind: str, entity_id: str, text: str, *, author: str) -> pa.Table:
    """Append a note about a case or entity; returns the row written.

    Raises
    ------
    InputError
        For an empty note, one longer than :data:`MAX_NOTE_CHARS`, or an unknown kind.
    """
    entity = _check(kind, entity_id)
    body = (text or "").strip()
    if not body:
        raise InputError("a note needs some text", field="note")
    if len(body) > MAX_NOTE_CHARS:
        raise InputError(
            f"a note has at most {MAX_NOTE_CHARS:,} characters; this one has {len(body):,}",
            field="note",
        )
    row = _row(kind, entity, "note", body, author)
    store.append_ledger("worklog", row)
    return row


def set_status(store: Store, kind: str, entity_id: str, status: str, *, author: str) -> pa.Table:
    """Set the workflow status (``new`` or ``in_review``); returns the row written.

    Raises
    ------
    InputError
        For a decision status (record a decision, with its reason, instead) or an unknown one.
    """
    entity = _check(kind, entity_id)
    if status in DECISION_STATUS.values():
        raise InputError(
            f"{STATUS_WORDS[status].lower()} is a decision: record it with its reason",
            field="status",
        )
    if status not in WORKFLOW_STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}", field="status")
    row = _row(kind, entity, "status", status, author)
    store.append_ledger("worklog", row)
    return row


def assign(
    store: Store, kind: str, entity_id: str, assignee: str | None, *, author: str
) -> pa.Table:
    """Assign a case or entity to a user (``None`` or empty: unassign); returns the row.

    Whether ``assignee`` is a user is the caller's check (it knows the users file).
    """
    entity = _check(kind, entity_id)
    name = (assignee or "").strip() or None
    if name is not None and len(name) > MAX_NAME_CHARS:
        raise InputError(
            f"an assignee name has at most {MAX_NAME_CHARS} characters", field="assignee"
        )
    row = _row(kind, entity, "assignee", name, author)
    store.append_ledger("worklog", row)
    return row


def _decisions(
    store: Store, kind: str, entity_ids: Iterable[str], runs: dict[str, set[str]] | None
) -> dict[str, dict[str, Any]]:
    """The decision in force per entity (cases: only decisions made on a run in which the case
    had its id, ``runs[case_id]``, since ids were once reused from run to run)."""
    if kind == "party":
        return {}
    table = store.read_dispositions()
    wanted = pa.array(sorted({str(e) for e in entity_ids}), pa.string())
    table = table.filter(pc.is_in(table["entity_id"], value_set=wanted))
    if kind == "case" and table.num_rows:
        keep = [
            row["run_id"] in (runs or {}).get(row["entity_id"], set())
            for row in table.select(["entity_id", "run_id"]).to_pylist()
        ]
        table = table.filter(pa.array(keep, pa.bool_()))
    return {r["entity_id"]: r for r in dispositions.latest(table, kind).to_pylist()}


def _later(a: datetime | None, b: datetime | None) -> bool:
    """Whether ``a`` is later than ``b`` (a missing time is earliest)."""
    return (a or datetime.min.replace(tzinfo=UTC)) > (b or datetime.min.replace(tzinfo=UTC))


def work_states(
    store: Store,
    kind: str,
    entity_ids: Iterable[str] | None = None,
    *,
    case_runs: dict[str, set[str]] | None = None,
) -> dict[str, WorkState]:
    """The work on each of ``entity_ids`` of ``kind`` (default: every one with a worklog row
    or a decision), from one read of the worklog and one of the decisions.

    ``case_runs`` (cases only) names, per case id, the runs in which the case had that id
    (:func:`engine.services.case_identity.case_runs`); a case decision made on another run
    was about another case that once had the number, and is not in force.
    """
    log = store.read_ledger("worklog")
    log = log.filter(pc.equal(log["entity_kind"], kind))
    if entity_ids is not None:
        wanted = pa.array(sorted({str(e) for e in entity_ids}), pa.string())
        log = log.filter(pc.is_in(log["entity_id"], value_set=wanted))
    ids = set(log["entity_id"].to_pylist()) | set(entity_ids or ())
    states = {e: WorkState() for e in ids}
    for row in log.to_pylist():  # write order: later rows win
        state = states[row["entity_id"]]
        if row["field"] == "note":
            state.notes.insert(0, {"text": row["value"], "author": row["author"], "at": row["at"]})
        elif row["field"] == "status" and not _later(state.status_at, row["at"]):
            state.status, state.status_by, state.status_at = row["value"], row["author"], row["at"]
        elif row["field"] == "assignee" and not _later(state.assigned_at, row["at"]):
            state.assignee, state.assigned_by, state.assigned_at = (
                row["value"], row["author"], row["at"],
            )  # fmt: skip
    decided = _decisions(store, kind, ids if entity_ids is not None else _all_ids(store, kind),
                         case_runs)  # fmt: skip
    for eid, d in decided.items():
        state = states.setdefault(eid, WorkState())
        if not _later(state.status_at, d["decided_at"]):
            state.status = DECISION_STATUS[d["decision"]]
            state.status_by, state.status_at, state.decided = d["decided_by"], d["decided_at"], True
    return states


def _all_ids(store: Store, kind: str) -> list[str]:
    table = store.read_dispositions()
    return table.filter(pc.equal(table["entity_kind"], kind))["entity_id"].to_pylist()


def work_state(
    store: Store, kind: str, entity_id: str, *, case_runs: set[str] | None = None
) -> WorkState:
    """The work on one case or entity (see :func:`work_states`)."""
    entity = _check(kind, entity_id)
    runs = {entity: case_runs or set()} if kind == "case" else None
    return work_states(store, kind, [entity], case_runs=runs)[entity]
