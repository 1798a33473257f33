from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithms.trace import trace_backward, trace_forward
from tests.algorithms.conftest import csr

A, B, C, D, E = range(5)


def graph(edges, n=5):
    """edges: (src, dst, amount, ts); rows sorted by time as engine.graph builds them."""
    edges = sorted(edges, key=lambda x: (x[0], x[3]))
    src, dst, amt, ts = zip(*edges, strict=True)
    return csr(n, src, dst, np.array(amt, dtype=np.float64), np.array(ts, dtype=np.int64))


def reverse(edges, n=5):
    return graph([(v, u, a, t) for u, v, a, t in edges], n)


SPLIT = [(A, B, 100.0, 1), (B, C, 60.0, 2), (B, D, 60.0, 3), (C, E, 10.0, 4), (B, E, 5.0, 0)]


def test_proportional_split() -> None:
    indptr, indices, w, ts = graph(SPLIT)
    res = trace_forward(indptr, indices, w, ts, A, start_ts=0)
    assert res.amount == 100.0
    assert res.received[[B, C, D]].tolist() == pytest.approx([100.0, 50.0, 50.0])
    assert res.received[E] == pytest.approx(10.0)  # the B→E payment was before the money came
    assert res.retained.tolist() == pytest.approx([0.0, 0.0, 40.0, 50.0, 10.0])
    assert res.retained.sum() == pytest.approx(res.amount)
    assert ts[res.edges].tolist() == sorted(ts[res.edges].tolist())


def test_fifo_takes_earliest_first() -> None:
    indptr, indices, w, ts = graph(SPLIT)
    res = trace_forward(indptr, indices, w, ts, A, start_ts=0, method="fifo")
    assert res.received[[C, D]].tolist() == pytest.approx([60.0, 40.0])
    assert res.retained.sum() == pytest.approx(100.0)


def test_gap_and_hops_stop_money() -> None:
    indptr, indices, w, ts = graph(SPLIT)
    res = trace_forward(indptr, indices, w, ts, A, start_ts=0, max_gap=1)
    assert res.received[C] == pytest.approx(60.0) and res.received[D] == 0.0
    assert res.retained[B] == pytest.approx(40.0)
    res = trace_forward(indptr, indices, w, ts, A, start_ts=0, max_hops=1)
    assert res.retained[B] == pytest.approx(100.0) and res.received[C] == 0.0


def test_start_time_and_explicit_amount() -> None:
    indptr, indices, w, ts = graph(SPLIT)
    assert trace_forward(indptr, indices, w, ts, A, start_ts=2).amount == 0.0
    res = trace_forward(indptr, indices, w, ts, A, start_ts=0, amount=30.0)
    assert res.received[B] == pytest.approx(30.0)
    assert res.edge_amount.max() == pytest.approx(30.0)


def test_backward_finds_origins() -> None:
    edges = [(A, C, 50.0, 1), (B, C, 50.0, 2), (C, D, 40.0, 3), (E, D, 40.0, 4)]
    indptr, indices, w, ts = reverse(edges)
    res = trace_backward(indptr, indices, w, ts, D, start_ts=10, method="proportional")
    assert res.amount == pytest.approx(80.0)
    assert res.received[[A, B, C, E]].tolist() == pytest.approx([20.0, 20.0, 40.0, 40.0])
    assert res.retained.sum() == pytest.approx(80.0)
    # the reported positions index the caller's reverse CSR
    assert indices[res.edges].tolist() == [E, C, B, A]
    res = trace_backward(indptr, indices, w, ts, D, start_ts=10, method="fifo")
    assert res.received[[A, B]].tolist() == pytest.approx([0.0, 40.0])  # latest money first


def test_same_time_hops_chain() -> None:
    indptr, indices, w, ts = graph([(A, B, 10.0, 5), (B, C, 10.0, 5)])
    res = trace_forward(indptr, indices, w, ts, A, start_ts=0)
    assert res.received[C] == pytest.approx(10.0)


def test_validation() -> None:
    indptr, indices, w, ts = graph(SPLIT)
    with pytest.raises(ValueError, match="method"):
        trace_forward(indptr, indices, w, ts, A, start_ts=0, method="lifo")
    with pytest.raises(ValueError, match="ts"):
        trace_forward(indptr, indices, w, ts[:2], A, start_ts=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 7), st.floats(1.0, 100.0), st.integers(0, 30)),
        min_size=1,
        max_size=50,
    ),
    st.sampled_from(["proportional", "fifo"]),
    st.none() | st.integers(0, 10),
    st.integers(1, 6),
)
def test_amounts_are_conserved(edges, method, gap, hops) -> None:
    indptr, indices, w, ts = graph(edges, n=8)
    res = trace_forward(
        indptr, indices, w, ts, 0, start_ts=0, method=method, max_gap=gap, max_hops=hops
    )
    assert res.retained.sum() == pytest.approx(res.amount, abs=1e-6)
    assert np.all(res.edge_amount <= w + 1e-9) and np.all(res.edge_amount >= 0)
    inflow = np.bincount(indices, weights=res.edge_amount, minlength=8)
    assert np.allclose(inflow, res.received)
    tails = np.repeat(np.arange(8), np.diff(indptr))
    outflow = np.bincount(tails, weights=res.edge_amount, minlength=8)
    start = np.zeros(8)
    start[0] = res.amount
    assert np.allclose(start + inflow - outflow, res.retained, atol=1e-6)
    back = trace_backward(*reverse(edges, 8), 0, start_ts=30, method=method, max_gap=gap)
    assert back.retained.sum() == pytest.approx(back.amount, abs=1e-6)
