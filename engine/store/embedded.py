"""EmbeddedStore: the default store, a folder of Parquet files and one manifest.

Layout of the folder::

    manifest.json              the only mutable file; replaced atomically (write, fsync, rename)
    batches/<id>-<nonce>/      one folder per batch: <table>.parquet, rejected.parquet and
                               conflicts.parquet (its conflicting duplicates, if any)
                               (a large table in parts: <table>.1.parquet, ...; the manifest's
                               "files" names the first, "parts" all of them)
    results/<run>-<nonce>/     one folder per analysis run: <table>.parquet
    dispositions/<ts>-<nonce>.parquet   investigators' decisions, one file per write
    ledgers/<name>-<ts>-<nonce>.parquet  append-only ledgers (case lineage, worklog), one file
                               per write; the manifest's "ledgers" names them, and its
                               "case_id_next" is the case-id counter
    watchlist/<ts>-<nonce>.parquet      the watch list's log, one file per write
    .lock                      a file lock held by writers

Why this is safe:

* Data files are immutable once written and only become visible when the manifest names them.
  A batch is written into ``<dir>.tmp``, synced, renamed, and then the manifest is replaced; a
  crash at any point before the manifest rename leaves the old manifest, which does not mention
  the new files, so the store is exactly as it was. Leftovers are removed at the next write.
  A batch may arrive as a stream of chunks (:meth:`EmbeddedStore.write_stream`): each goes to
  the temporary folder as it comes (:mod:`engine.store.batchwriter`), and the commit is the
  same single manifest rename.
* Writers hold an exclusive file lock, so two processes never interleave; a second writer waits.
* Readers take a consistent snapshot by reading the manifest once.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from engine.core import schema
from engine.core.errors import StoreError, StoreUnavailable
from engine.store.base import (
    Batch,
    BatchInfo,
    BatchReceipt,
    Chunk,
    RemovalReceipt,
    Store,
    readable_dates,
)
from engine.store.batchwriter import BatchWriter, KnownKeys, parquet_writer
from engine.store.keys import key_array

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: The store holds names, birth dates and passport numbers: only its owner may read it.
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def _private(path: Path, text: bool = False):  # type: ignore[no-untyped-def]
    """Open ``path`` for writing, created owner-only (whatever the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    return os.fdopen(fd, "w", encoding="utf-8") if text else os.fdopen(fd, "wb")


def _write_parquet(table: pa.Table, path: Path) -> None:
    with _private(path) as handle:
        with parquet_writer(handle, table.schema) as writer:  # type: ignore[arg-type]
            writer.write_table(table)
        handle.flush()
        os.fsync(handle.fileno())


class EmbeddedStore(Store):
    """A store in a local folder (see the module docstring for the layout and guarantees)."""

    backend = "embedded"

    def __init__(self, home: str | os.PathLike[str], *, lock_timeout: float | None = None) -> None:
        self.home = Path(home)
        if lock_timeout is None:
            from engine.core.config import Settings

            lock_timeout = Settings.from_env().lock_timeout
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
            info = self.home.stat()
            if info.st_uid == os.geteuid() and info.st_mode & 0o077:
                os.chmod(self.home, info.st_mode & 0o700)  # older stores were world-readable
            probe = self.home / f".probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            probe.touch()
            probe.unlink()
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot use the data folder: {exc.strerror}", address=str(self.home)
            ) from exc
        self._lock = FileLock(str(self.home / ".lock"), timeout=lock_timeout, mode=FILE_MODE)
        self._key_cache: dict[str, tuple[int, KnownKeys]] = {}

    def describe(self) -> str:
        return f"embedded store at {self.home.resolve()}"

    # -- manifest ----------------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        path = self.home / MANIFEST
        try:
            with open(path, encoding="utf-8") as handle:
                manifest: dict[str, Any] = json.load(handle)
        except FileNotFoundError:
            return {"format": FORMAT_VERSION, "generation": 0, "batches": [], "results": None}
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreUnavailable(f"unreadable manifest: {exc}", address=str(path)) from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise StoreUnavailable(
                f"manifest format {manifest.get('format')} is not {FORMAT_VERSION}",
                address=str(path),
            )
        return manifest

    def _commit(self, manifest: dict[str, Any]) -> None:
        """Atomically replace the manifest (the single commit point of every write)."""
        manifest["generation"] = int(manifest.get("generation", 0)) + 1
        tmp = self.home / f"{MANIFEST}.{uuid.uuid4().hex}.tmp"
        with _private(tmp, text=True) as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.home / MANIFEST)
        _fsync_dir(self.home)

    @contextlib.contextmanager
    def _writing(self, what: str):  # type: ignore[no-untyped-def]
        """Hold the writer lock, clean leftovers, and turn OS errors into StoreError."""
        try:
            self._lock.acquire()
        except Timeout as exc:
            raise StoreError(
                f"{self.home}: another process has been writing for over {self._lock.timeout:.0f} s; "
                f"{what} was not written"
            ) from exc
        try:
            self._remove_leftovers()
            yield
        except OSError as exc:
            reason = "the disk is full" if exc.errno == errno.ENOSPC else str(exc.strerror or exc)
            raise StoreError(f"{self.home}: {what} was not written: {reason}") from exc
        finally:
            self._lock.release()

    def _remove_leftovers(self) -> None:
        """Delete temporary files and folders that no manifest names (a crashed writer's)."""
        manifest = self._manifest()
        referenced = {b["dir"] for b in manifest["batches"]}
        results = manifest.get("results") or {}
        referenced.update(results.get("history", []))
        referenced.update(manifest.get("dispositions", []))
        for files in (manifest.get("ledgers") or {}).values():
            referenced.update(files)
        referenced.update(manifest.get("watchlist", []))
        for sub in ("batches", "results", "dispositions", "ledgers", "watchlist"):
            folder = self.home / sub
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if f"{sub}/{entry.name}" not in referenced:
                    if entry.is_dir():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:  # a decision or ledger file (rmtree would leave it silently)
                        entry.unlink(missing_ok=True)
        for entry in self.home.glob(f"{MANIFEST}.*.tmp"):
            entry.unlink(missing_ok=True)

    # -- input data --------------------------------------------------------------------------

    def has_batch(self, batch_id: str) -> bool:
        return any(b["batch_id"] == batch_id for b in self._manifest()["batches"])

    def write_batch(self, batch: Batch) -> BatchReceipt:
        unknown = set(batch.tables) - set(schema.INPUT_TABLES)
        if unknown:
            raise StoreError(f"batch {batch.source}: unknown tables {sorted(unknown)}")
        return self.write_stream(batch.info, batch.chunks())

    def write_stream(self, info: BatchInfo, chunks: Iterable[Chunk]) -> BatchReceipt:
        """Write each chunk into the batch's temporary folder as it arrives, then commit.

        Memory holds one chunk plus 8 bytes per new row (the hash of its key), so a batch may
        be far larger than memory. See :mod:`engine.store.batchwriter`.
        """
        with self._writing(f"batch {info.source}"):
            manifest = self._manifest()
            if any(b["batch_id"] == info.batch_id for b in manifest["batches"]):
                return BatchReceipt(info.batch_id, "duplicate", {}, {}, 0)
            dirname = f"batches/{info.batch_id[:16]}-{uuid.uuid4().hex[:8]}"
            final = self.home / dirname
            tmp = final.with_name(final.name + ".tmp")
            tmp.parent.mkdir(exist_ok=True, mode=FOLDER_MODE)
            tmp.mkdir(mode=FOLDER_MODE)
            writer = BatchWriter(
                tmp,
                info.batch_id,
                lambda name: self._known_keys(manifest, name),
                lambda table, path: _write_parquet(table, path),  # looked up late: tests wrap it
            )
            try:
                for name, table in chunks:
                    writer.add(name, table)
                outcome = writer.finish()
                _fsync_dir(tmp)
                tmp.rename(final)
                _fsync_dir(final.parent)
            except BaseException:
                writer.abort()
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(final, ignore_errors=True)
                raise
            finally:
                for _, known in self._key_cache.values():
                    known.forget_rows()
            manifest["batches"].append(
                {
                    "batch_id": info.batch_id,
                    "source": info.source,
                    "kind": info.kind,
                    "format": info.format,
                    "uploaded_at": datetime.now(UTC).isoformat(),
                    "uploaded_by": info.uploaded_by,
                    "dir": dirname,
                    "files": {name: f"{dirname}/{f[0]}" for name, f in outcome.files.items()},
                    "rows": outcome.written,
                    "duplicates": outcome.duplicates,
                    "rejected": outcome.rejected,
                    "reasons": outcome.reasons,
                    "conflicts": outcome.conflicts,
                    **_parts_entry(dirname, outcome.files),
                }
            )
            before = int(manifest.get("generation", 0))
            self._commit(manifest)
            sources = {
                name: [
                    (final / part, rows)
                    for part, rows in zip(parts, outcome.part_rows[name], strict=True)
                ]
                for name, parts in outcome.files.items()
            }
            self._extend_key_cache(before, int(manifest["generation"]), outcome.new_keys, sources)
            return BatchReceipt(
                info.batch_id,
                "written",
                outcome.written,
                outcome.duplicates,
                outcome.rejected,
                outcome.conflicts,
            )

    def remove_batch(self, batch_id: str) -> RemovalReceipt:
        """Drop the batch from the manifest (the single commit), then delete its folder."""
        with self._writing(f"the removal of batch {batch_id}"):
            manifest = self._manifest()
            entries = [b for b in manifest["batches"] if b["batch_id"] == batch_id]
            if not entries:
                raise StoreError(f"{self.home}: no batch {batch_id!r}")
            (entry,) = entries
            manifest["batches"] = [b for b in manifest["batches"] if b["batch_id"] != batch_id]
            self._commit(manifest)
            self._key_cache.clear()
            shutil.rmtree(self.home / entry["dir"], ignore_errors=True)
        removed = {name: int(n) for name, n in entry["rows"].items() if int(n)}
        return RemovalReceipt(
            batch_id, entry["source"], removed, int(entry["rejected"]), _conflicts(entry)
        )

    def _extend_key_cache(
        self,
        before: int,
        after: int,
        new_keys: Mapping[str, tuple[pa.Array, np.ndarray] | None],
        sources: Mapping[str, list[tuple[Path, int]]],
    ) -> None:
        """Carry the known-key sets over our own commit, so the next batch need not re-read
        every key column. Sets that were not current before the commit are dropped (another
        process may have written meanwhile), as are sets a batch added too many keys to for
        memory; both are read again when needed. ``sources`` names the part files (and their
        rows) that hold the new keys' rows, for the conflict check."""
        for name, (generation, known) in list(self._key_cache.items()):
            if generation != before or (name in new_keys and new_keys[name] is None):
                del self._key_cache[name]
                continue
            added = new_keys.get(name)
            if added is not None:
                known.extend(*added, sources=sources.get(name, []))
            self._key_cache[name] = (after, known)

    def _known_keys(self, manifest: dict[str, Any], name: str) -> KnownKeys:
        generation = int(manifest.get("generation", 0))
        cached = self._key_cache.get(name)
        if cached and cached[0] == generation:
            return cached[1]
        key_columns = list(schema.KEYS[name])
        files = _table_files(self.home, manifest, name)
        parts = [pq.read_table(f, columns=key_columns, memory_map=True) for f in files]
        if parts:
            keys = key_array(pa.concat_tables(parts) if len(parts) > 1 else parts[0], name)
        else:
            keys = pa.array([], pa.string())
        sources = [(f, part.num_rows) for f, part in zip(files, parts, strict=True)]
        known = KnownKeys.of(keys, sources)
        self._key_cache[name] = (generation, known)
        return known

    def read_table(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        manifest = self._manifest()
        if name == "batches":
            table = _batches_table(manifest["batches"])
            return table.select(list(columns)) if columns else table
        if name not in schema.INPUT_TABLES and name not in ("rejected", "conflicts"):
            raise StoreError(f"{name!r} is not a table of the store")
        files = _table_files(self.home, manifest, name)
        return _read_files(files, list(columns) if columns else None, name)

    def count(self, name: str) -> int:
        manifest = self._manifest()
        if name == "batches":
            return len(manifest["batches"])
        if name == "rejected":
            return sum(int(b["rejected"]) for b in manifest["batches"])
        if name == "conflicts":
            return sum(_conflicts(b) for b in manifest["batches"])
        return sum(int(b["rows"].get(name, 0)) for b in manifest["batches"])

    # -- analysis results --------------------------------------------------------------------

    def write_results(
        self, tables: Mapping[str, pa.Table], *, ledgers: Mapping[str, pa.Table] | None = None
    ) -> None:
        unknown = set(tables) - set(schema.RESULT_TABLES)
        if unknown:
            raise StoreError(f"unknown result tables {sorted(unknown)}")
        with self._writing("the analysis results"):
            manifest = self._manifest()
            for name, rows in (ledgers or {}).items():
                self._stage_ledger(manifest, name, rows)
            dirname = f"results/{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
            final = self.home / dirname
            tmp = final.with_name(final.name + ".tmp")
            tmp.parent.mkdir(exist_ok=True, mode=FOLDER_MODE)
            tmp.mkdir(mode=FOLDER_MODE)
            try:
                for name, table_schema in schema.RESULT_TABLES.items():
                    table = tables.get(name)
                    table = (
                        table_schema.empty_table() if table is None else schema.conform(table, name)
                    )
                    _write_parquet(table, tmp / f"{name}.parquet")
                _fsync_dir(tmp)
                tmp.rename(final)
                _fsync_dir(final.parent)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(final, ignore_errors=True)
                raise
            previous = (manifest.get("results") or {}).get("history", [])
            # Keep the previous run's files so a reader holding the old manifest can finish.
            manifest["results"] = {"dir": dirname, "history": [dirname, *previous[:1]]}
            self._commit(manifest)

    def read_results(self, name: str) -> pa.Table:
        if name not in schema.RESULT_TABLES:
            raise StoreError(f"{name!r} is not a result table")
        results = self._manifest().get("results")
        if not results:
            return schema.empty(name)
        return pq.read_table(self.home / results["dir"] / f"{name}.parquet")

    # -- append-only logs (decisions, the watch list) ----------------------------------------

    def _append_log(
        self, table: pa.Table, folder: str, id_column: str, what: str, known: Callable[[], pa.Table]
    ) -> int:
        """Write ``table`` to a new Parquet file under ``folder``, then name it in the manifest
        (the commit); rows whose ``id_column`` repeats another row or one of ``known()`` (read
        under the writer's lock) are refused."""
        with self._writing(what):
            manifest = self._manifest()
            ids = table[id_column]
            stored = known()[id_column]
            if len(pc.unique(ids)) != len(ids) or pc.any(pc.is_in(ids, stored)).as_py():
                raise StoreError(f"{self.home}: the rows of {what} repeat a {id_column}")
            name = f"{folder}/{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.parquet"
            path = self.home / name
            path.parent.mkdir(exist_ok=True)
            try:
                _write_parquet(table, path)
                _fsync_dir(path.parent)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            manifest[folder] = [*manifest.get(folder, []), name]
            self._commit(manifest)
        return table.num_rows

    def _read_log(self, folder: str, empty: pa.Table) -> pa.Table:
        """Every file of the log ``folder`` the manifest names, in order (``empty`` if none)."""
        files = self._manifest().get(folder, [])
        if not files:
            return empty
        return pa.concat_tables([pq.read_table(self.home / f) for f in files])

    # -- investigators' decisions ------------------------------------------------------------

    def write_dispositions(self, rows: pa.Table) -> int:
        """Write the rows to a new Parquet file, then name it in the manifest (the commit)."""
        from engine.store import dispositions

        table = dispositions.conform(rows)
        if table.num_rows == 0:
            return 0
        return self._append_log(table, "dispositions", "disposition_id", "the decisions",
                                self.read_dispositions)  # fmt: skip

    def read_dispositions(self) -> pa.Table:
        from engine.store import dispositions

        return self._read_log("dispositions", dispositions.empty())

    # -- ledgers and case ids ----------------------------------------------------------------

    def _stage_ledger(self, manifest: dict[str, Any], name: str, rows: pa.Table) -> int:
        """Write ``rows`` of ledger ``name`` to a new file and name it in ``manifest`` (not
        committed: the caller's commit makes it visible, with whatever else it carries)."""
        from engine.store import ledgers

        if name not in ledgers.LEDGERS:
            raise StoreError(f"{name!r} is not a ledger of the store")
        table = ledgers.conform(rows, name)
        if table.num_rows == 0:
            return 0
        file = f"ledgers/{name}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.parquet"
        path = self.home / file
        path.parent.mkdir(exist_ok=True, mode=FOLDER_MODE)
        try:
            _write_parquet(table, path)
            _fsync_dir(path.parent)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        named = manifest.setdefault("ledgers", {})
        named[name] = [*named.get(name, []), file]
        return table.num_rows

    def append_ledger(self, name: str, rows: pa.Table) -> int:
        """Write the rows to a new Parquet file, then name it in the manifest (the commit)."""
        with self._writing(f"the {name} rows"):
            manifest = self._manifest()
            written = self._stage_ledger(manifest, name, rows)
            if written:
                self._commit(manifest)
        return written

    def read_ledger(self, name: str) -> pa.Table:
        from engine.store import ledgers

        if name not in ledgers.LEDGERS:
            raise StoreError(f"{name!r} is not a ledger of the store")
        files = (self._manifest().get("ledgers") or {}).get(name, [])
        if not files:
            return ledgers.empty(name)
        return pa.concat_tables([pq.read_table(self.home / f) for f in files])

    def reserve_case_ids(self, n: int, *, floor: int = 1) -> int:
        """Advance the manifest's ``case_id_next`` under the writer lock (one commit)."""
        if n < 0:
            raise ValueError(f"cannot reserve {n} case ids")
        with self._writing("the case-id counter"):
            manifest = self._manifest()
            first = max(int(manifest.get("case_id_next", 1)), int(floor), 1)
            if n:
                manifest["case_id_next"] = first + n
                self._commit(manifest)
        return first

    # -- the watch list ----------------------------------------------------------------------

    def write_watchlist(self, rows: pa.Table) -> int:
        """Write the rows to a new Parquet file, then name it in the manifest (the commit)."""
        from engine.store import watchlist

        table = watchlist.conform(rows)
        if table.num_rows == 0:
            return 0
        return self._append_log(table, "watchlist", "entry_id", "the watch list",
                                self.read_watchlist)  # fmt: skip

    def read_watchlist(self) -> pa.Table:
        from engine.store import watchlist

        return self._read_log("watchlist", watchlist.empty())


def _conflicts(entry: dict[str, Any]) -> int:
    """Conflicting duplicates a manifest batch entry quarantined (0 for older manifests)."""
    return sum(int(n) for n in (entry.get("conflicts") or {}).values())


def _parts_entry(dirname: str, files: Mapping[str, list[str]]) -> dict[str, Any]:
    """The manifest's ``parts`` entry: every part file of tables written in several parts.

    ``files`` names the first part of each table (so manifests stay readable by older code
    for single-part tables); ``parts``, present only when needed, lists all of them.
    """
    parts = {name: [f"{dirname}/{f}" for f in names] for name, names in files.items()}
    multi = {name: names for name, names in parts.items() if len(names) > 1}
    return {"parts": multi} if multi else {}


def _table_files(home: Path, manifest: dict[str, Any], name: str) -> list[Path]:
    """Every data file of table ``name``, batch by batch, part by part."""
    files: list[Path] = []
    for b in manifest["batches"]:
        if name in b["files"]:
            names = b.get("parts", {}).get(name) or [b["files"][name]]
            files.extend(home / f for f in names)
    return files


def _read_files(files: list[Path], columns: list[str] | None, name: str) -> pa.Table:
    table_schema = schema.ALL_TABLES[name]
    if columns:
        table_schema = pa.schema([table_schema.field(c) for c in columns])
    if not files:
        return table_schema.empty_table()
    parts = [pq.read_table(f, columns=columns, memory_map=True) for f in files]
    return readable_dates(pa.concat_tables(parts) if len(parts) > 1 else parts[0])


def _batches_table(batches: list[dict[str, Any]]) -> pa.Table:
    rows = [
        {
            "batch_id": b["batch_id"],
            "source": b["source"],
            "kind": b["kind"],
            "format": b["format"],
            "uploaded_at": datetime.fromisoformat(b["uploaded_at"]),
            "uploaded_by": b["uploaded_by"],
            "rows_accepted": sum(int(v) for v in b["rows"].values()),
            "rows_rejected": int(b["rejected"]),
            "rows_duplicate": sum(int(v) for v in b["duplicates"].values()),
            "reasons": json.dumps(b["reasons"], sort_keys=True),
            "rows_conflict": _conflicts(b),
        }
        for b in batches
    ]
    return pa.Table.from_pylist(rows, schema=schema.BATCHES)
