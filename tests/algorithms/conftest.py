"""Small graph builders shared by the algorithm tests."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
from hypothesis import strategies as st


def csr(n: int, src, dst, *extra):
    """CSR of directed edges sorted by (source, input position); extra arrays follow along."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    out = [indptr, dst[order].astype(np.int32)]
    out += [np.asarray(a)[order] for a in extra]
    return tuple(out)


def symmetric_csr(graph: nx.Graph, weight: str = "weight"):
    """Symmetric CSR of an undirected networkx graph (self-loops stored once)."""
    n = graph.number_of_nodes()
    src, dst, w = [], [], []
    for u, v, d in graph.edges(data=True):
        src.append(u)
        dst.append(v)
        w.append(d.get(weight, 1.0))
        if u != v:
            src.append(v)
            dst.append(u)
            w.append(d.get(weight, 1.0))
    return csr(n, src, dst, np.asarray(w, dtype=np.float64))


def random_digraph(rng: np.random.Generator, n: int, m: int):
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    return src, dst


def planted_partition(sizes, p_in, p_out, seed):
    """A stochastic block model with random weights; returns (graph, planted labels)."""
    graph = nx.stochastic_block_model(
        sizes,
        [[p_in if i == j else p_out for j in range(len(sizes))] for i in range(len(sizes))],
        seed=seed,
    )
    rng = np.random.default_rng(seed)
    for u, v in graph.edges():
        graph[u][v]["weight"] = float(rng.uniform(0.5, 2.0))
    planted = np.repeat(np.arange(len(sizes)), sizes)
    return graph, planted


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Hubert & Arabie's adjusted Rand index of two labelings."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    row, col = pairs(table.sum(1)), pairs(table.sum(0))
    expected = row * col / pairs(np.array([len(a)]))
    maximum = (row + col) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


DAY_US = 86_400_000_000
HOUR_US = DAY_US // 24


@st.composite
def money_walks(draw, n: int, max_walks: int = 4, max_noise: int = 10):
    """Transactions ``(src, dst, ts, amount, active)`` rich in pass-on hops and round trips:
    a few paths of money passed on through distinct accounts, half of them back to where they
    started (later or at the same time, minus a small margin, sometimes stamped with the date
    only), shuffled among random transfers."""
    txs = []
    for _ in range(draw(st.integers(1, max_walks))):
        nodes = draw(st.permutations(range(n)))[: draw(st.integers(2, n))]
        if draw(st.booleans()):  # a round trip
            nodes.append(nodes[0])
        t = draw(st.integers(-1, 2)) * DAY_US + draw(st.sampled_from([0, 9, 15])) * HOUR_US
        amount = draw(st.sampled_from([100.0, 1000.0]))
        for node, nxt in itertools.pairwise(nodes):
            # mostly later; sometimes a few hours earlier (not passed on, unless dated only)
            t += draw(st.sampled_from([0, 3 * HOUR_US, 9 * HOUR_US, DAY_US, -3 * HOUR_US]))
            amount *= draw(st.sampled_from([1.0, 0.99, 0.9, 1.0005]))
            dated = draw(st.integers(0, 3)) == 0  # a source with dates only
            active = draw(st.integers(0, 7)) > 0
            txs.append((node, nxt, t - t % DAY_US if dated else t, amount, active))
    noise = st.tuples(
        st.integers(0, n - 1),
        st.integers(0, n - 1),
        st.integers(-1, 5).map(lambda d: d * DAY_US) | st.integers(-DAY_US, 5 * DAY_US),
        st.sampled_from([80.0, 99.0, 100.0, 1000.0]),
        st.booleans(),
    )
    txs += draw(st.lists(noise, max_size=max_noise))
    return draw(st.permutations(txs))
