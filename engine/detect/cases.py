"""Cases: the unit that is ranked and shown, built from significant findings.

A case's **core** is the accounts, parties and travel records that carry its findings (the
instances' own entities), never the rest of the community around them. Findings are joined
when they share a transaction, an anchor account, a party or a travel record inside one
community of the combined graph (:mod:`engine.detect.clusters`: the one holding most of a
finding's entities; connected components of the finding–entity graph,
:mod:`algorithms.components`). A finding too small to be a case (fewer entities than
``DetectionConfig.min_cluster_accounts``: a structuring account, a funnel) joins the others
of its community and the strongest case there. Where findings of two or more families (money,
travel, identity) agree on one community, all its findings are one case: independent layers
of evidence say it is one operation. Elsewhere, larger findings of one community that share
nothing stay apart (on the random worlds, which have money findings only, joining every
finding of a community made cases of 400 accounts around ordinary fans). Hubs never join findings, nor do busy accounts (more
than ``BUSY_DEGREE`` distinct counterparties: a shop or hotel serves everyone); busy accounts
are context, not core; an account may be core to two cases. Only findings whose q-value
(:mod:`engine.detect.significance`) is at most ``DetectionConfig.significance_fdr`` build cases,
so a case's size is what its evidence supports, not the size of the community around it; a
finding with more than ``BUSY_DEGREE`` accounts builds no case either (it stays evidence for
the accounts' risk).

A case's **context** is the first-hop counterparties of its core (shown, not members), the
``MAX_CONTEXT`` with most money to or from the core. Communities
(:mod:`engine.detect.clusters`) stay as context too: the community most of a case's core
accounts sit in.

**Score.** Per pattern p in a case, ``e_p = w_p · √(Σ_i min(L_i, L_MAX))`` with
``L_i = −log10 q_i``: how unlikely each finding is by chance, a second finding of a kind
adding less than the first. ``raw = Σ_p e_p · (1 + 0.3 (patterns − 1)) · (1 + 0.5 (families
− 1)) · (1 + cross-border share of the money inside)`` (independent patterns and layers of
evidence agreeing), ``score = raw / (raw + SCORE_HALF)``; with suspects, the mean of that and
the case's share of personalised PageRank (scaled to the best case).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.detect.clusters import BUSY_DEGREE, Communities, counterparties, instance_labels
from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.typologies import FAMILIES, typology

#: Context accounts listed per case (those with most money to or from the core).
MAX_CONTEXT = 50
#: Cap of −log10 q per finding (beyond it, more digits tell nothing).
L_MAX = 12.0
#: Raw evidence at which a case's score is 0.5.
SCORE_HALF = 20.0


@dataclass
class Cases:
    """Ranked cases (index 0 = best) and the entities and findings of each."""

    score: np.ndarray  # 0..1 per ranked case
    raw: np.ndarray
    proximity: np.ndarray
    flags: list[list[str]]  # distinct patterns per case
    instances: list[list[tuple[int, int, float]]]  # (hit index, instance, contribution), best first
    member_case: np.ndarray  # core (case, entity) pairs: case index ...
    member_entity: np.ndarray  # ... and entity: account, n + party, n + n_parties + record
    node_case: np.ndarray  # per account: best-ranked case it is core to, -1 none
    context_case: np.ndarray  # context (case, account) pairs: case index ...
    context_node: np.ndarray  # ... and account
    community: np.ndarray  # community label of each case (-1 none)

    def __len__(self) -> int:
        return len(self.score)


def _significance(h: Hits) -> np.ndarray:
    """−log10 q of each instance, capped (instances never calibrated count as q = 1)."""
    if h.q is None:
        return np.zeros(len(h))
    return np.minimum(-np.log10(np.maximum(h.q, 1e-300)), L_MAX)


def build_cases(
    frame: Frame,
    hits: list[Hits],
    com: Communities,
    pagerank: np.ndarray | None = None,
) -> Cases:
    """Cases from the significant findings of ``hits`` (calibrated), ranked by score.

    Parameters
    ----------
    com : Communities
        Communities of the combined graph: findings join only inside one community (the one
        holding most of each finding's entities), small findings join their community's
        strongest case, and each case reports its community.
    pagerank : float64, optional
        Personalised PageRank of each account and party (combined-graph numbering: accounts,
        then parties), when suspects are known.
    """
    community = com.labels

    cfg = frame.config
    n, n_p, n_r = frame.n_nodes, frame.parties.num_rows, frame.travel.num_rows
    core_ok = ~frame.hub & (counterparties(frame) <= BUSY_DEGREE)
    n_ent = n + n_p + n_r
    j_inst, j_ent, m_inst, m_ent, g_hit, g_idx, g_com = [], [], [], [], [], [], []
    offset = 0
    for hi, h in enumerate(hits):
        if not len(h) or h.q is None:
            continue
        # a finding with more accounts than a busy account has counterparties supports no
        # case (nobody can check it; it would swallow the background): it stays evidence
        sig = (h.q <= cfg.significance_fdr) & (
            np.bincount(h.node_inst, minlength=len(h)) <= BUSY_DEGREE
        )
        if not sig.any():
            continue
        new = np.cumsum(sig) - 1 + offset  # global finding number of each significant instance
        # members: the finding's own accounts (not hubs, not busy), parties and travel records
        ok = sig[h.node_inst] & core_ok[h.node]
        m_inst.append(new[h.node_inst[ok]])
        m_ent.append(h.node[ok].astype(np.int64))
        ok = sig[h.party_inst]
        m_inst.append(new[h.party_inst[ok]])
        m_ent.append(n + h.party[ok].astype(np.int64))
        ok = sig[h.rec_inst]
        m_inst.append(new[h.rec_inst[ok]])
        m_ent.append(n + n_p + h.rec[ok].astype(np.int64))
        # joins: a shared transaction, anchor account, party or travel record
        ok = sig[h.tx_inst] & core_ok[frame.src[h.tx]] & core_ok[frame.dst[h.tx]]
        j_inst.append(new[h.tx_inst[ok]])
        j_ent.append(n_ent + h.tx[ok].astype(np.int64))
        anchor = h.anchor.astype(np.int64)
        ok = sig & (anchor >= 0)
        ok[ok] = core_ok[anchor[ok]]
        j_inst.append(new[ok])
        j_ent.append(anchor[ok])
        j_inst.extend(m_inst[-2:])
        j_ent.extend(m_ent[-2:])
        g_com.append(instance_labels(h, com, n)[sig])
        g_hit.append(np.full(int(sig.sum()), hi, np.int64))
        g_idx.append(np.flatnonzero(sig))
        offset += int(sig.sum())
    if not offset:
        return _empty_cases(n, n_p, n_r)
    hit_of = np.concatenate(g_hit)
    idx_of = np.concatenate(g_idx)
    inst, ent = np.concatenate(j_inst), np.concatenate(j_ent)
    # a shared entity joins findings of one community only (-1: none, its own)
    f_com = np.concatenate(g_com)
    width = int(max(f_com.max(initial=0), 0)) + 2
    ent = np.unique(ent * width + f_com[inst] + 1, return_inverse=True)[1]
    weights = np.array([typology(h.pattern).weight for h in hits])
    sig_l = np.empty(offset)
    for hi in np.unique(hit_of):
        sel = hit_of == hi
        sig_l[sel] = _significance(hits[hi])[idx_of[sel]]
    contrib = weights[hit_of] * np.sqrt(sig_l)
    base = int(ent.max(initial=-1)) + 1  # community nodes come after the shared entities
    m_all_inst, m_all_ent = np.concatenate(m_inst), np.concatenate(m_ent)
    f_size = np.bincount(np.unique(m_all_inst * n_ent + m_all_ent) // n_ent, minlength=offset)
    fam = np.array([FAMILIES.index(typology(h.pattern).family) for h in hits])  # per hit
    joins = (f_size < cfg.min_cluster_accounts) | _agreeing_communities(f_com, fam[hit_of])
    ent, inst = _community_joins(ent, inst, base, offset, f_com, joins, contrib)
    # renumber the components that hold findings 0..k-1
    labels, f_comp = np.unique(_components(ent, inst, offset), return_inverse=True)
    k = len(labels)
    # membership pairs (component, entity); an entity may be core to several cases
    m_key = np.unique(f_comp[m_all_inst] * n_ent + m_all_ent)
    m_comp, m_entity = m_key // n_ent, m_key % n_ent
    # --- score per component --------------------------------------------------------------
    n_pat = len(hits)
    per: np.ndarray = np.zeros(k * n_pat)  # flat for np.add.at, then (case, pattern)
    np.add.at(per, f_comp * n_pat + hit_of, sig_l)
    per = per.reshape(k, n_pat)
    evidence = np.sqrt(per) * weights
    present = per > 0
    raw = evidence.sum(axis=1)
    n_flags = present.sum(axis=1)
    n_fam = np.zeros(k)
    for f in range(len(FAMILIES)):
        n_fam += present[:, fam == f].any(axis=1)
    acc = m_entity < n
    ends = _Members(m_comp[acc], m_entity[acc], n)
    row, case, inside = ends.expand(frame, frame.src, frame.dst)
    row, case = row[inside], case[inside]
    sc, dc = frame.node_country[frame.src[row]], frame.node_country[frame.dst[row]]
    cross = (sc >= 0) & (dc >= 0) & (sc != dc)
    vol = np.bincount(case, weights=frame.amount[row], minlength=k)
    vol_x = np.bincount(case[cross], weights=frame.amount[row[cross]], minlength=k)
    cross_share = np.divide(vol_x, vol, out=np.zeros(k), where=vol > 0)
    raw = (raw * (1 + 0.3 * np.maximum(n_flags - 1, 0)) * (1 + 0.5 * np.maximum(n_fam - 1, 0))
           * (1 + cross_share))  # fmt: skip
    score = raw / (raw + SCORE_HALF)
    proximity: np.ndarray = np.zeros(k)
    if pagerank is not None and len(pagerank):
        pr = np.zeros(n_ent)
        pr[: min(len(pagerank), n + n_p)] = pagerank[: n + n_p]
        proximity = np.bincount(m_comp, weights=pr[m_entity], minlength=k)
        score = 0.5 * score + 0.5 * proximity / max(proximity.max(), 1e-12)
    size = np.bincount(m_comp, minlength=k)
    eligible = np.flatnonzero(size >= cfg.min_cluster_accounts)
    order = eligible[np.lexsort((-vol[eligible], -score[eligible]))]
    rank_of = np.full(k, -1, np.int64)
    rank_of[order] = np.arange(len(order))
    m_rank = rank_of[m_comp]
    keep = m_rank >= 0
    m_rank, m_entity = m_rank[keep], m_entity[keep]
    # each entity's best-ranked case (the one it is shown in first)
    best = np.full(n_ent, np.iinfo(np.int64).max)
    np.minimum.at(best, m_entity, m_rank)
    best = np.where(best == np.iinfo(np.int64).max, -1, best)
    node_case = best[:n]
    # --- findings per case, best first -----------------------------------------------------
    f_rank = rank_of[f_comp]
    by = np.lexsort((-contrib, f_rank))
    by = by[f_rank[by] >= 0]
    bounds = np.searchsorted(f_rank[by], np.arange(len(order) + 1))
    instances = [
        [(int(hit_of[j]), int(idx_of[j]), float(contrib[j])) for j in by[bounds[c] : bounds[c + 1]]]
        for c in range(len(order))
    ]
    flags = [sorted({hits[hi].pattern for hi, _, _ in items}) for items in instances]
    # --- context: first-hop counterparties of the core, most money first ---------------------
    acc = m_entity < n
    c_case, c_node = _context(frame, _Members(m_rank[acc], m_entity[acc], n))
    # --- community of each case: where most of its core accounts are -------------------------
    case_com = np.full(len(order), -1, np.int64)
    has = (node_case >= 0) & (community[:n] >= 0)
    if has.any():
        width = int(community.max()) + 1
        key, cnt = np.unique(node_case[has] * width + community[:n][has], return_counts=True)
        kc, kl = key // width, key % width
        best = np.lexsort((-cnt, kc))
        first = np.unique(kc[best], return_index=True)[1]
        case_com[kc[best][first]] = kl[best][first]
    return Cases(
        score=score[order],
        raw=raw[order],
        proximity=proximity[order],
        flags=flags,
        instances=instances,
        member_case=m_rank,
        member_entity=m_entity,
        node_case=node_case,
        context_case=c_case,
        context_node=c_node,
        community=case_com,
    )


def _components(ent: np.ndarray, inst: np.ndarray, offset: int) -> np.ndarray:
    """Connected component of each of ``offset`` findings joined by shared entities ``ent``."""
    from algorithms.components import weakly_connected_components
    from engine.graph import undirected_view

    base = int(ent.max(initial=-1)) + 1  # findings are nodes base..base+offset
    und = undirected_view(
        ent, base + inst, base + offset, np.ones(len(ent)), np.zeros(len(ent), np.int64)
    )
    return weakly_connected_components(und.indptr, und.indices)[base:]


def _agreeing_communities(f_com: np.ndarray, f_family: np.ndarray) -> np.ndarray:
    """Per finding: whether its community holds significant findings of two or more families
    (money, travel, identity).

    Independent layers of evidence agreeing on one community (payments and travel of the same
    people) make it one operation, as the score counts them (``families``); money findings
    alone do not (a community around ordinary fans).
    """
    ok = f_com >= 0
    if not ok.any():
        return ok
    seen = np.zeros((int(f_com.max()) + 1, len(FAMILIES)), bool)
    seen[f_com[ok], f_family[ok]] = True
    return ok & (seen.sum(axis=1)[np.maximum(f_com, 0)] >= 2)


def _community_joins(
    ent: np.ndarray,
    inst: np.ndarray,
    base: int,
    offset: int,
    f_com: np.ndarray,
    joins: np.ndarray,
    strength: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The join pairs (entity, finding) with the community joins added.

    The findings marked ``joins`` (too small to be a case, or in a community where families
    agree) join the others so marked in their community and its strongest case (the component
    of the other findings, joined by what they share, with the most evidence, ``strength``).
    Other findings join only by what they share.
    """
    if not offset:
        return ent, inst
    comp = _components(ent, inst, offset)
    power = np.bincount(comp, weights=strength, minlength=int(comp.max(initial=-1)) + 1)
    small = joins & (f_com >= 0)
    large = np.flatnonzero(~joins & (f_com >= 0))
    picks = [np.flatnonzero(small)]
    if len(large) and small.any():
        # per community, the finding whose component has the most evidence
        order = large[np.lexsort((large, -power[comp[large]], f_com[large]))]
        first = np.unique(f_com[order], return_index=True)[1]
        rep = order[first]
        picks.append(rep[np.isin(f_com[rep], f_com[small])])
    joined = np.concatenate(picks)
    return np.r_[ent, base + f_com[joined]], np.r_[inst, joined]


class _Members:
    """Core (case, account) pairs, for membership tests and expansion by account."""

    def __init__(self, case: np.ndarray, node: np.ndarray, n: int) -> None:
        self.n = max(n, 1)
        self.key = np.unique(case * self.n + node)
        order = np.argsort(self.key % self.n, kind="stable")
        self.by_node = self.key[order]
        self.bounds = np.searchsorted(self.by_node % self.n, np.arange(self.n + 1))

    def contains(self, case: np.ndarray, node: np.ndarray) -> np.ndarray:
        key = case * self.n + node
        at = np.minimum(np.searchsorted(self.key, key), max(len(self.key) - 1, 0))
        return self.key[at] == key if len(self.key) else np.zeros(len(key), bool)

    def expand(
        self, frame: Frame, one: np.ndarray, other: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, case, other end also core to case) for every core transfer and every case its
        ``one`` end is core to."""
        rows = np.flatnonzero(frame.core_tx)
        ends = one[rows].astype(np.int64)
        lo, hi = self.bounds[ends], self.bounds[ends + 1]
        count = hi - lo
        row = np.repeat(rows, count)
        start = np.repeat(lo, count)
        pos = start + np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
        case = self.by_node[pos] // self.n
        return row, case, self.contains(case, other[row].astype(np.int64))


def _context(frame: Frame, members: _Members) -> tuple[np.ndarray, np.ndarray]:
    """(case, account) pairs: non-hub counterparties of each case's core, ≤ MAX_CONTEXT each."""
    cases, nodes, amounts = [], [], []
    for one, other in ((frame.src, frame.dst), (frame.dst, frame.src)):
        row, case, inside = members.expand(frame, one, other)
        cases.append(case[~inside])
        nodes.append(other[row[~inside]].astype(np.int64))
        amounts.append(frame.amount[row[~inside]])
    case, node, amount = np.concatenate(cases), np.concatenate(nodes), np.concatenate(amounts)
    if not len(case):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n = max(frame.n_nodes, 1)
    key, inv = np.unique(case * n + node, return_inverse=True)
    total = np.bincount(inv, weights=amount)
    kc, kn = key // n, key % n
    order = np.lexsort((-total, kc))
    kc, kn = kc[order], kn[order]
    start = np.searchsorted(kc, kc, side="left")
    keep = np.arange(len(kc)) - start < MAX_CONTEXT
    return kc[keep], kn[keep]


def _empty_cases(n: int, n_p: int, n_r: int) -> Cases:
    none = np.zeros(0, np.int64)
    return Cases(np.zeros(0), np.zeros(0), np.zeros(0), [], [], none, none,
                 np.full(n, -1, np.int64), none, none, none)  # fmt: skip
