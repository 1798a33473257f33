"""Clusters: communities of the combined graph of money, identities and travel, scored from the
evidence the detectors found, and ranked.

Nodes are accounts ``0..n-1``, then parties ``n..n+p-1``, then travellers no party matched.
Edges: money between non-hub accounts (weight grows with the log of the amount), a bonus on
every transfer a detector used (so a pattern holds together), account–holder, ``same_as``,
shared identifiers, co-travel and ticket payments. Communities come from Louvain
(:mod:`algorithms.louvain`). A cluster's score is explainable: it is the sum of the weights of
the pattern instances it holds (see :mod:`engine.detect.typologies`), with a bonus for several
different patterns and for cross-border flow, damped for very large clusters, plus (when known
suspects are given) its personalised-PageRank proximity to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.typologies import FAMILIES, typology
from engine.graph import undirected_view

#: Clusters with more accounts than this are damped by √(accounts / DAMP_ACCOUNTS): evidence
#: spread over a large community is weaker than the same evidence in a compact one.
DAMP_ACCOUNTS = 60.0

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
#: Raw evidence at which a cluster's score is 0.5.
SCORE_HALF = 20.0
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


@dataclass
class ClusterEvidence:
    """Per cluster (community label): the hits it holds and its score."""

    label: np.ndarray  # community label of each ranked cluster
    score: np.ndarray  # 0..1
    raw: np.ndarray
    flags: list[list[str]]
    instances: list[list[tuple[int, int, float]]]  # (hit list index, instance, weight)
    proximity: np.ndarray


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


def score_clusters(
    frame: Frame,
    hits: list[Hits],
    com: Communities,
    suspects: np.ndarray | None = None,
) -> ClusterEvidence:
    """Score every community with at least ``min_cluster_accounts`` accounts and rank them.

    Notes
    -----
    Per pattern p found in a cluster, its evidence is ``w_p · √(Σ_i min(strength_i, 3))``: a
    second finding of the same kind adds less than the first (many findings of one noisy
    detector do not outrank a few findings of several), and one finding scores as before.

    ``raw = Σ_p evidence_p · (1 + 0.3 (distinct patterns − 1)) · (1 + 0.5 (families − 1))
    · (1 + cross-border share) / max(1, √(accounts / 60))``, where the families are the
    independent layers of evidence (money, travel, identity: ``Typology.family``), so money, travel
    and identity telling the same story outrank one layer alone, and the size damping keeps a
    large community that gathered scattered findings from outranking a compact one;
    ``score = raw / (raw + 20)`` (0.5 at raw 20, never saturating, so the order stays visible).
    With suspects, ``score`` is the mean of that and the cluster's share of the personalised
    PageRank mass (scaled to its maximum).
    """
    cfg = frame.config
    n = com.n_accounts
    labels = com.labels
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    acc_lab = labels[:n]
    size = np.bincount(acc_lab[acc_lab >= 0], minlength=k)
    n_pat = len(hits)
    per_pattern = np.zeros(k * max(n_pat, 1))  # Σ min(strength, 3) per (cluster, hit list)
    per_label: dict[int, list[tuple[int, int, float]]] = {}
    for hi, h in enumerate(hits):
        if not len(h):
            continue
        lab = instance_labels(h, com, n)
        strength = np.clip(h.strength, 0.0, 3.0)
        w = typology(h.pattern).weight * np.sqrt(strength)
        ok = lab >= 0
        np.add.at(per_pattern, lab[ok] * n_pat + hi, strength[ok])
        for i in np.flatnonzero(ok):
            per_label.setdefault(int(lab[i]), []).append((hi, int(i), float(w[i])))
    weights = np.array([typology(h.pattern).weight for h in hits])
    evidence = np.sqrt(per_pattern.reshape(k, max(n_pat, 1)))[:, :n_pat] * weights
    raw = evidence.sum(axis=1) if n_pat else np.zeros(k)
    present = evidence > 0
    n_flags = present.sum(axis=1) if n_pat else np.zeros(k)
    fam_of = np.array([FAMILIES.index(typology(h.pattern).family) for h in hits], np.int64)
    n_fam = np.zeros(k)
    for f in range(len(FAMILIES)):
        n_fam += present[:, fam_of == f].any(axis=1) if n_pat else 0
    # cross-border share of the money inside each community
    s_lab, d_lab = acc_lab[frame.src], acc_lab[frame.dst]
    inside = (s_lab == d_lab) & (s_lab >= 0) & frame.core_tx
    sc, dc = frame.node_country[frame.src], frame.node_country[frame.dst]
    cross = inside & (sc >= 0) & (dc >= 0) & (sc != dc)
    vol = np.bincount(s_lab[inside], weights=frame.amount[inside], minlength=k)
    vol_x = np.bincount(s_lab[cross], weights=frame.amount[cross], minlength=k)
    cross_share = np.divide(vol_x, vol, out=np.zeros(k), where=vol > 0)
    flags = {lab_: sorted({hits[hi].pattern for hi, _, _ in items})
             for lab_, items in per_label.items()}  # fmt: skip
    damp = np.maximum(1.0, np.sqrt(np.maximum(size, 1) / DAMP_ACCOUNTS))
    raw = (raw * (1 + 0.3 * np.maximum(n_flags - 1, 0)) * (1 + 0.5 * np.maximum(n_fam - 1, 0))
           * (1 + cross_share) / damp)  # fmt: skip
    score = raw / (raw + SCORE_HALF)
    proximity = np.zeros(k)
    if suspects is not None and len(suspects):
        proximity = _proximity(com, suspects, k)
        score = 0.5 * score + 0.5 * proximity / max(proximity.max(), 1e-12)
    eligible = np.flatnonzero(size >= cfg.min_cluster_accounts)
    order = eligible[np.lexsort((-vol[eligible], -score[eligible]))]
    return ClusterEvidence(
        label=order,
        score=score[order],
        raw=raw[order],
        flags=[flags.get(int(lab_), []) for lab_ in order],
        instances=[sorted(per_label.get(int(lab_), []), key=lambda x: -x[2]) for lab_ in order],
        proximity=proximity[order],
    )


def _proximity(com: Communities, suspects: np.ndarray, k: int) -> np.ndarray:
    """Personalised PageRank mass of each community, seeded on the suspects' nodes."""
    from algorithms.pagerank import pagerank

    p = np.zeros(len(com.labels))
    p[suspects] = 1.0
    pr = pagerank(com.indptr, com.indices, com.weights, personalization=p)
    ok = com.labels >= 0
    return np.bincount(com.labels[ok], weights=pr[ok], minlength=k)


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
