from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.windows import window_balance, window_distinct, window_events
from tests import naive
from tests.algorithms.conftest import csr

N_ROWS, N_NEIGHBOURS = 4, 6


def rows_by_time(events, n=N_ROWS):
    """CSR of ``(row, neighbour, ts, value, valid)`` events, each row ordered by time."""
    events = sorted(events, key=lambda e: (e[0], e[2]))
    if not events:
        return (np.zeros(n + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64),
                np.zeros(0), np.zeros(0, bool))  # fmt: skip
    row, nb, ts, value, valid = zip(*events, strict=True)
    return csr(n, row, nb, np.array(ts, np.int64), np.array(value, np.float64),
               np.array(valid, bool))  # fmt: skip


events = st.lists(
    st.tuples(
        st.integers(0, N_ROWS - 1),
        st.integers(0, N_NEIGHBOURS - 1),
        st.integers(0, 12),  # few distinct times: many equal timestamps
        st.integers(-3, 20).map(float),  # whole numbers: sums are exact in any order
        st.booleans(),
    ),
    max_size=40,
)
windows = st.integers(0, 6)


@settings(max_examples=200, deadline=None)
@given(events, windows)
def test_window_distinct_matches_naive(ev, window) -> None:
    indptr, indices, ts, _, valid = rows_by_time(ev)
    best, lo, hi = window_distinct(indptr, indices, ts, valid, window, N_NEIGHBOURS)
    want = naive.window_distinct(indptr, indices, ts, valid, window)
    assert (best.tolist(), lo.tolist(), hi.tolist()) == want
    for u in range(N_ROWS):  # the window found holds what it claims, within Δ
        inside = range(lo[u], hi[u])
        assert len({int(indices[k]) for k in inside if valid[k]}) == best[u]
        assert hi[u] == lo[u] or ts[hi[u] - 1] - ts[lo[u]] <= window


@settings(max_examples=200, deadline=None)
@given(events, windows)
def test_window_events_matches_naive(ev, window) -> None:
    indptr, _, ts, values, valid = rows_by_time(ev)
    best, total, lo, hi = window_events(indptr, ts, values, valid, window)
    want = naive.window_events(indptr, ts, values, valid, window)
    assert (best.tolist(), total.tolist(), lo.tolist(), hi.tolist()) == want


