"""Graph building: canonical transactions → CSR, against scipy and igraph constructors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from benchmarks.harness import BenchContext, Measurement, case, timed
from engine.core import schema
from engine.graph import build_transaction_graph


def random_transactions(n_accounts: int, n_tx: int, seed: int) -> pa.Table:
    """Transactions between string account ids with heavy-tailed activity."""
    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.5, n_accounts) + 1.0
    p = activity / activity.sum()
    src = rng.choice(n_accounts, n_tx, p=p)
    dst = rng.choice(n_accounts, n_tx, p=p)
    ids = pa.array([f"DE{i:020d}" for i in range(n_accounts)])
    return pa.table(
        {
            "src_account": ids.take(pa.array(src)),
            "dst_account": ids.take(pa.array(dst)),
            "amount_base": rng.lognormal(5, 1.5, n_tx),
            "ts": pa.array(rng.integers(1_700_000_000_000_000, 1_730_000_000_000_000, n_tx)).cast(
                schema.TS
            ),
        }
    )


@case("graph_build")
def graph_build(ctx: BenchContext) -> list[Measurement]:
    """Build the CSR money graph from an Arrow table of transactions."""
    sizes = [(10_000, 100_000)] if ctx.quick else [(100_000, 1_000_000), (1_000_000, 10_000_000)]
    out: list[Measurement] = []
    for n_accounts, n_tx in sizes:
        out.extend(_measure(random_transactions(n_accounts, n_tx, ctx.seed)))
    return out


def _measure(table: pa.Table) -> list[Measurement]:
    import igraph as ig
    import scipy.sparse as sp

    n_tx = table.num_rows
    size = f"{n_tx / 1e6:g}M tx"
    graph, seconds = timed(build_transaction_graph, table)
    out = [
        Measurement(
            "graph_build",
            "moneytrail",
            size,
            seconds,
            {"edges_per_s": n_tx / seconds},
            "string ids → CSR sorted by (source, time)",
        )
    ]
    _, seconds = timed(lambda: type(graph).undirected.func(graph))
    out.append(Measurement("graph_undirected", "moneytrail", size, seconds))
    _, seconds = timed(graph.neighbour_counts)
    out.append(Measurement("graph_neighbour_counts", "moneytrail", size, seconds, {},
                           "distinct counterparties per account (hub test), no CSR built"))  # fmt: skip
    _, seconds = timed(lambda: type(graph).reverse.func(graph))
    out.append(Measurement("graph_reverse", "moneytrail", size, seconds, {},
                           "receiver-side CSR (stable sort by time, counting sort by row)"))  # fmt: skip
    amounts = table["amount_base"].to_numpy()
    shape = (graph.n_nodes, graph.n_nodes)
    _, seconds = timed(lambda: sp.csr_matrix((amounts, (graph.src, graph.dst)), shape=shape))
    out.append(
        Measurement("graph_build", "scipy", size, seconds, {}, "int ids given, duplicates summed")
    )
    edges = np.column_stack([graph.src, graph.dst])
    _, seconds = timed(lambda: ig.Graph(n=graph.n_nodes, edges=edges, directed=True))
    out.append(
        Measurement("graph_build", "igraph", size, seconds, {}, "int ids given, no attributes")
    )
    return out
