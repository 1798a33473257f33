"""The Store interface: what every backend (embedded Parquet, Neo4j) offers.

Callers are typed against :class:`Store`; :func:`engine.store.open_store` picks the backend.

Semantics every backend guarantees (and ``tests/store/test_contract.py`` proves for each):

* **Atomic batches.** :meth:`Store.write_batch` lands all of a batch or none of it. An error or
  a crash half-way leaves the store exactly as it was.
* **Idempotent batches.** A batch whose ``batch_id`` (the content hash of its file) is known
  changes nothing. Rows whose key (see :data:`engine.schema.KEYS`) is already stored, or
  repeated inside the batch, are skipped and counted as duplicates.
* **Whole result sets.** :meth:`Store.write_results` replaces the previous analysis results as
  one unit; readers see the old set or the new one, never a mixture.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

import pyarrow as pa

from engine import schema


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
        Any subset of :data:`engine.schema.INPUT_TABLES`, each conforming to its schema.
    rejected:
        Rows refused by the loader, with the :data:`engine.schema.REJECTED` schema.
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


@dataclass(frozen=True)
class BatchReceipt:
    """What :meth:`Store.write_batch` did with a batch.

    ``status`` is ``written`` or ``duplicate`` (the whole batch was known already).
    ``written`` and ``duplicates`` count rows per table; ``rejected`` counts quarantined rows.
    """

    batch_id: str
    status: str
    written: Mapping[str, int]
    duplicates: Mapping[str, int]
    rejected: int

    @property
    def rows_written(self) -> int:
        return sum(self.written.values())

    @property
    def rows_duplicate(self) -> int:
        return sum(self.duplicates.values())


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

    @abstractmethod
    def has_batch(self, batch_id: str) -> bool:
        """Whether a batch with this content hash has been written."""

    @abstractmethod
    def read_table(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        """Read a whole canonical table (input tables, ``batches``, ``rejected``).

        Returns the canonical schema (or the requested ``columns`` of it) even when empty.
        """

    @abstractmethod
    def count(self, name: str) -> int:
        """Number of rows in a canonical input table, ``batches`` or ``rejected``."""

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
    def write_results(self, tables: Mapping[str, pa.Table]) -> None:
        """Replace the analysis results with ``tables`` (names from RESULT_TABLES), as one unit.

        Tables not given are replaced by empty ones.
        """

    @abstractmethod
    def read_results(self, name: str) -> pa.Table:
        """Read one result table of the latest run (empty with its schema if none)."""

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
