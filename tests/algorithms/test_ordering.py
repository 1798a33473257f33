"""algorithms.ordering: the counting sort behind CSR rows equals a stable lexsort."""

from __future__ import annotations

import numpy as np
import pytest

from algorithms.ordering import bucket_by_row


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_grouped_with_the_minor_order_kept(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 50, 2_000
    src = rng.integers(0, n, m).astype(np.int32)
    minor = rng.permutation(m)  # e.g. edges in time order
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))]).astype(np.int64)
    order = bucket_by_row(src, minor, indptr)
    rank = np.empty(m, np.int64)
    rank[minor] = np.arange(m)
    assert np.array_equal(order, np.lexsort((rank, src)))


def test_empty_and_inconsistent_inputs() -> None:
    empty = np.zeros(0, np.int32)
    assert len(bucket_by_row(empty, empty, np.zeros(4, np.int64))) == 0
    with pytest.raises(ValueError, match="must all agree"):
        bucket_by_row(np.zeros(3, np.int32), np.arange(3), np.array([0, 2]))
