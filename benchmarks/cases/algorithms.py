"""Algorithm kernels against igraph, networkit, scipy and networkx on transaction graphs.

Every case builds (once per size, shared through ``ctx.memo``) a transaction-like graph from
:mod:`benchmarks.graphs`: ``--quick`` uses 100k transactions, a full run 1M, and
``--scale large`` adds 10M (10k, 100k and 1M accounts). Peers get their graph objects built
outside the timed region, and moneytrail kernels are compiled (or loaded from the disk cache) before timing; the ``jit_cache`` case
measures that cost separately. networkx only runs where it finishes in reasonable time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.graphs import (
    START_TS,
    directed_csr,
    transaction_graph,
    undirected_csr,
)
from benchmarks.harness import BenchContext, Measurement, case, timed
from engine.graph import CSRGraph

DAY = 86_400_000_000
NX_MAX_TX = 1_000_000
#: Start edges networkx searches from in the cycles case (its rate is scaled to the graph):
#: 20,000 took 65 s at 1M transactions, a third of the case, for the same rate.
NX_CYCLE_SAMPLE = 5_000


@dataclass
class Bench:
    n_tx: int
    n: int
    data: dict[str, np.ndarray]
    out: CSRGraph
    und: CSRGraph

    @property
    def size(self) -> str:
        return f"{self.n_tx / 1e6:g}M tx"

    def und_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each undirected pair once (u <= v) with its summed weight, for the peers."""
        src = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(self.und.indptr))
        keep = src <= self.und.indices
        return src[keep], self.und.indices[keep].astype(np.int64), self.und.weights[keep]


def _sizes(ctx: BenchContext) -> list[int]:
    """100k transactions quick, else 1M (and 10M with ``--scale large``);
    ``MONEYTRAIL_BENCH_TX=1000000`` overrides."""
    chosen = os.environ.get("MONEYTRAIL_BENCH_TX")
    if chosen:
        return [int(x) for x in chosen.split(",")]
    return ctx.sizes([100_000], [1_000_000], [10_000_000])


def _bench(ctx: BenchContext, n_tx: int) -> Bench:
    def make() -> Bench:
        n = n_tx // 10
        data = transaction_graph(n, n_tx, ctx.seed)
        return Bench(n_tx, n, data, directed_csr(data, n), undirected_csr(data, n))

    return ctx.memo(f"algorithms-graph-{n_tx}", make)


def _igraph(b: Bench, directed: bool):
    import igraph as ig

    if directed:
        g = ig.Graph(n=b.n, edges=np.column_stack([b.data["src"], b.data["dst"]]), directed=True)
        g.es["weight"] = b.data["amount"]
    else:
        u, v, w = b.und_pairs()
        g = ig.Graph(n=b.n, edges=np.column_stack([u, v]), directed=False)
        g.es["weight"] = w
    return g


def _networkit(b: Bench, directed: bool):
    import networkit as nk

    if directed:
        coo = (b.data["amount"], (b.data["src"].astype(np.int64), b.data["dst"].astype(np.int64)))
    else:
        u, v, w = b.und_pairs()
        coo = (w, (u, v))
    return nk.GraphFromCoo(coo, n=b.n, weighted=True, directed=directed)


def _scipy_und(b: Bench):
    import scipy.sparse as sp

    arrays = (b.und.weights, b.und.indices, b.und.indptr)
    return sp.csr_matrix(arrays, shape=(b.n, b.n), copy=True)


def ari(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) from a sparse contingency table."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    _, cells = np.unique(a.astype(np.int64) * (b.max() + 1) + b, return_counts=True)

    def pairs(x: np.ndarray) -> float:
        x = x.astype(np.float64)
        return float((x * (x - 1) / 2).sum())

    index, rows, cols = pairs(cells), pairs(np.bincount(a)), pairs(np.bincount(b))
    expected = rows * cols / pairs(np.array([len(a)]))
    return (index - expected) / ((rows + cols) / 2 - expected)


def _warm_up() -> None:
    """Compile or load every kernel once, so timings measure running, not compiling."""
    from algorithms import components, cycles, ego, leiden, louvain, pagerank, paths, trace

    ip, ix = np.array([0, 1, 2, 3]), np.array([1, 2, 0], np.int32)
    w, ts = np.ones(3), np.arange(3, dtype=np.int64)
    components.weakly_connected_components(ip, ix)
    components.strongly_connected_components(ip, ix)
    louvain.louvain(ip, ix, w)
    leiden.leiden(ip, ix, w)
    pagerank.pagerank(ip, ix, w)
    paths.cheapest_path(ip, ix, w, 0, 2)
    cycles.temporal_cycles(ip, ix, ts, window=5)
    trace.trace_forward(ip, ix, w, ts, 0, start_ts=0)
    trace.trace_backward(ip, ix, w, ts, 0, start_ts=5)
    ego.ego_network(ip, ix, w, ts, 0)