#: Flows in and out of similar sizes, so that many windows balance (and many almost do).
flows = st.lists(
    st.tuples(
        st.integers(0, N_ROWS - 1),
        st.just(0),
        st.integers(0, 12),
        st.sampled_from([10.0, 20.0, 30.0, 0.0, -10.0, -20.0, -29.0, -30.0, -50.0]),
        st.just(True),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(events | flows, windows, st.sampled_from([0.0, 0.1, 0.5]))
def test_window_balance_matches_naive(ev, window, margin) -> None:
    # value sign = direction: positive in, zero or negative out
    indptr, _, ts, signed, _ = rows_by_time(ev)
    passed, n_in, lo, hi = window_balance(indptr, ts, signed, window, margin)
    want = naive.window_balance(indptr, ts, signed, window, margin)
    assert (passed.tolist(), n_in.tolist(), lo.tolist(), hi.tolist()) == want


def test_equal_times_and_both_ends_are_in_one_window() -> None:
    # row 0: three neighbours on one date (equal stamps, as midnight dates are); row 1: two
    # neighbours exactly Δ apart, a third just past it
    day = naive.DAY
    ev = [(0, 1, 5 * day, 1.0, True), (0, 2, 5 * day, 1.0, True), (0, 3, 5 * day, 1.0, True),
          (1, 1, 0, 1.0, True), (1, 2, day, 1.0, True), (1, 3, 2 * day + 1, 1.0, True)]  # fmt: skip
    indptr, indices, ts, values, valid = rows_by_time(ev, 2)
    best, lo, hi = window_distinct(indptr, indices, ts, valid, 0, 4)
    assert best.tolist() == [3, 1]
    best, lo, hi = window_distinct(indptr, indices, ts, valid, day, 4)
    assert best.tolist() == [3, 2] and (lo[1], hi[1]) == (3, 5)
    count, total, _, _ = window_events(indptr, ts, values, valid, day)
    assert count.tolist() == [3, 2] and total.tolist() == [3.0, 2.0]


def test_invalid_events_do_not_count_but_stay_inside_the_window() -> None:
    ev = [(0, 1, 0, 5.0, True), (0, 2, 1, 7.0, False), (0, 1, 2, 5.0, True), (0, 3, 3, 1.0, True)]
    indptr, indices, ts, values, valid = rows_by_time(ev, 1)
    best, lo, hi = window_distinct(indptr, indices, ts, valid, 3, 4)
    assert best.tolist() == [2] and (lo[0], hi[0]) == (0, 4)  # neighbours 1 and 3; 2 is invalid
    count, total, lo, hi = window_events(indptr, ts, values, valid, 2)
    # [0, 2] and [1, 3] both hold two valid events; the first sums 10, the second 6
    assert count.tolist() == [2] and total.tolist() == [10.0] and (lo[0], hi[0]) == (0, 3)


def test_pass_through_window_starts_at_the_first_inflow() -> None:
    # out 50 (old), in 100, in 50, out 140: the early outflow is not part of the pass-through
    ev = [(0, 0, 0, -50.0, True), (0, 0, 1, 100.0, True), (0, 0, 2, 50.0, True),
          (0, 0, 3, -140.0, True)]  # fmt: skip
    indptr, _, ts, signed, _ = rows_by_time(ev, 1)
    passed, n_in, lo, hi = window_balance(indptr, ts, signed, 5, 0.1)
    assert passed.tolist() == [150.0] and n_in.tolist() == [2] and (lo[0], hi[0]) == (1, 4)
    passed, *_ = window_balance(indptr, ts, signed, 5, 0.05)  # 140 < 0.95 · 150
    assert passed.tolist() == [0.0]
    passed, *_ = window_balance(indptr, ts, signed, 1, 0.5)  # only the 50 is in reach
    assert passed.tolist() == [0.0]


def test_empty_rows_and_no_rows() -> None:
    indptr, indices, ts, values, valid = rows_by_time([], 3)
    assert window_distinct(indptr, indices, ts, valid, 5, 1)[0].tolist() == [0, 0, 0]
    assert window_events(indptr, ts, values, valid, 5)[0].tolist() == [0, 0, 0]
    assert window_balance(indptr, ts, values, 5, 0.1)[0].tolist() == [0.0, 0.0, 0.0]
    none = np.zeros(1, np.int64)
    assert len(window_distinct(none, indices, ts, valid, 5, 1)[0]) == 0
    # all invalid: nothing counts, the window is empty at the row start
    ev = [(1, 0, 3, 1.0, False), (1, 1, 4, 1.0, False)]
    indptr, indices, ts, values, valid = rows_by_time(ev, 2)
    best, lo, hi = window_distinct(indptr, indices, ts, valid, 5, 2)
    assert best.tolist() == [0, 0] and lo.tolist() == hi.tolist() == [0, 0]


def test_validation() -> None:
    indptr, indices, ts, values, valid = rows_by_time([(0, 1, 0, 1.0, True)], 1)
    with pytest.raises(ValueError, match="window"):
        window_distinct(indptr, indices, ts, valid, -1, 2)
    with pytest.raises(ValueError, match="indices"):
        window_distinct(indptr, indices, ts, valid, 1, 1)  # neighbour 1 needs n_neighbours ≥ 2
    with pytest.raises(ValueError, match="ts"):
        window_events(indptr, ts.astype(np.int32), values, valid, 1)
    with pytest.raises(ValueError, match="indptr"):
        window_balance(np.array([0, 2, 1]), ts, values, 1, 0.1)
    with pytest.raises(ValueError, match="window"):
        window_balance(indptr, ts, values, -5, 0.1)
