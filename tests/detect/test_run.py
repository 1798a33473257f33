"""Every detector survives empty and one-sided inputs; the combined run wires them together."""

from __future__ import annotations

import datetime as dt

from engine.detect.clusters import communities, score_clusters
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
