"""The Store interface: what every backend (embedded Parquet, Neo4j) offers.

Callers are typed against :class:`Store`; :func:`engine.store.open_store` picks the backend.

Semantics every backend guarantees (and ``tests/store/test_contract.py`` proves for each):

* **Atomic batches.** :meth:`Store.write_batch` lands all of a batch or none of it. An error or
  a crash half-way leaves the store exactly as it was.
* **Idempotent batches.** A batch whose ``batch_id`` (the content hash of its file) is known
  changes nothing. Rows whose key (see :data:`engine.core.schema.KEYS`) is already stored, or
  repeated inside the batch, are skipped and counted as duplicates; a repeated key whose
  row has other content is a *conflict*: skipped too, and kept with both versions in the
  ``conflicts`` table, written with the batch (:mod:`engine.store.conflicts`).
* **Streamed batches.** :meth:`Store.write_stream` takes a batch as a sequence of chunks, with
  the same guarantees; a backend that can writes each chunk as it arrives, so a file larger
  than memory can be one batch.
* **Atomic decisions.** :meth:`Store.write_dispositions` appends a set of investigators'
  decisions as one unit, with who and when; they are never replaced by an analysis run.
* **Whole result sets.** :meth:`Store.write_results` replaces the previous analysis results as
  one unit; readers see the old set or the new one, never a mixture. Ledger rows given with
  them (the run's case lineage) are appended in the same unit.
* **Ledgers.** :meth:`Store.append_ledger` appends rows to an append-only table of
  :data:`engine.store.ledgers.LEDGERS` (case lineage, the worklog of notes and statuses) as one
  unit; an analysis run never replaces them; :meth:`Store.read_ledger` returns them in write
  order.
* **Case ids.** :meth:`Store.reserve_case_ids` hands out case ids never handed out before,
  whatever happens to the results (a counter that only grows).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

import pyarrow as pa

from engine.core import schema

#: Chunk name meaning "discard every chunk received so far" (a loader reading its file again,
#: for instance as Latin-1 after meeting bytes that are not UTF-8).
RESTART = "restart"
#: Chunk name of quarantined rows (the :data:`engine.core.schema.REJECTED` schema).
REJECTED = "rejected"

#: One piece of a streamed batch: ``(table name, rows)``; the name is an input table,
#: :data:`REJECTED`, or :data:`RESTART` (whose table is None).
Chunk = tuple[str, "pa.Table | None"]


_FIRST_DAY = pa.scalar(dt.date(1, 1, 1), pa.date32())
_LAST_DAY = pa.scalar(dt.date(9999, 12, 31), pa.date32())


def readable_dates(table: pa.Table) -> pa.Table:
    """``table`` with ``date32`` values outside years 1-9999 made missing.

    Loaders refuse such dates, but a store written before they did may hold one (a birth date
    in year 0), and converting it to a Python date stops the entity view, the export and the
    Neo4j ingest with an OverflowError. O(rows) per date column; untouched when all are fine.
    """
    import pyarrow.compute as pc

    for index, column in enumerate(table.schema):
        if not pa.types.is_date32(column.type) or table.column(index).null_count == table.num_rows:
            continue
        values = table.column(index)
        inside = pc.and_(pc.greater_equal(values, _FIRST_DAY), pc.less_equal(values, _LAST_DAY))
        if pc.all(inside).as_py() is not False:
            continue
        cleared = pc.if_else(pc.fill_null(inside, True), values, pa.scalar(None, pa.date32()))
        table = table.set_column(index, column.with_nullable(True), cleared)
    return table


@dataclass(frozen=True)
class BatchInfo:
    """Everything about a batch except its rows (see :class:`Batch` for the fields)."""

    batch_id: str
    source: str
    kind: str
    format: str
    uploaded_by: str = "cli"


@dataclass(frozen=True)
class Batch:
    """One upload: the canonical tables a loader produced from one file, and its rejects.

    Attributes
    ----------
    batch_id:
        Content hash of the source file (``sha256`` hex); the idempotence key.
    source:
        The file name the user gave (sanitised: no directories).
    kind:
        ``transactions``, ``travel``, ``kyc`` or ``mixed``.
    format:
        The loader that read it (``csv``, ``goaml``, ``camt053``, ...).
    tables:
        Any subset of :data:`engine.core.schema.INPUT_TABLES`, each conforming to its schema.
    rejected:
        Rows refused by the loader, with the :data:`engine.core.schema.REJECTED` schema.
    uploaded_by:
        Who uploaded it (user name, or ``cli``).
    """

    batch_id: str
    source: str
    kind: str
    format: str
    tables: Mapping[str, pa.Table]
    rejected: pa.Table = field(default_factory=lambda: schema.empty("rejected"))
    uploaded_by: str = "cli"

    @property
    def info(self) -> BatchInfo:
        return BatchInfo(self.batch_id, self.source, self.kind, self.format, self.uploaded_by)

    def chunks(self) -> list[Chunk]:
        """The batch as chunks for :meth:`Store.write_stream`: each table whole, then rejects."""
        return [*self.tables.items(), (REJECTED, self.rejected)]


def materialise(info: BatchInfo, chunks: Iterable[Chunk]) -> Batch:
    """Gather a stream of chunks into one in-memory :class:`Batch` (honouring RESTART)."""
    parts: dict[str, list[pa.Table]] = {}
    for name, table in chunks:
        if name == RESTART:
            parts.clear()
            continue
        if table is None:
            raise ValueError(f"chunk of {name!r} without a table")
        parts.setdefault(name, []).append(table)
    rejected = parts.pop(REJECTED, [])
    tables = {
        name: pa.concat_tables([schema.conform(t, name) for t in tables])
        for name, tables in parts.items()
    }
    return Batch(
        info.batch_id,
        info.source,
        info.kind,
        info.format,
        tables,
        pa.concat_tables([schema.conform(t, REJECTED) for t in rejected])
        if rejected
        else schema.empty(REJECTED),
        info.uploaded_by,
    )


@dataclass(frozen=True)
class BatchReceipt:
    """What :meth:`Store.write_batch` did with a batch.

    ``status`` is ``written`` or ``duplicate`` (the whole batch was known already).
    ``written`` and ``duplicates`` (exact repeats of a known key) count rows per table;
    ``rejected`` counts rows the loader quarantined; ``conflicts`` counts, per table, rows
    whose key was known with other content (quarantined in ``conflicts``, see
    :mod:`engine.store.conflicts`).
    """

    batch_id: str
    status: str
    written: Mapping[str, int]
    duplicates: Mapping[str, int]
    rejected: int
    conflicts: Mapping[str, int] = field(default_factory=dict)

    @property
    def rows_conflict(self) -> int:
        return sum(self.conflicts.values())

    @property
    def rows_written(self) -> int:
        return sum(self.written.values())

    @property
    def rows_duplicate(self) -> int:
        return sum(self.duplicates.values())


@dataclass(frozen=True)
class RemovalReceipt:
    """What :meth:`Store.remove_batch` took out: rows per table, quarantined rows, and the
    conflicting duplicates it had quarantined."""

    batch_id: str
    source: str
    removed: Mapping[str, int]
    rejected: int
    conflicts: int = 0

    @property
    def rows_removed(self) -> int:
        return sum(self.removed.values())


class Store(ABC):
    """A place where moneytrail keeps canonical tables, batches and analysis results."""

    #: Short name of the backend (``embedded`` or ``neo4j``).
    backend: str = "abstract"

    # -- input data --------------------------------------------------------------------------

    @abstractmethod
    def write_batch(self, batch: Batch) -> BatchReceipt:
        """Write one batch atomically and idempotently (see the module docstring).

        Raises
        ------
        StoreError
            If the batch could not be written; the store is unchanged.
        """

    def write_stream(self, info: BatchInfo, chunks: Iterable[Chunk]) -> BatchReceipt:
        """Write a batch that arrives as chunks, atomically and idempotently.

        ``chunks`` yields ``(table name, Arrow table)`` pairs in file order: input tables,
        :data:`REJECTED` rows, and :data:`RESTART` to discard all chunks so far. An exception
        raised while iterating (a file that turns out unreadable half-way) propagates and
        nothing is written.

        This default gathers the chunks into one :class:`Batch` in memory and calls
        :meth:`write_batch`. That is the right thing for the Neo4j backend, where one batch is
        one server transaction anyway (the server holds its state until the commit), but it
        needs the whole batch in memory; :class:`engine.store.embedded.EmbeddedStore`
        overrides it to write each chunk to disk as it arrives.

        Raises
        ------
        StoreError
            If the batch could not be written; the store is unchanged.
        """
        if self.has_batch(info.batch_id):
            return BatchReceipt(info.batch_id, "duplicate", {}, {}, 0)
        return self.write_batch(materialise(info, chunks))

    @abstractmethod
    def has_batch(self, batch_id: str) -> bool:
        """Whether a batch with this content hash has been written."""

    @abstractmethod
    def remove_batch(self, batch_id: str) -> RemovalReceipt:
        """Take back one batch: the rows it stored, its quarantined rows (rejects and
        conflicts) and its record.

        Atomic like :meth:`write_batch`: all of it goes or nothing does. Rows a later batch
        skipped as duplicates of this one were never stored by that batch, so they go too
        (ingest that file again to get them back). Analysis results are left as they were
        until the next ``analyze``. Afterwards the batch is unknown, so the same file can be
        ingested again.

        Raises
        ------
        StoreError
            If no batch has this id, or the removal could not be done (store unchanged).
        """

    @abstractmethod
    def read_table(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        """Read a whole canonical table (input tables, ``batches``, ``rejected``, ``conflicts``).

        Returns the canonical schema (or the requested ``columns`` of it) even when empty.
        """

    @abstractmethod
    def count(self, name: str) -> int:
        """Number of rows in a canonical input table, ``batches``, ``rejected`` or ``conflicts``."""

    def account_transactions(
        self,
        account_id: str,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
    ) -> pa.Table:
        """Transactions sent or received by ``account_id`` with ``start <= ts < end``.

        Sorted by ``ts`` then ``tx_id``. Backends override this with an indexed query.
        """
        import pyarrow.compute as pc

        table = self.read_table("transactions")
        mask = pc.or_(
            pc.equal(table["src_account"], account_id), pc.equal(table["dst_account"], account_id)
        )
        if start is not None:
            mask = pc.and_(mask, pc.greater_equal(table["ts"], pa.scalar(start, schema.TS)))
        if end is not None:
            mask = pc.and_(mask, pc.less(table["ts"], pa.scalar(end, schema.TS)))
        return table.filter(mask).sort_by([("ts", "ascending"), ("tx_id", "ascending")])

    # -- analysis results --------------------------------------------------------------------

    @abstractmethod
    def write_results(
        self, tables: Mapping[str, pa.Table], *, ledgers: Mapping[str, pa.Table] | None = None
    ) -> None:
        """Replace the analysis results with ``tables`` (names from RESULT_TABLES), as one unit.

        Tables not given are replaced by empty ones. ``ledgers`` (names from
        :data:`engine.store.ledgers.LEDGERS`) are appended in the same unit, so a run's case
        lineage lands with the cases it describes or not at all.
        """

    @abstractmethod
    def read_results(self, name: str) -> pa.Table:
        """Read one result table of the latest run (empty with its schema if none)."""

    # -- investigators' decisions ------------------------------------------------------------

    @abstractmethod
    def write_dispositions(self, rows: pa.Table) -> int:
        """Append decisions (the :data:`engine.store.dispositions.DISPOSITIONS` schema) as one
        unit: all rows land or none. Returns the number of rows written.

        Raises
        ------
        StoreError
            If they could not be written; the store is unchanged.
        """

    @abstractmethod
    def read_dispositions(self) -> pa.Table:
        """Every decision recorded, in the order written (empty with its schema if none)."""

    # -- ledgers and case ids ----------------------------------------------------------------

    @abstractmethod
    def append_ledger(self, name: str, rows: pa.Table) -> int:
        """Append ``rows`` to ledger ``name`` (:data:`engine.store.ledgers.LEDGERS`) as one
        unit; returns the number of rows written.

        Raises
        ------
        StoreError
            If they could not be written (the store is unchanged), or ``name`` is no ledger.
        """

    @abstractmethod
    def read_ledger(self, name: str) -> pa.Table:
        """Every row of ledger ``name`` in write order (empty with its schema if none)."""

    @abstractmethod
    def reserve_case_ids(self, n: int, *, floor: int = 1) -> int:
        """Reserve ``n`` case ids never reserved before and return the first (the ids are
        ``first .. first + n - 1``). The counter only grows, and never hands out an id below
        ``floor`` (the caller passes one above every id it has seen, for stores whose cases
        were numbered before the counter existed). Atomic: two callers never get one id.

        Raises
        ------
        StoreError
            If the counter could not be advanced.
        """

    # -- the watch list ----------------------------------------------------------------------

    @abstractmethod
    def write_watchlist(self, rows: pa.Table) -> int:
        """Append watch-list rows (the :data:`engine.store.watchlist.WATCHLIST` schema) as one
        unit: all land or none. Returns the number written.

        Raises
        ------
        StoreError
            If they could not be written; the store is unchanged.
        """

    @abstractmethod
    def read_watchlist(self) -> pa.Table:
        """The whole watch-list log, in the order written (empty with its schema if none);
        :func:`engine.store.watchlist.current` gives the list in force."""

    # -- lifecycle ---------------------------------------------------------------------------

    @abstractmethod
    def describe(self) -> str:
        """Where this store lives, for messages (a folder, or a Bolt address and database)."""

    def close(self) -> None:
        """Release connections and locks."""

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
