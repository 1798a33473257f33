"""Deduplication by key without holding the keys: 64-bit hashes in sorted runs.

A streamed batch may hold more rows than fit in memory, so the rows already written are
remembered by the hash of their key (8 bytes) and where the exact key can be found again
(a payload: a row number, or a chunk and row). A hash match is only a candidate: the caller
compares the exact keys before it drops a row, so a hash collision can at worst let a
duplicate through, never drop a new row.

:class:`HashIndex` keeps the hashes as sorted runs that merge when a newer run grows as large
as the one before it (a log-structured merge), so adding n hashes in chunks costs
O(n log n) in all, and a lookup is one binary search per run over sorted queries.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_MIX = np.uint64(0xFF51AFD7ED558CCD)
_SEED = np.uint64(0x9E3779B97F4A7C15)
#: Keys longer than this many bytes are hashed by Python one by one (rare; ids are short).
_WIDE = 64


#: Rows hashed at a time (bounds the temporary byte matrix and index arrays).
_SLICE = 1 << 16


def hash_keys(keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash (uint64) of each string of ``keys``, vectorised over Arrow's buffers.

    Nulls hash like empty strings (keys are never null in the store). Not cryptographic and
    not stable across versions: only for in-process deduplication.

    Notes
    -----
    The strings are laid out in a zero-padded (n, w) byte matrix, w the longest length rounded
    up to 8, and the 8-byte words are mixed column by column: O(n w).
    """
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks() if keys.num_chunks != 1 else keys.chunk(0)
    if not pa.types.is_string(keys.type):
        keys = keys.cast(pa.string())
    n = len(keys)
    if n > _SLICE:
        return np.concatenate(
            [_hash_slice(keys.slice(start, _SLICE)) for start in range(0, n, _SLICE)]
        )
    return _hash_slice(keys)


