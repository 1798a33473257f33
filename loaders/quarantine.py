"""The quarantine download: rejected rows as CSV that is safe to open in a spreadsheet.

A rejected value is whatever the uploaded file held, including cells such as
``=cmd|' /C calc'!A0`` written to attack whoever opens the export in Excel or LibreOffice
(CSV injection). Every text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is prefixed with a single quote, as OWASP recommends, so it is shown, never evaluated.
"""

from __future__ import annotations

import io
import os
from typing import IO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engine.core import schema

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix formula-like strings with ``'`` (vectorised)."""
    risky = None
    for start in FORMULA_STARTS:
        hit = pc.starts_with(column, start)
        risky = hit if risky is None else pc.or_(risky, hit)
    quoted = pc.binary_join_element_wise("'", column, "")
    return pc.if_else(pc.fill_null(risky, False), quoted, column)


def export_rejected(
    table: pa.Table, path_or_buffer: str | os.PathLike[str] | IO, *, name: str = "rejected"
) -> None:
    """Write the rejected rows as CSV with formula cells neutralised.

    Parameters
    ----------
    table:
        Rows with the :data:`engine.core.schema.REJECTED` schema (extra columns are dropped),
        or with :data:`engine.core.schema.CONFLICTS` when ``name`` is ``conflicts``.
    path_or_buffer:
        A file path, or a binary or text buffer (for a download button).
    name:
        ``rejected`` (the loader's quarantine) or ``conflicts`` (the store's quarantine of
        conflicting duplicates).
    """
    table = schema.conform(table, name)
    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type):
            table = table.set_column(i, field, neutralise(table.column(i)))
    sink = io.BytesIO()
    pacsv.write_csv(table, sink)
    data = sink.getvalue()
    if isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(data.decode("utf-8"))
    elif hasattr(path_or_buffer, "write"):
        path_or_buffer.write(data)
    else:
        with open(path_or_buffer, "wb") as handle:
            handle.write(data)
