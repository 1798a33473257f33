from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from algorithms.cycles import temporal_cycles
from algorithms.patterns import (
    MAX_FAN,
    PASS_SLACK,
    chain_depth,
    neighbour_pairs,
    pass_on_hops,
    successor_csr,
)
from tests import naive
from tests.algorithms.conftest import money_walks

DAY = naive.DAY
HOUR = DAY // 24
N = 4


def ledger(txs, n=N):
    """Transactions ``(src, dst, ts, amount, active)`` as detection sees them: rows in input
    order, an outgoing and an incoming CSR of rows each ordered by time (ties by row)."""
    m = len(txs)
    src = np.array([t[0] for t in txs], np.int64)
    dst = np.array([t[1] for t in txs], np.int64)
    ts = np.array([t[2] for t in txs], np.int64)
    amount = np.array([t[3] for t in txs], np.float64)
    active = np.array([t[4] for t in txs], bool)
    rows = np.arange(m)
    out_rows = np.lexsort((rows, ts, src)).astype(np.int64)
    in_rows = np.lexsort((rows, ts, dst)).astype(np.int64)
    out_indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=out_indptr[1:])
    in_indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(dst, minlength=n), out=in_indptr[1:])
    return dict(src=src, dst=dst, ts=ts, amount=amount, active=active, out_rows=out_rows,
                in_rows=in_rows, out_indptr=out_indptr, in_indptr=in_indptr)  # fmt: skip


def hops_of(g, lag, margin, max_degree, max_fan=MAX_FAN):
    return pass_on_hops(g["in_indptr"], g["in_rows"], g["out_indptr"], g["out_rows"], g["ts"],
                        g["amount"], g["active"], lag, margin, max_degree, max_fan)  # fmt: skip


def naive_hops_of(g, lag, margin, max_degree, max_fan=MAX_FAN):
    return naive.pass_on_hops(g["in_indptr"], g["in_rows"], g["out_indptr"], g["out_rows"],
                              g["ts"], g["amount"], g["active"], lag, margin, max_degree,
                              max_fan, PASS_SLACK)  # fmt: skip


#: Days (one before the epoch) and hours, midnight (a date only) included: many equal times.
stamps = st.builds(lambda d, h: d * DAY + h * HOUR, st.integers(-1, 2), st.sampled_from([0, 9, 15]))
ledgers = (
    st.lists(
        st.tuples(
            st.integers(0, N - 1),
            st.integers(0, N - 1),
            stamps,
            st.sampled_from([80.0, 90.0, 100.0, 100.05, 101.0]),
            st.booleans() | st.just(True),
        ),
        max_size=24,
    )
    | money_walks(N)
    | money_walks(N)
)  # mostly money passed on
lags = st.sampled_from([0, 9 * HOUR, DAY, 3 * DAY])
margins = st.sampled_from([0.0, 0.15, 0.15, 1.0])


@settings(max_examples=200, deadline=None)
@given(ledgers, lags, margins, st.integers(2, 30), st.integers(0, 4))
def test_pass_on_hops_match_naive(txs, lag, margin, max_degree, max_fan) -> None:
    g = ledger(txs)
    e1, e2 = hops_of(g, lag, margin, max_degree, max_fan)
    want = naive_hops_of(g, lag, margin, max_degree, max_fan)
    target(float(len(e1)))
    assert (e1.tolist(), e2.tolist()) == want
    assert e1.dtype == e2.dtype == np.int64


@settings(max_examples=100, deadline=None)
@given(ledgers, lags, margins, st.integers(0, 6))
def test_successors_and_chain_depth_match_naive(txs, lag, margin, max_depth) -> None:
    g = ledger(txs)
    m = len(txs)
    e1, e2 = hops_of(g, lag, margin, 30)
    indptr, succ = successor_csr(e1, e2, m)
    lists = naive.successor_lists(e1.tolist(), e2.tolist(), m)
    assert [succ[indptr[e] : indptr[e + 1]].tolist() for e in range(m)] == lists
    assert chain_depth(indptr, succ, max_depth).tolist() == naive.chain_depth(lists, max_depth)


@settings(max_examples=150, deadline=None)
@given(ledgers, lags, margins, st.integers(2, 30), st.integers(2, 5),
       st.sampled_from([0, DAY, 3 * DAY]))  # fmt: skip
def test_cycle_kernel_follows_pass_on_hops(txs, lag, margin, max_degree, max_len, window) -> None:
    """Detection's temporal cycles (the cycle kernel with the hop rules switched on) are the
    cycles along :func:`pass_on_hops`, each reported once from its earliest row."""
    g = ledger(txs)
    e1, e2 = hops_of(g, lag, margin, max_degree)
    lists = naive.successor_lists(e1.tolist(), e2.tolist(), len(txs))
    rows = range(len(txs))
    want = naive.cycles_along(lists.__getitem__, g["src"].tolist(), g["dst"].tolist(),
                              g["ts"].tolist(), rows, window, max_len)  # fmt: skip
    o = g["out_rows"]  # edge_ids of the outgoing CSR
    found = temporal_cycles(
        g["out_indptr"], g["dst"][o], g["ts"][o], window=window, max_length=max_len,
        weights=g["amount"][o], amount_margin=margin, amount_slack=PASS_SLACK, ordering="date",
        max_gap=lag, active=g["active"][o], max_degree=max_degree, max_fan=MAX_FAN, edge_ids=o,
    )  # fmt: skip
    got = [tuple(o[found.cycle(i)].tolist()) for i in range(len(found))]
    target(float(len(want)))
    assert len(got) == len(set(got)) == found.n_found
    assert set(got) == want
    # detection searches only the transfers on a hop: the same cycles, in the same order
    on_hop = np.zeros(len(txs), bool)
    on_hop[e1] = on_hop[e2] = True
    pruned = temporal_cycles(
        g["out_indptr"], g["dst"][o], g["ts"][o], window=window, max_length=max_len,
        weights=g["amount"][o], amount_margin=margin, amount_slack=PASS_SLACK, ordering="date",
        max_gap=lag, active=on_hop[o], max_degree=max_degree, max_fan=MAX_FAN, edge_ids=o,
    )  # fmt: skip
    assert np.array_equal(pruned.offsets, found.offsets)
    assert np.array_equal(pruned.edges, found.edges)


