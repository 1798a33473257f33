"""Generic structures: each fires on its shape and stays quiet on a look-alike."""

from __future__ import annotations

from engine.detect import flows
from tests.detect.conftest import accounts_of, anchors_of


def test_fan_in_fires_on_a_burst_of_new_senders(world):
    for i in range(7):
        world.pay(f"s{i}", "collector", 900 + i, day=i * 0.5)
    frame = world.frame()
    hits = flows.fan(frame, "in")
    assert anchors_of(frame, hits) == {"collector"}
    assert len(hits.txs_of(0)) == 7


def test_fan_in_ignores_rent_and_slow_senders(world):
    for month in range(5):  # a landlord: the same six tenants every month
        for i in range(6):
            world.pay(f"tenant{i}", "landlord", 700, day=30 * month + i * 0.2)
    for i in range(7):  # seven senders, but weeks apart
        world.pay(f"friend{i}", "slow", 100, day=20 * i)
    assert len(flows.fan(world.frame(), "in")) == 0


def test_fan_out(world):
    for i in range(6):
        world.pay("boss", f"r{i}", 500, day=1)
    frame = world.frame()
    assert anchors_of(frame, flows.fan(frame, "out")) == {"boss"}


def test_fan_ignores_placeholder_counterparties(world):
    world.account("CASH", kind="placeholder")
    for i in range(8):
        world.pay("CASH", "x", 100, day=i * 0.1, channel="cash")
    assert len(flows.fan(world.frame(), "in")) == 0


def test_temporal_cycle_with_shrinking_amounts(world):
    world.pay("a", "b", 10000, day=0)
    world.pay("b", "c", 9600, day=1)
    world.pay("c", "d", 9300, day=1)  # same day: possibly ordered
    world.pay("d", "a", 9000, day=3)
    world.pay("x", "y", 500, day=0)  # unrelated: amounts do not pass on
    world.pay("y", "z", 4000, day=1)
    world.pay("z", "x", 60, day=2)
    frame = world.frame()
    hits = flows.temporal_cycle(frame)
    assert len(hits) == 1
    assert accounts_of(frame, hits, 0) == {"a", "b", "c", "d"}
    assert len(hits.txs_of(0)) == 4


def test_no_cycle_when_time_goes_backwards(world):
    world.pay("a", "b", 1000, day=5)
    world.pay("b", "c", 950, day=6)
    world.pay("c", "a", 900, day=1)
    assert len(flows.temporal_cycle(world.frame())) == 0


def test_scatter_gather(world):
    for i in range(3):
        world.pay("s", f"m{i}", 3000, day=0)
        world.pay(f"m{i}", "d", 2850, day=2)
    world.pay("s", "m9", 3000, day=0)  # a look-alike branch that keeps the money
    frame = world.frame()
    hits = flows.scatter_gather(frame)
    assert len(hits) == 1
    assert accounts_of(frame, hits, 0) == {"s", "d", "m0", "m1", "m2"}


def test_layering_chain(world):
    names = ["a", "b", "c", "d", "e", "f"]
    for i in range(5):
        world.pay(names[i], names[i + 1], 5000 - 100 * i, day=i)
        world.pay(names[i], names[i + 1], 3000 - 50 * i, day=i + 10)
    world.pay("p", "q", 5000, day=0)
    world.pay("q", "r", 200, day=1)  # q keeps the money: no chain
    frame = world.frame()
    chains = flows.layering_chain(frame)
    assert len(chains) == 2
    assert accounts_of(frame, chains, 0) == set(names)


def test_pass_through_aggregates_in_and_out(world):
    for i, amount in enumerate([1200, 2500, 1800]):
        world.pay(f"in{i}", "mule", amount, day=0.2 * i)
    world.pay("mule", "boss1", 3000, day=1.5)
    world.pay("mule", "boss2", 2350, day=2)
    world.pay("employer", "worker", 3000, day=0)  # salary in, spending out: keeps most
    world.pay("friend", "worker", 200, day=1)
    world.pay("worker", "landlord", 900, day=2)
    frame = world.frame()
    mules = flows.pass_through(frame)
    assert anchors_of(frame, mules) == {"mule"}
    assert len(mules.txs_of(0)) == 5


