"""Neo4jStore: the canonical tables as a property graph in a real Neo4j server, over Bolt.

Guarantees (the Store contract, see :mod:`engine.store.base`):

* **Atomic batch.** A batch is one Neo4j transaction: its rows, its rejects and its ``:Batch``
  node commit together. A server that dies half-way rolls the transaction back on recovery, so
  nothing of the batch is visible; re-sending it then writes it whole.
* **Idempotent.** The ``:Batch {batch_id}`` node (unique) makes a re-sent batch a duplicate;
  keys already stored are looked up inside the same transaction and skipped (a transfer or
  trip whose stored row has other content is a conflict: a ``(:Conflict)`` node with both
  versions, created in the same transaction, see :mod:`engine.store.conflicts`); uniqueness
  constraints on every key refuse a concurrent writer's copy at commit (the driver then retries
  the whole transaction, which now sees the rows as known).
* **Retries.** Transient errors (a leader switch, a deadlock, a dropped connection) are retried
  by the driver's managed transactions with exponential backoff for up to ``max_retry_time``.

Results are written back twice, in one transaction: as graph (properties on nodes,
``(:Cluster)`` with ``MEMBER_OF``, ``SAME_AS``, ``CO_TRAVELLED``) for investigators working in
Cypher, and as Arrow IPC blobs on ``(:ResultTable)`` nodes so :meth:`read_results` returns the
tables exactly (list columns, nulls, types) without a lossy graph-to-table mapping.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.core.config import Neo4jSettings
from engine.core.errors import ConfigError, StoreError, StoreUnavailable
from engine.store import cypher
from engine.store.base import Batch, BatchReceipt, RemovalReceipt, Store
from engine.store.conflicts import CONFLICT_TABLES, find_conflicts
from engine.store.keys import first_occurrences, key_array, repeated_rows

#: Rows per UNWIND statement inside a batch's transaction.
CHUNK_ROWS = 20_000
#: Keys per read-only lookup statement (which keys are stored, which node ids they have).
KEY_ROWS = 50_000
#: Transfers per CREATE statement: measured fastest between 10k and 50k (25k: ~20k tx/s
#: warm, 50k ~16k, 10k ~12k, on the 2-core machine, load ~2).
TRANSFER_ROWS = 25_000
#: Bytes per ``:ResultTable`` part (Neo4j keeps large byte arrays in its dynamic store).
RESULT_PART_BYTES = 8 << 20
#: Order in which a batch's tables are written: row nodes before the links that name them.
WRITE_ORDER = ("accounts", "parties", "holdings", "travel", "transactions")

_KNOWN = {
    "accounts": cypher.KNOWN_ACCOUNTS,
    "parties": cypher.KNOWN_PARTIES,
    "travel": cypher.KNOWN_TRIPS,
    "transactions": cypher.KNOWN_TRANSFERS,
}
_WRITE = {
    "accounts": cypher.WRITE_ACCOUNTS,
    "parties": cypher.WRITE_PARTIES,
    "holdings": cypher.WRITE_HOLDINGS,
    "travel": cypher.WRITE_TRIPS,
    "transactions": cypher.WRITE_TRANSFERS,
}
_READ = {
    "accounts": cypher.READ_ACCOUNTS,
    "parties": cypher.READ_PARTIES,
    "holdings": cypher.READ_HOLDINGS,
    "travel": cypher.READ_TRAVEL,
    "transactions": cypher.READ_TRANSACTIONS,
    "batches": cypher.READ_BATCHES,
    "rejected": cypher.READ_REJECTED,
    "conflicts": cypher.READ_CONFLICTS,
}
#: The stored rows of known keys, for the conflict check.
_STORED = {"transactions": cypher.STORED_TRANSFERS, "travel": cypher.STORED_TRIPS}
#: Relationships (or nodes) per columnar page of the big reads.
PAGE = 100_000
#: Columns the graph projection needs; served from node ids instead of per-edge strings.
PROJECTION_COLUMNS = frozenset({"src_account", "dst_account", "amount_base", "ts", "tx_id"})


#: Times a batch is written again after a concurrent writer's commit took some of its keys.
WRITE_CONFLICT_RETRIES = 3


class Neo4jStore(Store):
    """A store in a Neo4j 5 database reached over Bolt (``bolt://``, ``neo4j://``, ``+s``).

    Parameters
    ----------
    settings:
        URI, user, password and database (see :class:`engine.core.config.Neo4jSettings`).
    timeout:
        Seconds a single transaction may run on the server, and the connection timeout; default
        ``MONEYTRAIL_NEO4J_TIMEOUT`` or 600.
    max_retry_time:
        Seconds the driver keeps retrying transient errors (with backoff) before giving up.
    packed_projection:
        Read the graph projection through the ``moneytrail.*`` procedures the project's server
        registers (packed byte columns, ~10x faster) instead of plain Cypher. Default: when
        the server has them; ``False`` forces plain Cypher (what any other server gets).

    Raises
    ------
    StoreUnavailable
        If the server cannot be reached, refuses the credentials, or the database is missing.
    """

    backend = "neo4j"

    def __init__(
        self,
        settings: Neo4jSettings,
        *,
        timeout: float | None = None,
        max_retry_time: float = 30.0,
        packed_projection: bool | None = None,
    ) -> None:
        import neo4j

        if _has_credentials(settings.uri):
            raise ConfigError(
                f"NEO4J_URI {redact_uri(settings.uri)} carries a user name or password: give "
                "them in NEO4J_USER and NEO4J_PASSWORD instead (an address is shown in messages)"
            )
        self.settings = settings
        if timeout is None:
            from engine.core.config import Settings

            timeout = Settings.from_env().neo4j_timeout
        self.timeout = float(timeout)
        self._neo4j = neo4j
        with self._errors("connect"):
            self._driver = neo4j.GraphDatabase.driver(
                settings.uri,
                auth=(settings.user, settings.password),
                connection_timeout=min(self.timeout, 30.0),
                connection_acquisition_timeout=self.timeout,
                max_transaction_retry_time=max_retry_time,
                user_agent="moneytrail",
                notifications_min_severity="OFF",
            )
        try:
            with self._errors("connect"):
                self._driver.verify_connectivity()
                for statement in cypher.SCHEMA:
                    self._query(statement)
                self._query(cypher.AWAIT_INDEXES)
                if packed_projection is None:
                    packed_projection = self._has_packed_procedures()
            self.packed_projection = packed_projection
        except BaseException:
            self._driver.close()
            raise

    # -- plumbing ----------------------------------------------------------------------------

    def _has_packed_procedures(self) -> bool:
        """Whether the server has the launcher's projection procedures (not any other server)."""
        try:
            records = self._query(cypher.PACKED_PROCEDURES, write=False).records
        except self._neo4j.exceptions.ClientError:  # not allowed to list procedures
            return False
        return int(records[0]["n"]) == 2

    def describe(self) -> str:
        return f"Neo4j at {redact_uri(self.settings.uri)}, database {self.settings.database}"

    def close(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()

    @contextlib.contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Turn driver errors into StoreUnavailable / StoreError naming the address."""
        exc_mod = self._neo4j.exceptions
        address = f"{redact_uri(self.settings.uri)} (database {self.settings.database})"
        try:
            yield
        except exc_mod.AuthError as exc:
            raise StoreUnavailable(
                f"Neo4j refused the credentials of user {self.settings.user!r} "
                "(check NEO4J_USER / NEO4J_PASSWORD)",
                address=address,
            ) from exc
        except (exc_mod.ServiceUnavailable, exc_mod.SessionExpired) as exc:
            raise StoreUnavailable(
                unreachable_message(exc, what, redact_uri(self.settings.uri)), address=address
            ) from exc
        except exc_mod.ClientError as exc:
            code = getattr(exc, "code", "") or ""
            if any(k in code for k in ("TimedOut", "Terminated", "LockClientStopped")):
                raise StoreError(
                    f"{address}: {what} did not finish within the {self.timeout:g} s timeout "
                    "(or was terminated) and was rolled back"
                ) from exc
            if "DatabaseNotFound" in code:
                raise StoreUnavailable(
                    f"database {self.settings.database!r} does not exist", address=address
                ) from exc
            raise StoreError(f"{address}: {what} failed: {_first_line(exc)}") from exc
        except (exc_mod.Neo4jError, exc_mod.DriverError) as exc:
            raise StoreError(f"{address}: {what} failed: {_first_line(exc)}") from exc
        except OSError as exc:
            raise StoreUnavailable(f"{what}: {exc}", address=address) from exc

    def _query(self, text: str, params: Mapping[str, Any] | None = None, *, write: bool = True):
        """One statement through ``execute_query`` (managed, retried, database named)."""
        return self._driver.execute_query(
            self._neo4j.Query(text, timeout=self.timeout),
            dict(params or {}),
            database_=self.settings.database,
            routing_="w" if write else "r",
        )

    def _read_columns(self, text: str, params: Mapping[str, Any] | None = None):
        """Run a read and return ``(keys, columns)``: one Python list per returned column."""

        def collect(result: Any) -> tuple[list[str], list[Sequence[Any]]]:
            keys = list(result.keys())
            rows = result.values()
            columns: list[Sequence[Any]] = (
                [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in keys]
            )
            return keys, columns

        return self._driver.execute_query(
            self._neo4j.Query(text, timeout=self.timeout),
            dict(params or {}),
            database_=self.settings.database,
            routing_="r",
            result_transformer_=collect,
        )

    def _write(self, what: str, work: Callable[[Any], Any], conflicts: int = 0) -> Any:
        """Run ``work(tx)`` as one managed write transaction (retried on transient errors).

        ``conflicts``: how often to run it again when a uniqueness constraint refuses the
        commit (a concurrent writer stored the same keys first); ``work`` then sees their rows
        and counts them as duplicates.
        """
        unit = self._neo4j.unit_of_work(timeout=self.timeout)(work)
        with self._errors(what), self._driver.session(database=self.settings.database) as s:
            for attempt in range(conflicts + 1):
                try:
                    return s.execute_write(unit)
                except self._neo4j.exceptions.ConstraintError:
                    if attempt == conflicts:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- input data --------------------------------------------------------------------------

    def has_batch(self, batch_id: str) -> bool:
        with self._errors("has_batch"):
            records = self._query(cypher.BATCH_EXISTS, {"batch_id": batch_id}, write=False)
        return bool(records.records[0]["known"])

    def write_batch(self, batch: Batch) -> BatchReceipt:
        unknown = set(batch.tables) - set(schema.INPUT_TABLES)
        if unknown:
            raise StoreError(f"batch {batch.source}: unknown tables {sorted(unknown)}")
        prepared: dict[str, tuple[pa.Table, int, pa.Table]] = {}
        for name in WRITE_ORDER:
            if name in batch.tables:
                prepared[name] = _dedupe(_stamp(batch.tables[name], name, batch.batch_id), name)
        rejected = schema.conform(batch.rejected, "rejected")
        reasons = _reason_counts(rejected)

        def work(tx: Any) -> tuple[dict[str, int], dict[str, int], dict[str, int]] | None:
            if tx.run(cypher.BATCH_EXISTS, batch_id=batch.batch_id).single()["known"]:
                return None
            written: dict[str, int] = {}
            duplicates: dict[str, int] = {}
            conflicts: dict[str, int] = {}
            for name, (table, repeated, within) in prepared.items():
                fresh, dropped = _drop_known(tx, name, table)
                against_stored = _stored_conflicts(tx, name, dropped)
                found = pa.concat_tables([within, against_stored])
                for chunk in _chunks(found):
                    tx.run(cypher.CREATE_CONFLICTS, rows=chunk.to_pylist()).consume()
                if found.num_rows:
                    conflicts[name] = found.num_rows
                if name == "transactions":
                    _write_transfers(tx, fresh, batch.batch_id)
                else:
                    for chunk in _chunks(fresh):
                        tx.run(_WRITE[name], _params(chunk, batch.batch_id)).consume()
                written[name] = fresh.num_rows
                duplicates[name] = (
                    repeated + table.num_rows - fresh.num_rows - against_stored.num_rows
                )
            for chunk in _chunks(rejected):
                tx.run(cypher.CREATE_REJECTED, rows=chunk.to_pylist()).consume()
            props = {
                "batch_id": batch.batch_id,
                "source": batch.source,
                "kind": batch.kind,
                "format": batch.format,
                "uploaded_by": batch.uploaded_by,
                "rows_accepted": sum(written.values()),
                "rows_rejected": rejected.num_rows,
                "rows_duplicate": sum(duplicates.values()),
                "rows_conflict": sum(conflicts.values()),
                "reasons": json.dumps(reasons, sort_keys=True),
            }
            tx.run(cypher.CREATE_BATCH, props=props).consume()
            return written, duplicates, conflicts

        outcome = self._write(f"batch {batch.source}", work, conflicts=WRITE_CONFLICT_RETRIES)
        if outcome is None:
            return BatchReceipt(batch.batch_id, "duplicate", {}, {}, 0)
        written, duplicates, conflicts = outcome
        return BatchReceipt(
            batch.batch_id, "written", written, duplicates, rejected.num_rows, conflicts
        )

    def remove_batch(self, batch_id: str) -> RemovalReceipt:
        """Take the batch back in one server transaction (see :mod:`engine.store.cypher`)."""

        def work(tx: Any) -> RemovalReceipt | None:
            info = tx.run(cypher.BATCH_INFO, batch_id=batch_id).single()
            if info is None:
                return None
            removed: dict[str, int] = {}
            accounts: set[str] = set()
            parties: set[str] = set()
            for name, text in (("transactions", cypher.REMOVE_TRANSFERS),
                               ("travel", cypher.REMOVE_TRIPS)):  # fmt: skip
                record = tx.run(text, batch_id=batch_id).single()
                removed[name] = int(record["n"])
                accounts.update(record["touched"])
            record = tx.run(cypher.REMOVE_HOLDINGS, batch_id=batch_id).single()
            removed["holdings"] = int(record["n"])
            parties.update(record["parties"])
            accounts.update(record["accounts"])
            for name, text, keys in (("accounts", cypher.REMOVE_ACCOUNT_ROWS, accounts),
                                     ("parties", cypher.REMOVE_PARTY_ROWS, parties)):  # fmt: skip
                record = tx.run(text, batch_id=batch_id).single()
                removed[name] = int(record["n"])
                keys.update(record["touched"])
            tx.run(cypher.DROP_BARE_ACCOUNTS, keys=sorted(accounts)).consume()
            tx.run(cypher.DROP_BARE_PARTIES, keys=sorted(parties)).consume()
            rejected = int(tx.run(cypher.REMOVE_REJECTED, batch_id=batch_id).single()["n"])
            conflicts = int(tx.run(cypher.REMOVE_CONFLICTS, batch_id=batch_id).single()["n"])
            tx.run(cypher.REMOVE_BATCH, batch_id=batch_id).consume()
            kept = {name: n for name, n in removed.items() if n}
            return RemovalReceipt(batch_id, info["source"], kept, rejected, conflicts)

        receipt = self._write(f"the removal of batch {batch_id}", work)
        if receipt is None:
            raise StoreError(f"{self.describe()}: no batch {batch_id!r}")
        return receipt

    def read_table(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        if name not in _READ:
            raise StoreError(f"{name!r} is not a table of the store")
        wanted = list(columns) if columns else schema.ALL_TABLES[name].names
        with self._errors(f"reading {name}"):
            if name == "transactions" and set(wanted) <= PROJECTION_COLUMNS:
                return self._project_transactions(wanted)
            if name == "transactions":
                keys, pages = self._read_columns(_READ[name], {"page": PAGE})
                records = list(zip(*pages, strict=True))
                paged = _pages(records, len(keys) - 1)
                return _to_arrow(name, keys[1:], paged).select(wanted)
            keys, values = self._read_columns(_READ[name])
        return _to_arrow(name, keys, values).select(wanted)

    def _project_transactions(self, wanted: list[str]) -> pa.Table:
        """Transactions for the graph build: node ids over Bolt, account strings by lookup.

        Through the project server's packed-column procedures when it has them, else plain
        Cypher in columnar pages; both read accounts and transfers in one read transaction.
        """
        with_tx_id = "tx_id" in wanted
        unit = self._neo4j.unit_of_work(timeout=self.timeout)
        read = _read_packed if self.packed_projection else _read_columnar
        with self._driver.session(database=self.settings.database) as session:
            nodes, names, src, dst, amount_base, ts_us, tx_id = session.execute_read(
                unit(lambda tx: read(tx, with_tx_id))
            )
        order = np.argsort(nodes, kind="stable")
        sorted_ids = nodes[order]
        names = names.take(pa.array(order))

        def lookup(ids: np.ndarray) -> pa.Array:
            at = np.searchsorted(sorted_ids, ids)
            if len(at) and (at.max() >= len(sorted_ids) or (sorted_ids[at] != ids).any()):
                raise StoreError(
                    f"{redact_uri(self.settings.uri)}: accounts changed while the graph was read; try again"
                )
            return names.take(pa.array(at))

        columns = {
            "tx_id": lambda: tx_id,
            "ts": lambda: pa.array(ts_us, pa.int64()).cast(schema.TS),
            "src_account": lambda: lookup(src),
            "dst_account": lambda: lookup(dst),
            "amount_base": lambda: pa.array(amount_base, pa.float64()),
        }
        fields = [schema.TRANSACTIONS.field(c) for c in wanted]
        return pa.Table.from_arrays([columns[c]() for c in wanted], schema=pa.schema(fields))

    def count(self, name: str) -> int:
        if name not in cypher.COUNT:
            raise StoreError(f"{name!r} is not a table of the store")
        with self._errors(f"counting {name}"):
            return int(self._query(cypher.COUNT[name], write=False).records[0]["n"])

    def account_transactions(self, account_id, start=None, end=None) -> pa.Table:  # type: ignore[no-untyped-def]
        params: dict[str, Any] = {"account_id": account_id}
        for label, moment in (("start", start), ("end", end)):
            if moment is None:
                params[f"{label}_s"] = params[f"{label}_ns"] = None
            else:
                us = int(pa.scalar(moment, schema.TS).cast(pa.int64()).as_py())
                params[f"{label}_s"], params[f"{label}_ns"] = us // 1_000_000, us % 1_000_000 * 1000
        with self._errors(f"transactions of {account_id!r}"):
            keys, values = self._read_columns(cypher.ACCOUNT_TRANSACTIONS, params)
        return _to_arrow("transactions", keys, values)

    # -- analysis results --------------------------------------------------------------------

    def write_results(
        self, tables: Mapping[str, pa.Table], *, ledgers: Mapping[str, pa.Table] | None = None
    ) -> None:
        unknown = set(tables) - set(schema.RESULT_TABLES)
        if unknown:
            raise StoreError(f"unknown result tables {sorted(unknown)}")
        full = {
            name: schema.conform(tables[name], name) if name in tables else schema.empty(name)
            for name in schema.RESULT_TABLES
        }
        extra = {name: _ledger_records(name, rows) for name, rows in (ledgers or {}).items()}

        def work(tx: Any) -> None:
            _write_results(tx, full)
            for name, records in extra.items():
                _append_ledger(tx, name, records)

        self._write("writing the analysis results", work)

    def read_results(self, name: str) -> pa.Table:
        if name not in schema.RESULT_TABLES:
            raise StoreError(f"{name!r} is not a result table")
        with self._errors(f"reading results {name}"):
            _, (parts,) = self._read_columns(cypher.READ_RESULT_PARTS, {"name": name})
        if not parts:
            return schema.empty(name)
        with pa.ipc.open_stream(pa.py_buffer(b"".join(parts))) as reader:
            return reader.read_all()

    # -- investigators' decisions ------------------------------------------------------------

    def write_dispositions(self, rows: pa.Table) -> int:
        """Append the rows as ``(:Disposition)`` nodes in one transaction."""
        from engine.store import dispositions

        table = dispositions.conform(rows)
        if table.num_rows == 0:
            return 0
        records = table.drop_columns(["decided_at"]).to_pylist()
        micros = table["decided_at"].cast(pa.int64()).to_pylist()

        def work(tx: Any) -> None:
            seq = int(tx.run(cypher.DISPOSITION_SEQ).single()["seq"])
            for i, (record, us) in enumerate(zip(records, micros, strict=True)):
                record["decided_at_us"] = us
                record["seq"] = seq + 1 + i
            for offset in range(0, len(records), CHUNK_ROWS):
                chunk = records[offset : offset + CHUNK_ROWS]
                tx.run(cypher.WRITE_DISPOSITIONS, rows=chunk).consume()

        self._write("writing the decisions", work)
        return table.num_rows

    def read_dispositions(self) -> pa.Table:
        from engine.store import dispositions

        with self._errors("reading the decisions"):
            keys, values = self._read_columns(cypher.READ_DISPOSITIONS)
        by_key = dict(zip(keys, values, strict=True))
        arrays = []
        for f in dispositions.DISPOSITIONS:
            if f.name == "decided_at":
                arrays.append(pa.array(by_key["decided_at_us"], pa.int64()).cast(f.type))
            else:
                arrays.append(pa.array(by_key[f.name], f.type))
        return pa.Table.from_arrays(arrays, schema=dispositions.DISPOSITIONS)

    # -- ledgers and case ids ----------------------------------------------------------------

    def append_ledger(self, name: str, rows: pa.Table) -> int:
        """Append the rows as nodes of the ledger's label in one transaction."""
        records = _ledger_records(name, rows)
        if records:
            self._write(f"writing the {name} rows", lambda tx: _append_ledger(tx, name, records))
        return len(records)

    def read_ledger(self, name: str) -> pa.Table:
        from engine.store import ledgers

        target = _ledger_schema(name)
        with self._errors(f"reading {name}"):
            rows = [r["row"] for r in self._query(cypher.READ_LEDGER[name], write=False).records]
        arrays = []
        for f in target:
            if pa.types.is_timestamp(f.type):
                arrays.append(pa.array([r.get(f"{f.name}_us") for r in rows], pa.int64()))
                arrays[-1] = arrays[-1].cast(f.type)
            else:
                arrays.append(pa.array([r.get(f.name) for r in rows], f.type))
        return ledgers.conform(pa.Table.from_arrays(arrays, schema=target), name)

    def reserve_case_ids(self, n: int, *, floor: int = 1) -> int:
        """Advance the ``(:CaseIdCounter)`` node in one transaction (its lock taken first)."""
        import uuid

        if n < 0:
            raise ValueError(f"cannot reserve {n} case ids")

        def work(tx: Any) -> int:
            tx.run(cypher.CASE_COUNTER_LOCK, token=uuid.uuid4().hex).consume()
            record = tx.run(cypher.CASE_COUNTER_ADVANCE, n=int(n), floor=max(int(floor), 1))
            return int(record.single()["first"])

        return int(self._write("reserving case ids", work))

    # -- the watch list ----------------------------------------------------------------------

    def write_watchlist(self, rows: pa.Table) -> int:
        """Append the rows as ``(:WatchEntry)`` nodes in one transaction."""
        from engine.store import watchlist

        table = watchlist.conform(rows)
        if table.num_rows == 0:
            return 0
        records = table.drop_columns(["at"]).to_pylist()
        micros = table["at"].cast(pa.int64()).to_pylist()

        def work(tx: Any) -> None:
            seq = int(tx.run(cypher.WATCHLIST_SEQ).single()["seq"])
            for i, (record, us) in enumerate(zip(records, micros, strict=True)):
                record["at_us"] = us
                record["seq"] = seq + 1 + i
            for offset in range(0, len(records), CHUNK_ROWS):
                tx.run(cypher.WRITE_WATCHLIST, rows=records[offset : offset + CHUNK_ROWS]).consume()

        self._write("writing the watch list", work)
        return table.num_rows

    def read_watchlist(self) -> pa.Table:
        from engine.store import watchlist

        with self._errors("reading the watch list"):
            keys, values = self._read_columns(cypher.READ_WATCHLIST)
        by_key = dict(zip(keys, values, strict=True))
        arrays = []
        for f in watchlist.WATCHLIST:
            if f.name == "at":
                arrays.append(pa.array(by_key["at_us"], pa.int64()).cast(f.type))
            else:
                arrays.append(pa.array(by_key[f.name], f.type))
        return pa.Table.from_arrays(arrays, schema=watchlist.WATCHLIST)

    def run_transaction(self, what: str, work: Callable[[Any], Any], *, write: bool = True) -> Any:
        """Run ``work(tx)`` in one managed transaction of this store's database and return its
        result: retried on transient errors, driver errors turned into :class:`StoreError` /
        :class:`StoreUnavailable` naming the address and ``what``. For modules that keep their
        own nodes next to the data (the audit log, :mod:`engine.security.neo4j_audit`)."""
        if write:
            return self._write(what, work)
        unit = self._neo4j.unit_of_work(timeout=self.timeout)(work)
        with self._errors(what), self._driver.session(database=self.settings.database) as s:
            return s.execute_read(unit)


# -- helpers -----------------------------------------------------------------------------------


def _has_credentials(uri: str) -> bool:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return bool(parts.username or parts.password)


def redact_uri(uri: str) -> str:
    """``uri`` without user name, password and query (``bolt://***@host:7687``), for messages."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<an unreadable NEO4J_URI>"
    hidden = "***@" if parts.username or parts.password else ""
    return f"{parts.scheme}://{hidden}{host}{port}{parts.path}"


def unreachable_message(exc: BaseException, what: str, uri: str) -> str:
    """Why a Neo4j server could not be reached, in words, with what to try.

    The driver's own text (``Couldn't connect to 127.0.0.1:1 (resolved to ...)``) names
    neither the cause nor a way out; the cause is the socket error in its chain (refused,
    unknown host, timed out). ``uri`` must already be redacted (:func:`redact_uri`): this
    text is shown to people, and a password given inside ``NEO4J_URI`` must never be.
    """
    import socket

    cause = _first_line(exc)
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, ConnectionRefusedError):
            cause = "nothing listens at that address (connection refused)"
            break
        if isinstance(link, socket.gaierror):
            cause = "the host name does not resolve (unknown host)"
            break
        if isinstance(link, TimeoutError):
            cause = "the server did not answer in time (timed out)"
            break
        if isinstance(link, OSError) and link.strerror:
            cause = link.strerror.lower()
            break
        link = link.__cause__ or link.__context__
    else:
        if "resolve" in cause.lower():
            cause = "the host name does not resolve (unknown host)"
    hint = (
        f"Is the Neo4j server started? `make neo4j-start` starts the project's own "
        f"(NEO4J_BOLT_PORT sets its port); NEO4J_URI names the server to use (now {uri})"
    )
    if what == "connect":
        return f"Neo4j is not reachable: {cause}. {hint}"
    return f"Neo4j went away during {what}: {cause}. {hint}"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _pages(records: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Columnar pages ``[part, col1, ..., colN]`` joined into ``width`` = N lists."""
    return [[v for record in records for v in record[1 + c]] for c in range(width)]


#: What a projection read returns: account node ids and names, then per transfer the src and
#: dst node ids, amount_base, ts (epoch microseconds) and tx_id (None when not asked for).
Projected = tuple[
    np.ndarray, pa.Array, np.ndarray, np.ndarray, np.ndarray, np.ndarray, pa.Array | None
]


def _read_packed(tx: Any, with_tx_id: bool) -> Projected:
    """The projection through the launcher's procedures: byte columns, no per-value decoding."""
    # Accounts first: a node a transfer names exists before the transfer does.
    accounts = tx.run(cypher.PACKED_ACCOUNTS, page=PAGE).values()
    transfers = tx.run(cypher.PACKED_TRANSFERS, page=PAGE, with_tx_id=with_tx_id).values()

    def ints(pages: list[list[Any]], at: int, dtype: str = "<i8") -> np.ndarray:
        parts = [np.frombuffer(page[at], dtype=dtype) for page in pages]
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    def strings(pages: list[list[Any]], at: int) -> pa.Array:
        parts = [
            pa.Array.from_buffers(
                pa.string(),
                int(page[0]),
                [None, pa.py_buffer(page[at]), pa.py_buffer(page[at + 1])],
            )
            for page in pages
        ]
        return pa.concat_arrays(parts) if parts else pa.array([], pa.string())

    return (
        ints(accounts, 1),
        strings(accounts, 2),
        ints(transfers, 1),
        ints(transfers, 2),
        ints(transfers, 3, "<f8"),
        ints(transfers, 4),
        strings(transfers, 5) if with_tx_id else None,
    )


def _read_columnar(tx: Any, with_tx_id: bool) -> Projected:
    """The projection in plain Cypher (any Neo4j server): one record per page of columns."""
    nodes, names = _pages(tx.run(cypher.READ_ACCOUNT_IDS, page=PAGE).values(), 2)
    query = cypher.READ_TRANSFER_ENDPOINTS_TX_ID if with_tx_id else cypher.READ_TRANSFER_ENDPOINTS
    columns = _pages(tx.run(query, page=PAGE).values(), 5 if with_tx_id else 4)
    src, dst, amount_base, ts_us = columns[:4]
    return (
        np.asarray(nodes, dtype=np.int64),
        pa.array(names, pa.string()),
        np.asarray(src, dtype=np.int64),
        np.asarray(dst, dtype=np.int64),
        np.asarray(amount_base, dtype=np.float64),
        np.asarray(ts_us, dtype=np.int64),
        pa.array(columns[4], pa.string()) if with_tx_id else None,
    )


def _stamp(table: pa.Table, name: str, batch_id: str) -> pa.Table:
    table = schema.conform(table, name)
    index = table.schema.get_field_index("batch_id")
    return table.set_column(
        index, table.schema.field(index), pa.array([batch_id] * table.num_rows, pa.string())
    )


def _dedupe(table: pa.Table, name: str) -> tuple[pa.Table, int, pa.Table]:
    """Keep the first row of each key inside the batch.

    Returns the table, the exact repeats dropped, and the conflicting repeats dropped (a
    :data:`engine.core.schema.CONFLICTS` table; the first row of the key is the one kept).
    """
    none = schema.empty("conflicts")
    if table.num_rows == 0:
        return table, 0, none
    keys = key_array(table, name)
    keep = first_occurrences(keys)
    if len(keep) == table.num_rows:
        return table, 0, none
    repeats, firsts = repeated_rows(keys)
    _, conflicts = find_conflicts(name, table.take(repeats), table.take(firsts))
    dropped = table.num_rows - len(keep)
    return table.take(keep), dropped - conflicts.num_rows, conflicts


def _stored_conflicts(tx: Any, name: str, dropped: pa.Table) -> pa.Table:
    """Conflicts between rows dropped as known and the rows the store holds (read in ``tx``)."""
    if dropped.num_rows == 0 or name not in CONFLICT_TABLES:
        return schema.empty("conflicts")
    key = schema.KEYS[name][0]
    parts = []
    for chunk in _chunks(dropped):
        result = tx.run(_STORED[name], keys=chunk[key].to_pylist())
        columns = result.keys()
        records = [tuple(r.values()) for r in result]
        values = [list(v) for v in zip(*records, strict=True)] if records else [[] for _ in columns]
        parts.append(_to_arrow(name, list(columns), values))
    stored = pa.concat_tables(parts)
    at = pc.index_in(dropped[key], value_set=stored[key])
    found = pc.is_valid(at)
    incoming = dropped.filter(found)
    stored = stored.take(pc.drop_null(at))
    return find_conflicts(name, incoming, stored)[1]


def _drop_known(tx: Any, name: str, table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Split ``table`` into the rows whose key the store does not hold yet and the rows whose
    key it does (looked up inside ``tx``)."""
    if table.num_rows == 0:
        return table, table
    if name == "holdings":
        known_rows: list[int] = []
        for offset, chunk in _offset_chunks(table):
            params = {c: chunk[c].to_pylist() for c in ("party_id", "account_id", "role")}
            known = tx.run(cypher.KNOWN_HOLDINGS, params).single()["known"]
            known_rows.extend(offset + i for i in known)
        mask = np.ones(table.num_rows, dtype=bool)
        mask[known_rows] = False
        return table.filter(pa.array(mask)), table.filter(pa.array(~mask))
    key = schema.KEYS[name][0]
    known_keys: list[str] = []
    for _, chunk in _offset_chunks(table, KEY_ROWS):
        known_keys.extend(tx.run(_KNOWN[name], keys=chunk[key].to_pylist()).single()["known"])
    if not known_keys:
        return table, table.slice(0, 0)
    known = pc.is_in(table[key], value_set=pa.array(known_keys, pa.string()))
    return table.filter(pc.invert(known)), table.filter(known)


def _offset_chunks(table: pa.Table, rows: int = CHUNK_ROWS) -> Iterator[tuple[int, pa.Table]]:
    for offset in range(0, table.num_rows, rows):
        yield offset, table.slice(offset, rows)


def _account_nodes(tx: Any, keys: pa.Array) -> np.ndarray:
    """The node id of every account in ``keys`` (distinct), inside ``tx``: looked up with one
    read per :data:`KEY_ROWS` keys, and the missing ones created as bare references."""
    nodes = np.full(len(keys), -1, dtype=np.int64)
    for offset in range(0, len(keys), KEY_ROWS):
        part = keys.slice(offset, KEY_ROWS)
        found = tx.run(cypher.ACCOUNT_NODES, keys=part.to_pylist()).single()
        nodes[np.asarray(found["at"], dtype=np.int64) + offset] = found["node"]
    missing = np.flatnonzero(nodes < 0)
    for offset in range(0, len(missing), KEY_ROWS):
        at = missing[offset : offset + KEY_ROWS]
        made = tx.run(cypher.CREATE_ACCOUNT_REFS, keys=keys.take(pa.array(at)).to_pylist()).single()
        nodes[at[np.asarray(made["at"], dtype=np.int64)]] = made["node"]
    return nodes


def _write_transfers(tx: Any, table: pa.Table, batch_id: str) -> None:
    """Create the (new) transfers of ``table`` inside ``tx``, by node id (see
    :data:`engine.store.cypher.WRITE_TRANSFERS`).

    Raises
    ------
    StoreError
        If an endpoint was deleted meanwhile (fewer transfers created than sent); the
        exception rolls the whole batch back.
    """
    if table.num_rows == 0:
        return
    src, dst = table["src_account"].combine_chunks(), table["dst_account"].combine_chunks()
    ends = pc.unique(pa.concat_arrays([src, dst]))
    nodes = _account_nodes(tx, ends)
    src_node = nodes[pc.index_in(src, value_set=ends).to_numpy()]
    dst_node = nodes[pc.index_in(dst, value_set=ends).to_numpy()]
    rows = table.drop_columns(["src_account", "dst_account"])
    for offset, chunk in _offset_chunks(rows, TRANSFER_ROWS):
        params = _params(chunk, batch_id)
        params["src"] = src_node[offset : offset + chunk.num_rows].tolist()
        params["dst"] = dst_node[offset : offset + chunk.num_rows].tolist()
        created = tx.run(cypher.WRITE_TRANSFERS, params).single()["n"]
        if created != chunk.num_rows:
            raise StoreError(
                f"{chunk.num_rows - created} transfers lost an account node while being "
                "written (deleted by a concurrent writer?); the batch was rolled back"
            )


def _chunks(table: pa.Table) -> Iterator[pa.Table]:
    for _, chunk in _offset_chunks(table):
        yield chunk


def _split_ts(column: pa.ChunkedArray) -> tuple[list[int | None], list[int | None]]:
    """Timestamps as (epoch seconds, nanoseconds) lists, None where null."""
    micros = column.cast(pa.int64())
    valid = pc.is_valid(micros).to_numpy(zero_copy_only=False)
    us = pc.fill_null(micros, 0).to_numpy()
    seconds, rest = np.divmod(us, 1_000_000)
    secs: list[int | None] = seconds.tolist()
    nanos: list[int | None] = (rest * 1000).tolist()
    if not valid.all():
        for i in np.flatnonzero(~valid).tolist():
            secs[i] = nanos[i] = None
    return secs, nanos


def _params(chunk: pa.Table, batch_id: str) -> dict[str, Any]:
    """Columnar parameters: one list per column, timestamps split into seconds and nanos."""
    params: dict[str, Any] = {"batch_id": batch_id}
    for field in chunk.schema:
        if field.name == "batch_id":
            continue
        if pa.types.is_timestamp(field.type):
            secs, nanos = _split_ts(chunk[field.name])
            name = "ts" if field.name == "ts" else field.name
            params[f"{name}_s"], params[f"{name}_ns"] = secs, nanos
        else:
            params[field.name] = chunk[field.name].to_pylist()
    return params


def _to_arrow(name: str, keys: list[str], values: Sequence[Sequence[Any]]) -> pa.Table:
    """Columns from Cypher (``*_us`` = epoch microseconds) in the canonical schema."""
    target = schema.ALL_TABLES[name]
    arrays = []
    by_key = dict(zip(keys, values, strict=True))
    for field in target:
        if field.name in by_key:
            raw = by_key[field.name]
            if pa.types.is_date(field.type):
                raw = [None if v is None else v.to_native() for v in raw]
            arrays.append(pa.array(raw, field.type))
        else:
            arrays.append(pa.array(by_key[f"{field.name}_us"], pa.int64()).cast(field.type))
    return pa.Table.from_arrays(arrays, schema=target)


def _write_results(tx: Any, tables: Mapping[str, pa.Table]) -> None:
    """Replace the previous results, inside ``tx``: blobs for read_results, graph for Cypher."""
    for statement in cypher.CLEAR_RESULTS:
        tx.run(statement).consume()
    runs = tables["runs"]
    run_id = runs["run_id"][0].as_py() if runs.num_rows else None
    for name, table in tables.items():
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        data = sink.getvalue().to_pybytes()
        for part, offset in enumerate(range(0, max(len(data), 1), RESULT_PART_BYTES)):
            tx.run(
                cypher.WRITE_RESULT_PART,
                name=name,
                part=part,
                run_id=run_id,
                data=data[offset : offset + RESULT_PART_BYTES],
            ).consume()

    def params(chunk: pa.Table) -> dict[str, Any]:
        values = _params(chunk.drop_columns(["run_id"]), "")
        values["run_id"] = run_id
        return values

    for chunk in _chunks(tables["clusters"]):
        tx.run(cypher.CREATE_CLUSTERS, params(chunk)).consume()
    for kind, statement in cypher.SET_SCORES.items():
        scores = tables["scores"].filter(pc.equal(tables["scores"]["entity_kind"], kind))
        for chunk in _chunks(scores):
            tx.run(statement, params(chunk)).consume()
    for kind, statement in cypher.MEMBER_OF.items():
        members = tables["cluster_members"]
        members = members.filter(pc.equal(members["entity_kind"], kind))
        for chunk in _chunks(members):
            tx.run(statement, params(chunk)).consume()
    links = tables["links"]
    for (left, right, rel), statement in cypher.LINKS.items():
        kinds = [k for k, r in cypher.LINK_TYPES.items() if r == rel]
        if rel == "LINKED":
            mask = pc.invert(pc.is_in(links["kind"], value_set=pa.array(list(cypher.LINK_TYPES))))
        else:
            mask = pc.is_in(links["kind"], value_set=pa.array(kinds))
        mask = pc.and_(mask, pc.equal(links["left_kind"], left))
        mask = pc.and_(mask, pc.equal(links["right_kind"], right))
        for chunk in _chunks(links.filter(mask)):
            tx.run(statement, params(chunk)).consume()


def _ledger_schema(name: str) -> pa.Schema:
    from engine.store import ledgers

    if name not in ledgers.LEDGERS or name not in cypher.LEDGER_LABELS:
        raise StoreError(f"{name!r} is not a ledger of the store")
    return ledgers.LEDGERS[name]


def _ledger_records(name: str, rows: pa.Table) -> list[dict[str, Any]]:
    """Rows of ledger ``name`` as node properties (timestamps as ``<field>_us``)."""
    from engine.store import ledgers

    _ledger_schema(name)
    table = ledgers.conform(rows, name)
    stamps = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
    micros = {c: table[c].cast(pa.int64()).to_pylist() for c in stamps}
    records = table.drop_columns(stamps).to_pylist()
    for i, record in enumerate(records):
        for c in stamps:
            record[f"{c}_us"] = micros[c][i]
    return records


def _append_ledger(tx: Any, name: str, records: list[dict[str, Any]]) -> None:
    """Append ``records`` (from :func:`_ledger_records`) inside ``tx``, after every row so far."""
    seq = int(tx.run(cypher.LEDGER_SEQ[name]).single()["seq"])
    for i, record in enumerate(records):
        record["seq"] = seq + 1 + i
    for offset in range(0, len(records), CHUNK_ROWS):
        tx.run(cypher.WRITE_LEDGER[name], rows=records[offset : offset + CHUNK_ROWS]).consume()


def _reason_counts(rejected: pa.Table) -> dict[str, int]:
    if rejected.num_rows == 0:
        return {}
    counts = rejected.group_by("reason").aggregate([("reason", "count")])
    return dict(zip(counts["reason"].to_pylist(), counts["reason_count"].to_pylist(), strict=True))
