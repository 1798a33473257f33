"""Result tables: ranked clusters with members and evidence cards, per-entity scores, links.

An evidence card names the pattern, its red-flag source, the thresholds used and the concrete
transactions (``tx_ids``) and travel records (``record_ids``) behind it, so an analyst can check
a cluster's rank in minutes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from engine.core import schema
from engine.detect.cases import Cases
from engine.detect.clusters import Communities
from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.run import Detection
from engine.detect.travel import co_travel_pairs
from engine.detect.typologies import FAMILIES, typology

MAX_CARDS = 30
#: Role of the context accounts of a case in ``cluster_members`` (shown, not members).
CONTEXT = schema.CONTEXT_ROLE
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
        parts.append(f"around {frame.graph.account_of(h.anchor[i : i + 1])[0]}")
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
    cases: Cases,
    run_id: str,
    components: np.ndarray,
    pagerank: np.ndarray,
) -> dict[str, pa.Table]:
    """Build ``clusters`` (the ranked cases), ``cluster_members``, ``evidence``, ``scores`` and
    ``links``.

    Members of a case are its core accounts (role: the pattern role of an anchor, else
    ``member``), the holders of those accounts and the parties of its findings (``holder``),
    its travel records (``traveller``), and its context accounts (role ``context``: first-hop
    counterparties, shown, not members).
    """
    n, n_p = com.n_accounts, com.n_parties
    labels = com.labels
    n_c = len(cases) + 1
    acc_cluster = cases.node_case + 1  # best-ranked case (0 = in none): money inside, countries
    risk, why = node_risk(frame, det.hits)
    # core pairs (cluster, entity): accounts; parties of the findings and holders of core
    # accounts; travel records
    mc, me = cases.member_case + 1, cases.member_entity
    is_acc, is_rec = me < n, me >= n + n_p
    a_c, a_n = mc[is_acc], me[is_acc]
    h_party, h_node, _ = frame.holding_pairs
    order = np.argsort(h_node, kind="stable")
    h_node, h_party = h_node[order], h_party[order]
    lo, hi = np.searchsorted(h_node, a_n), np.searchsorted(h_node, a_n, side="right")
    held_c = np.repeat(a_c, hi - lo)
    count = hi - lo
    held_p = h_party[np.repeat(lo, count) + np.arange(int(count.sum()))
                     - np.repeat(np.cumsum(count) - count, count)]  # fmt: skip
    par = np.unique(np.r_[mc[~is_acc & ~is_rec] * n_p + (me[~is_acc & ~is_rec] - n),
                          held_c * n_p + held_p]) if n_p else np.zeros(0, np.int64)  # fmt: skip
    p_c, p_n = (par // n_p, par % n_p) if n_p else (par, par)
    r_c, r_n = mc[is_rec], me[is_rec] - n - n_p
    # --- clusters -------------------------------------------------------------------------------
    s_c, d_c = acc_cluster[frame.src], acc_cluster[frame.dst]
    inside = (s_c == d_c) & (s_c > 0)
    amount = frame.amount
    volume = np.bincount(s_c[inside], weights=amount[inside], minlength=n_c)
    n_tx = np.bincount(s_c[inside], minlength=n_c)
    entering = (d_c > 0) & (s_c != d_c)
    leaving = (s_c > 0) & (s_c != d_c)
    inflow = np.bincount(d_c[entering], weights=amount[entering], minlength=n_c)
    outflow = np.bincount(s_c[leaving], weights=amount[leaving], minlength=n_c)
    n_acc = np.bincount(a_c, minlength=n_c)
    n_par = np.bincount(p_c, minlength=n_c)
    n_ctx = np.bincount(cases.context_case + 1, minlength=n_c)
    country_name = {v: k_ for k_, v in frame.countries.items()}
    cc = np.unique(np.stack([acc_cluster, frame.node_country.astype(np.int64)]), axis=1)
    cc = cc[:, (cc[0] > 0) & (cc[1] >= 0)]
    countries_of: dict[int, list[str]] = {}
    for c, x in zip(cc[0].tolist(), cc[1].tolist(), strict=True):
        countries_of.setdefault(c, []).append(country_name[x])
    rows = []
    for c in range(1, n_c):
        countries = sorted(countries_of.get(c, []))
        flags = cases.flags[c - 1]
        where = f"; in community {cases.community[c - 1]}" if cases.community[c - 1] >= 0 else ""
        summary = (
            f"{n_acc[c]} core accounts, {n_par[c]} parties moving {volume[c]:,.0f} among"
            f" themselves; {n_ctx[c]} context accounts{where}"
            + (f"; red flags: {', '.join(flags)}" if flags else "")
        )
        rows.append(dict(cluster_id=c, rank=c, score=float(cases.score[c - 1]),
                         n_accounts=int(n_acc[c]), n_parties=int(n_par[c]),
                         n_transactions=int(n_tx[c]), volume=float(volume[c]),
                         inflow=float(inflow[c]), outflow=float(outflow[c]), countries=countries,
                         flags=flags, summary=summary, run_id=run_id))  # fmt: skip
    clusters = pa.Table.from_pylist(rows, schema=schema.CLUSTERS)
    # --- members ----------------------------------------------------------------------------------
    anchor_role = _anchor_roles(det.hits, n)
    node_ids = frame.graph.node_ids
    party_ids = frame.parties.column("party_id").combine_chunks()
    ctx_c, ctx_n = cases.context_case + 1, cases.context_node
    k_all = len(a_n) + len(p_n) + len(r_n) + len(ctx_n)
    members = pa.table(
        {
            "cluster_id": pa.array(
                np.r_[a_c, p_c, r_c, ctx_c],
                pa.int64(),
            ),
            "entity_id": pa.array(
                _take(node_ids, a_n)
                + _take(party_ids, p_n)
                + _take(frame.record_ids, r_n)
                + _take(node_ids, ctx_n),
                pa.string(),
            ),
            "entity_kind": pa.array(
                ["account"] * len(a_n)
                + ["party"] * len(p_n)
                + ["trip"] * len(r_n)
                + ["account"] * len(ctx_n),
                pa.string(),
            ),
            "role": pa.array(
                [anchor_role.get(int(x), "member") for x in a_n]
                + ["holder"] * len(p_n)
                + ["traveller"] * len(r_n)
                + [CONTEXT] * len(ctx_n),
                pa.string(),
            ),
            "score": pa.array(
                np.r_[risk[a_n], np.zeros(len(p_n) + len(r_n)), risk[ctx_n]], pa.float64()
            ),
            "run_id": pa.array([run_id] * k_all, pa.string()),
        },
        schema=schema.CLUSTER_MEMBERS,
    )
    # --- evidence cards ---------------------------------------------------------------------------
    cards: list[dict[str, object]] = []
    for c, items in enumerate(cases.instances[:MAX_CARD_CLUSTERS], start=1):
        for hit, i, weight in items[:MAX_CARDS]:
            h = det.hits[hit]
            nodes, txs, recs, pars = h.nodes_of(i), h.txs_of(i), h.recs_of(i), h.parties_of(i)
            cards.append(dict(
                evidence_id=f"{run_id}-{c}-{len(cards)}", cluster_id=c, pattern=h.pattern,
                source=h.source, description=describe(frame, h, i), weight=weight,
                entity_ids=_take(node_ids, nodes) + _take(party_ids, pars),
                tx_ids=_take(frame.tx_ids, txs[:MAX_IDS]),
                record_ids=_take(frame.record_ids, recs[:MAX_IDS]),
                parameters=json.dumps(h.params, default=str, sort_keys=True), run_id=run_id,
            ))  # fmt: skip
    evidence = pa.Table.from_pylist(cards, schema=schema.EVIDENCE)
    # --- scores -----------------------------------------------------------------------------------
    feats = [json.dumps(why[i]) if i in why else None for i in range(n)]
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


def node_risk(frame: Frame, hits: list[Hits]) -> tuple[np.ndarray, dict[int, dict[str, object]]]:
    """Per account: risk from the significance of the findings it is core to, and why.

    Notes
    -----
    An account is core to a finding when it is one of the finding's own accounts (hubs never
    are). Per pattern, the account's best finding counts, ``w_p · min(−log10 p, L_MAX)``
    (many findings of one detector are one piece of evidence); the patterns are summed
    (independent patterns agreeing add up) and the sum is raised by half for every further
    family of evidence (money, travel, identity). The reason, in words, goes into ``features``.
    """
    from engine.detect.cases import L_MAX

    n = frame.n_nodes
    per: list[tuple[str, np.ndarray]] = []
    for h in hits:
        if not len(h.node):
            continue
        p = h.p if h.p is not None else np.ones(len(h))
        level = np.minimum(-np.log10(np.maximum(p, 1e-300)), L_MAX)
        keep = ~frame.hub[h.node]
        best = np.full(n, -1.0)
        np.maximum.at(best, h.node[keep], level[h.node_inst[keep]])
        per.append((h.pattern, best))
    risk = np.zeros(n)
    families = np.zeros((n, len(FAMILIES)), bool)
    for name, best in per:
        spec = typology(name)
        touched = best >= 0
        risk[touched] += spec.weight * best[touched]
        families[touched & (best > 0), FAMILIES.index(spec.family)] = True
    risk *= 1 + 0.5 * np.maximum(families.sum(axis=1) - 1, 0)
    found: dict[int, list[tuple[float, str]]] = {}
    for name, best in per:
        for x in np.flatnonzero(best >= 0).tolist():
            found.setdefault(x, []).append((float(best[x]), name))
    why: dict[int, dict[str, object]] = {}
    for x, items in found.items():
        items.sort(reverse=True)
        why[x] = {
            "patterns": sorted(name for _, name in items),
            "why": "core to "
            + "; ".join(
                f"{name.replace('_', ' ')} (by chance p ≈ {10**-level:.1g})"
                for level, name in items
            ),
        }
    return risk, why


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
    cols: list[Sequence[object]] = list(zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    names = ["left_id", "left_kind", "right_id", "right_kind", "kind", "score", "evidence"]
    data = {k: list(v) for k, v in zip(names, cols, strict=True)}
    data["run_id"] = [run_id] * len(rows)
    return pa.Table.from_pydict(data, schema=schema.LINKS)