def test_gather_scatter(world):
    for i in range(4):
        world.pay(f"in{i}", "hub", 1000, day=i * 0.5)
    for j in range(4):
        world.pay("hub", f"out{j}", 980, day=3 + j * 0.5)
    frame = world.frame()
    hits = flows.gather_scatter(frame)
    assert anchors_of(frame, hits) == {"hub"}


def test_gather_scatter_needs_balance(world):
    for i in range(4):
        world.pay(f"in{i}", "shop", 1000, day=i * 0.5)
    for j in range(4):
        world.pay("shop", f"out{j}", 100, day=3 + j * 0.5)
    assert len(flows.gather_scatter(world.frame())) == 0


def test_bipartite_and_stack(world):
    for a in ("a1", "a2", "a3"):
        for b in ("b1", "b2"):
            world.pay(a, b, 2000, day=1)
    for b in ("b1", "b2"):
        for c in ("c1", "c2"):
            world.pay(b, c, 1500, day=4)
    world.pay("z1", "y1", 10, day=1)
    world.pay("z1", "y2", 10, day=1)  # one sender only: not bipartite
    frame = world.frame()
    bip, stack = flows.bipartite(frame)
    found = [accounts_of(frame, bip, i) for i in range(len(bip))]
    assert {"a1", "a2", "a3", "b1", "b2"} in found
    assert {"b1", "b2", "c1", "c2"} in found
    assert len(stack) == 1
    assert accounts_of(frame, stack, 0) == {"a1", "a2", "a3", "b1", "b2", "c1", "c2"}


def test_bipartite_ignores_friends_settling_small_costs(world):
    for a in ("ann", "bob", "cem"):  # three friends paying two others back for dinners
        for b in ("dan", "eva"):
            world.pay(a, b, 35, day=2, channel="mobile")
    for a in ("a1", "a2", "a3"):  # the same square moving real money
        for b in ("b1", "b2"):
            world.pay(a, b, 900, day=2)
    frame = world.frame()
    bip, _ = flows.bipartite(frame)
    assert [accounts_of(frame, bip, i) for i in range(len(bip))] == [{"a1", "a2", "a3", "b1", "b2"}]
    assert frame.config.bipartite_min_amount > 6 * 35


def test_dense_flow(world):
    for i in range(3):
        for j in range(2):
            world.pay(f"src{j}", f"mid{i}", 4000, day=i)
            world.pay(f"mid{i}", f"dst{j}", 3900, day=i + 1)
    frame = world.frame()
    hits = flows.dense_flow(frame)
    assert len(hits) == 1
    assert {"mid0", "mid1", "mid2"} <= accounts_of(frame, hits, 0)


def test_a_date_only_transfer_may_follow_one_earlier_that_day(world):
    for i in range(3):  # the second hop carries a date only (midnight): possibly later that day
        world.pay("s", f"m{i}", 3000, day=2.55)
        world.pay(f"m{i}", "d", 2900, day=2)
    frame = world.frame()
    assert len(flows.scatter_gather(frame)) == 1


def test_gather_scatter_through_an_everyday_account(world):
    """The hub keeps living its life: a rent payment while the money gathers, a salary while
    it is passed on, cash for shopping. The pattern is still there."""
    for i in range(4):
        world.pay(f"in{i}", "hub", 1000, day=i * 0.5)
    world.pay("hub", "landlord", 75, day=1.2, channel="mobile")
    for j in range(4):
        world.pay("hub", f"out{j}", 900, day=3 + j * 0.5)
    world.pay("employer", "hub", 350, day=3.7)
    frame = world.frame()
    hits = flows.gather_scatter(frame)
    assert anchors_of(frame, hits) == {"hub"}
    accounts = {frame.graph.account_of([n])[0] for n in hits.nodes_of(0)}
    assert {"in0", "in3", "out0", "out3"} <= accounts
    assert "landlord" not in accounts and "employer" not in accounts


def test_gather_scatter_needs_the_gather_before_the_scatter(world):
    for j in range(4):
        world.pay("hub", f"out{j}", 1000, day=j * 0.5)
    for i in range(4):
        world.pay(f"in{i}", "hub", 1000, day=3 + i * 0.5)
    assert len(flows.gather_scatter(world.frame())) == 0
