"""Investigators' decisions (dispositions): their table and how a batch of them is built.

A disposition says what an investigator decided about an account or a case (a ranked cluster):
``suspicious`` (confirmed), ``cleared`` or ``escalated``, with a reason, who decided and when.
Decisions are appended, never edited: the latest decision about an entity is the one in force
(:func:`latest`), and the history stays for the audit of how a case went.

A decision about a case is stored as one row for the case (``entity_kind`` ``case``) and one row
per account the case named, all with the case's ``case_id``, written together, so the accounts
of a confirmed case carry its label even after the next analysis renumbers the clusters.

Rows imported from a file of past decisions (``moneytrail feedback import``) carry the file's
content hash in ``batch_id``; decisions made in the dashboard have none.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core.schema import TS

#: The decisions an investigator can record.
DECISIONS = ("suspicious", "cleared", "escalated")
#: What a decision can be about.
ENTITY_KINDS = ("account", "case")
#: Label each decision gives an account for learning (escalated: not decided yet, no label).
LABELS = {"suspicious": 1, "cleared": 0}

DISPOSITIONS = pa.schema(
    [
        pa.field("disposition_id", pa.string(), nullable=False),
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("entity_kind", pa.string(), nullable=False),  # account | case
        pa.field("decision", pa.string(), nullable=False),  # suspicious | cleared | escalated
        pa.field("reason", pa.string()),
        pa.field("decided_by", pa.string()),
        pa.field("decided_at", TS),
        pa.field("case_id", pa.string()),
        pa.field("run_id", pa.string()),  # the analysis run the case came from
        pa.field("batch_id", pa.string()),  # content hash of the imported file, if imported
    ]
)


def empty() -> pa.Table:
    """An empty dispositions table."""
    return DISPOSITIONS.empty_table()


def build(
    entity_ids: Sequence[str],
    decisions: Sequence[str],
    *,
    entity_kinds: Sequence[str] | None = None,
    reasons: Sequence[str | None] | None = None,
    decided_by: str,
    decided_at: Sequence[datetime | None] | None = None,
    case_ids: Sequence[str | None] | None = None,
    run_id: str | None = None,
    batch_id: str | None = None,
) -> pa.Table:
    """A table of new dispositions in the :data:`DISPOSITIONS` schema.

    Parameters
    ----------
    entity_ids, decisions:
        One entry per row; decisions from :data:`DECISIONS`.
    entity_kinds:
        Per row ``account`` or ``case`` (default ``account``).
    reasons, case_ids, decided_at:
        Per row (``decided_at`` defaults to now, UTC).
    decided_by:
        Who decided (the signed-in user, or ``import`` for a file of past decisions).

    Raises
    ------
    ValueError
        For an unknown decision or kind, or an empty entity id.
    """
    n = len(entity_ids)
    kinds = list(entity_kinds) if entity_kinds is not None else ["account"] * n
    if len(decisions) != n or len(kinds) != n:
        raise ValueError("entity_ids, decisions and entity_kinds differ in length")
    for i, (eid, decision, kind) in enumerate(zip(entity_ids, decisions, kinds, strict=True)):
        if not eid or not str(eid).strip():
            raise ValueError(f"row {i + 1}: empty entity id")
        if decision not in DECISIONS:
            raise ValueError(f"row {i + 1}: decision {decision!r} is not one of {DECISIONS}")
        if kind not in ENTITY_KINDS:
            raise ValueError(f"row {i + 1}: entity kind {kind!r} is not one of {ENTITY_KINDS}")
    now = datetime.now(UTC)
    when = [now if t is None else t for t in (decided_at or [None] * n)]
    return pa.Table.from_arrays(
        [
            pa.array([uuid.uuid4().hex for _ in range(n)], pa.string()),
            pa.array([str(e) for e in entity_ids], pa.string()),
            pa.array(kinds, pa.string()),
            pa.array(list(decisions), pa.string()),
            pa.array(list(reasons) if reasons is not None else [None] * n, pa.string()),
            pa.array([decided_by] * n, pa.string()),
            pa.array(when, TS),
            pa.array(list(case_ids) if case_ids is not None else [None] * n, pa.string()),
            pa.array([run_id] * n, pa.string()),
            pa.array([batch_id] * n, pa.string()),
        ],
        schema=DISPOSITIONS,
    )


def conform(table: pa.Table) -> pa.Table:
    """``table`` in the :data:`DISPOSITIONS` schema (column order and types)."""
    return pa.Table.from_arrays(
        [table[f.name].cast(f.type) for f in DISPOSITIONS], schema=DISPOSITIONS
    )


def latest(table: pa.Table, kind: str = "account") -> pa.Table:
    """The decision in force per entity of ``kind``: the latest by ``decided_at`` (ties: the
    row written last). Sorted by entity id."""
    rows = table.filter(pc.equal(table["entity_kind"], kind))
    if rows.num_rows == 0:
        return rows
    when = pc.fill_null(rows["decided_at"].cast(pa.int64()), 0).to_numpy()
    order = np.lexsort((np.arange(rows.num_rows), when))  # by time, then by write order
    rows = rows.take(pa.array(order))
    ids = rows["entity_id"].to_numpy(zero_copy_only=False)
    last = {eid: i for i, eid in enumerate(ids)}  # later rows overwrite earlier ones
    keep = np.sort(np.fromiter(last.values(), np.int64, len(last)))
    return rows.take(pa.array(keep)).sort_by("entity_id")


def labels(table: pa.Table) -> pa.Table:
    """Account labels from the decisions in force: ``entity_id``, ``label`` (1 suspicious,
    0 cleared) and ``decided_at``; accounts whose latest decision is ``escalated`` have none."""
    current = latest(table, "account")
    current = current.filter(pc.is_in(current["decision"], value_set=pa.array(list(LABELS))))
    values = [LABELS[d] for d in current["decision"].to_pylist()]
    return pa.table(
        {
            "entity_id": current["entity_id"],
            "label": pa.array(values, pa.int8()),
            "decided_at": current["decided_at"],
        }
    )
