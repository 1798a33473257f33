"""Batches after the upload: find one by its id (or a prefix), read its rejects, take it back.

Removal is the one way to undo a bad upload. It needs the ``remove_batch`` permission (admins
only, :data:`engine.security.auth.PERMISSIONS`) and is audited before it happens: if the audit
entry cannot be written nothing is removed, and a removal that then fails is recorded too.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from engine.core.errors import StoreError
from engine.store.base import RemovalReceipt, Store

#: Shortest id prefix accepted for a batch (the ids are 64 hex digits of a SHA-256).
MIN_PREFIX = 6


def find_batch(store: Store, batch_id: str) -> dict[str, Any]:
    """The ``batches`` row of the batch whose id is ``batch_id`` or starts with it.

    Raises
    ------
    StoreError
        If no batch, or more than one, matches (or the prefix is shorter than
        :data:`MIN_PREFIX` and not a whole id).
    """
    batches = store.read_table("batches")
    ids = batches["batch_id"].to_pylist()
    if batch_id in ids:
        matches = [batch_id]
    elif len(batch_id) < MIN_PREFIX:
        raise StoreError(f"batch id {batch_id!r}: give at least {MIN_PREFIX} characters")
    else:
        matches = [i for i in ids if i.startswith(batch_id)]
    if not matches:
        raise StoreError(f"no batch {batch_id!r} in {store.describe()}")
    if len(matches) > 1:
        raise StoreError(
            f"batch id {batch_id!r} is ambiguous: {', '.join(m[:12] for m in matches)}"
        )
    (row,) = batches.filter(pc.equal(batches["batch_id"], matches[0])).to_pylist()
    return row


def batch_rejects(store: Store, batch_id: str) -> pa.Table:
    """The quarantined rows of one batch, by row number."""
    rejected = store.read_table("rejected")
    mine = rejected.filter(pc.equal(rejected["batch_id"], batch_id))
    return mine.sort_by([("row", "ascending"), ("field", "ascending")])


def batch_conflicts(store: Store, batch_id: str) -> pa.Table:
    """The conflicting duplicates one batch brought (known key, other content), by table and
    key; each row holds the stored and the incoming version as JSON."""
    conflicts = store.read_table("conflicts")
    mine = conflicts.filter(pc.equal(conflicts["batch_id"], batch_id))
    return mine.sort_by([("table", "ascending"), ("key", "ascending")])


def remove_batch(store: Store, batch_id: str, actor: Any) -> RemovalReceipt:
    """Take back the batch ``batch_id`` (a whole id or a prefix), audited.

    Parameters
    ----------
    store : Store
    batch_id : str
    actor : User or str
        A signed-in :class:`engine.security.auth.User` must hold ``remove_batch``; a string
        is a command-line operator (``cli:<os user>``), who already holds the data folder and
        the users file, as for ``moneytrail users``.

    Raises
    ------
    AccessDenied
        If a signed-in user lacks the permission (nothing is removed or recorded).
    AuditError
        If the audit entry cannot be written (nothing is removed).
    StoreError
        If there is no such batch, or the store could not remove it (store unchanged).
    """
    from engine.security.audit import open_audit_log
    from engine.security.auth import User, require

    if isinstance(actor, User):
        require(actor, "remove_batch")
    row = find_batch(store, batch_id)
    target = f"batch:{row['batch_id']}"
    log = open_audit_log(store)
    facts = {"source": row["source"], "rows_accepted": row["rows_accepted"]}
    log.record(actor, "remove_batch", target, status="requested", **facts)
    try:
        receipt = store.remove_batch(row["batch_id"])
    except StoreError as exc:
        log.record(actor, "remove_batch", target, status="failed", error=str(exc)[:300])
        raise
    log.record(actor, "remove_batch", target, status="removed", rows=receipt.removed,
               rejected=receipt.rejected, conflicts=receipt.conflicts)  # fmt: skip
    return receipt
