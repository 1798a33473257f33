"""Carry out a :class:`loaders.plan.Plan` over a tabular file, chunk by chunk, as a stream.

Each raw chunk is converted into every table of the plan by :class:`loaders.normalise.Converter`
and yielded at once, with the rows it rejected, so nothing grows with the file but the
:class:`loaders.repeats.RepeatCounter` behind ids derived from row content. A CSV read with
encoding ``auto`` that meets bytes that are not UTF-8 is read again as Latin-1, with a note;
a typed read that meets a value it cannot convert is read again as text. Either way the
stream says ``restart`` first (see :mod:`loaders.stream`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pyarrow as pa

from engine.core import schema
from engine.core.errors import InputError
from loaders.base import LoadResult, Progress, Rejects, kind_of
from loaders.normalise import Converter, derive_ids
from loaders.plan import Plan
from loaders.repeats import RepeatCounter
from loaders.stream import REJECTED, RESTART, Chunk, LoadStream, collect
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
    notes: list[str],
    types: dict[str, pa.DataType] | None = None,
) -> Iterator[Chunk]:
    rejects = Rejects(tf.name, batch_id)
    converter = Converter(plan.mapping, rejects, trim=plan.format != "canonical")
    repeats = {name: RepeatCounter() for name in plan.tables}
    for raw, rows in iter_chunks(tf, plan.columns(), rejects, progress, types):
        for name, fields in plan.tables.items():
            table = converter.convert(raw, name, fields, rows)
            if table.num_rows:
                yield name, derive_ids(table, name, repeats[name])
        if rejects.count:
            drained = rejects.drain()
            if drained.num_rows:
                yield REJECTED, drained
    drained = rejects.drain()
    if drained.num_rows:
        yield REJECTED, drained
    notes.extend([*tf.notes, *sorted(converter.notes)])


def _attempts(
    tf: TabularFile, plan: Plan, batch_id: str, progress: Progress | None, notes: list[str]
) -> Iterator[Chunk]:
    """The chunks of the first read that works (see the module docstring)."""
    # Machine-written canonical files have no line breaks inside values: the fast reader.
    tf = replace(tf, multiline=plan.format != "canonical")
    types = _typed_columns(plan) if tf.format == "csv" and not tf.binary else None
    try:
        try:
            yield from _run(tf, plan, batch_id, progress, notes, types)
            return
        except Retype:
            if types is None:
                raise
        yield RESTART, None
        yield from _run(tf, plan, batch_id, progress, notes)
        return
    except NotUTF8 as exc:
        if tf.format != "csv":
            raise InputError("not valid UTF-8 text", file=tf.name) from exc
        # Read again with bytes checked row by row: with a declared encoding only the bad rows
        # are refused; without one they are read as Latin-1, so one stray byte does not turn
        # every other row's UTF-8 into mojibake.
        yield RESTART, None
        try:
            yield from _run(replace(tf, binary=True), plan, batch_id, progress, notes)
            return
        except NotUTF8 as again:
            if tf.encoding != "auto":
                raise InputError("not valid UTF-8 text", file=tf.name) from again
    latin = replace(
        tf, encoding="latin-1", notes=[*tf.notes, "not UTF-8 text: read as Latin-1 (ISO-8859-1)"]
    )
    yield RESTART, None
    yield from _run(latin, plan, batch_id, progress, notes)


def stream_plan(
    tf: TabularFile, plan: Plan, batch_id: str, progress: Progress | None = None
) -> LoadStream:
    """Stream ``tf`` according to ``plan``; see the module docstring.

    Iterating the stream raises :class:`engine.core.errors.InputError` if the file turns out not to
    be parseable at all.
    """
    notes: list[str] = []
    chunks = _attempts(tf, plan, batch_id, progress, notes)
    return LoadStream(plan.format, kind_of(list(plan.tables)), tuple(plan.tables), chunks, notes)


def load_plan(
    tf: TabularFile, plan: Plan, batch_id: str, progress: Progress | None = None
) -> LoadResult:
    """Load ``tf`` according to ``plan`` into memory (:func:`stream_plan`, collected).

    Raises
    ------
    InputError
        If the file cannot be parsed at all.
    """
    return collect(stream_plan(tf, plan, batch_id, progress))
