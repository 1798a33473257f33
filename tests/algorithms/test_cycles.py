from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from algorithms.cycles import temporal_cycles
from tests import naive
from tests.algorithms.conftest import csr, money_walks


def build(edges, n):
    edges = sorted(edges, key=lambda x: (x[0], x[3]))
    src, dst, amt, ts, *rest = zip(*edges, strict=True)
    return csr(n, src, dst, np.array(amt, dtype=np.float64), np.array(ts, dtype=np.int64), *rest)


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
    expected = naive.temporal_cycles(indptr, indices, w, ts, window, max_length, margin)
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


HOUR = naive.DAY // 24

#: Timestamps on a grid of days (one before the epoch) and hours, midnight (a date only) included.
stamps = st.builds(
    lambda d, h: d * naive.DAY + h * HOUR, st.integers(-1, 2), st.sampled_from([0, 9, 15])
)

hop_edges = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.integers(0, 3),
        st.sampled_from([80.0, 90.0, 100.0, 100.05]),
        stamps,
        st.booleans() | st.just(True),
    ),
    min_size=1,
    max_size=24,
)
#: ... mostly money passed on along paths and round trips, in the column order of ``build``
walks = money_walks(4).filter(len).map(lambda txs: [(s, d, a, t, act) for s, d, t, a, act in txs])
hop_edges = hop_edges | walks | walks
hop_rules = st.fixed_dictionaries(
    {
        "ordering": st.sampled_from(["strict", "equal", "date"]),
        "max_gap": st.none() | st.sampled_from([0, 9 * HOUR, naive.DAY, 2 * naive.DAY]),
        "slack": st.sampled_from([1e-9, 0.001]),
        "max_degree": st.none() | st.integers(3, 12),
        "max_fan": st.none() | st.integers(0, 3),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    hop_edges,
    st.integers(2, 5),
    st.sampled_from([0, 15 * HOUR, 2 * naive.DAY, 4 * naive.DAY]),
    st.none() | st.just(0.15),
    hop_rules,
    st.randoms(use_true_random=False),
)
def test_hop_rules_match_naive(edges, max_length, window, margin, rule, rnd) -> None:
    indptr, indices, w, ts, act = build(edges, 4)
    act = np.asarray(act, dtype=bool)
    ids = np.arange(len(ts), dtype=np.int64)
    rnd.shuffle(ids)  # a tie-break that is not the CSR order
    got = temporal_cycles(
        indptr, indices, ts, window=window, max_length=max_length, weights=w,
        amount_margin=margin, amount_slack=rule["slack"], ordering=rule["ordering"],
        max_gap=rule["max_gap"], active=act, max_degree=rule["max_degree"],
        max_fan=rule["max_fan"], edge_ids=ids,
    )  # fmt: skip
    expected = naive.temporal_cycles(indptr, indices, w, ts, window, max_length, margin,
                                     active=act, edge_ids=ids, **rule)  # fmt: skip
    target(float(len(expected)))  # steer towards graphs with many cycles
    assert as_set(got) == expected
    assert len(got) == len(expected) == got.n_found  # each cycle once
    for i in range(len(got)):  # reported from its earliest transfer
        c = got.cycle(i)
        assert min(c.tolist(), key=lambda e: (ts[e], ids[e])) == c[0]


def day_at(d: float) -> int:
    return int(d * naive.DAY)


def test_date_only_transfer_may_follow_one_of_its_day() -> None:
    # A → B on day 0 at noon, B → C on day 1 at 10:00, C → A dated day 1 (midnight, no time).
    edges = [(0, 1, 100.0, day_at(0.5)), (1, 2, 99.0, day_at(1) + 10 * HOUR),
             (2, 0, 98.0, day_at(1))]  # fmt: skip
    indptr, indices, _, ts = build(edges, 3)
    for ordering in ("strict", "equal"):
        assert len(temporal_cycles(indptr, indices, ts, window=day_at(2), ordering=ordering)) == 0
    res = temporal_cycles(indptr, indices, ts, window=day_at(2), ordering="date")
    assert len(res) == 1 and ts[res.cycle(0)].tolist() == [day_at(0.5), day_at(1) + 10 * HOUR,
                                                          day_at(1)]  # fmt: skip
    # a transfer earlier that day with a time of its own stays earlier
    edges[2] = (2, 0, 98.0, day_at(1) + HOUR)
    indptr, indices, _, ts = build(edges, 3)
    assert len(temporal_cycles(indptr, indices, ts, window=day_at(2), ordering="date")) == 0
    # so does a date-only transfer of the day before
    edges[1] = (1, 2, 99.0, day_at(2) + HOUR)
    indptr, indices, _, ts = build(edges, 3)
    assert len(temporal_cycles(indptr, indices, ts, window=day_at(2), ordering="date")) == 0
    edges[2] = (2, 0, 98.0, day_at(2))  # ... and one of the same day may come after
    indptr, indices, _, ts = build(edges, 3)
    assert len(temporal_cycles(indptr, indices, ts, window=day_at(2), ordering="date")) == 1


def test_equal_times_reported_once_from_lowest_edge_id() -> None:
    edges = [(0, 1, 100.0, day_at(3)), (1, 0, 100.0, day_at(3))]
    indptr, indices, _, ts = build(edges, 2)
    assert len(temporal_cycles(indptr, indices, ts, window=0)) == 0
    for ordering in ("equal", "date"):
        res = temporal_cycles(indptr, indices, ts, window=0, ordering=ordering)
        assert [res.cycle(i).tolist() for i in range(len(res))] == [[0, 1]]
        res = temporal_cycles(indptr, indices, ts, window=0, ordering=ordering,
                              edge_ids=np.array([7, 3]))  # fmt: skip
        assert [res.cycle(i).tolist() for i in range(len(res))] == [[1, 0]]


def test_gap_degree_fan_active_and_cap() -> None:
    # A → B, then B passes on to A twice (an hour and three days later) and via C; A also
    # pays D twice, long after (A is a busy account, but it only starts the cycles).
    edges = [(0, 1, 100.0, 0), (1, 0, 99.0, HOUR), (1, 2, 99.0, 2 * HOUR),
             (2, 0, 98.0, 3 * HOUR), (1, 0, 97.0, day_at(3)), (0, 3, 1.0, day_at(9)),
             (0, 3, 1.0, day_at(9))]  # fmt: skip
    indptr, indices, _, ts = build(edges, 4)
    tails = np.repeat(np.arange(4), np.diff(indptr))

    def cycles(**kw):
        res = temporal_cycles(indptr, indices, ts, window=day_at(5), **kw)
        return sorted(ts[res.cycle(i)].tolist() for i in range(len(res)))

    everything = [[0, HOUR], [0, 2 * HOUR, 3 * HOUR], [0, day_at(3)]]
    assert cycles() == everything
    assert cycles(max_gap=day_at(1)) == everything[:2]
    assert cycles(max_fan=1) == everything[:1]  # only the earliest transfer on from A → B
    assert cycles(max_fan=0) == []
    # B has 4 transfers, C 2, A 6: A is the first sender of every cycle, so it is exempt
    assert cycles(max_degree=4) == everything
    assert cycles(max_degree=3) == []
    assert cycles(active=~((tails == 1) & (indices == 2))) == [everything[0], everything[2]]
    # C gets busy too: money no longer passes through it
    busy = edges + [(2, 3, 1.0, day_at(9))] * 3
    indptr, indices, _, ts = build(busy, 4)
    assert cycles(max_degree=4) == [everything[0], everything[2]]
    indptr, indices, _, ts = build(edges, 4)
    capped = temporal_cycles(indptr, indices, ts, window=day_at(5), max_cycles=1)
    assert len(capped) == 0 and capped.n_found == 3  # whole start edges only: A → B has three
    assert len(temporal_cycles(indptr, indices, ts, window=day_at(5), max_cycles=3)) == 3


def test_fan_applies_at_every_hop() -> None:
    # A → B; B → A, B → C, B → A (late); C → A three times: two of each fan are followed.
    edges = [(0, 1, 100.0, 0), (1, 0, 99.0, HOUR), (1, 2, 99.0, 2 * HOUR),
             (1, 0, 97.0, day_at(3)), (2, 0, 98.0, 3 * HOUR), (2, 0, 98.0, 4 * HOUR),
             (2, 0, 98.0, 5 * HOUR)]  # fmt: skip
    indptr, indices, _, ts = build(edges, 3)
    res = temporal_cycles(indptr, indices, ts, window=day_at(5), max_fan=2)
    got = sorted(ts[res.cycle(i)].tolist() for i in range(len(res)))
    assert got == [[0, HOUR], [0, 2 * HOUR, 3 * HOUR], [0, 2 * HOUR, 4 * HOUR]]


def test_rule_validation() -> None:
    indptr, indices, _, ts = build([(0, 1, 1.0, 1)], 2)
    with pytest.raises(ValueError, match="ordering"):
        temporal_cycles(indptr, indices, ts, window=5, ordering="loose")
    with pytest.raises(ValueError, match="active"):
        temporal_cycles(indptr, indices, ts, window=5, active=np.ones(2, bool))
    with pytest.raises(ValueError, match="edge_ids"):
        temporal_cycles(indptr, indices, ts, window=5, edge_ids=np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="max_fan"):
        temporal_cycles(indptr, indices, ts, window=5, max_fan=-1)
