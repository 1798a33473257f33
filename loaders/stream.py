"""A loaded file as a stream of chunks, for stores that write as they read.

:func:`loaders.registry.open_stream` detects a file's format and returns a :class:`LoadStream`
without reading the rows; iterating it parses the file chunk by chunk and yields
``(table name, Arrow table)`` pairs: canonical tables, ``rejected`` rows as they are found, and
``restart`` when the loader has to read the file again (as Latin-1 after bytes that are not
UTF-8, or with text columns after a value the typed read cannot convert), which tells the
consumer to discard everything before it. :func:`collect` gathers a stream into one
:class:`loaders.base.LoadResult`, which is what :func:`loaders.registry.load_file` returns.

The names match :data:`engine.store.base.RESTART` and :data:`engine.store.base.REJECTED`, so a
stream can go straight to :meth:`engine.store.base.Store.write_stream`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from engine.core import schema
from loaders.base import LoadResult, concat

RESTART = "restart"
REJECTED = "rejected"

#: ``(table name, rows)``; the table is None for :data:`RESTART`.
Chunk = tuple[str, "pa.Table | None"]


@dataclass
class LoadStream:
    """A file being loaded: what it is, and its chunks (read once, as they are iterated).

    ``notes`` is complete once the chunks are exhausted.
    """

    format: str
    kind: str
    tables: tuple[str, ...]
    chunks: Iterator[Chunk]
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Chunk]:
        return self.chunks


def collect(stream: LoadStream) -> LoadResult:
    """Read a whole stream into memory (every table of ``stream.tables``, even empty)."""
    parts: dict[str, list[pa.Table]] = {name: [] for name in stream.tables}
    rejected: list[pa.Table] = []
    for name, table in stream:
        if name == RESTART:
            for chunks in parts.values():
                chunks.clear()
            rejected.clear()
        elif name == REJECTED:
            rejected.append(table)
        else:
            parts.setdefault(name, []).append(table)
    tables = {name: concat(chunks, name) for name, chunks in parts.items()}
    quarantine = concat(rejected, REJECTED) if rejected else schema.empty(REJECTED)
    if len(rejected) > 1:
        quarantine = quarantine.sort_by([("row", "ascending")])
    return LoadResult(tables, quarantine, stream.format, stream.kind, list(stream.notes))
