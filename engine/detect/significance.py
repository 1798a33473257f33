"""How unlikely each finding is by chance in this dataset, against nulls built from the data.

Every :class:`~engine.detect.hits.Hits` instance gets a p-value (``Hits.p``) and a
Benjamini-Hochberg q-value over the instances of its pattern (``Hits.q``). The thresholds of
:class:`~engine.detect.config.DetectionConfig` only generate candidates; significance decides.

The null is built from the data itself:

* **New counterparties.** Laundering structures move money between accounts that otherwise do
  not deal with each other; merchants, employers, landlords and people paying each other back
  deal with the same counterparties again and again. A transfer is *one-off* when its (unordered)
  pair of accounts transacts exactly once in the data. Under the null, an instance's ``m``
  transfers are drawn from its accounts' transfers, of which a share ``q`` is one-off (``q`` from
  those same accounts, so a shop with many one-off customers is judged against its own rate):
  ``p = P(Binomial(m, q) ≥ r)`` for ``r`` one-off transfers in the instance.
Measured on an independent AMLSim-family world, this null separates laundering from the
look-alikes those simulators model on purpose (fan-in to merchants, payroll fan-out, mutual
paying back, standing orders); a burst null (the anchor's transfers in the instance's span
against its whole period) did not, since their legitimate models also come in bursts.

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
    """P-value of each instance's one-off transfers against its accounts' own one-off rate."""
    k = len(h)
    inst, tx = _instance_tx(frame, h)
    m = np.bincount(inst, minlength=k).astype(np.float64)
    r = np.bincount(inst, weights=(pair_counts(frame)[tx] == 1), minlength=k)
    deg, one_deg = _node_rates(frame)
    keep = ~frame.hub[h.node]
    total = np.bincount(h.node_inst[keep], weights=deg[h.node[keep]], minlength=k)
    ones = np.bincount(h.node_inst[keep], weights=one_deg[h.node[keep]], minlength=k)
    # the instance's own transfers (two ends each) are left out of its accounts' base rate
    inside = np.bincount(inst, weights=~frame.hub[frame.src[tx]], minlength=k) + np.bincount(
        inst, weights=~frame.hub[frame.dst[tx]], minlength=k
    )
    inside_one = np.bincount(inst, weights=(pair_counts(frame)[tx] == 1) * 2.0, minlength=k)
    total, ones = np.maximum(total - inside, 0.0), np.maximum(ones - inside_one, 0.0)
    # one pseudo-transfer of each kind: an account with no other transfers has rate 1/2
    q = np.clip((ones + 1.0) / (total + 2.0), 1e-9, 1.0)
    p = binom.sf(r - 1, m, q)
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
        p = np.full(len(h), spec.prior_p)
        if spec.null == "novelty" and len(h):
            inst, _ = _instance_tx(frame, h)
            money = np.bincount(inst, minlength=len(h)) > 0
            p = np.where(money, novelty_p(frame, h), p)
        h.p, h.q = p, bh(p)
