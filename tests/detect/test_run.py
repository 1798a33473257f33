"""Every detector survives empty and one-sided inputs; the combined run wires them together."""

from __future__ import annotations

import datetime as dt

import numpy as np

from engine.detect.cases import build_cases
from engine.detect.clusters import communities
from engine.detect.run import detect, identity_edges


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
    a, b, c = com.labels[frame.graph.index_of(["a", "b", "c"])]
    assert a == b == c >= 0  # a, b, c: one community of three accounts
    # ... and no case: two transfers among otherwise idle accounts are nothing unusual
    assert len(build_cases(frame, det.hits, com)) == 0


def test_travel_only(world):
    born = dt.date(1990, 1, 5)
    world.party("p", "Ana Lopez", birth_date=born)
    world.trip("r1", "Ana Lopez", "MAD", "ATH", 1, traveller_birth_date=born)
    world.trip("r2", "LOPEZ Ana", "ATH", "MAD", 5, traveller_birth_date=born)
    world.trip("r3", "Jon Smith", "ATH", "MAD", 5)
    det = detect(world.frame())
    assert list(det.person) == [0, 0, 1]  # r3 matches nobody: a traveller of its own


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
