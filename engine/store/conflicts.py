"""Conflicting duplicates: a known key arriving with different content.

Both backends drop a row whose key (:data:`engine.core.schema.KEYS`) is already stored, or
repeated earlier in the same batch, so that uploading a file twice changes nothing. That is
right for an exact repeat, but a repeat with other content (the same ``tx_id`` with amount 10,
then 99999) is a contradiction between two reports, and dropping it with a count hides it.

The check lives where the duplicate is found (the store's dedupe, which has already hashed
and matched the keys), and it only looks at the rows that matched: a batch without repeats
pays nothing for it. For each matched pair the content hash (:func:`content_hashes`, every
column but ``batch_id``) of the incoming row is compared with the stored one; equal means an
exact duplicate (skipped, counted), different means a conflict: the incoming row is not
stored, and goes to the ``conflicts`` table (:data:`engine.core.schema.CONFLICTS`) with both
versions, written in the same atomic unit as the batch.

Only event records are checked (:data:`CONFLICT_TABLES`: transactions and travel legs, one row
per event, where two contents for one id cannot both be true). Accounts and parties are
descriptions of an entity that different sources legitimately give with more or fewer details
(a bank export names only the account, a goAML report its institution and holder too); holdings
have no content beyond their key. For those the first row stored is kept, as before.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.store.keyindex import hash_keys

#: Input tables whose conflicting duplicates are quarantined (see the module docstring).
CONFLICT_TABLES = frozenset({"transactions", "travel"})
REASON = "duplicate key with different content: the stored row is kept"

_MIX = np.uint64(0xFF51AFD7ED558CCD)
_SEED = np.uint64(0x9E3779B97F4A7C15)
_NULL = np.uint64(0xA5A5A5A5DEADBEEF)


def _column_words(column: pa.Array) -> np.ndarray:
    """One uint64 per value: the bits of numbers and times, a hash of strings."""
    kind = column.type
    if pa.types.is_floating(kind):
        values = pc.fill_null(column.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False)
        return np.ascontiguousarray(values + 0.0).view(np.uint64)  # -0.0 counts as 0.0
    if pa.types.is_date32(kind):
        column = column.cast(pa.int32())
    if pa.types.is_timestamp(kind) or pa.types.is_date32(kind) or pa.types.is_integer(kind):
        values = pc.fill_null(column.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        return np.ascontiguousarray(values).view(np.uint64)
    if not pa.types.is_string(kind):
        column = column.cast(pa.string())
    return hash_keys(column)


def content_hashes(table: pa.Table) -> np.ndarray:
    """A 64-bit hash (uint64) of each row's content: every column but ``batch_id``.

    Nulls hash apart from empty strings and zeros. Not cryptographic, and only compared
    within one process (stored rows are hashed when they are matched, never persisted).

    Notes
    -----
    O(rows x columns), vectorised per column.
    """
    hashes = np.full(table.num_rows, _SEED, dtype=np.uint64)
    for name in table.column_names:
        if name == "batch_id":
            continue
        column = table.column(name)
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        words = _column_words(column)
        if column.null_count:
            words = np.where(np.asarray(column.is_valid()), words, _NULL)
        hashes ^= words
        hashes *= _MIX
        hashes ^= hashes >> np.uint64(29)
    return hashes


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    from engine.store.base import readable_dates

    return readable_dates(table).to_pylist()


def find_conflicts(name: str, incoming: pa.Table, stored: pa.Table) -> tuple[np.ndarray, pa.Table]:
    """Compare matched rows: ``incoming[i]`` repeats the key of ``stored[i]``.

    Parameters
    ----------
    name:
        The input table (rows of tables outside :data:`CONFLICT_TABLES` never conflict).
    incoming, stored:
        Equal-length tables in the canonical schema of ``name``; ``incoming`` carries the new
        batch's ``batch_id``, ``stored`` the batch that stored (or first held) each row.

    Returns
    -------
    conflicting : ndarray of bool, (len(incoming),)
        Which pairs differ in content.
    conflicts : pa.Table
        One :data:`engine.core.schema.CONFLICTS` row per conflicting pair, in order.
    """
    n = incoming.num_rows
    if n == 0 or name not in CONFLICT_TABLES:
        return np.zeros(n, dtype=bool), schema.empty("conflicts")
    incoming = schema.conform(incoming, name)
    stored = schema.conform(stored, name)
    conflicting = content_hashes(incoming) != content_hashes(stored)
    if not conflicting.any():
        return conflicting, schema.empty("conflicts")
    rows = pa.array(np.flatnonzero(conflicting))
    key = schema.KEYS[name][0]
    records = []
    for new, old in zip(_rows(incoming.take(rows)), _rows(stored.take(rows)), strict=True):
        new_batch, old_batch = new.pop("batch_id"), old.pop("batch_id")
        fields = [c for c in new if new[c] != old[c]]
        records.append(
            {
                "batch_id": new_batch,
                "table": name,
                "key": str(new[key]),
                "fields": ",".join(fields),
                "stored_batch_id": old_batch,
                "stored": json.dumps({c: _plain(v) for c, v in old.items()}, ensure_ascii=False),
                "incoming": json.dumps({c: _plain(v) for c, v in new.items()}, ensure_ascii=False),
                "reason": REASON,
            }
        )
    return conflicting, pa.Table.from_pylist(records, schema=schema.CONFLICTS)