@case("components")
def components_case(ctx: BenchContext) -> list[Measurement]:
    """Weakly (undirected view) and strongly (directed) connected components."""
    import igraph as ig  # noqa: F401
    import networkit as nk
    from scipy.sparse.csgraph import connected_components

    from algorithms.components import strongly_connected_components, weakly_connected_components

    _warm_up()
    out: list[Measurement] = []
    for n_tx in _sizes(ctx):
        b = _bench(ctx, n_tx)
        labels, t = timed(weakly_connected_components, b.und.indptr, b.und.indices, repeat=3)
        k = {"components": float(labels.max() + 1), "edges_per_s": b.und.n_edges / t}
        out.append(Measurement("components", "moneytrail", b.size, t, k))
        mat = _scipy_und(b)
        _, t = timed(connected_components, mat, directed=False, repeat=3)
        out.append(Measurement("components", "scipy", b.size, t, {}, "csgraph, CSR given"))
        g = _igraph(b, directed=False)
        _, t = timed(g.connected_components, repeat=3)
        out.append(Measurement("components", "igraph", b.size, t))
        gk = _networkit(b, directed=False)
        _, t = timed(lambda gk=gk: nk.components.ConnectedComponents(gk).run(), repeat=3)
        out.append(Measurement("components", "networkit", b.size, t))
        if n_tx <= NX_MAX_TX:
            import networkx as nx

            gx = nx.Graph()
            gx.add_nodes_from(range(b.n))
            gx.add_edges_from(zip(*b.und_pairs()[:2], strict=True))
            _, t = timed(lambda gx=gx: list(nx.connected_components(gx)))
            out.append(Measurement("components", "networkx", b.size, t))
        else:
            out.append(Measurement("components", "networkx", b.size, None, {}, "skipped: size"))
        _, t = timed(strongly_connected_components, b.out.indptr, b.out.indices, repeat=3)
        out.append(Measurement("scc", "moneytrail", b.size, t))
        import scipy.sparse as sp

        mat = sp.csr_matrix(
            (b.out.weights, b.out.indices, b.out.indptr), shape=(b.n, b.n), copy=True
        )
        mat.sum_duplicates()  # in place: hence the copy, the shared graph must stay intact  # scipy 1.17's strong components loop forever on duplicate entries
        _, t = timed(connected_components, mat, directed=True, connection="strong", repeat=3)
        out.append(Measurement("scc", "scipy", b.size, t, {}, "duplicates summed first"))
        gd = _igraph(b, directed=True)
        _, t = timed(gd.connected_components, mode="strong")
        out.append(Measurement("scc", "igraph", b.size, t))
    return out


def _quality(b: Bench, labels: np.ndarray) -> dict[str, float]:
    from algorithms.modularity import modularity

    q = modularity(b.und.indptr, b.und.indices, b.und.weights, np.asarray(labels, np.int64))
    return {
        "modularity": q,
        "communities": float(len(np.unique(labels))),
        "ari_planted": ari(labels, b.data["community"]),
    }


@case("louvain")
def louvain_case(ctx: BenchContext) -> list[Measurement]:
    """Louvain on the weighted undirected view vs igraph multilevel and networkit PLM."""
    import networkit as nk

    from algorithms.louvain import louvain

    _warm_up()
    out: list[Measurement] = []
    for n_tx in _sizes(ctx):
        b = _bench(ctx, n_tx)
        res, t = timed(louvain, b.und.indptr, b.und.indices, b.und.weights, seed=ctx.seed)
        out.append(Measurement("louvain", "moneytrail", b.size, t, _quality(b, res.labels)))
        g = _igraph(b, directed=False)
        res, t = timed(g.community_multilevel, weights="weight")
        out.append(Measurement("louvain", "igraph", b.size, t, _quality(b, res.membership)))
        gk = _networkit(b, directed=False)
        plm, t = timed(lambda gk=gk: nk.community.PLM(gk, refine=False).run().getPartition())
        labels = np.asarray(plm.getVector())
        out.append(Measurement("louvain", "networkit", b.size, t, _quality(b, labels), "PLM"))
        if n_tx <= 100_000:
            import networkx as nx

            u, v, w = b.und_pairs()
            gx = nx.Graph()
            gx.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
            comms, t = timed(nx.community.louvain_communities, gx, seed=ctx.seed)
            labels = np.zeros(b.n, np.int64)
            for i, c in enumerate(comms):
                labels[list(c)] = i + 1
            out.append(Measurement("louvain", "networkx", b.size, t, _quality(b, labels)))
        else:
            out.append(Measurement("louvain", "networkx", b.size, None, {}, "skipped: size"))
    return out


