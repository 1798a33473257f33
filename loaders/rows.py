"""Row-by-row formats (XML) collect raw text rows here; they are validated in vectorised chunks.

:class:`RowBuffer` keeps raw string rows per canonical table, drops repeats of a person,
account or holding within the file (a customer appears in many transactions), and every
``chunk`` rows of a table hands them to :class:`loaders.normalise.Converter`, so XML rows go
through exactly the same validation and quarantine as CSV rows. Converted chunks wait in
:meth:`RowBuffer.drain` for the stream to yield them (:mod:`loaders.stream`), so memory holds
at most ``chunk`` raw rows per table plus a 64-bit hash per distinct key seen so far (a
collision, about one in 10^7 files of a million keys, would drop a row as a repeat, the risk
the store's own key hashes take), however large the file.

Ids derived from row content get their repeat counts from one
:class:`loaders.repeats.RepeatCounter` per table, so a file converted in many chunks gets the
same ids as one converted whole.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from engine.core import schema
from loaders.base import Rejects
from loaders.mapping import Source
from loaders.normalise import Converter, derive_ids
from loaders.repeats import RepeatCounter
from loaders.stream import REJECTED, Chunk

KEYED = ("parties", "accounts", "holdings")
FIELDS = {
    name: [f.name for f in s if f.name != "batch_id"] for name, s in schema.INPUT_TABLES.items()
}
_SOURCES = {name: {f: Source(columns=(f,)) for f in fields} for name, fields in FIELDS.items()}


class RowBuffer:
    """Raw rows per table, converted every ``chunk`` rows (see the module docstring)."""

    def __init__(self, converter: Converter, chunk: int = 20_000) -> None:
        self.converter = converter
        self.chunk = chunk
        self.rows: dict[str, list[dict[str, str | None]]] = {t: [] for t in schema.INPUT_TABLES}
        self.numbers: dict[str, list[int]] = {t: [] for t in schema.INPUT_TABLES}
        self.ready: list[tuple[str, pa.Table]] = []
        self.repeats = {t: RepeatCounter() for t in schema.INPUT_TABLES}
        #: 64-bit hashes of the keys added (as the store keeps its keys): memory per distinct
        #: person, account or holding is one int, not the strings of its key.
        self.seen: set[int] = set()
        self.row = 0

    def known(self, table: str, *key: str | None) -> bool:
        """Whether a row of keyed ``table`` with this key was added already.

        Lets a parser skip building a row (a customer's address, phones, ...) that
        :meth:`add` would drop as a repeat; the first occurrence wins either way.
        """
        return hash((table, *key)) in self.seen

    def add(self, table: str, values: dict[str, str | None]) -> None:
        """Add one raw row to ``table`` under the current row number ``self.row``."""
        if table in KEYED:
            key = hash((table, *[values.get(k) for k in schema.KEYS[table]]))
            if key in self.seen:
                return
            self.seen.add(key)
        rows = self.rows[table]
        rows.append(values)
        self.numbers[table].append(self.row)
        if len(rows) >= self.chunk:
            self.flush(table)

    def flush(self, table: str) -> None:
        """Convert the raw rows of ``table`` now; the result waits in :attr:`ready`."""
        rows = self.rows[table]
        if not rows:
            return
        raw = pa.table({f: pa.array([r.get(f) for r in rows], pa.string()) for f in FIELDS[table]})
        numbers = np.asarray(self.numbers[table], dtype=np.int64)
        converted = self.converter.convert(raw, table, _SOURCES[table], numbers)
        if converted.num_rows:
            self.ready.append((table, derive_ids(converted, table, self.repeats[table])))
        self.rows[table] = []
        self.numbers[table] = []

    def flush_all(self) -> None:
        """Convert every table's remaining rows (at the end of the file)."""
        for name in schema.INPUT_TABLES:
            self.flush(name)

    def drain(self) -> list[tuple[str, pa.Table]]:
        """The converted chunks since the last drain, in the order they were converted."""
        ready, self.ready = self.ready, []
        return ready


def pending(buffer: RowBuffer, rejects: Rejects, *, every: int = 0) -> Iterator[Chunk]:
    """Yield what ``buffer`` converted so far and the rows rejected meanwhile.

    Rejected rows wait until a chunk was converted or ``every`` of them are pending (0: yield
    whatever is pending), so a stream does not build a quarantine table per record.
    """
    ready = buffer.drain()
    yield from ready
    if rejects.pending and (ready or rejects.pending >= every):
        drained = rejects.drain()
        if drained.num_rows:
            yield REJECTED, drained
