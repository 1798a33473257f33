"""Write one EmbeddedStore batch chunk by chunk into its temporary folder.

:class:`BatchWriter` takes the chunks of a streamed batch as they arrive (``(table name,
Arrow table)``; ``rejected`` for quarantined rows; :data:`engine.store.base.RESTART` to throw
away everything received so far) and writes them to the folder in part files of up to
:data:`PART_ROWS` rows (``<table>.parquet``, ``<table>.1.parquet``, ...), written in a
background thread, so memory holds about two parts, not the batch. Rows whose key the store already holds, or which repeat
a key earlier in the batch, are dropped and counted as duplicates:

* keys already in the store: their hashes and exact values (:class:`KnownKeys`, kept by the
  store between batches);
* keys earlier in this batch: only their hashes stay in memory (:class:`HashIndex`); a hash
  match is confirmed on the exact key, read back from the part file that holds it.

A dropped row of a table in :data:`engine.store.conflicts.CONFLICT_TABLES` is then compared
by content with the row it repeats (read back from the store's or the batch's part file, only
for rows that matched); one with other content is a conflict, written to the batch's
``conflicts`` table instead of being counted as a duplicate.

Nothing here makes the batch visible: the store renames the folder and commits its manifest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engine.core import schema
from engine.store.base import REJECTED, RESTART
from engine.store.conflicts import CONFLICT_TABLES, find_conflicts
from engine.store.keyindex import HashIndex, hash_keys
from engine.store.keys import key_array

#: New keys kept in memory to extend the store's known-key cache after the commit; a batch
#: with more new keys than this drops the cache instead (it is re-read when next needed).
CACHE_KEYS_LIMIT = 4_000_000

#: Columns with few distinct values: dictionary-encoded in Parquet. High-cardinality columns
#: (ids, amounts, times) are written plain, which is about twice as fast for the same size.
DICTIONARY_COLUMNS = frozenset(
    {
        "channel",
        "currency",
        "kind",
        "role",
        "mode",
        "country",
        "location_country",
        "batch_id",
        "institution",
        "nationality",
        "carrier",
        "origin",
        "destination",
        "entity_kind",
        "source",
        "reason",
        "field",
        "pattern",
        "run_id",
    }
)
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}
#: Rows, or bytes of Arrow data, gathered before a part file is written. Memory holds about
#: two parts (one being written in the background, one gathering); smaller parts let the
#: writing overlap the reading of the rest of the file.
PART_ROWS = 1 << 18
PART_BYTES = 64 << 20
#: ``write(table, path)``: write one complete Parquet file and sync it.
WriteParquet = Callable[[pa.Table, Path], None]
#: Name of the batch's quarantine of conflicting duplicates (its own table of the batch).
CONFLICTS = "conflicts"


def parquet_writer(path: Path, table_schema: pa.Schema) -> pq.ParquetWriter:
    """A Parquet writer with the store's options.

    zstd level 1; dictionaries only for low-cardinality columns; min/max statistics only for
    numbers and times (nothing reads string statistics, and on ids they cost a fifth of the
    write: 0.56 -> 0.43 CPU-s per 1M transactions).
    """
    dictionary = [name for name in table_schema.names if name in DICTIONARY_COLUMNS]
    statistics = [
        f.name
        for f in table_schema
        if not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
    ]
    return pq.ParquetWriter(
        path,
        table_schema,
        use_dictionary=dictionary,
        write_statistics=statistics or False,
        **PARQUET_OPTIONS,
    )


class KnownKeys:
    """The keys a store table holds: exact values and a hash index of their positions.

    Keys added by :meth:`extend` are indexed at the next lookup, so a batch whose keys nobody
    looks up again (the last of a run) costs nothing here.

    ``sources`` says which Parquet file holds each key's row (files in key order, with their
    row counts), so :meth:`rows` can read a matched row back to compare its content; a set
    built without them (``sources=None``) cannot.
    """

    def __init__(self) -> None:
        self._keys = pa.array([], pa.string())
        self._index = HashIndex()
        self._pending: list[tuple[pa.Array, np.ndarray | None]] = []
        self._starts: list[int] = []
        self._files: list[Path] = []
        self._sourced = True
        self._file_cache: tuple[Path, pa.Table] | None = None

    @classmethod
    def of(cls, keys: pa.Array, sources: list[tuple[Path, int]] | None = None) -> KnownKeys:
        known = cls()
        known.extend(keys, sources=sources)
        return known

    def __len__(self) -> int:
        return len(self._keys) + sum(len(k) for k, _ in self._pending)

    def extend(
        self,
        keys: pa.Array,
        hashes: np.ndarray | None = None,
        sources: list[tuple[Path, int]] | None = None,
    ) -> None:
        """Add ``keys`` (assumed new; ``hashes`` their :func:`hash_keys` if known), whose rows
        are, in order, those of ``sources`` (``(file, rows)`` pairs)."""
        start = len(self)
        if sources is None:
            self._sourced = self._sourced and not len(keys)
        else:
            for path, rows in sources:
                self._starts.append(start)
                self._files.append(path)
                start += rows
        if len(keys):
            self._pending.append((keys.cast(pa.string()), hashes))

    def forget_rows(self) -> None:
        """Drop the part file kept by :meth:`rows` (memory held between batches otherwise)."""
        self._file_cache = None

    def rows(self, positions: np.ndarray, name: str) -> pa.Table | None:
        """The stored rows of table ``name`` at key positions ``positions`` (in that order),
        read back from their files; None if the set does not know its files."""
        if not self._sourced or not self._files:
            return None
        starts = np.asarray(self._starts, dtype=np.int64)
        which = np.searchsorted(starts, positions, side="right") - 1
        out: list[pa.Table] = []
        order: list[np.ndarray] = []
        for index in np.unique(which):
            mine = np.flatnonzero(which == index)
            path = self._files[int(index)]
            if self._file_cache is None or self._file_cache[0] != path:
                self._file_cache = (path, schema.conform(pq.read_table(path), name))
            out.append(self._file_cache[1].take(pa.array(positions[mine] - starts[index])))
            order.append(mine)
        table = pa.concat_tables(out)
        if len(out) == 1 or (np.diff(which) >= 0).all():  # already in the asked order
            return table
        back = np.empty(len(positions), dtype=np.int64)
        back[np.concatenate(order)] = np.arange(len(positions))
        return table.take(pa.array(back))

    @property
    def keys(self) -> pa.Array:
        """All keys as one array: position ``i`` is what :meth:`find_sorted` returns."""
        self._catch_up()
        return self._keys

    def find_sorted(self, queries: np.ndarray) -> np.ndarray:
        """Position of a key with each of the (ascending) hashes ``queries``, or -1."""
        self._catch_up()
        return self._index.find_sorted(queries)

    def _catch_up(self) -> None:
        if not self._pending:
            return
        start = len(self._keys)
        for keys, hashes in self._pending:
            hashes = hash_keys(keys) if hashes is None else hashes
            self._index.add(hashes, np.arange(start, start + len(keys), dtype=np.int64))
            start += len(keys)
        self._keys = pa.concat_arrays([self._keys, *(k for k, _ in self._pending)])
        self._pending = []


@dataclass
class BatchOutcome:
    """What a finished :class:`BatchWriter` wrote (file names relative to its folder)."""

    #: Part files of each table, in row order.
    files: dict[str, list[str]]
    written: dict[str, int]
    duplicates: dict[str, int]
    rejected: int
    reasons: dict[str, int]
    #: Exact new keys per table with their hashes, or None where the batch had too many.
    new_keys: dict[str, tuple[pa.Array, np.ndarray] | None]
    #: Conflicting duplicates quarantined, per table (only tables that had some).
    conflicts: dict[str, int]
    #: Rows of each part file of each table, in the order of ``files``.
    part_rows: dict[str, list[int]]


class _TableSink:
    """One table of the batch: rows waiting for their part file, counts, and key hashes.

    Rows are gathered up to :data:`PART_ROWS` and then written as one complete Parquet part
    (``<table>.parquet``, then ``<table>.1.parquet``, ...); a row is known by the payload
    ``part << 32 | row`` so an exact key can be found again in its part (or in the rows still
    waiting).
    """

    def __init__(self, folder: Path, name: str, write: WriteParquet, pool: ThreadPoolExecutor):
        self.folder = folder
        self.name = name
        self.write_file = write
        self.pool = pool
        self.parts: list[str] = []
        self.part_rows: list[int] = []
        self.writes: list[Future[None]] = []
        self.pending: list[pa.Table] = []
        self.pending_keys: list[pa.Array] = []
        self.pending_rows = 0
        self.pending_bytes = 0
        self.written = 0
        self.duplicates = 0
        self.conflicts = 0
        self.seen = HashIndex()
        self.new_keys: list[tuple[pa.Array, np.ndarray]] | None = []
        self.new_key_count = 0
        self._part_keys: tuple[int, pa.Array] | None = None
        self._part_rows: tuple[int, pa.Table] | None = None

    def add(self, table: pa.Table, keys: pa.Array, ordered: np.ndarray, order: np.ndarray) -> None:
        """Queue ``table``; ``ordered`` its key hashes ascending, ``order`` their rows."""
        rows = self.pending_rows + order.astype(np.int64)
        self.seen.add(ordered, (np.int64(len(self.parts)) << np.int64(32)) | rows, presorted=True)
        self.pending.append(table)
        self.pending_keys.append(keys)
        self.pending_rows += table.num_rows
        self.pending_bytes += table.nbytes
        if self.new_keys is not None:
            hashes = np.empty_like(ordered)
            hashes[order] = ordered
            self.new_keys.append((keys, hashes))
            self.new_key_count += len(keys)
            if self.new_key_count > CACHE_KEYS_LIMIT:
                self.new_keys = None
        if self.pending_rows >= PART_ROWS or self.pending_bytes >= PART_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        table = pa.concat_tables(self.pending) if len(self.pending) > 1 else self.pending[0]
        filename = (
            f"{self.name}.parquet" if not self.parts else f"{self.name}.{len(self.parts)}.parquet"
        )
        if self.writes:  # at most one part waiting to be written: memory stays bounded
            self.writes[-1].result()
        self.writes.append(self.pool.submit(self.write_file, table, self.folder / filename))
        self.parts.append(filename)
        self.part_rows.append(table.num_rows)
        self.written += table.num_rows
        self.pending, self.pending_keys, self.pending_rows, self.pending_bytes = [], [], 0, 0

    def keys_of_part(self, part: int) -> pa.Array:
        """The exact keys of part ``part`` (the rows still waiting when it is the next one)."""
        if part == len(self.parts):
            return pa.concat_arrays([k.cast(pa.string()) for k in self.pending_keys])
        if self._part_keys is None or self._part_keys[0] != part:
            self.writes[part].result()
            columns = list(schema.KEYS[self.name])
            table = pq.read_table(self.folder / self.parts[part], columns=columns)
            self._part_keys = (part, key_array(table, self.name))
        return self._part_keys[1]

    def rows_of_part(self, part: int) -> pa.Table:
        """The whole rows of part ``part`` (the rows still waiting when it is the next one)."""
        if part == len(self.parts):
            return pa.concat_tables(self.pending) if len(self.pending) > 1 else self.pending[0]
        if self._part_rows is None or self._part_rows[0] != part:
            self.writes[part].result()
            table = pq.read_table(self.folder / self.parts[part])
            self._part_rows = (part, schema.conform(table, self.name))
        return self._part_rows[1]


class BatchWriter:
    """Receives a batch's chunks and writes them deduplicated; see the module docstring.

    Parameters
    ----------
    folder:
        The batch's temporary folder (exists, empty).
    batch_id:
        Stamped on every row.
    known:
        ``known(table_name)`` gives the keys the store already holds for that table.
    write:
        ``write(table, path)`` writes one complete, synced Parquet file.
    """

    def __init__(
        self,
        folder: Path,
        batch_id: str,
        known: Callable[[str], KnownKeys],
        write: WriteParquet,
    ) -> None:
        self.folder = folder
        self.write = write
        self.batch_id = batch_id
        self.known = known
        self._sinks: dict[str, _TableSink] = {}
        self._reasons: Counter[str] = Counter()
        self._rejected = 0
        # Parquet encoding releases the GIL: parts are written while the next chunks are read.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="moneytrail-parquet")

    def add(self, name: str, table: pa.Table | None) -> None:
        """Take one chunk of table ``name`` (an input table, ``rejected``, or ``restart``;
        ``conflicts`` is this writer's own quarantine of conflicting duplicates)."""
        if name == RESTART:
            self._restart()
            return
        if table is None:
            raise ValueError(f"chunk of {name!r} without a table")
        sink = self._sinks.get(name)
        if sink is None:
            sink = self._sinks[name] = _TableSink(self.folder, name, self.write, self._pool)
        if name in (REJECTED, CONFLICTS):  # quarantines: kept as they come, no keys
            rows = schema.conform(table, name)
            if rows.num_rows:
                empty = np.zeros(0, np.int64)
                sink.add(rows, pa.array([], pa.string()), empty.astype(np.uint64), empty)
                if name == REJECTED:
                    self._rejected += rows.num_rows
                    self._reasons.update(_reason_counts(rows))
            return
        if name not in schema.INPUT_TABLES:
            raise ValueError(f"{name!r} is not an input table")
        table = _stamped(schema.conform(table, name), name, self.batch_id)
        if table.num_rows:
            self._write_new_rows(sink, table)

    def _write_new_rows(self, sink: _TableSink, table: pa.Table) -> None:
        keys = key_array(table, sink.name)
        hashes = hash_keys(keys)
        order = np.argsort(hashes)  # one sort serves every lookup below
        ordered = hashes[order]
        if (ordered[1:] == ordered[:-1]).any():  # ties in row order: the first row comes first
            order = np.argsort(hashes, kind="stable")
            ordered = hashes[order]
        within, first = _repeats_within(keys, order, ordered)
        known, where = self._known_rows(sink.name, keys, order, ordered)
        earlier, payload = self._earlier_rows(sink, keys, order, ordered)
        drop = within | known | earlier
        n_drop = int(drop.sum())
        if n_drop:
            if sink.name in CONFLICT_TABLES:
                self._quarantine_conflicts(
                    sink, table, (known, where), (earlier & ~known, payload),
                    (within & ~known & ~earlier, first),
                )  # fmt: skip
            keep = ~drop
            table, keys = table.filter(pa.array(keep)), keys.filter(pa.array(keep))
            new_row = np.cumsum(keep) - 1
            order = order[keep[order]]
            ordered = hashes[order]
            order = new_row[order]
            sink.duplicates += n_drop
        if table.num_rows == 0:
            return
        sink.add(table, keys, ordered, order)

    def _quarantine_conflicts(
        self,
        sink: _TableSink,
        table: pa.Table,
        known: tuple[np.ndarray, np.ndarray],
        earlier: tuple[np.ndarray, np.ndarray],
        within: tuple[np.ndarray, np.ndarray],
    ) -> None:
        """Compare each dropped row with the row it repeats; move conflicts to quarantine.

        Each pair is ``(mask of dropped rows, where the row they repeat is)``: a position in
        the store's known keys, a payload of this batch's hash index, or a row of ``table``.
        A conflict counts as a conflict, not as a duplicate.
        """
        found: list[pa.Table] = []
        for mask, where, fetch in (
            (*known, lambda at: self.known(sink.name).rows(at, sink.name)),
            (*earlier, lambda at: _payload_rows(sink, at)),
            (*within, lambda at: table.take(pa.array(at))),
        ):
            rows = np.flatnonzero(mask)
            if len(rows) == 0:
                continue
            stored = fetch(where[rows])
            if stored is None:
                continue
            conflicting, conflicts = find_conflicts(sink.name, table.take(pa.array(rows)), stored)
            if conflicting.any():
                found.append(conflicts)
        if found:
            conflicts = pa.concat_tables(found)
            sink.conflicts += conflicts.num_rows
            sink.duplicates -= conflicts.num_rows
            self.add(CONFLICTS, conflicts)

    def _known_rows(
        self, name: str, keys: pa.Array, order: np.ndarray, ordered: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose key the store already holds, and the position of that key (or -1)."""
        known = self.known(name)
        drop = np.zeros(len(keys), dtype=bool)
        where = np.full(len(keys), -1, dtype=np.int64)
        if len(known) == 0:
            return drop, where
        where[order] = known.find_sorted(ordered)
        rows = np.flatnonzero(where >= 0)
        if len(rows):
            same = pc.equal(keys.take(pa.array(rows)), known.keys.take(pa.array(where[rows])))
            drop[rows[pc.fill_null(same, False).to_numpy(zero_copy_only=False)]] = True
        return drop, where

    def _earlier_rows(
        self, sink: _TableSink, keys: pa.Array, order: np.ndarray, ordered: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose key an earlier chunk of this batch wrote (confirmed on exact keys), and
        the payload (``part << 32 | row``) of that earlier row (or -1)."""
        drop = np.zeros(len(keys), dtype=bool)
        where = np.empty(len(keys), dtype=np.int64)
        where[order] = sink.seen.find_sorted(ordered)
        rows = np.flatnonzero(where >= 0)
        if len(rows) == 0:
            return drop, where
        parts = where[rows] >> np.int64(32)
        positions = where[rows] & np.int64(0xFFFFFFFF)
        for part in np.unique(parts):
            mine = parts == part
            theirs = sink.keys_of_part(int(part)).take(pa.array(positions[mine]))
            same = pc.fill_null(pc.equal(keys.take(pa.array(rows[mine])), theirs), False)
            drop[rows[mine][same.to_numpy(zero_copy_only=False)]] = True
        return drop, where

    def _wait(self) -> None:
        """Wait for every part file being written; re-raise the first error."""
        errors = [
            exc for sink in self._sinks.values() for f in sink.writes if (exc := f.exception())
        ]
        if errors:
            raise errors[0]

    def abort(self) -> None:
        """Stop: wait for writes under way (so the caller can remove the folder) and end."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _restart(self) -> None:
        for sink in self._sinks.values():
            for write in sink.writes:
                write.exception()  # wait; the files go anyway
        self._sinks.clear()
        self._reasons.clear()
        self._rejected = 0
        for entry in self.folder.iterdir():
            entry.unlink()

    def finish(self, tables: set[str] | None = None) -> BatchOutcome:
        """Write the last parts, wait for all writes, and say what was written."""
        files: dict[str, list[str]] = {}
        written: dict[str, int] = {}
        duplicates: dict[str, int] = {}
        conflicts: dict[str, int] = {}
        part_rows: dict[str, list[int]] = {}
        new_keys: dict[str, tuple[pa.Array, np.ndarray] | None] = {}
        for sink in self._sinks.values():
            sink.flush()
        self._wait()
        self._pool.shutdown()
        for name, sink in self._sinks.items():
            if sink.parts:
                files[name] = sink.parts
                part_rows[name] = sink.part_rows
            if name in (REJECTED, CONFLICTS):
                continue
            written[name] = sink.written
            duplicates[name] = sink.duplicates
            if sink.conflicts:
                conflicts[name] = sink.conflicts
            if sink.new_keys is None:
                new_keys[name] = None
            elif sink.new_keys:
                new_keys[name] = (
                    pa.concat_arrays([k.cast(pa.string()) for k, _ in sink.new_keys]),
                    np.concatenate([h for _, h in sink.new_keys]),
                )
        for name in tables or ():
            written.setdefault(name, 0)
            duplicates.setdefault(name, 0)
        return BatchOutcome(
            files,
            written,
            duplicates,
            self._rejected,
            dict(self._reasons),
            new_keys,
            conflicts,
            part_rows,
        )


def _stamped(table: pa.Table, name: str, batch_id: str) -> pa.Table:
    """``table`` with every row's batch_id set (built from buffers: no Python list)."""
    return table.set_column(
        table.schema.get_field_index("batch_id"),
        schema.ALL_TABLES[name].field("batch_id"),
        constant_strings(batch_id, table.num_rows),
    )


def constant_strings(value: str, n: int) -> pa.Array:
    """A string array of ``n`` copies of ``value``."""
    data = value.encode("utf-8")
    if len(data) * n >= 2**31:
        return pa.array([value] * n, pa.large_string()).cast(pa.string())
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(len(data))
    return pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data * n)]
    )