@case("leiden")
def leiden_case(ctx: BenchContext) -> list[Measurement]:
    """Leiden (modularity) vs igraph community_leiden and networkit ParallelLeiden."""
    import networkit as nk

    from algorithms.leiden import leiden

    _warm_up()
    out: list[Measurement] = []
    for n_tx in _sizes(ctx):
        b = _bench(ctx, n_tx)
        res, t = timed(leiden, b.und.indptr, b.und.indices, b.und.weights, seed=ctx.seed)
        out.append(
            Measurement("leiden", "moneytrail", b.size, t, _quality(b, res.labels), "2 iterations")
        )
        g = _igraph(b, directed=False)
        res, t = timed(
            g.community_leiden, objective_function="modularity", weights="weight", n_iterations=2
        )
        out.append(
            Measurement("leiden", "igraph", b.size, t, _quality(b, res.membership), "2 iterations")
        )
        gk = _networkit(b, directed=False)
        part, t = timed(lambda gk=gk: nk.community.ParallelLeiden(gk).run().getPartition())
        labels = np.asarray(part.getVector())
        out.append(
            Measurement("leiden", "networkit", b.size, t, _quality(b, labels), "ParallelLeiden")
        )
    return out


def _scipy_pagerank(indptr, indices, weights, n, damping=0.85, tol=1e-10, max_iter=200):
    """networkx's ``_pagerank_scipy`` power iteration, from the same CSR arrays."""
    import scipy.sparse as sp

    a = sp.csr_matrix((weights, indices, indptr), shape=(n, n), copy=True)
    s = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, s, out=np.zeros(n), where=s != 0)
    m = (sp.diags(inv) @ a).T.tocsr()
    p = np.full(n, 1.0 / n)
    dangling = s == 0
    x = p.copy()
    for _ in range(max_iter):
        last = x
        x = damping * (m @ x + last[dangling].sum() * p) + (1 - damping) * p
        if np.abs(x - last).sum() < n * tol:
            break
    return x


@case("pagerank")
def pagerank_case(ctx: BenchContext) -> list[Measurement]:
    """Weighted PageRank on the directed graph, tolerance 1e-10 (L1 < n·tol)."""
    import networkit as nk

    from algorithms.pagerank import pagerank

    _warm_up()
    out: list[Measurement] = []
    for n_tx in _sizes(ctx):
        b = _bench(ctx, n_tx)
        o = b.out
        ours, t = timed(pagerank, o.indptr, o.indices, o.weights, tol=1e-10, repeat=2)
        out.append(Measurement("pagerank", "moneytrail", b.size, t, {"edges": float(o.n_edges)}))
        ref, t = timed(_scipy_pagerank, o.indptr, o.indices, o.weights, b.n, repeat=2)
        err = {"l1_vs_moneytrail": float(np.abs(ref - ours).sum())}
        out.append(
            Measurement("pagerank", "scipy", b.size, t, err, "power iteration incl. normalising")
        )
        g = _igraph(b, directed=True)
        res, t = timed(g.pagerank, weights="weight", damping=0.85)
        err = {"l1_vs_moneytrail": float(np.abs(np.asarray(res) - ours).sum())}
        out.append(Measurement("pagerank", "igraph", b.size, t, err, "PRPACK"))
        gk = _networkit(b, directed=True)
        sinks = nk.centrality.SinkHandling.DistributeSinks

        def run_nk(gk=gk, sinks=sinks):
            return nk.centrality.PageRank(gk, damp=0.85, tol=1e-10, distributeSinks=sinks).run()

        res, t = timed(run_nk)
        scores = np.asarray(res.scores())
        err = {"l1_vs_moneytrail": float(np.abs(scores / scores.sum() - ours).sum())}
        out.append(Measurement("pagerank", "networkit", b.size, t, err, "sinks distributed"))
        if n_tx <= NX_MAX_TX:
            import networkx as nx

            gx = nx.DiGraph()
            gx.add_nodes_from(range(b.n))
            u, v = b.data["src"].tolist(), b.data["dst"].tolist()
            for a, c, w in zip(u, v, b.data["amount"].tolist(), strict=True):
                gx.add_edge(a, c, weight=gx[a][c]["weight"] + w if gx.has_edge(a, c) else w)
            res, t = timed(nx.pagerank, gx, tol=1e-10)
            err = {
                "l1_vs_moneytrail": float(
                    np.abs(np.array([res[i] for i in range(b.n)]) - ours).sum()
                )
            }
            out.append(Measurement("pagerank", "networkx", b.size, t, err))
        else:
            out.append(Measurement("pagerank", "networkx", b.size, None, {}, "skipped: size"))
    return out


