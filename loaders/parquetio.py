"""Parquet files read defensively: a damaged schema is refused, bad text cells are quarantined.

Parquet stores strings as bytes and neither the footer reader nor ``iter_batches`` checks that
they are UTF-8, so a damaged or hostile file yields string columns that later fail anywhere
(``to_pylist``, compute kernels). :func:`parquet_columns` turns a schema that cannot be decoded
(column names that are not UTF-8, a truncated footer) into one :class:`InputError`;
:func:`parquet_chunks` checks every batch (``validate(full=True)``, C++ and cheap when clean) and,
only when a check fails, finds the bad cells row by row and quarantines those rows, naming the
column. Damage that cannot be pinned to a row (a nested column) refuses the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from engine.core.errors import InputError
from loaders.base import CHUNK_ROWS, Progress, Rejects

#: What pyarrow raises on a damaged file: its own errors, and UTF-8 errors from its metadata.
READ_ERRORS = (pa.ArrowException, OSError, UnicodeDecodeError, ValueError, TypeError)
NOT_UTF8 = "not valid UTF-8 text"


def _open(path: Path, name: str) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(str(path))
    except READ_ERRORS as exc:
        raise InputError(f"not a readable Parquet file ({_describe(exc)})", file=name) from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "a column name or metadata is not valid UTF-8 text"
    return str(exc)[:300].encode("utf-8", "replace").decode("utf-8") or type(exc).__name__


def parquet_columns(path: Path, name: str) -> list[str]:
    """The column names of a Parquet file, read from its footer only.

    Raises
    ------
    InputError
        If the footer cannot be read or decoded (not Parquet, truncated, names not UTF-8).
    """
    meta = _open(path, name)
    try:
        return list(meta.schema_arrow.names)
    except READ_ERRORS as exc:
        raise InputError(f"not a readable Parquet file ({_describe(exc)})", file=name) from exc


def _text_cells(column: pa.Array) -> tuple[np.ndarray, list[str | None]] | None:
    """Per row: is the cell invalid UTF-8, and the cell decoded with replacement characters.

    ``None`` when the column is not a flat string column, so the damage
    cannot be pinned to rows. O(rows) in Python: only called on a batch that failed the check.
    """
    if pa.types.is_string(column.type):
        raw = column.view(pa.binary())
    elif pa.types.is_large_string(column.type):
        raw = column.view(pa.large_binary())
    else:
        return None
    bad = np.zeros(len(raw), dtype=bool)
    shown: list[str | None] = []
    for i, value in enumerate(raw.to_pylist()):
        if value is None:
            shown.append(None)
            continue
        try:
            shown.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            shown.append(value.decode("utf-8", "replace"))
            bad[i] = True
    return bad, shown


def check_text(
    batch: pa.RecordBatch, rows: np.ndarray, rejects: Rejects, name: str
) -> tuple[pa.Table, np.ndarray]:
    """``batch`` as a table without the rows whose text cells are not UTF-8 (quarantined).

    Raises
    ------
    InputError
        If a column is invalid in a way that cannot be pinned to rows.
    """
    try:
        batch.validate(full=True)
        return pa.Table.from_batches([batch]), rows
    except pa.ArrowInvalid:
        pass
    bad = np.zeros(batch.num_rows, dtype=bool)
    arrays = list(batch.columns)
    for i, (column_name, column) in enumerate(zip(batch.schema.names, arrays, strict=True)):
        try:
            column.validate(full=True)
            continue
        except pa.ArrowInvalid as exc:
            if pa.types.is_dictionary(column.type):  # filtering would keep the bad dictionary
                arrays[i] = column = column.dictionary_decode()
            cells = _text_cells(column)
            if cells is None:
                raise InputError(
                    f"column {column_name!r} holds damaged data ({_describe(exc)})", file=name
                ) from exc
        mask, shown = cells
        new = mask & ~bad
        idx = np.flatnonzero(new)
        rejects.add(
            rows[idx], column_name, pa.array([shown[j] for j in idx], pa.string()), NOT_UTF8
        )
        bad |= new
    if not bad.any():  # the batch failed as a whole but no column did: cannot localise
        raise InputError("the data is damaged (fails Arrow's validation)", file=name)
    keep = ~bad
    table = pa.Table.from_arrays(arrays, names=batch.schema.names)
    return table.filter(pa.array(keep)), rows[keep]  # filter copies only the valid cells


def parquet_chunks(
    path: Path, name: str, columns: list[str], rejects: Rejects, progress: Progress | None
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """Yield ``(raw_chunk, row_numbers)`` with only ``columns``, ``CHUNK_ROWS`` rows at a time.

    Raises
    ------
    InputError
        If the file cannot be read, or holds damage that cannot be pinned to rows.
    """
    pf = _open(path, name)
    size = path.stat().st_size
    try:
        total = max(pf.metadata.num_rows, 1)
        batches = pf.iter_batches(batch_size=CHUNK_ROWS, columns=columns)
        done = 0
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except READ_ERRORS as exc:
                raise InputError(f"cannot read Parquet: {_describe(exc)}", file=name) from exc
            rows = np.arange(done + 1, done + 1 + batch.num_rows, dtype=np.int64)
            done += batch.num_rows
            if progress is not None:
                progress(int(size * min(done, total) / total), size)
            yield check_text(batch, rows, rejects, name)
    except READ_ERRORS as exc:
        raise InputError(f"cannot read Parquet: {_describe(exc)}", file=name) from exc
