"""Carry out a :class:`loaders.plan.Plan` over a tabular file, chunk by chunk.

Each raw chunk is converted into every table of the plan by :class:`loaders.normalise.Converter`
and the accepted parts are concatenated at the end; ids missing from the source are derived
once over the whole table (:func:`loaders.normalise.derive_ids`). A CSV read with encoding
``auto`` that meets bytes that are not UTF-8 is read again as Latin-1, with a note.
"""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from engine import schema
from engine.errors import InputError
from loaders.base import LoadResult, Progress, Rejects, concat, kind_of
from loaders.normalise import Converter, derive_ids
from loaders.plan import Plan
from loaders.tabular import NotUTF8, Retype, TabularFile, iter_chunks


def _typed_columns(plan: Plan) -> dict[str, pa.DataType] | None:
    """Canonical CSV: let the reader parse numbers and times (fast path, in its own thread)."""
    if plan.format != "canonical" or len(plan.tables) != 1:
        return None
    ((name, fields),) = plan.tables.items()
    table_schema = schema.INPUT_TABLES[name]
    types = {}
    for field, source in fields.items():
        ftype = table_schema.field(field).type
        if pa.types.is_floating(ftype) or pa.types.is_timestamp(ftype):
            types[source.columns[0]] = ftype
    return types or None


def _run(
    tf: TabularFile,
    plan: Plan,
    batch_id: str,
    progress: Progress | None,
    types: dict[str, pa.DataType] | None = None,
) -> LoadResult:
    rejects = Rejects(tf.name, batch_id)
    converter = Converter(plan.mapping, rejects, trim=plan.format != "canonical")
    parts: dict[str, list[pa.Table]] = {name: [] for name in plan.tables}
    for raw, rows in iter_chunks(tf, plan.columns(), rejects, progress, types):
        for name, fields in plan.tables.items():
            table = converter.convert(raw, name, fields, rows)
            if table.num_rows:
                parts[name].append(table)
    tables = {name: derive_ids(concat(chunks, name), name) for name, chunks in parts.items()}
    notes = [*tf.notes, *sorted(converter.notes)]
    return LoadResult(tables, rejects.table(), plan.format, kind_of(list(tables)), notes)


def load_plan(
    tf: TabularFile, plan: Plan, batch_id: str, progress: Progress | None = None
) -> LoadResult:
    """Load ``tf`` according to ``plan``; see the module docstring.

    Raises
    ------
    InputError
        If the file cannot be parsed at all.
    """
    # Machine-written canonical files have no line breaks inside values: the fast reader.
    tf = replace(tf, multiline=plan.format != "canonical")
    types = _typed_columns(plan) if tf.format == "csv" and not tf.binary else None
    try:
        try:
            return _run(tf, plan, batch_id, progress, types)
        except Retype:
            if types is None:
                raise
        return _run(tf, plan, batch_id, progress)
    except NotUTF8 as exc:
        if tf.format != "csv":
            raise InputError("not valid UTF-8 text", file=tf.name) from exc
        if tf.encoding != "auto":
            # Read again with bytes checked row by row, so only the bad rows are refused.
            try:
                return _run(replace(tf, binary=True), plan, batch_id, progress)
            except NotUTF8 as again:
                raise InputError("not valid UTF-8 text", file=tf.name) from again
    latin = replace(
        tf, encoding="latin-1", notes=[*tf.notes, "not UTF-8 text: read as Latin-1 (ISO-8859-1)"]
    )
    return _run(latin, plan, batch_id, progress)
