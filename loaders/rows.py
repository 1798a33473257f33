"""Row-by-row formats (XML) collect raw text rows here; they are validated in vectorised chunks.

:class:`RowBuffer` keeps raw string rows per canonical table, drops repeats of a person,
account or holding within the file (a customer appears in many transactions), and every
``chunk`` rows hands them to :class:`loaders.normalise.Converter`, so XML rows go through
exactly the same validation and quarantine as CSV rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from engine.core import schema
from loaders.base import concat
from loaders.mapping import Source
from loaders.normalise import Converter, derive_ids

KEYED = ("parties", "accounts", "holdings")
FIELDS = {
    name: [f.name for f in s if f.name != "batch_id"] for name, s in schema.INPUT_TABLES.items()
}


class RowBuffer:
    """Raw rows per table, converted every ``chunk`` rows (see the module docstring)."""

    def __init__(self, converter: Converter, chunk: int = 20_000) -> None:
        self.converter = converter
        self.chunk = chunk
        self.rows: dict[str, list[dict[str, str | None]]] = {t: [] for t in schema.INPUT_TABLES}
        self.numbers: dict[str, list[int]] = {t: [] for t in schema.INPUT_TABLES}
        self.parts: dict[str, list[pa.Table]] = {t: [] for t in schema.INPUT_TABLES}
        self.seen: set[tuple[str | None, ...]] = set()
        self.row = 0

    def add(self, table: str, values: dict[str, str | None]) -> None:
        """Add one raw row to ``table`` under the current row number ``self.row``."""
        if table in KEYED:
            key = (table, *(values.get(k) for k in schema.KEYS[table]))
            if key in self.seen:
                return
            self.seen.add(key)
        self.rows[table].append(values)
        self.numbers[table].append(self.row)
        if len(self.rows[table]) >= self.chunk:
            self.flush(table)

    def flush(self, table: str) -> None:
        rows = self.rows[table]
        if not rows:
            return
        raw = pa.table({f: pa.array([r.get(f) for r in rows], pa.string()) for f in FIELDS[table]})
        fields = {f: Source(columns=(f,)) for f in FIELDS[table]}
        numbers = np.asarray(self.numbers[table], dtype=np.int64)
        converted = self.converter.convert(raw, table, fields, numbers)
        if converted.num_rows:
            self.parts[table].append(converted)
        self.rows[table] = []
        self.numbers[table] = []

    def finish(self, always: tuple[str, ...] = ("transactions",)) -> dict[str, pa.Table]:
        """Convert what is left; the tables that received rows (and those in ``always``)."""
        tables = {}
        for name in schema.INPUT_TABLES:
            had_rows = bool(self.parts[name] or self.rows[name])
            self.flush(name)
            if had_rows or name in always:
                tables[name] = derive_ids(concat(self.parts[name], name), name)
        return tables
