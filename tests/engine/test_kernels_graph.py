"""Graph-building shortcuts against references: the counting sort that orders CSR rows
(numpy lexsort) and the neighbour counts (the undirected view, networkx)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest

from engine.core import schema
from engine.graph import build_transaction_graph, csr_from_edges


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


def test_neighbour_counts_are_the_degrees_of_the_undirected_view() -> None:
    rng = np.random.default_rng(5)
    m, n = 4_000, 200
    ids = pa.array([f"acc{i}" for i in range(n)])
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)  # repeats and self-loops
    table = pa.table(
        {
            "src_account": ids.take(pa.array(src)),
            "dst_account": ids.take(pa.array(dst)),
            "amount_base": rng.random(m),
            "ts": pa.array(rng.integers(0, 10**12, m)).cast(schema.TS),
        }
    )
    graph = build_transaction_graph(table)
    assert graph.neighbour_counts().tolist() == graph.undirected.degrees().tolist()
    nxg = nx.Graph(list(zip(graph.src.tolist(), graph.dst.tolist(), strict=True)))
    want = [len(set(nxg.neighbors(v))) for v in range(graph.n_nodes)]
    assert graph.neighbour_counts().tolist() == want
