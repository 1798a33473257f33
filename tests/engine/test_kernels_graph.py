"""Graph-building kernel against a numpy reference: the counting sort that orders CSR rows."""

from __future__ import annotations

import numpy as np
import pytest

from engine.graph import csr_from_edges


@pytest.mark.parametrize("order_by", ["time", "neighbour"])
def test_csr_rows_are_ordered_like_a_lexsort(order_by: str) -> None:
    rng = np.random.default_rng(11)
    m, n = 5_000, 300
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    ts = rng.integers(0, 50, m)  # many ties: the input position breaks them
    if order_by == "neighbour":  # one edge per ordered pair, as the undirected view has
        _, first = np.unique(src * n + dst, return_index=True)
        src, dst, ts = src[first], dst[first], ts[first]
    g = csr_from_edges(src, dst, n, ts * 1.0, ts, np.arange(len(src)), order_by=order_by)
    minor = ts if order_by == "time" else dst
    want = np.lexsort((np.arange(len(src)), minor, src))
    assert g.edge_ids.tolist() == want.tolist()
    assert g.indptr.tolist() == np.r_[0, np.cumsum(np.bincount(src, minlength=n))].tolist()