def _hash_slice(keys: pa.Array) -> np.ndarray:
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    offsets = np.frombuffer(keys.buffers()[1], dtype=np.int32, count=n + 1, offset=keys.offset * 4)
    data_buffer = keys.buffers()[2]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, dtype=np.uint8)
    )
    lengths = np.diff(offsets).astype(np.int64)
    if keys.null_count:
        lengths[~np.asarray(keys.is_valid())] = 0
    wide = lengths > _WIDE
    short = np.where(wide, 0, lengths)
    width = max(8, (int(short.max()) + 7) // 8 * 8)
    total = int(short.sum())
    matrix = np.zeros(n * width, dtype=np.uint8)
    if total:
        starts = offsets[:-1].astype(np.int64)
        target = np.repeat(np.arange(n, dtype=np.int64) * width - np.cumsum(short) + short, short)
        source = np.repeat(starts - np.cumsum(short) + short, short)
        step = np.arange(total, dtype=np.int64)
        matrix[target + step] = data[source + step]
    words = matrix.view(np.uint64).reshape(n, width // 8)
    hashes = lengths.astype(np.uint64) * _SEED
    for j in range(words.shape[1]):
        hashes ^= words[:, j]
        hashes *= _MIX
        hashes ^= hashes >> np.uint64(29)
    if wide.any():
        for i in np.flatnonzero(wide):
            value = keys[int(i)].as_py().encode("utf-8")
            hashes[i] = np.uint64(int.from_bytes(_blake(value), "little"))
    return hashes


def _blake(value: bytes) -> bytes:
    import hashlib

    return hashlib.blake2b(value, digest_size=8).digest()


#: Runs this long are no longer merged: bounds the memory a merge needs (about twice the run)
#: at the price of one more binary search per 16M keys.
MAX_RUN = 1 << 24
#: Runs of one size class merged at a time.
FANOUT = 8


def _size_class(n: int) -> int:
    return int(np.log(max(n, 1)) / np.log(FANOUT))


def _merge_runs(runs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Merge sorted runs (oldest first) into one, older entries first among equal hashes.

    A stable sort of the concatenation: Timsort finds the runs already in order.
    """
    hashes = np.concatenate([h for h, _ in runs])
    order = np.argsort(hashes, kind="stable")
    return hashes[order], np.concatenate([p for _, p in runs])[order]


def _merge(
    older: tuple[np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Merge two sorted runs, older entries first among equal hashes, without a sort."""
    (h1, p1), (h2, p2) = older, newer
    at = np.searchsorted(h1, h2, side="right") + np.arange(len(h2))
    hashes = np.empty(len(h1) + len(h2), dtype=np.uint64)
    payload = np.empty(len(hashes), dtype=np.int64)
    from_newer = np.zeros(len(hashes), dtype=bool)
    from_newer[at] = True
    hashes[at], payload[at] = h2, p2
    hashes[~from_newer], payload[~from_newer] = h1, p1
    return hashes, payload


#: Bits of the filter per hash held (it is rebuilt four times larger when fuller than this):
#: about 6% of absent hashes pass it, for two bytes per hash.
FILTER_BITS_PER_HASH = 16
_MIN_FILTER_BITS = 1 << 20


class HashIndex:
    """A growing multiset of 64-bit hashes, each with an int64 payload; see the module doc.

    A one-hash Bloom filter on the top bits of each hash stands in front of the binary
    searches: most hashes looked up are absent (a new row), and the filter turns them away
    with one memory access instead of a search in each run.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._count = 0
        self._filter_bits = _MIN_FILTER_BITS
        self._filter = np.zeros(self._filter_bits // 8, dtype=np.uint8)

    def __len__(self) -> int:
        return self._count

    def _slots(self, hashes: np.ndarray) -> np.ndarray:
        shift = np.uint64(64 - (self._filter_bits.bit_length() - 1))
        return hashes >> shift

    def _mark(self, hashes: np.ndarray) -> None:
        slots = self._slots(hashes)
        np.bitwise_or.at(
            self._filter,
            slots >> np.uint64(3),
            np.left_shift(1, slots & np.uint64(7)).astype(np.uint8),
        )

    def _passes(self, hashes: np.ndarray) -> np.ndarray:
        slots = self._slots(hashes)
        bits = self._filter[slots >> np.uint64(3)] >> (slots & np.uint64(7)).astype(np.uint8)
        return (bits & 1).astype(bool)

    def _grow_filter(self) -> None:
        if self._count * FILTER_BITS_PER_HASH <= self._filter_bits:
            return
        while self._count * FILTER_BITS_PER_HASH > self._filter_bits:
            self._filter_bits *= 4
        self._filter = np.zeros(self._filter_bits // 8, dtype=np.uint8)
        for run_hashes, _ in self._runs:
            self._mark(run_hashes)

    def add(self, hashes: np.ndarray, payload: np.ndarray, presorted: bool = False) -> None:
        """Remember ``hashes`` (uint64) with ``payload`` (int64, same length).

        ``presorted``: the hashes are in ascending order already (saves a sort).
        """
        if len(hashes) == 0:
            return
        self._count += len(hashes)
        self._mark(hashes)
        payload = np.asarray(payload, dtype=np.int64)
        if presorted:
            self._runs.append((hashes, payload))
        else:
            order = np.argsort(hashes, kind="stable")
            self._runs.append((hashes[order], payload[order]))
        # Tiered merging: FANOUT runs of the same size class become one run of the next class,
        # so each hash is merged about log_FANOUT(n / chunk) times and there are at most
        # about FANOUT runs per class (lookups search only what the filter lets through).
        while len(self._runs) >= FANOUT:
            tail = self._runs[-FANOUT:]
            classes = {_size_class(len(h)) for h, _ in tail}
            if len(classes) != 1 or len(tail[0][0]) >= MAX_RUN:
                break
            self._runs[-FANOUT:] = [_merge_runs(tail)]
        self._grow_filter()

    def find(self, hashes: np.ndarray) -> np.ndarray:
        """The payload of an entry with the same hash as each of ``hashes``, or -1 (int64).

        Where several entries share a hash the oldest run's is returned.
        """
        found = np.full(len(hashes), -1, dtype=np.int64)
        if len(hashes) == 0 or not self._runs:
            return found
        order = np.argsort(hashes)
        found[order] = self.find_sorted(hashes[order])
        return found

    def find_sorted(self, queries: np.ndarray) -> np.ndarray:
        """:meth:`find` for ``queries`` in ascending order (binary searches stay in cache)."""
        result = np.full(len(queries), -1, dtype=np.int64)
        if not self._runs or len(queries) == 0:
            return result
        maybe = np.flatnonzero(self._passes(queries))
        queries = queries[maybe]  # still ascending
        hits = np.full(len(queries), -1, dtype=np.int64)
        for run_hashes, run_payload in self._runs:
            at = np.searchsorted(run_hashes, queries)
            inside = at < len(run_hashes)
            match = np.zeros(len(queries), dtype=bool)
            match[inside] = run_hashes[at[inside]] == queries[inside]
            match &= hits < 0
            hits[match] = run_payload[at[match]]
        result[maybe] = hits
        return result