def nx_temporal_cycles(g, starts, window: int, max_length: int) -> int:
    """A plain networkx temporal-cycle count from the given start edges (u, v, ts)."""
    import networkx as nx

    comp = {}
    for i, c in enumerate(nx.strongly_connected_components(g)):
        for x in c:
            comp[x] = i
    found = 0

    def dfs(s, node, t_prev, deadline, path):
        nonlocal found
        for _, y, d in g.out_edges(node, data=True):
            t = d["ts"]
            if t <= t_prev or t > deadline or comp[y] != comp[s]:
                continue
            if y == s:
                found += 1
            elif len(path) + 1 < max_length and y not in path:
                dfs(s, y, t, deadline, [*path, y])

    for s, v, t in starts:
        if v != s and comp[v] == comp[s]:
            dfs(s, v, t, t + window, [v])
    return found


@case("cycles", quick=True)
def cycles_case(ctx: BenchContext) -> list[Measurement]:
    """Temporal cycles (length ≤ 4, 7-day window) in edges/s; networkx on a sample."""
    import networkx as nx

    from algorithms.cycles import temporal_cycles

    _warm_up()
    out: list[Measurement] = []
    window, length = 7 * DAY, 4
    for n_tx in _sizes(ctx):
        b = _bench(ctx, n_tx)
        o = b.out
        res, t = timed(temporal_cycles, o.indptr, o.indices, o.ts, window=window, max_length=length)
        metrics = {"edges_per_s": o.n_edges / t, "cycles": float(res.n_found)}
        out.append(Measurement("cycles", "moneytrail", b.size, t, metrics, "all start edges"))
        if n_tx > NX_MAX_TX:
            out.append(Measurement("cycles", "networkx", b.size, None, {}, "skipped: size"))
            continue
        gx = nx.MultiDiGraph()
        gx.add_nodes_from(range(b.n))
        gx.add_edges_from(
            (int(u), int(v), {"ts": int(x)})
            for u, v, x in zip(b.data["src"], b.data["dst"], b.data["ts"], strict=True)
        )
        sample = min(o.n_edges, NX_CYCLE_SAMPLE)
        tails = np.repeat(np.arange(b.n), np.diff(o.indptr))[:sample]
        starts = list(
            zip(tails.tolist(), o.indices[:sample].tolist(), o.ts[:sample].tolist(), strict=True)
        )
        _, t = timed(nx_temporal_cycles, gx, starts, window, length)
        metrics = {"edges_per_s": sample / t}
        note = f"first {sample} start edges, SCCs included; seconds scaled to the whole graph"
        out.append(Measurement("cycles", "networkx", b.size, t * o.n_edges / sample, metrics, note))
    return out


def nx_trace_forward(g, source, start, gap, max_hops, dust=0.01) -> dict:
    """The proportional tracing model of ``algorithms.trace`` written plainly over networkx."""
    import heapq

    carried: dict = {}
    emitted: set = set()
    hops: dict = {}
    retained: dict = {}
    rows = {}

    def row(u):
        if u not in rows:
            rows[u] = sorted(
                (
                    (d["ts"], k, v, d["weight"])
                    for _, v, k, d in g.out_edges(u, keys=True, data=True)
                )
            )
        return rows[u]

    total = sum(w for t, _, _, w in row(source) if start <= t <= start + gap)
    heap = [(2 * start, (None, source, start, total, 0))]
    counter = 0
    while heap:
        key, item = heapq.heappop(heap)
        if key & 1:
            edge, v, t = item
            emitted.add(edge)
            if carried.get(edge, 0.0) > 0:
                counter += 1
                heapq.heappush(heap, (2 * t, (edge, v, t, carried[edge], hops[edge])))
            continue
        _, u, t0, x, h = item
        if h >= max_hops or x < dust:
            retained[u] = retained.get(u, 0.0) + x
            continue
        eligible = [
            (t, k, v, w) for t, k, v, w in row(u) if t0 <= t <= t0 + gap and (u, k) not in emitted
        ]
        capacity = sum(w - carried.get((u, k), 0.0) for _, k, _, w in eligible)
        left = x
        if capacity > 0:
            share = min(1.0, x / capacity)
            for t, k, v, w in eligible:
                take = min(left, (w - carried.get((u, k), 0.0)) * share)
                if take > 0:
                    carried[(u, k)] = carried.get((u, k), 0.0) + take
                    left -= take
                    hops[(u, k)] = min(hops.get((u, k), max_hops + 1), h + 1)
                    heapq.heappush(heap, (2 * t + 1, ((u, k), v, t)))
        retained[u] = retained.get(u, 0.0) + left
    return {"edges": counter, "retained": retained}


