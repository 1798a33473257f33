"""Row keys of the canonical tables, shared by both store backends: the idempotence key of each
row and the first row of each distinct key (how a batch drops repeats of itself)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema

KEY_SEPARATOR = "\x1f"


def key_array(table: pa.Table, name: str) -> pa.Array:
    """The idempotence key of each row of input table ``name`` as one string array."""
    columns = schema.KEYS[name]
    if len(columns) == 1:
        keys = table.column(columns[0])
    else:
        parts = [pc.fill_null(table.column(c).cast(pa.string()), "") for c in columns]
        keys = pc.binary_join_element_wise(*parts, KEY_SEPARATOR)
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks() if keys.num_chunks != 1 else keys.chunk(0)
    return keys


def first_occurrences(keys: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Indices (ascending, int64) of the first row holding each distinct key."""
    n = len(keys)
    if len(pc.unique(keys)) == n:  # cheaper than count_distinct
        return pa.array(np.arange(n, dtype=np.int64))
    rows = pa.table({"key": keys, "row": pa.array(np.arange(n, dtype=np.int64))})
    firsts = rows.group_by("key", use_threads=False).aggregate([("row", "min")])
    return pa.array(np.sort(firsts["row_min"].to_numpy()))


def repeated_rows(keys: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, pa.Array]:
    """Every row repeating an earlier row's key, and that key's first row (both int64, the
    repeats ascending): the pairs whose content the conflict check compares."""
    n = len(keys)
    unique = pc.unique(keys)
    group = pc.index_in(keys, value_set=unique).to_numpy(zero_copy_only=False).astype(np.int64)
    first = np.full(len(unique), n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n, dtype=np.int64))
    firsts = first[group]
    repeats = np.flatnonzero(firsts != np.arange(n))
    return pa.array(repeats), pa.array(firsts[repeats])
