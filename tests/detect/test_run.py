"""Every detector survives empty and one-sided inputs; the combined run wires them together."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from engine.detect.clusters import communities, score_clusters
from engine.detect.run import detect, identity_edges
from engine.detect.typologies import typology


def test_all_detectors_on_empty_tables(world):
    det = detect(world.frame())
    assert all(len(h) == 0 for h in det.hits)


def test_all_detectors_on_transactions_only(world):
    world.pay("a", "b", 100, day=0)
    world.pay("b", "c", 95, day=1)
    frame = world.frame()
    det = detect(frame)
    assert {h.pattern for h in det.hits} >= {"fan_in", "structuring", "co_travel_group"}
    com = communities(frame, det.hits, identity_edges(frame, det))
    ranked = score_clusters(frame, det.hits, com)
    assert len(ranked.label) == 1  # a, b, c: one community of three accounts


def test_travel_only(world):
    born = dt.date(1990, 1, 5)
    world.party("p", "Ana Lopez", birth_date=born)
    world.trip("r1", "Ana Lopez", "MAD", "ATH", 1, traveller_birth_date=born)
    world.trip("r2", "LOPEZ Ana", "ATH", "MAD", 5, traveller_birth_date=born)
    world.trip("r3", "Jon Smith", "ATH", "MAD", 5)
    det = detect(world.frame())
    assert list(det.person) == [0, 0, 1]  # r3 matches nobody: a traveller of its own


def _two_clusters(world):
    """Two separate triangles of accounts: a1-a2-a3 and b1-b2-b3."""
    for g in "ab":
        world.pay(f"{g}1", f"{g}2", 100, day=0)
        world.pay(f"{g}2", f"{g}3", 100, day=1)
        world.pay(f"{g}3", f"{g}1", 100, day=2)
    frame = world.frame()
    return frame, [frame.graph.index_of([f"{g}{i}" for i in (1, 2, 3)]) for g in "ab"]


def test_many_findings_of_one_kind_add_less_than_independent_evidence(world):
    from engine.detect.clusters import Communities
    from engine.detect.hits import from_groups

    frame, (a, b) = _two_clusters(world)
    n = frame.n_nodes
    labels = np.full(n + frame.parties.num_rows, -1, np.int64)
    labels[a], labels[b] = 0, 1
    com = Communities(labels, n, frame.parties.num_rows, np.zeros(1, np.int64),
                      np.zeros(0, np.int64), np.zeros(0))  # fmt: skip
    # cluster a: ten findings of one travel pattern; cluster b: one money, one travel finding
    noisy = from_groups("payment_trip_alignment", "t", {}, [1.0] * 10, [a[0]] * 10,
                        nodes=[a] * 10)  # fmt: skip
    money = from_groups("funnel", "m", {}, [1.0], [b[0]], nodes=[b])
    travel = from_groups("third_party_payer", "t", {}, [1.0], [b[1]], nodes=[b])
    ranked = score_clusters(frame, [noisy, money, travel], com)
    assert list(ranked.label) == [1, 0]
    # ten findings count √10 times one finding, not ten times
    w = typology("payment_trip_alignment").weight
    assert ranked.raw[1] == pytest.approx(w * np.sqrt(10))
    assert ranked.flags[0] == ["funnel", "third_party_payer"]


def test_large_clusters_are_damped(world):
    from engine.detect.clusters import DAMP_ACCOUNTS, Communities
    from engine.detect.hits import from_groups

    k = int(4 * DAMP_ACCOUNTS)
    for i in range(k):
        world.pay(f"x{i}", f"x{i + 1}", 100, day=0)
    world.pay("s1", "s2", 100, day=0)
    world.pay("s2", "s3", 100, day=0)
    frame = world.frame()
    n = frame.n_nodes
    big = frame.graph.index_of([f"x{i}" for i in range(k + 1)])
    small = frame.graph.index_of(["s1", "s2", "s3"])
    labels = np.full(n, -1, np.int64)
    labels[big], labels[small] = 0, 1
    com = Communities(labels, n, 0, np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0))
    hits = [from_groups("funnel", "m", {}, [1.0, 1.0], [big[0], small[0]],
                        nodes=[big[:3], small])]  # fmt: skip
    ranked = score_clusters(frame, hits, com)
    assert list(ranked.label) == [1, 0]
    assert ranked.raw[1] == pytest.approx(ranked.raw[0] / np.sqrt((k + 1) / DAMP_ACCOUNTS))


def test_busy_accounts_get_no_evidence_edges(world):
    from engine.detect.clusters import BUSY_DEGREE, _edges_of_hits
    from engine.detect.hits import from_groups

    for i in range(BUSY_DEGREE + 5):  # a hotel everyone uses
        world.pay(f"guest{i}", "hotel", 80, day=i % 30, channel="card")
    t_hotel = world.pay("payer", "hotel", 300, day=3, channel="card")
    t_friend = world.pay("payer", "friend", 300, day=4)
    frame = world.frame()
    rows = np.flatnonzero(np.isin(frame.tx_ids.to_numpy(zero_copy_only=False),
                                  [t_hotel, t_friend]))  # fmt: skip
    nodes = frame.graph.index_of(["payer", "hotel", "friend"])
    hits = [from_groups("victim_expenses", "t", {}, [1.0], [nodes[0]], nodes=[nodes],
                        txs=[rows])]  # fmt: skip
    u, v, _ = _edges_of_hits(frame, hits)
    pairs = {tuple(sorted(frame.graph.account_of([a, b]))) for a, b in zip(u, v, strict=True)}
    assert pairs == {("friend", "payer")}
