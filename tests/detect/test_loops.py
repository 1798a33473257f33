"""New-money loops: a planted ring of strangers inside busy one-off traffic is found, and
traffic with no structure gives no finding at q ≤ 0.05 (the null is from the data)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.detect.loops import new_money_loop, one_off_rows
from tests.detect.conftest import accounts_of


def _background(world, rng, n_accounts=400, n_tx=1500, days=90):
    """One-off transfers between random accounts at random days, each account active in a
    window of its own (accounts busy together close loops by chance: the null must know)."""
    start = rng.uniform(0, days * 0.7, n_accounts)
    length = rng.uniform(5, days * 0.3, n_accounts)
    seen = set()
    while len(seen) < n_tx:
        a, b = rng.integers(0, n_accounts, 2)
        if a == b or (min(a, b), max(a, b)) in seen:
            continue
        seen.add((min(a, b), max(a, b)))
        lo = max(start[a], start[b])
        hi = min(start[a] + length[a], start[b] + length[b])
        day = rng.uniform(lo, hi) if hi > lo else rng.uniform(start[a], start[a] + length[a])
        world.pay(f"b{a}", f"b{b}", float(rng.lognormal(6, 0.6)), day=float(day))


def test_a_ring_and_a_dense_set_of_strangers_are_found(world):
    rng = np.random.default_rng(3)
    _background(world, rng)
    ring = [f"r{i}" for i in range(6)]
    for i, a in enumerate(ring):  # money round six new accounts in twelve days
        world.pay(a, ring[(i + 1) % 6], float(rng.lognormal(6, 0.6)), day=30 + 2 * i)
    dense = [f"d{i}" for i in range(6)]
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    for k in rng.permutation(len(pairs))[:11]:  # eleven transfers among six, within five days
        i, j = pairs[k]
        world.pay(dense[i], dense[j], float(rng.lognormal(6, 0.6)), day=60 + rng.uniform(0, 5))
    frame = world.frame()
    hits = new_money_loop(frame)
    found = [accounts_of(frame, hits, i) for i in np.flatnonzero(hits.q <= 0.05)]
    assert any(set(ring) <= f and len(f) <= 10 for f in found), found
    # the tightest loops of the dense set are taken first (a larger window's candidate sharing
    # their transfers is left out), so a finding holds most of the set, not always all of it
    assert any(len(set(dense) & f) >= 4 and len(f) <= 10 for f in found), found
    assert len(hits.p) == len(hits) and (hits.q >= 0).all() and (hits.q <= 1).all()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_structureless_traffic_gives_no_finding(world, seed):
    _background(world, np.random.default_rng(seed))
    hits = new_money_loop(world.frame())
    assert int((hits.q <= 0.05).sum()) == 0


def test_repeated_pairs_are_not_new_money(world):
    for k in range(3):  # a triangle of friends paying each other every month
        world.pay("a", "b", 50, day=30 * k)
        world.pay("b", "c", 50, day=30 * k + 1)
        world.pay("c", "a", 50, day=30 * k + 2)
    frame = world.frame()
    assert len(one_off_rows(frame)) == 0
    assert len(new_money_loop(frame)) == 0


def test_the_same_input_gives_the_same_findings(world):
    rng = np.random.default_rng(5)
    _background(world, rng, n_tx=600)
    a, b = new_money_loop(world.frame()), new_money_loop(world.frame())
    assert np.array_equal(a.tx, b.tx) and np.array_equal(a.q, b.q)


def test_a_transfer_elsewhere_leaves_the_findings_as_they_were(world):
    """One new transfer between two new accounts, before everything else, changes no finding
    (the null's shuffle of a day is drawn from that day's transfer ids; windows do not move)."""
    rng = np.random.default_rng(3)
    _background(world, rng)
    ring = [f"r{i}" for i in range(6)]
    for i, a in enumerate(ring):
        world.pay(a, ring[(i + 1) % 6], 500.0, day=30 + 2 * i)
    before = world.frame()
    world.pay("new1", "new2", 10.0, day=-40)
    after = world.frame()

    def found(frame):
        h = new_money_loop(frame)
        ids = frame.tx_ids.to_pylist()
        return sorted((tuple(sorted(ids[x] for x in h.txs_of(i))), round(float(h.q[i]), 9))
                      for i in range(len(h)))  # fmt: skip

    assert found(before) == found(after) != []
