"""What every loader returns, and the collector of rejected rows (the quarantine).

A loader never drops a row silently and never crashes on a bad row: the row goes to
:class:`Rejects` with its file, 1-based row number, field, value (truncated) and reason, and
the rest of the file loads. A file that cannot be read at all raises one
:class:`engine.core.errors.InputError`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema

#: Longest value (in bytes) any field may hold; longer values reject the row ("value too long").
MAX_FIELD_BYTES = 4096
#: A file with more rejected rows than this is refused as a whole (the quarantine of a wrong
#: mapping or a hostile file must not exhaust memory; such a file needs a mapping, not triage).
MAX_REJECTED_ROWS = 1_000_000
#: Rows per chunk when streaming a file.
CHUNK_ROWS = 262_144
#: Bytes per block of the CSV reader; a single line longer than this makes the file unreadable.
CSV_BLOCK_BYTES = 8 << 20

#: ``progress(done, total)`` in bytes of the input file; called as chunks are read.
Progress = Callable[[int, int], None]


@dataclass
class LoadResult:
    """The outcome of loading one file.

    Attributes
    ----------
    tables:
        Accepted rows per canonical table name, each conforming to its schema.
    rejected:
        Refused rows, :data:`engine.core.schema.REJECTED` schema.
    format:
        The loader that read the file (``canonical``, ``csv``, ``goaml``, ...).
    kind:
        ``transactions``, ``travel``, ``kyc`` or ``mixed``.
    notes:
        Things the user should know that are not errors (an encoding fallback, ...).
    """

    tables: dict[str, pa.Table]
    rejected: pa.Table
    format: str
    kind: str
    notes: list[str] = field(default_factory=list)

    @property
    def rows_accepted(self) -> int:
        return sum(t.num_rows for t in self.tables.values())


def kind_of(tables: Sequence[str]) -> str:
    """The batch kind for a set of table names.

    Transactions or travel with the accounts and parties they mention keep their kind;
    transactions together with travel records are ``mixed``; the rest is ``kyc``.
    """
    present = set(tables)
    if {"transactions", "travel"} <= present:
        return "mixed"
    if "transactions" in present:
        return "transactions"
    if "travel" in present:
        return "travel"
    return "kyc"


def _as_text(values: pa.Array) -> pa.Array:
    """Values of any type as strings, for the quarantine (never raises)."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return values.cast(pa.string())
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        return pa.array(
            [None if v is None else v.decode("utf-8", "replace") for v in values.to_pylist()],
            pa.string(),
        )
    try:
        return values.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in values.to_pylist()], pa.string())


class Rejects:
    """Collects rejected rows for one file; :meth:`table` returns the quarantine table."""

    def __init__(self, source: str, batch_id: str) -> None:
        self.source = source
        self.batch_id = batch_id
        self._parts: list[pa.Table] = []
        self._single: list[tuple[int, str, str | None, str]] = []
        self._reasons: Counter[str] = Counter()
        self.count = 0
        #: Rows rejected since the last :meth:`drain` (a stream yields them when this grows).
        self.pending = 0

    def add(self, rows: np.ndarray | pa.Array, field: str, values: pa.Array, reason: str) -> None:
        """Reject many rows at once (vectorised): ``rows`` 1-based, ``values`` the bad values."""
        n = len(rows)
        if n == 0:
            return
        text = pc.utf8_slice_codeunits(_as_text(values), 0, schema.MAX_REJECTED_VALUE)
        self._parts.append(
            pa.table(
                {
                    "batch_id": pa.array([self.batch_id] * n, pa.string()),
                    "source": pa.array([self.source] * n, pa.string()),
                    "row": pa.array(np.asarray(rows, dtype=np.int64)),
                    "field": pa.array([field] * n, pa.string()),
                    "value": text,
                    "reason": pa.array([reason] * n, pa.string()),
                },
                schema=schema.REJECTED,
            )
        )
        self._count(n, reason)

    def _count(self, n: int, reason: str) -> None:
        self.count += n
        self.pending += n
        self._reasons[reason] += n
        if self.count > MAX_REJECTED_ROWS:
            from engine.core.errors import InputError

            top = self._reasons.most_common(1)[0][0]
            raise InputError(
                f"more than {MAX_REJECTED_ROWS:,} rows rejected (most often: {top}); "
                "check the format or the mapping file",
                file=self.source,
            )

    def add_one(self, row: int, field: str, value: object, reason: str) -> None:
        """Reject one row (for row-by-row parsers such as XML and JSON Lines)."""
        text = None if value is None else str(value)[: schema.MAX_REJECTED_VALUE]
        self._single.append((row, field, text, reason))
        self._count(1, reason)

    def drain(self) -> pa.Table:
        """The rows rejected since the last drain (sorted by row), forgetting them."""
        table = self.table()
        self._parts, self._single = [], []
        self.pending = 0
        return table

    def table(self) -> pa.Table:
        parts = list(self._parts)
        if self._single:
            rows, fields, values, reasons = zip(*self._single, strict=True)
            n = len(rows)
            parts.append(
                pa.table(
                    {
                        "batch_id": pa.array([self.batch_id] * n, pa.string()),
                        "source": pa.array([self.source] * n, pa.string()),
                        "row": pa.array(rows, pa.int64()),
                        "field": pa.array(fields, pa.string()),
                        "value": pa.array(values, pa.string()),
                        "reason": pa.array(reasons, pa.string()),
                    },
                    schema=schema.REJECTED,
                )
            )
        if not parts:
            return schema.empty("rejected")
        table = pa.concat_tables(parts)
        return table.sort_by([("row", "ascending")]) if len(parts) > 1 else table


def concat(parts: list[pa.Table], name: str) -> pa.Table:
    """Concatenate canonical chunks of table ``name`` (empty table if none)."""
    if not parts:
        return schema.empty(name)
    return pa.concat_tables(parts) if len(parts) > 1 else parts[0]
