"""Significance of findings: nulls from the data, Benjamini-Hochberg over a pattern."""

from __future__ import annotations

import numpy as np
import pytest

from engine.detect.flows import fan
from engine.detect.hits import from_groups
from engine.detect.run import detect
from engine.detect.significance import bh, calibrate, novelty_p
from engine.detect.typologies import typology


def _naive_bh(p: np.ndarray) -> np.ndarray:
    n = len(p)
    rank = {i: r for r, i in enumerate(np.argsort(p, kind="stable"), start=1)}
    return np.array([min(1.0, min(p[j] * n / rank[j] for j in range(n) if p[j] >= p[i]))
                     for i in range(n)])  # fmt: skip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bh_matches_the_definition(seed):
    p = np.random.default_rng(seed).uniform(0, 0.2, 40) ** 2
    assert np.allclose(bh(p), _naive_bh(p))


def _mule_and_shop(world):
    """A mule paid by seven new senders in three days, who otherwise only gets a salary and
    pays rent; a shop whose customers all pay once, one or two a day."""
    for month in range(3):
        world.pay("employer", "mule", 2500, day=30 * month)
        world.pay("mule", "landlord", 900, day=30 * month + 1)
    for i in range(7):
        world.pay(f"new{i}", "mule", 1500 + 10 * i, day=40 + 0.4 * i)
    for i in range(90):
        world.pay(f"customer{i}", "shop", 40 + i % 7, day=i)
    return world.frame()


def test_new_senders_are_significant_where_they_are_unusual(world):
    frame = _mule_and_shop(world)
    hits = fan(frame, "in")
    p = novelty_p(frame, hits)
    anchors = frame.graph.account_of(hits.anchor)
    assert set(anchors) == {"mule", "shop"}
    mule = p[[a == "mule" for a in anchors]]
    shop = p[[a == "shop" for a in anchors]]
    assert mule.max() < 1e-4  # seven one-off senders, against a rate of 1 in 8
    assert shop.min() > 0.5  # one-off customers are what a shop has


def test_detect_calibrates_every_finding_and_top_keeps_it(world):
    frame = _mule_and_shop(world)
    det = detect(frame)
    for h in det.hits:
        assert h.p is not None and h.q is not None and len(h.p) == len(h) == len(h.q)
        assert np.all((h.p > 0) & (h.p <= 1) & (h.q >= h.p - 1e-15))
    fan_in = det.by_pattern()["fan_in"]
    best = fan_in.top(1)
    assert best.p is not None and len(best.p) == 1
    assert best.p[0] == fan_in.p[np.argmax(fan_in.strength)]


def test_cash_and_travel_findings_take_their_prior(world):
    frame = _mule_and_shop(world)
    cash = from_groups("structuring", "s", {}, [1.0], [0], nodes=[[0]])
    money = from_groups("fan_in", "s", {}, [1.0], [0], nodes=[[0]])  # no transfers: the prior
    calibrate(frame, [cash, money])
    assert cash.p[0] == typology("structuring").prior_p == 10 ** (-2 * 2.0)
    assert money.p[0] == typology("fan_in").prior_p
