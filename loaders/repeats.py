"""How many times each row hash has been seen before, across the chunks of one file.

Ids derived from a row's content (:func:`loaders.normalise.derive_ids`) carry ``-k`` for the
k-th repeat of an identical row in the same file; when a file streams in chunks the count has
to carry over from chunk to chunk. :class:`RepeatCounter` keeps the distinct hashes seen so
far with their counts as sorted runs that merge when a newer run grows as large as the one
before it, so memory is 16 bytes per distinct row and adding n rows costs O(n log n).
"""

from __future__ import annotations

import numpy as np


class RepeatCounter:
    """Counts of 64-bit hashes over a stream of chunks."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def before(self, hashes: np.ndarray) -> np.ndarray:
        """How many times each hash was added before (int64)."""
        counts = np.zeros(len(hashes), dtype=np.int64)
        for run_hashes, run_counts in self._runs:
            at = np.searchsorted(run_hashes, hashes)
            inside = at < len(run_hashes)
            match = np.zeros(len(hashes), dtype=bool)
            match[inside] = run_hashes[at[inside]] == hashes[inside]
            counts[match] += run_counts[at[match]]
        return counts

    def add(self, hashes: np.ndarray) -> None:
        """Count each of ``hashes`` once more."""
        if len(hashes) == 0:
            return
        unique, counts = np.unique(hashes, return_counts=True)
        self._runs.append((unique, counts.astype(np.int64)))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= len(self._runs[-1][0]):
            (h1, c1), (h2, c2) = self._runs[-2], self._runs[-1]
            merged, inverse = np.unique(np.concatenate([h1, h2]), return_inverse=True)
            totals = np.bincount(inverse, weights=np.concatenate([c1, c2]), minlength=len(merged))
            self._runs[-2:] = [(merged, totals.astype(np.int64))]
