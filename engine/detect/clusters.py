"""Communities of the combined graph of money, identities and travel (the context of cases,
:mod:`engine.detect.cases`, and the network view).

Nodes are accounts ``0..n-1``, then parties ``n..n+p-1``, then travellers no party matched.
Edges: money between non-hub accounts (weight grows with the log of the amount), a bonus on
every transfer a detector used (so a pattern holds together), account–holder, ``same_as``,
shared identifiers, co-travel and ticket payments. Communities come from Louvain
(:mod:`algorithms.louvain`). Cases are ranked, not communities: a case's core is its
findings' own entities, and the community it sits in is shown as context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.typologies import typology
from engine.graph import undirected_view

#: Weight of ordinary money per unit of log(1 + amount): small next to evidence, so communities
#: follow the patterns and do not swallow the background customers around them (modularity is
#: scale-free, so only the ratio to the other weights matters).
BACKGROUND_EDGE = 0.02
#: Communities that hold evidence are split again at this multiple of the caller's resolution:
#: evidence structures are small next to the whole graph, and at γ = 1 modularity's resolution
#: limit merges them with each other and with the background customers around them (measured on
#: the generator's worlds: 5 keeps operations apart).
RESOLUTION_SCALE = 5.0
#: Only communities with more accounts than this are split again.
SPLIT_MIN_ACCOUNTS = 20
#: Bonus weight of a transfer used by a detector, per unit of pattern weight.
EVIDENCE_EDGE = 2.0
#: Accounts with more distinct counterparties than this (merchants, hotels, employers, airlines:
#: busy, though not hubs) get no evidence edges: a hotel a victim-expense payer used serves
#: everyone and should not join the payer's cluster (its ordinary money edges stay).
BUSY_DEGREE = 100


def counterparties(frame: Frame) -> np.ndarray:
    """Distinct counterparties of every account (cached on the frame)."""
    if "counterparties" not in frame.cache:
        n = frame.n_nodes
        a = np.minimum(frame.src, frame.dst).astype(np.int64)
        b = np.maximum(frame.src, frame.dst).astype(np.int64)
        pairs = np.unique(a[a != b] * n + b[a != b])
        deg = np.bincount(pairs // n, minlength=n) + np.bincount(pairs % n, minlength=n)
        frame.cache["counterparties"] = deg
    return frame.cache["counterparties"]  # type: ignore[return-value]


@dataclass
class Communities:
    """Result of :func:`communities`: a label per combined-graph node (-1 for hubs)."""

    labels: np.ndarray
    n_accounts: int
    n_parties: int
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray


def _edges_of_hits(frame: Frame, hits: list[Hits]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extra edges: evidence transfers, and each instance's parties tied to its anchor."""
    n = frame.n_nodes
    busy = counterparties(frame) > BUSY_DEGREE
    us, vs, ws = [], [], []
    for h in hits:
        w = typology(h.pattern).weight * EVIDENCE_EDGE
        if len(h.tx):
            rows = np.unique(h.tx)
            ok = frame.core_tx[rows] & ~busy[frame.src[rows]] & ~busy[frame.dst[rows]]
            us.append(frame.src[rows[ok]])
            vs.append(frame.dst[rows[ok]])
            ws.append(np.full(int(ok.sum()), w))
        if len(h.party):  # parties of one instance: a star around its first party
            first = np.full(len(h), -1, np.int64)
            order = np.argsort(h.party_inst, kind="stable")
            inst, party = h.party_inst[order], h.party[order]
            idx = np.unique(inst, return_index=True)[1]
            first[inst[idx]] = party[idx]
            ok = first[inst] != party
            us.append(n + first[inst[ok]])
            vs.append(n + party[ok])
            ws.append(np.full(int(ok.sum()), w))
    cat = lambda xs, t: np.concatenate(xs).astype(t) if xs else np.zeros(0, t)  # noqa: E731
    return cat(us, np.int64), cat(vs, np.int64), cat(ws, np.float64)


