"""Money thresholds follow the data's scale: the same world in cents, or in a currency worth a
hundredth, gives the same findings; absolute thresholds do not move; cash_threshold is legal."""

from __future__ import annotations

import numpy as np
import pytest

from engine.detect.config import RELATIVE_MONEY, DetectionConfig
from engine.detect.flows import bipartite, pass_through
from tests.detect.conftest import World


def _world(scale: float) -> World:
    """Everyday payments between friends (about 60), a dense 3 × 3 layer of 900 each and a mule
    passing 2,400 on: the same world at ``scale`` times the money."""
    w = World()
    rng = np.random.default_rng(0)
    for i in range(300):
        a, b = rng.integers(0, 60, 2)
        if a != b:
            w.pay(f"p{a}", f"p{b}", float(rng.uniform(30, 90)) * scale, day=float(i % 60))
    for i in range(3):
        for j in range(3):
            w.pay(f"s{i}", f"r{j}", 900.0 * scale, day=20 + i + j / 10)
    w.pay("x1", "mule", 1200.0 * scale, day=30)
    w.pay("x2", "mule", 1200.0 * scale, day=30.5)
    w.pay("mule", "y", 2300.0 * scale, day=31)
    return w


def _found(frame) -> tuple[int, int]:
    bip, _ = bipartite(frame)
    return len(bip), len(pass_through(frame))


@pytest.mark.parametrize("scale", [0.01, 100.0, 12_000.0])
def test_relative_thresholds_find_the_same_at_any_scale(scale):
    base = _world(1.0).frame(DetectionConfig())
    scaled = _world(scale).frame(DetectionConfig())
    assert _found(base) == _found(scaled) != (0, 0)
    assert scaled.config.money_factor == pytest.approx(base.config.money_factor * scale)
    for name in RELATIVE_MONEY:
        assert getattr(scaled.config, name) == pytest.approx(getattr(base.config, name) * scale)
    assert scaled.config.cash_threshold == DetectionConfig().cash_threshold  # legal


def test_absolute_thresholds_stay_as_given():
    frame = _world(0.01).frame(DetectionConfig(money_thresholds="absolute"))
    assert frame.config.money_factor == 1.0
    assert frame.config.bipartite_min_amount == DetectionConfig().bipartite_min_amount
    assert _found(frame) == (0, 0)  # a world in hundredths moves too little for EUR thresholds


def test_scaling_twice_does_not_compound():
    c = DetectionConfig().scaled_to(140.0)
    assert c.scaled_to(140.0) == c
    assert c.scaled_to(90.0).bipartite_min_amount == DetectionConfig().bipartite_min_amount


@pytest.mark.parametrize("median", [0.0, float("nan"), -5.0])
def test_no_money_scale_leaves_the_defaults(median):
    assert DetectionConfig().scaled_to(median) == DetectionConfig()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="relative"):
        DetectionConfig(money_thresholds="fuzzy").scaled_to(10.0)
    with pytest.raises(ValueError, match="positive"):
        DetectionConfig(money_reference=0.0).scaled_to(10.0)
