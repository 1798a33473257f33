"""Cases: significant findings, their own accounts as core, counterparties as context."""

from __future__ import annotations

import numpy as np
import pytest

from engine.detect.cases import BUSY_DEGREE, L_MAX, build_cases
from engine.detect.clusters import Communities
from engine.detect.hits import from_groups
from engine.detect.typologies import typology


def _communities(frame, groups: list[list[int]]) -> Communities:
    n = frame.n_nodes
    labels = np.full(n + frame.parties.num_rows, -1, np.int64)
    for c, nodes in enumerate(groups):
        labels[nodes] = c
    return Communities(labels, n, frame.parties.num_rows, np.zeros(1, np.int64),
                       np.zeros(0, np.int64), np.zeros(0))  # fmt: skip


def _finding(pattern, nodes, q, txs=None, anchor=None):
    h = from_groups(pattern, typology(pattern).source_text, {}, [1.0] * len(q),
                    [anchor if anchor is not None else g[0] for g in nodes], nodes=nodes,
                    txs=txs)  # fmt: skip
    h.q = h.p = np.asarray(q, np.float64)
    return h


def _triangles(world):
    """Triangles a1-a2-a3 and b1-b2-b3, each with a neighbour they pay now and then."""
    for g in "ab":
        world.pay(f"{g}1", f"{g}2", 100, day=0)
        world.pay(f"{g}2", f"{g}3", 100, day=1)
        world.pay(f"{g}3", f"{g}1", 100, day=2)
        world.pay(f"{g}1", f"{g}_friend", 30, day=5)
    frame = world.frame()
    return frame, [list(frame.graph.index_of([f"{g}{i}" for i in (1, 2, 3)])) for g in "ab"]


def test_core_is_the_findings_accounts_and_context_their_counterparties(world):
    frame, (a, b) = _triangles(world)
    friend = int(frame.graph.index_of(["a_friend"])[0])
    com = _communities(frame, [[*a, friend], b])
    cases = build_cases(frame, [_finding("temporal_cycle", [a], [1e-4])], com)
    assert len(cases) == 1
    core = set(frame.graph.account_of(cases.member_entity[cases.member_entity < frame.n_nodes]))
    assert core == {"a1", "a2", "a3"}  # not the friend, though in the same community
    assert set(frame.graph.account_of(cases.context_node)) == {"a_friend"}
    assert cases.community.tolist() == [0]


def test_findings_that_are_not_significant_build_no_case(world):
    frame, (a, b) = _triangles(world)
    com = _communities(frame, [a, b])
    q = frame.config.significance_fdr
    cases = build_cases(frame, [_finding("temporal_cycle", [a, b], [q * 2, q / 2])], com)
    assert len(cases) == 1
    assert set(frame.graph.account_of(np.flatnonzero(cases.node_case == 0))) == {"b1", "b2", "b3"}


def test_a_busy_account_does_not_glue_findings_together(world):
    frame, (a, b) = _triangles(world)
    for i in range(BUSY_DEGREE + 1):
        world.pay(f"guest{i}", "shop", 20, day=i % 30)
    frame = world.frame()
    a, b = (list(frame.graph.index_of([f"{g}{i}" for i in (1, 2, 3)])) for g in "ab")
    shop = int(frame.graph.index_of(["shop"])[0])
    com = Communities(np.full(frame.n_nodes, -1, np.int64), frame.n_nodes, 0,
                      np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0))  # fmt: skip
    hits = [_finding("fan_in", [[*a, shop], [*b, shop]], [1e-5, 1e-5], anchor=shop)]
    cases = build_cases(frame, hits, com)
    assert len(cases) == 2
    assert shop not in set(cases.member_entity.tolist())  # busy: context, never core


def test_many_findings_of_one_kind_add_less_than_independent_evidence(world):
    frame, (a, b) = _triangles(world)
    com = _communities(frame, [a, b])
    q = 1e-3
    noisy = _finding("payment_trip_alignment", [a] * 10, [q] * 10)
    money = _finding("funnel", [b], [q])
    travel = _finding("third_party_payer", [b], [q])
    cases = build_cases(frame, [noisy, money, travel], com)
    assert cases.flags == [["funnel", "third_party_payer"], ["payment_trip_alignment"]]
    # ten findings count √10 times one finding, not ten times
    w = typology("payment_trip_alignment").weight
    assert cases.raw[1] == pytest.approx(w * np.sqrt(10 * min(3.0, L_MAX)))


def test_two_findings_of_one_community_that_share_nothing_stay_two_cases(world):
    frame, (a, b) = _triangles(world)
    com = _communities(frame, [[*a, *b]])  # one community around both
    cases = build_cases(frame, [_finding("temporal_cycle", [a, b], [1e-4, 1e-3])], com)
    assert len(cases) == 2
    assert set(frame.graph.account_of(np.flatnonzero(cases.node_case == 0))) == {"a1", "a2", "a3"}


def test_a_finding_too_small_for_a_case_joins_the_strongest_case_of_its_community(world):
    frame, (a, b) = _triangles(world)
    world.pay("c1", "c2", 100, day=3)
    frame = world.frame()
    a, b = (list(frame.graph.index_of([f"{g}{i}" for i in (1, 2, 3)])) for g in "ab")
    lone = int(frame.graph.index_of(["c1"])[0])
    far = int(frame.graph.index_of(["c2"])[0])
    com = _communities(frame, [[*a, *b, lone], [far]])
    cycles = _finding("temporal_cycle", [a, b], [1e-3, 1e-8])  # b's is the stronger
    small = _finding("structuring", [[lone], [far]], [1e-4, 1e-4])
    cases = build_cases(frame, [cycles, small], com)
    assert len(cases) == 2  # far's finding has no case to join and is too small alone
    first = set(frame.graph.account_of(np.flatnonzero(cases.node_case == 0)))
    assert first == {"b1", "b2", "b3", "c1"}
    assert cases.flags[0] == ["structuring", "temporal_cycle"]
    assert far not in set(cases.member_entity.tolist())


def test_money_and_travel_findings_of_one_community_are_one_case(world):
    frame, (a, b) = _triangles(world)
    com = _communities(frame, [[*a, *b]])
    cycle = _finding("temporal_cycle", [a], [1e-4])
    travel = _finding("third_party_payer", [b], [1e-4])  # shares no account with the cycle
    cases = build_cases(frame, [cycle, travel], com)
    assert len(cases) == 1  # two layers of evidence agree on the community: one operation
    assert cases.flags == [["temporal_cycle", "third_party_payer"]]
    apart = build_cases(frame, [cycle, travel], _communities(frame, [a, b]))
    assert len(apart) == 2  # in two communities they stay two