def communities(
    frame: Frame,
    hits: list[Hits],
    identity_edges: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    resolution: float = 1.0,
    seed: int = 0,
) -> Communities:
    """Louvain communities of the combined graph.

    Parameters
    ----------
    identity_edges : (u, v, weight)
        Edges between combined-graph nodes from entity resolution and travel (built by
        :func:`engine.detect.run.identity_edges`).
    """
    from algorithms.louvain import louvain

    n = frame.n_nodes
    n_p = frame.parties.num_rows
    core = frame.core_tx
    amount = np.log1p(np.maximum(frame.amount[core], 0.0)) * BACKGROUND_EDGE
    party, node, _ = frame.holding_pairs
    keep_h = ~frame.hub[node]
    hu, hv, hw = _edges_of_hits(frame, hits)
    iu, iv, iw = identity_edges
    u = np.concatenate([frame.src[core], node[keep_h], hu, iu]).astype(np.int64)
    v = np.concatenate([frame.dst[core], n + party[keep_h], hv, iv]).astype(np.int64)
    w = np.concatenate([amount, np.full(int(keep_h.sum()), 3.0), hw, iw])
    size = int(max(n + n_p, u.max(initial=-1) + 1, v.max(initial=-1) + 1))
    und = undirected_view(u, v, size, w, np.zeros(len(u), np.int64))
    coarse = louvain(und.indptr, und.indices, und.weights, resolution=resolution, seed=seed)
    fine = louvain(und.indptr, und.indices, und.weights, resolution=resolution * RESOLUTION_SCALE,
                   seed=seed)  # fmt: skip
    labels = coarse.labels.astype(np.int64)
    # large communities holding evidence are split at the finer resolution; the rest stay whole
    flagged = np.zeros(size, bool)
    for h in hits:
        flagged[h.node] = True
        flagged[n + h.party] = True
    k = int(labels.max(initial=-1)) + 1
    with_evidence = np.zeros(k, bool)
    with_evidence[labels[flagged]] = True
    big = np.bincount(labels[:n], minlength=k) > SPLIT_MIN_ACCOUNTS
    split = (with_evidence & big)[labels]
    labels = np.where(split, labels.max(initial=-1) + 1 + fine.labels.astype(np.int64), labels)
    isolated = np.diff(und.indptr) == 0
    labels[isolated] = -1
    labels[:n][frame.hub] = -1
    return Communities(labels, n, n_p, und.indptr, und.indices, und.weights)


def instance_labels(h: Hits, com: Communities, n_inst_nodes_offset: int) -> np.ndarray:
    """The community holding most of each instance's accounts and parties (-1 if none)."""
    inst = np.concatenate([h.node_inst, h.party_inst])
    ent = np.concatenate([h.node, h.party + n_inst_nodes_offset])
    lab = com.labels[ent] if len(ent) else np.zeros(0, np.int64)
    ok = lab >= 0
    inst, lab = inst[ok], lab[ok]
    out = np.full(len(h), -1, np.int64)
    if not len(inst):
        return out
    key = inst * (int(lab.max()) + 1) + lab
    uk, counts = np.unique(key, return_counts=True)
    ui, ul = uk // (int(lab.max()) + 1), uk % (int(lab.max()) + 1)
    order = np.lexsort((-counts, ui))
    first = np.unique(ui[order], return_index=True)[1]
    out[ui[order][first]] = ul[order][first]
    return out


def node_pagerank(com: Communities, suspects: np.ndarray | None) -> np.ndarray:
    """PageRank of every combined-graph node (personalised on suspects when given)."""
    from algorithms.pagerank import pagerank

    if not len(com.labels):
        return np.zeros(0)
    p = None
    if suspects is not None and len(suspects):
        p = np.zeros(len(com.labels))
        p[suspects] = 1.0
    return pagerank(com.indptr, com.indices, com.weights, personalization=p, tol=1e-8)