def _repeats_within(
    keys: pa.Array, order: np.ndarray, ordered: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeating the key of an earlier row of the same chunk (first kept), and the row
    each repeats (or -1).

    ``order`` is a stable argsort of the rows' key hashes, ``ordered`` the sorted hashes.
    """
    n = len(ordered)
    drop = np.zeros(n, dtype=bool)
    repeats = np.full(n, -1, dtype=np.int64)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return drop, repeats
    starts = np.r_[True, ~same]
    first = order[np.maximum.accumulate(np.where(starts, np.arange(n), 0))]
    candidates, firsts = order[1:][same], first[1:][same]
    equal = pc.equal(keys.take(pa.array(candidates)), keys.take(pa.array(firsts)))
    hit = pc.fill_null(equal, False).to_numpy(zero_copy_only=False)
    drop[candidates[hit]] = True
    repeats[candidates[hit]] = firsts[hit]
    return drop, repeats


def _payload_rows(sink: _TableSink, payloads: np.ndarray) -> pa.Table:
    """The rows of this batch at hash-index payloads ``part << 32 | row``, in that order."""
    parts = payloads >> np.int64(32)
    positions = payloads & np.int64(0xFFFFFFFF)
    out: list[pa.Table] = []
    order: list[np.ndarray] = []
    for part in np.unique(parts):
        mine = np.flatnonzero(parts == part)
        out.append(sink.rows_of_part(int(part)).take(pa.array(positions[mine])))
        order.append(mine)
    table = pa.concat_tables(out)
    if len(out) == 1 or (np.diff(parts) >= 0).all():  # already in the asked order
        return table
    back = np.empty(len(payloads), dtype=np.int64)
    back[np.concatenate(order)] = np.arange(len(payloads))
    return table.take(pa.array(back))


def _reason_counts(rejected: pa.Table) -> dict[str, int]:
    counts = rejected.group_by("reason").aggregate([("reason", "count")])
    return dict(zip(counts["reason"].to_pylist(), counts["reason_count"].to_pylist(), strict=True))