def test_hop_rules_by_example() -> None:
    # B receives 100 from A at day 1 10:00 and pays on: C (date only, that day), D (09:00, so
    # before), E (same time, 90), F (a day later, 100.2: more than it got), C (0.5 days later)
    a, b, c, d, e, f = range(6)
    t = DAY + 10 * HOUR
    txs = [(a, b, t, 100.0, True), (b, c, DAY, 99.0, True), (b, d, DAY + 9 * HOUR, 99.0, True),
           (b, e, t, 90.0, True), (b, f, 2 * DAY + 10 * HOUR, 100.2, True),
           (b, c, t + DAY // 2, 86.0, True)]  # fmt: skip
    g = ledger(txs, 6)
    e1, e2 = hops_of(g, 2 * DAY, 0.15, 50)
    assert e1.tolist() == [0, 0, 0] and e2.tolist() == [1, 3, 5]
    assert hops_of(g, 2 * DAY, 0.05, 50)[1].tolist() == [1]  # 90 and 86 keep too much
    assert sorted(hops_of(g, 0, 0.15, 50)[1].tolist()) == [1, 3]  # no lag: same time or dated
    assert hops_of(g, 2 * DAY, 0.15, 50, max_fan=2)[1].tolist() == [1, 3]  # the earliest two
    assert hops_of(g, 2 * DAY, 0.15, 5)[1].tolist() == []  # B has 6 transfers
    g["active"][3] = False
    assert hops_of(g, 2 * DAY, 0.15, 50)[1].tolist() == [1, 5]
    g["active"][0] = False
    assert hops_of(g, 2 * DAY, 0.15, 50)[1].tolist() == []


def test_same_day_loop_is_capped() -> None:
    # A and B pass 100 back and forth, all on one date: every hop can follow every other
    txs = [(0, 1, DAY, 100.0, True), (1, 0, DAY, 100.0, True)] * 2
    g = ledger(txs, 2)
    e1, e2 = hops_of(g, DAY, 0.1, 50)
    indptr, succ = successor_csr(e1, e2, len(txs))
    for cap in (0, 1, 5):
        assert chain_depth(indptr, succ, cap).tolist() == [cap] * 4
    # one chain A → B → C: depths 2, 1, 0
    g = ledger([(0, 1, 0, 100.0, True), (1, 2, HOUR, 99.0, True), (2, 3, 2 * HOUR, 98.0, True)])
    indptr, succ = successor_csr(*hops_of(g, DAY, 0.1, 50), 3)
    assert chain_depth(indptr, succ, 8).tolist() == [2, 1, 0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sets(st.integers(0, 9), max_size=6), max_size=6), st.integers(0, 6))
def test_neighbour_pairs_match_naive(rows, max_row) -> None:
    items = [sorted(r, reverse=len(r) % 2 == 1) for r in rows]  # order within a row is free
    indptr = np.zeros(len(items) + 1, np.int64)
    np.cumsum([len(r) for r in items], out=indptr[1:])
    indices = np.array([x for r in items for x in r], np.int64)
    u, v, row = neighbour_pairs(indptr, indices, max_row)
    assert list(zip(u.tolist(), v.tolist(), row.tolist(), strict=True)) == naive.neighbour_pairs(
        indptr, indices, max_row
    )


def test_empty_inputs() -> None:
    g = ledger([], 3)
    e1, e2 = hops_of(g, DAY, 0.1, 50)
    assert len(e1) == len(e2) == 0
    indptr, succ = successor_csr(e1, e2, 0)
    assert indptr.tolist() == [0] and len(chain_depth(indptr, succ, 4)) == 0
    u, v, row = neighbour_pairs(np.zeros(1, np.int64), np.zeros(0, np.int64), 5)
    assert len(u) == len(v) == len(row) == 0


def test_validation() -> None:
    g = ledger([(0, 1, 0, 1.0, True)], 2)
    with pytest.raises(ValueError, match="ts"):
        pass_on_hops(g["in_indptr"], g["in_rows"], g["out_indptr"], g["out_rows"],
                     g["ts"].astype(np.int32), g["amount"], g["active"], 1, 0.1, 5)  # fmt: skip
    with pytest.raises(ValueError, match="out_rows"):
        pass_on_hops(g["in_indptr"], g["in_rows"], g["out_indptr"], g["out_rows"] + 3, g["ts"],
                     g["amount"], g["active"], 1, 0.1, 5)  # fmt: skip
    with pytest.raises(ValueError, match="in_indptr"):
        pass_on_hops(np.array([0, 0, 0]), g["in_rows"], g["out_indptr"], g["out_rows"],
                     g["ts"], g["amount"], g["active"], 1, 0.1, 5)  # fmt: skip
    with pytest.raises(ValueError, match="e1"):
        successor_csr(np.array([3]), np.array([0]), 2)
    with pytest.raises(ValueError, match="succ"):
        chain_depth(np.array([0, 1]), np.array([4]), 3)
    with pytest.raises(ValueError, match="indptr"):
        neighbour_pairs(np.array([0, 3]), np.array([1, 2]), 5)