@case("trace", quick=True)
def trace_case(ctx: BenchContext) -> list[Measurement]:
    """Forward and backward money tracing from sample accounts (7-day gap, ≤ 6 hops)."""
    import networkx as nx

    from algorithms.trace import trace_backward, trace_forward
    from benchmarks.graphs import reverse_csr

    _warm_up()
    out: list[Measurement] = []
    gap, hops, start = 7 * DAY, 6, START_TS + 30 * DAY
    for n_tx in _sizes(ctx):
        b = _bench(ctx, n_tx)
        o = b.out
        rev = ctx.memo(f"algorithms-reverse-{n_tx}", lambda b=b: reverse_csr(b.data, b.n))
        rng = np.random.default_rng(ctx.seed)
        tails = np.repeat(np.arange(b.n), np.diff(o.indptr))
        active = np.unique(tails[(o.ts >= start) & (o.ts <= start + gap)])  # send in the window
        sources = rng.choice(active, min(200, len(active)), replace=False)

        def forward(o=o, sources=sources):
            return sum(
                len(
                    trace_forward(
                        o.indptr,
                        o.indices,
                        o.weights,
                        o.ts,
                        int(s),
                        start_ts=start,
                        max_gap=gap,
                        max_hops=hops,
                    ).edges
                )
                for s in sources
            )

        def backward(rev=rev, sources=sources):
            return sum(
                len(
                    trace_backward(
                        rev.indptr,
                        rev.indices,
                        rev.weights,
                        rev.ts,
                        int(s),
                        start_ts=start + 60 * DAY,
                        max_gap=gap,
                        max_hops=hops,
                    ).edges
                )
                for s in sources
            )

        carried, t = timed(forward)
        metrics = {"traces_per_s": len(sources) / t, "carrying_edges_per_s": carried / t}
        out.append(
            Measurement(
                "trace",
                "moneytrail",
                b.size,
                t,
                metrics,
                f"{len(sources)} forward traces from senders active at the start",
            )
        )
        carried, t = timed(backward)
        metrics = {"traces_per_s": len(sources) / t, "carrying_edges_per_s": carried / t}
        out.append(
            Measurement(
                "trace_backward", "moneytrail", b.size, t, metrics, f"{len(sources)} traces"
            )
        )
        if n_tx > NX_MAX_TX:
            out.append(Measurement("trace", "networkx", b.size, None, {}, "skipped: size"))
            continue
        gx = nx.MultiDiGraph()
        gx.add_nodes_from(range(b.n))
        gx.add_edges_from(
            (int(u), int(v), {"ts": int(x), "weight": float(w)})
            for u, v, x, w in zip(
                b.data["src"], b.data["dst"], b.data["ts"], b.data["amount"], strict=True
            )
        )
        few = sources[:20]
        carried, t = timed(
            lambda gx=gx, few=few: sum(
                nx_trace_forward(gx, int(s), start, gap, hops)["edges"] for s in few
            )
        )
        metrics = {"traces_per_s": len(few) / t, "carrying_edges_per_s": carried / t}
        note = f"same model in plain Python over networkx; 20 traces, scaled to {len(sources)}"
        out.append(
            Measurement("trace", "networkx", b.size, t * len(sources) / len(few), metrics, note)
        )
    return out


_JIT_SCRIPT = textwrap.dedent(
    """
    import time
    start = time.perf_counter()
    from benchmarks.cases.algorithms import _warm_up
    _warm_up()
    print(time.perf_counter() - start)
    """
)


@case("jit_cache")
def jit_cache_case(ctx: BenchContext) -> list[Measurement]:
    """Import and first call of every kernel: a fresh process with an empty cache, then again."""
    root = Path(__file__).resolve().parents[2]
    out: list[Measurement] = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(root)}
        for label in ("first process (compiles)", "second process (disk cache)"):
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", _JIT_SCRIPT],
                env=env,
                cwd=root,
                check=True,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - began
            inside = float(done.stdout.strip().splitlines()[-1])
            out.append(
                Measurement("jit_cache", "moneytrail", label, inside, {"process_wall_s": wall})
            )
    return out
