"""The watch list: known suspects (accounts or people) an investigator asked to watch.

Like the decisions (:mod:`engine.store.dispositions`), the list is a log that is appended to,
never edited: each row adds an entity to the list or takes it off (``action``), with who did it,
when and why. The list in force (:func:`current`) is each entity's latest row, when that row is
an ``add``; the history stays, so an audit can say who watched whom and for how long. An entry
may name an account or a party that is not in the data yet: it is kept, and counts as soon as
the entity arrives with a later upload.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core.schema import TS

#: What a watch-list entry can name.
ENTITY_KINDS = ("account", "party")
#: What a row does to the list.
ACTIONS = ("add", "remove")
#: Longest entity id and note kept (longer input is refused, not cut).
MAX_ID_LENGTH = 200
MAX_NOTE_LENGTH = 500

WATCHLIST = pa.schema(
    [
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("entity_kind", pa.string(), nullable=False),  # account | party
        pa.field("action", pa.string(), nullable=False),  # add | remove
        pa.field("note", pa.string()),
        pa.field("by", pa.string()),
        pa.field("at", TS),
        pa.field("source", pa.string()),  # "manual", or the uploaded file's name and hash
    ]
)


def empty() -> pa.Table:
    """An empty watch-list log."""
    return WATCHLIST.empty_table()


def build(
    entity_ids: Sequence[str],
    entity_kinds: Sequence[str],
    action: str,
    *,
    by: str,
    notes: Sequence[str | None] | None = None,
    source: str = "manual",
    at: datetime | None = None,
) -> pa.Table:
    """New rows in the :data:`WATCHLIST` schema, all doing ``action``.

    Raises
    ------
    ValueError
        For an unknown action or kind, an empty or over-long id or note (naming the row).
    """
    n = len(entity_ids)
    if action not in ACTIONS:
        raise ValueError(f"action {action!r} is not one of {ACTIONS}")
    if len(entity_kinds) != n or (notes is not None and len(notes) != n):
        raise ValueError("entity_ids, entity_kinds and notes differ in length")
    ids = [str(e).strip() for e in entity_ids]
    texts = [None if t is None else str(t).strip() or None for t in (notes or [None] * n)]
    for i, (eid, kind, note) in enumerate(zip(ids, entity_kinds, texts, strict=True)):
        if not eid:
            raise ValueError(f"row {i + 1}: empty entity id")
        if len(eid) > MAX_ID_LENGTH:
            raise ValueError(f"row {i + 1}: entity id longer than {MAX_ID_LENGTH} characters")
        if kind not in ENTITY_KINDS:
            raise ValueError(f"row {i + 1}: kind {kind!r} is not one of {ENTITY_KINDS}")
        if note is not None and len(note) > MAX_NOTE_LENGTH:
            raise ValueError(f"row {i + 1}: note longer than {MAX_NOTE_LENGTH} characters")
    when = at or datetime.now(UTC)
    return pa.Table.from_arrays(
        [
            pa.array([uuid.uuid4().hex for _ in range(n)], pa.string()),
            pa.array(ids, pa.string()),
            pa.array(list(entity_kinds), pa.string()),
            pa.array([action] * n, pa.string()),
            pa.array(texts, pa.string()),
            pa.array([by] * n, pa.string()),
            pa.array([when] * n, TS),
            pa.array([source] * n, pa.string()),
        ],
        schema=WATCHLIST,
    )


def conform(table: pa.Table) -> pa.Table:
    """``table`` in the :data:`WATCHLIST` schema (column order and types)."""
    return pa.Table.from_arrays([table[f.name].cast(f.type) for f in WATCHLIST], schema=WATCHLIST)


def current(log: pa.Table) -> pa.Table:
    """The list in force: per (kind, entity) the latest row (by time, then write order), kept
    when it is an ``add``. Sorted by kind and id."""
    if log.num_rows == 0:
        return log
    when = pc.fill_null(log["at"].cast(pa.int64()), 0).to_numpy()
    order = np.lexsort((np.arange(log.num_rows), when))
    rows = log.take(pa.array(order))
    keys = zip(rows["entity_kind"].to_pylist(), rows["entity_id"].to_pylist(), strict=True)
    last = {key: i for i, key in enumerate(keys)}  # later rows overwrite earlier ones
    keep = np.sort(np.fromiter(last.values(), np.int64, len(last)))
    latest = rows.take(pa.array(keep))
    latest = latest.filter(pc.equal(latest["action"], "add"))
    return latest.sort_by([("entity_kind", "ascending"), ("entity_id", "ascending")])
