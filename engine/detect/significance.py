"""How unlikely each finding is by chance in this dataset, against nulls built from the data.

Every :class:`~engine.detect.hits.Hits` instance gets a p-value (``Hits.p``) and a
Benjamini-Hochberg q-value over the instances of its pattern (``Hits.q``). The thresholds of
:class:`~engine.detect.config.DetectionConfig` only generate candidates; significance decides.

The null is built from the data itself:

* **New counterparties.** Laundering structures move money between accounts that otherwise do
  not deal with each other; merchants, employers, landlords and people paying each other back
  deal with the same counterparties again and again. A transfer is *one-off* when its (unordered)
  pair of accounts transacts exactly once in the data. Under the null, each of an instance's
  ``m`` transfers is one-off as often as its accounts' other transfers are (pooled, or the
  anchor's own rate when larger: a shop with many one-off customers is judged against its own
  rate): ``r`` one-off transfers give ``p = P(Binomial(m, q) ≥ r)`` (:func:`novelty_p`).
Measured on an independent AMLSim-family world, this null separates laundering from the
look-alikes those simulators model on purpose (fan-in to merchants, payroll fan-out, mutual
paying back, standing orders); a burst null (the anchor's transfers in the instance's span
against its whole period) did not, since their legitimate models also come in bursts.

Detectors with a null of their own (spec ``null = "permutation"``, :mod:`engine.detect.loops`:
the same transfers with their times permuted) set ``p`` and ``q`` themselves; they are kept.

Findings without transfers between customers (travel, identity), and cash patterns (the cash
side is a hub; for structuring the legal threshold is the point), have no such null: they keep
the prior of their typology (:attr:`~engine.detect.typologies.Typology.prior_p`, from its
weight).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.typologies import typology


def pair_counts(frame: Frame) -> np.ndarray:
    """Transfers of each transaction's unordered account pair (core transfers; 0 elsewhere)."""
    if "pair_counts" not in frame.cache:
        n = max(frame.n_nodes, 1)
        core = frame.core_tx
        a = np.minimum(frame.src, frame.dst).astype(np.int64)
        b = np.maximum(frame.src, frame.dst).astype(np.int64)
        key = a[core] * n + b[core]
        _, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
        out = np.zeros(frame.n_tx, np.int64)
        out[core] = cnt[inv]
        frame.cache["pair_counts"] = out
    return frame.cache["pair_counts"]  # type: ignore[return-value]


def _node_rates(frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Per account: core transfers, and one-off ones among them."""
    if "node_rates" not in frame.cache:
        n = frame.n_nodes
        core = frame.core_tx
        one = core & (pair_counts(frame) == 1)
        s, d = frame.src.astype(np.int64), frame.dst.astype(np.int64)
        deg = np.bincount(s[core], minlength=n) + np.bincount(d[core], minlength=n)
        one_deg = np.bincount(s[one], minlength=n) + np.bincount(d[one], minlength=n)
        frame.cache["node_rates"] = (deg.astype(np.float64), one_deg.astype(np.float64))
    return frame.cache["node_rates"]  # type: ignore[return-value]


def _instance_tx(frame: Frame, h: Hits) -> tuple[np.ndarray, np.ndarray]:
    """(instance, core transaction) pairs of ``h``, each pair once."""
    if not len(h.tx):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    key = np.unique(h.tx_inst.astype(np.int64) * frame.n_tx + h.tx)
    inst, tx = key // frame.n_tx, key % frame.n_tx
    ok = frame.core_tx[tx]
    return inst[ok], tx[ok]


def novelty_p(frame: Frame, h: Hits) -> np.ndarray:
    """P-value of each instance's one-off transfers against its accounts' own one-off rates.

    Notes
    -----
    Rates count transfers outside the instance (the instance does not vouch for itself), with
    one pseudo-transfer of each kind: ``q = (one-off + 1) / (transfers + 2)``. The null rate is
    the larger of the rate pooled over the instance's accounts and the anchor's own rate (a
    shop's customers are one-off, whatever else they do). With ``m`` transfers, ``r`` one-off,
    ``p = P(Binomial(m, q) ≥ r)``.
    """
    k = len(h)
    inst, tx = _instance_tx(frame, h)
    if not len(tx):
        return np.ones(k)
    one = (pair_counts(frame)[tx] == 1).astype(np.float64)
    m = np.bincount(inst, minlength=k).astype(np.float64)
    r = np.bincount(inst, weights=one, minlength=k)
    deg, one_deg = _node_rates(frame)
    n = max(frame.n_nodes, 1)
    s, d = frame.src[tx].astype(np.int64), frame.dst[tx].astype(np.int64)
    # each (instance, account) pair's own transfers inside the instance, to leave them out
    key = np.concatenate([inst * n + s, inst * n + d])
    uk, inv = np.unique(key, return_inverse=True)
    inside = np.bincount(inv, minlength=len(uk)).astype(np.float64)
    inside_one = np.bincount(inv, weights=np.concatenate([one, one]), minlength=len(uk))
    node = uk % n
    q_node = (np.maximum(one_deg[node] - inside_one, 0) + 1.0) / (
        np.maximum(deg[node] - inside, 0) + 2.0
    )
    inst_of = uk // n
    # pooled over the instance's accounts, and the anchor's own rate: the larger counts
    pooled = (np.bincount(inst_of, weights=np.maximum(one_deg[node] - inside_one, 0), minlength=k)
              + 1.0) / (np.bincount(inst_of, weights=np.maximum(deg[node] - inside, 0),
                                    minlength=k) + 2.0)  # fmt: skip
    is_anchor = node == h.anchor[inst_of]
    anchor_q = np.zeros(k)
    anchor_q[inst_of[is_anchor]] = q_node[is_anchor]
    q = np.maximum(pooled, anchor_q)
    p = binom.sf(r - 1, m, np.clip(q, 1e-9, 1.0))
    return np.where(m > 0, p, 1.0)


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values."""
    n = len(p)
    if not n:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def calibrate(frame: Frame, hits: list[Hits]) -> None:
    """Set ``p`` and ``q`` on every :class:`Hits` in ``hits`` (in place)."""
    for h in hits:
        spec = typology(h.pattern)
        if spec.null == "permutation":
            if h.p is None or h.q is None or len(h.p) != len(h) or len(h.q) != len(h):
                raise ValueError(f"{h.pattern}: a permutation-null detector must set p and q")
            continue
        p = np.full(len(h), spec.prior_p)
        if spec.null == "novelty" and len(h):
            inst, _ = _instance_tx(frame, h)
            money = np.bincount(inst, minlength=len(h)) > 0
            p = np.where(money, novelty_p(frame, h), p)
        h.p, h.q = p, bh(p)
