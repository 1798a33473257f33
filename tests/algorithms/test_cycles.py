from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.cycles import temporal_cycles
from tests.algorithms.conftest import csr


def build(edges, n):
    edges = sorted(edges, key=lambda x: (x[0], x[3]))
    src, dst, amt, ts = zip(*edges, strict=True)
    return csr(n, src, dst, np.array(amt, dtype=np.float64), np.array(ts, dtype=np.int64))


def naive(indptr, indices, w, ts, window, max_length, margin):
    """All temporal cycles by brute force: extend every path edge by edge."""
    tails = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    m = len(indices)
    found = set()

    def extend(path):
        last = path[-1]
        for f in range(m):
            if tails[f] != indices[last] or ts[f] <= ts[last] or ts[f] - ts[path[0]] > window:
                continue
            if margin is not None and not ((1 - margin) * w[last] <= w[f] <= w[last] * (1 + 1e-9)):
                continue
            if indices[f] == tails[path[0]]:
                found.add((*path, f))
            elif len(path) + 1 < max_length and indices[f] not in {tails[e] for e in path}:
                extend([*path, f])

    for e in range(m):
        if indices[e] != tails[e]:
            extend([e])
    return found


def as_set(result):
    return {tuple(result.cycle(i).tolist()) for i in range(len(result))}


edge_lists = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 5),
        st.sampled_from([90.0, 95.0, 100.0]),
        st.integers(0, 12),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=50, deadline=None)
@given(edge_lists, st.integers(2, 5), st.integers(0, 12), st.none() | st.just(0.1))
def test_matches_naive_enumeration(edges, max_length, window, margin) -> None:
    indptr, indices, w, ts = build(edges, 6)
    got = temporal_cycles(
        indptr, indices, ts, window=window, max_length=max_length, weights=w, amount_margin=margin
    )
    expected = naive(indptr, indices, w, ts, window, max_length, margin)
    assert as_set(got) == expected
    assert len(got) == len(expected) == got.n_found and not got.truncated


def test_round_trip_found_once_and_cap() -> None:
    # A → B → C → A at strictly increasing times, plus a same-time edge that cannot close it.
    edges = [(0, 1, 100.0, 1), (1, 2, 98.0, 2), (2, 0, 97.0, 3), (2, 0, 97.0, 2), (1, 0, 5.0, 9)]
    indptr, indices, w, ts = build(edges, 3)
    res = temporal_cycles(indptr, indices, ts, window=10, max_length=3)
    cycles = [ts[res.cycle(i)].tolist() for i in range(len(res))]
    assert sorted(cycles) == [[1, 2, 3], [1, 9]]
    res = temporal_cycles(indptr, indices, ts, window=10, weights=w, amount_margin=0.05)
    assert [ts[res.cycle(i)].tolist() for i in range(len(res))] == [[1, 2, 3]]
    capped = temporal_cycles(indptr, indices, ts, window=10, max_cycles=0)
    assert len(capped) == 0 and capped.n_found == 2 and capped.truncated
    assert temporal_cycles(indptr, indices, ts, window=1).n_found == 0


def test_validation() -> None:
    indptr, indices, _, ts = build([(0, 1, 1.0, 1)], 2)
    with pytest.raises(ValueError, match="max_length"):
        temporal_cycles(indptr, indices, ts, window=5, max_length=1)
    with pytest.raises(ValueError, match="weights"):
        temporal_cycles(indptr, indices, ts, window=5, amount_margin=0.1)
