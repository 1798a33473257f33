"""Result tables: ranked clusters with members and evidence cards, per-entity scores, links.

An evidence card names the pattern, its red-flag source, the thresholds used and the concrete
transactions (``tx_ids``) and travel records (``record_ids``) behind it, so an analyst can check
a cluster's rank in minutes.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from engine.core import schema
from engine.detect.clusters import ClusterEvidence, Communities
from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.run import Detection
from engine.detect.travel import co_travel_pairs
from engine.detect.typologies import typology

MAX_CARDS = 30
#: Evidence cards are written for the best-ranked clusters only (an analyst's reading list).
MAX_CARD_CLUSTERS = 1000
MAX_IDS = 500


def _take(arr: pa.Array, idx: np.ndarray) -> list[str]:
    return arr.take(pa.array(np.asarray(idx, np.int64))).to_pylist() if len(idx) else []


def describe(frame: Frame, h: Hits, i: int) -> str:
    """One sentence for an evidence card."""
    nodes, txs, recs = h.nodes_of(i), h.txs_of(i), h.recs_of(i)
    parts = [h.pattern.replace("_", " ")]
    if h.anchor[i] >= 0:
        parts.append(f"around {frame.graph.account_of([h.anchor[i]])[0]}")
    parts.append(f"{len(nodes)} accounts")
    if len(txs):
        total = float(frame.amount[txs].sum())
        days = (frame.ts[txs].max() - frame.ts[txs].min()) / 86_400e6
        parts.append(f"{len(txs)} transfers totalling {total:,.0f} over {days:.1f} days")
    if len(recs):
        parts.append(f"{len(recs)} travel records")
    return ", ".join(parts)


def result_tables(
    frame: Frame,
    det: Detection,
    com: Communities,
    ranked: ClusterEvidence,
    run_id: str,
    components: np.ndarray,
    pagerank: np.ndarray,
) -> dict[str, pa.Table]:
    """Build ``clusters``, ``cluster_members``, ``evidence``, ``scores`` and ``links``."""
    n, n_p = com.n_accounts, com.n_parties
    labels = com.labels
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    cluster_of_label = np.zeros(max(k, 1), np.int64)
    cluster_of_label[ranked.label] = np.arange(1, len(ranked.label) + 1)
    node_cluster = np.where(labels >= 0, cluster_of_label[np.maximum(labels, 0)], 0)
    acc_cluster = node_cluster[:n]
    risk, patterns = _node_risk(frame, det.hits)
    # --- clusters -------------------------------------------------------------------------------
    s_c, d_c = acc_cluster[frame.src], acc_cluster[frame.dst]
    n_c = len(ranked.label) + 1
    inside = (s_c == d_c) & (s_c > 0)
    amount = frame.amount
    volume = np.bincount(s_c[inside], weights=amount[inside], minlength=n_c)
    n_tx = np.bincount(s_c[inside], minlength=n_c)
    entering = (d_c > 0) & (s_c != d_c)
    leaving = (s_c > 0) & (s_c != d_c)
    inflow = np.bincount(d_c[entering], weights=amount[entering], minlength=n_c)
    outflow = np.bincount(s_c[leaving], weights=amount[leaving], minlength=n_c)
    n_acc = np.bincount(acc_cluster, minlength=n_c)
    party_cluster = node_cluster[n : n + n_p]
    n_par = np.bincount(party_cluster, minlength=n_c)
    country_name = {v: k_ for k_, v in frame.countries.items()}
    cc = np.unique(np.stack([acc_cluster, frame.node_country.astype(np.int64)]), axis=1)
    cc = cc[:, (cc[0] > 0) & (cc[1] >= 0)]
    countries_of: dict[int, list[str]] = {}
    for c, x in zip(cc[0].tolist(), cc[1].tolist(), strict=True):
        countries_of.setdefault(c, []).append(country_name[x])
    rows = []
    for c in range(1, n_c):
        countries = sorted(countries_of.get(c, []))
        flags = ranked.flags[c - 1]
        summary = (
            f"{n_acc[c]} accounts, {n_par[c]} parties moving {volume[c]:,.0f} among themselves"
            + (f"; red flags: {', '.join(flags)}" if flags else "")
        )
        rows.append(dict(cluster_id=c, rank=c, score=float(ranked.score[c - 1]),
                         n_accounts=int(n_acc[c]), n_parties=int(n_par[c]),
                         n_transactions=int(n_tx[c]), volume=float(volume[c]),
                         inflow=float(inflow[c]), outflow=float(outflow[c]), countries=countries,
                         flags=flags, summary=summary, run_id=run_id))  # fmt: skip
    clusters = pa.Table.from_pylist(rows, schema=schema.CLUSTERS)
    # --- members ----------------------------------------------------------------------------------
    anchor_role = _anchor_roles(det.hits, n)
    node_ids = frame.graph.node_ids
    party_ids = frame.parties.column("party_id").combine_chunks()
    m_acc = np.flatnonzero(acc_cluster > 0)
    m_par = np.flatnonzero(party_cluster > 0)
    record_ids = frame.record_ids
    size = max(len(node_cluster), n + int(det.person.max(initial=-1)) + 1)
    person_cluster = np.zeros(size, np.int64)
    person_cluster[: len(node_cluster)] = node_cluster
    trav = np.flatnonzero((det.person >= n_p) & (person_cluster[n + det.person] > 0))
    members = pa.table(
        {
            "cluster_id": pa.array(
                np.r_[
                    acc_cluster[m_acc], party_cluster[m_par], person_cluster[n + det.person[trav]]
                ],
                pa.int64(),
            ),
            "entity_id": pa.array(
                _take(node_ids, m_acc) + _take(party_ids, m_par) + _take(record_ids, trav),
                pa.string(),
            ),
            "entity_kind": pa.array(
                ["account"] * len(m_acc) + ["party"] * len(m_par) + ["trip"] * len(trav),
                pa.string(),
            ),
            "role": pa.array(
                [anchor_role.get(int(x), "member") for x in m_acc]
                + ["holder"] * len(m_par)
                + ["traveller"] * len(trav),
                pa.string(),
            ),
            "score": pa.array(np.r_[risk[m_acc], np.zeros(len(m_par) + len(trav))], pa.float64()),
            "run_id": pa.array([run_id] * (len(m_acc) + len(m_par) + len(trav)), pa.string()),
        },
        schema=schema.CLUSTER_MEMBERS,
    )
    # --- evidence cards ---------------------------------------------------------------------------
    cards = []
    for c, items in enumerate(ranked.instances[:MAX_CARD_CLUSTERS], start=1):
        for hi, i, weight in items[:MAX_CARDS]:
            h = det.hits[hi]
            nodes, txs, recs, pars = h.nodes_of(i), h.txs_of(i), h.recs_of(i), h.parties_of(i)
            cards.append(dict(
                evidence_id=f"{run_id}-{c}-{len(cards)}", cluster_id=c, pattern=h.pattern,
                source=h.source, description=describe(frame, h, i), weight=weight,
                entity_ids=_take(node_ids, nodes) + _take(party_ids, pars),
                tx_ids=_take(frame.tx_ids, txs[:MAX_IDS]), record_ids=_take(record_ids, recs[:MAX_IDS]),
                parameters=json.dumps(h.params, default=str, sort_keys=True), run_id=run_id,
            ))  # fmt: skip
    evidence = pa.Table.from_pylist(cards, schema=schema.EVIDENCE)
    # --- scores -----------------------------------------------------------------------------------
    feats = [
        json.dumps({"patterns": sorted(patterns.get(i, ()))}) if i in patterns else None
        for i in range(n)
    ]
    scores = pa.table(
        {
            "entity_id": node_ids,
            "entity_kind": pa.array(["account"] * n, pa.string()),
            "component": pa.array(components[:n], pa.int64()),
            "community": pa.array(labels[:n], pa.int64()),
            "pagerank": pa.array(pagerank[:n] if len(pagerank) else np.zeros(n), pa.float64()),
            "risk": pa.array(risk, pa.float64()),
            "in_degree": pa.array(np.bincount(frame.dst, minlength=n), pa.int64()),
            "out_degree": pa.array(np.bincount(frame.src, minlength=n), pa.int64()),
            "inflow": pa.array(np.bincount(frame.dst, weights=amount, minlength=n)),
            "outflow": pa.array(np.bincount(frame.src, weights=amount, minlength=n)),
            "features": pa.array(feats, pa.string()),
            "run_id": pa.array([run_id] * n, pa.string()),
        },
        schema=schema.SCORES,
    )
    return {
        "clusters": clusters,
        "cluster_members": members,
        "evidence": evidence,
        "scores": scores,
        "links": links_table(frame, det, run_id),
    }


def _node_risk(frame: Frame, hits: list[Hits]) -> tuple[np.ndarray, dict[int, set[str]]]:
    risk = np.zeros(frame.n_nodes)
    patterns: dict[int, set[str]] = {}
    for h in hits:
        if not len(h.node):
            continue
        w = typology(h.pattern).weight * np.sqrt(np.clip(h.strength, 0, 3))
        np.add.at(risk, h.node, w[h.node_inst])
        for x in np.unique(h.node):
            patterns.setdefault(int(x), set()).add(h.pattern)
    return risk, patterns


def _anchor_roles(hits: list[Hits], n: int) -> dict[int, str]:
    roles: dict[int, str] = {}
    for h in hits:
        role = typology(h.pattern).role
        if role:
            for a in np.unique(h.anchor[h.anchor >= 0]):
                roles.setdefault(int(a), role)
    return roles


def links_table(frame: Frame, det: Detection, run_id: str) -> pa.Table:
    """``same_as`` (trip → party, party ↔ party), ``co_travelled``, ``paid_ticket`` links."""
    party_ids = frame.parties.column("party_id").to_pylist()
    record_ids = frame.record_ids.to_pylist()
    n_p = len(party_ids)
    first_record: dict[int, str] = {}
    for r, p in enumerate(det.person.tolist()):
        first_record.setdefault(p, record_ids[r])

    def person_entity(p: int) -> tuple[str, str]:
        return (
            (party_ids[p], "party") if p < n_p else (first_record.get(p, f"traveller-{p}"), "trip")
        )

    rows = []
    tl = det.travellers
    for a, b, s, e in zip(
        tl.left.tolist(), tl.right.tolist(), tl.score.tolist(), tl.evidence, strict=True
    ):
        rows.append((record_ids[a], "trip", party_ids[b], "party", "same_as", s, e))
    pl = det.parties
    for a, b, s, e in zip(
        pl.left.tolist(), pl.right.tolist(), pl.score.tolist(), pl.evidence, strict=True
    ):
        rows.append((party_ids[a], "party", party_ids[b], "party", "same_as", s, e))
    a, b, shared = co_travel_pairs(frame)
    for x, y, s in zip(a.tolist(), b.tolist(), shared.tolist(), strict=True):
        rows.append(
            (*person_entity(x), *person_entity(y), "co_travelled", float(s), f"{s} shared legs")
        )
    payer = frame.travel.column("payer_account").to_pylist()
    for r, acc in enumerate(payer):
        if acc:
            rows.append((acc, "account", *person_entity(int(det.person[r])), "paid_ticket", 1.0,
                         f"paid travel record {record_ids[r]}"))  # fmt: skip
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    names = ["left_id", "left_kind", "right_id", "right_kind", "kind", "score", "evidence"]
    data = {k: list(v) for k, v in zip(names, cols, strict=True)}
    data["run_id"] = [run_id] * len(rows)
    return pa.Table.from_pydict(data, schema=schema.LINKS)
