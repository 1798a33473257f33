"""Graph building: canonical ``transactions`` → CSR arrays the Numba kernels work on.

Everything here is vectorised (pyarrow dictionary encoding, numpy bincounts, the counting-sort
kernel of :mod:`algorithms.ordering`): no Python loop touches an edge, so 10M transactions build
in seconds.

The CSR vocabulary (see shared/style.md): ``indptr`` int64 (n+1), ``indices`` int32,
``weights`` float64 (``amount_base``), ``ts`` int64 epoch microseconds, ``edge_ids`` int64 (the
row of the transaction in the table the graph was built from, for evidence). Within a row, edges
are ordered by time, then by neighbour, then by transaction row, so the order is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from algorithms.ordering import bucket_by_row


@dataclass(frozen=True)
class CSRGraph:
    """A directed (or symmetric undirected) graph in compressed sparse row form."""

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    ts: np.ndarray
    edge_ids: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        return len(self.indices)

    def degrees(self) -> np.ndarray:
        """Number of edges leaving each node (int64)."""
        return np.diff(self.indptr)


def csr_from_edges(
    src: np.ndarray,
    dst: np.ndarray,
    n_nodes: int,
    weights: np.ndarray,
    ts: np.ndarray,
    edge_ids: np.ndarray,
    *,
    order_by: str = "time",
) -> CSRGraph:
    """Build a CSR graph from edge arrays.

    Parameters
    ----------
    src, dst : int array (m,)
        Dense node numbers in ``0..n_nodes-1``.
    n_nodes : int
    weights : float64 (m,)
    ts : int64 (m,)
    edge_ids : int64 (m,)
    order_by : {"time", "neighbour"}
        Order of the edges within a row: by ``ts`` (ties by input position), or by neighbour
        (for graphs with at most one edge per ordered pair, such as the undirected view).

    Notes
    -----
    One stable ``argsort`` by the minor key (time or neighbour), then a stable counting sort
    of that order by row (Numba, O(m)): rows ordered by the minor key, ties by input
    position. Row pointers come from a bincount.
    """
    src = np.asarray(src, dtype=np.int64)
    if order_by == "time":
        minor = np.argsort(np.asarray(ts, dtype=np.int64), kind="stable")
    elif order_by == "neighbour":
        minor = np.argsort(np.asarray(dst, dtype=np.int64), kind="stable")
    else:
        raise ValueError(f"order_by must be 'time' or 'neighbour', not {order_by!r}")
    counts = np.bincount(src, minlength=n_nodes)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    order = bucket_by_row(src, minor, indptr)
    return CSRGraph(
        indptr=indptr,
        indices=np.asarray(dst)[order].astype(np.int32),
        weights=np.ascontiguousarray(np.asarray(weights, dtype=np.float64)[order]),
        ts=np.ascontiguousarray(np.asarray(ts, dtype=np.int64)[order]),
        edge_ids=np.ascontiguousarray(np.asarray(edge_ids, dtype=np.int64)[order]),
    )


@dataclass
class TransactionGraph:
    """The money graph: accounts as nodes, transactions as directed edges.

    Attributes
    ----------
    out : CSRGraph
        Edges leaving each account.
    node_ids : pyarrow.Array of string
        ``node_ids[i]`` is the account id of dense node ``i``.
    src, dst : int32 arrays (m,)
        Endpoints of every transaction, in the row order of the source table.
    """

    out: CSRGraph
    node_ids: pa.Array
    src: np.ndarray
    dst: np.ndarray
    _index: dict[str, int] | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return self.out.n_nodes

    @property
    def n_edges(self) -> int:
        return self.out.n_edges

    def index_of(self, account_ids: pa.Array | list[str]) -> np.ndarray:
        """Dense node numbers of ``account_ids`` (-1 where the account is not in the graph)."""
        positions = pc.index_in(pa.array(account_ids, pa.string()), value_set=self.node_ids)
        return positions.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)

    def account_of(self, nodes: np.ndarray) -> list[str]:
        """Account ids of dense node numbers."""
        return self.node_ids.take(pa.array(np.asarray(nodes, dtype=np.int64))).to_pylist()

    def neighbour_counts(self) -> np.ndarray:
        """Distinct counterparties per node, either direction (a self-loop counts once): the
        degrees of :attr:`undirected`, from one hash of the pairs instead of building it."""
        n = np.int64(self.n_nodes)
        lo = np.minimum(self.src, self.dst).astype(np.int64)
        hi = np.maximum(self.src, self.dst).astype(np.int64)
        pairs = pd.unique(lo * n + hi)
        u, v = pairs // n, pairs % n
        return np.bincount(u, minlength=self.n_nodes) + np.bincount(
            v[u != v], minlength=self.n_nodes
        )

    @cached_property
    def reverse(self) -> CSRGraph:
        """Edges entering each account (rows are receivers, indices are senders)."""
        return csr_from_edges(
            self.dst, self.src, self.n_nodes, *_edge_attributes_in_row_order(self)
        )

    @cached_property
    def undirected(self) -> CSRGraph:
        """Symmetric view for community detection: one edge per pair, weights summed.

        Both directions of a pair are stored; a self-loop is stored once with its total
        weight. ``ts`` holds the latest transaction time of the pair and ``edge_ids`` the
        number of transactions between the pair.
        """
        return undirected_view(
            self.src, self.dst, self.n_nodes, *_edge_attributes_in_row_order(self)[:2]
        )


def _edge_attributes_in_row_order(graph: TransactionGraph) -> tuple[np.ndarray, ...]:
    """Weights, ts and edge ids indexed by transaction row (undoing the CSR ordering)."""
    out = graph.out
    weights = np.empty_like(out.weights)
    ts = np.empty_like(out.ts)
    weights[out.edge_ids] = out.weights
    ts[out.edge_ids] = out.ts
    return weights, ts, np.arange(out.n_edges, dtype=np.int64)


def undirected_view(
    src: np.ndarray, dst: np.ndarray, n_nodes: int, weights: np.ndarray, ts: np.ndarray
) -> CSRGraph:
    """Aggregate directed edges into a symmetric weighted CSR (see TransactionGraph.undirected).

    Rows are ordered by neighbour. Notes: one argsort of the pair keys, then ``reduceat``
    for the sums, maxima and counts: O(m log m).
    """
    lo = np.minimum(src, dst).astype(np.int64)
    hi = np.maximum(src, dst).astype(np.int64)
    pair = lo * np.int64(n_nodes) + hi
    order = np.argsort(pair)
    pair = pair[order]
    if len(pair):
        starts = np.flatnonzero(np.concatenate(([True], pair[1:] != pair[:-1])))
        pair_weight = np.add.reduceat(np.asarray(weights, dtype=np.float64)[order], starts)
        pair_ts = np.maximum.reduceat(np.asarray(ts, dtype=np.int64)[order], starts)
        pair_count = np.diff(np.append(starts, len(pair))).astype(np.int64)
        unique_pairs = pair[starts]
    else:
        unique_pairs = pair
        pair_weight = np.zeros(0)
        pair_ts = pair_count = np.zeros(0, dtype=np.int64)
    u = unique_pairs // n_nodes
    v = unique_pairs % n_nodes
    off = u != v
    return csr_from_edges(
        np.concatenate([u, v[off]]),
        np.concatenate([v, u[off]]),
        n_nodes,
        np.concatenate([pair_weight, pair_weight[off]]),
        np.concatenate([pair_ts, pair_ts[off]]),
        np.concatenate([pair_count, pair_count[off]]),
        order_by="neighbour",
    )


def build_transaction_graph(transactions: pa.Table) -> TransactionGraph:
    """Build the money graph from a canonical ``transactions`` table.

    Parameters
    ----------
    transactions : pyarrow.Table
        Needs ``src_account``, ``dst_account``, ``amount_base`` and ``ts``. ``edge_ids`` in the
        result are row numbers of this table.

    Returns
    -------
    TransactionGraph

    Notes
    -----
    Account ids are dictionary-encoded once over both endpoint columns (O(m)); the CSR comes from one stable sort by time and a counting sort by row, O(m log m).
    """
    m = transactions.num_rows
    # One hash table over both columns: the chunks share it, so the last chunk's dictionary
    # holds every account and all indices refer to it. (A Numba hash table over the Arrow
    # buffers was tried: about twice pyarrow's cost on this machine, so pyarrow stays.)
    endpoints = pa.chunked_array(
        transactions.column("src_account").chunks + transactions.column("dst_account").chunks,
        type=pa.string(),
    )
    encoded = endpoints.dictionary_encode()
    node_ids = encoded.chunks[-1].dictionary if encoded.num_chunks else pa.array([], pa.string())
    codes = np.concatenate(
        [chunk.indices.to_numpy().astype(np.int32) for chunk in encoded.chunks]
        or [np.zeros(0, np.int32)]
    )
    src, dst = codes[:m], codes[m:]
    weights = transactions.column("amount_base").to_numpy().astype(np.float64)
    ts = pc.cast(transactions.column("ts"), pa.int64()).to_numpy()
    out = csr_from_edges(src, dst, len(node_ids), weights, ts, np.arange(m, dtype=np.int64))
    return TransactionGraph(out=out, node_ids=node_ids, src=src, dst=dst)
