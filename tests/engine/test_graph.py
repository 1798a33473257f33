"""Graph building: CSR arrays match the transactions, the views agree with networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core import schema
from engine.graph import build_transaction_graph, csr_from_edges


def _transactions(edges: list[tuple[str, str, float, int]]) -> pa.Table:
    return pa.table(
        {
            "src_account": pa.array([e[0] for e in edges], pa.string()),
            "dst_account": pa.array([e[1] for e in edges], pa.string()),
            "amount_base": pa.array([e[2] for e in edges], pa.float64()),
            "ts": pa.array([e[3] for e in edges], pa.int64()).cast(schema.TS),
        }
    )


def test_csr_rows_hold_each_transaction_once_in_time_order() -> None:
    table = _transactions(
        [("a", "b", 10.0, 30), ("a", "c", 5.0, 10), ("b", "a", 1.0, 20), ("a", "b", 2.0, 10)]
    )
    graph = build_transaction_graph(table)
    ids = graph.node_ids.to_pylist()
    a = ids.index("a")
    row = slice(graph.out.indptr[a], graph.out.indptr[a + 1])
    assert [ids[i] for i in graph.out.indices[row]] == ["c", "b", "b"]  # ts 10, 10, 30
    assert graph.out.edge_ids[row].tolist() == [1, 3, 0]
    assert list(graph.out.ts[row]) == sorted(graph.out.ts[row])
    # every transaction appears exactly once, with its own weight and time
    assert sorted(graph.out.edge_ids.tolist()) == [0, 1, 2, 3]
    for position, row_id in enumerate(graph.out.edge_ids):
        assert graph.out.weights[position] == table["amount_base"][int(row_id)].as_py()
    # ties in time keep the table's row order
    tied = [
        int(e) for e, t in zip(graph.out.edge_ids[row], graph.out.ts[row], strict=True) if t == 10
    ]
    assert tied == sorted(tied)


def test_index_of_maps_unknown_accounts_to_minus_one() -> None:
    graph = build_transaction_graph(_transactions([("x", "y", 1.0, 0)]))
    assert graph.index_of(["y", "nope", "x"]).tolist()[1] == -1
    assert graph.account_of(graph.index_of(["y", "x"])) == ["y", "x"]


edge_lists = st.lists(
    st.tuples(
        st.sampled_from("abcdefgh"),
        st.sampled_from("abcdefgh"),
        st.floats(0.01, 1e6),
        st.integers(0, 10**12),
    ),
    min_size=1,
    max_size=60,
)


@given(edge_lists)
@settings(max_examples=60, deadline=None)
def test_reverse_and_undirected_views_match_networkx(edges) -> None:
    graph = build_transaction_graph(_transactions(edges))
    ids = graph.node_ids.to_pylist()

    expected_out = nx.MultiDiGraph()
    for u, v, w, t in edges:
        expected_out.add_edge(u, v, weight=w, ts=t)

    reverse = graph.reverse
    for node, name in enumerate(ids):
        senders = sorted(
            ids[i] for i in reverse.indices[reverse.indptr[node] : reverse.indptr[node + 1]]
        )
        assert senders == sorted(u for u, _ in expected_out.in_edges(name))

    expected = nx.Graph()
    for u, v, w, _ in edges:
        previous = expected.get_edge_data(u, v, {"weight": 0.0})["weight"]
        expected.add_edge(u, v, weight=previous + w)
    und = graph.undirected
    seen = {}
    for node in range(und.n_nodes):
        for pos in range(und.indptr[node], und.indptr[node + 1]):
            seen[(ids[node], ids[und.indices[pos]])] = und.weights[pos]
        row = und.indices[und.indptr[node] : und.indptr[node + 1]]
        assert list(row) == sorted(row)
    for u, v, data in expected.edges(data=True):
        assert seen[(u, v)] == pytest.approx(data["weight"])
        assert seen[(v, u)] == pytest.approx(data["weight"])
    assert len(seen) == 2 * expected.number_of_edges() - nx.number_of_selfloops(expected)


def test_csr_from_edges_rejects_unknown_order() -> None:
    z = np.zeros(1, np.int64)
    with pytest.raises(ValueError, match="order_by"):
        csr_from_edges(z, z, 1, z.astype(float), z, z, order_by="random")


def test_empty_table_builds_an_empty_graph() -> None:
    graph = build_transaction_graph(schema.empty("transactions"))
    assert graph.n_nodes == 0 and graph.n_edges == 0
    assert graph.undirected.n_edges == 0
