"""Closeness to the watch list (engine.queries.watchlist) against networkx's personalised
PageRank on the same symmetric, amount-weighted transfer graph."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from engine.queries import Workbench
from engine.queries.watchlist import DAMPING, case_closeness, closeness, entity_closeness
from engine.services.pipeline import analyze
from engine.store import watchlist
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from tests.detect.conftest import World


def _networkx(world: World, seeds: dict[str, float], placeholders=()) -> dict[str, float]:
    g = nx.DiGraph()
    for row in world.tx:
        u, v, w = row["src_account"], row["dst_account"], float(row["amount"])
        for a, b in ((u, v), (v, u)) if u != v else ((u, v),):
            if a in placeholders:
                g.add_node(a)  # a placeholder ends the walk: no edges out of it
                continue
            g.add_edge(a, b, weight=g.get_edge_data(a, b, {"weight": 0.0})["weight"] + w)
    return nx.pagerank(g, alpha=DAMPING, personalization=seeds, weight="weight", tol=1e-13,
                       max_iter=1000)  # fmt: skip


def _workbench(tmp_path, world: World, *, analysed: bool = False) -> Workbench:
    store = EmbeddedStore(tmp_path / "store")
    store.write_batch(Batch("b1", "b1", "mixed", "parquet", world.tables()))
    if analysed:
        analyze(store, seed=0)
    return Workbench(store)


def _listing(*entries: tuple[str, str]) -> object:
    ids, kinds = zip(*entries, strict=True)
    return watchlist.current(watchlist.build(list(ids), list(kinds), "add", by="t"))


@pytest.fixture
def chain_world() -> World:
    world = World()
    rng = np.random.default_rng(3)
    names = [f"A{i}" for i in range(12)]
    for k in range(40):
        u, v = rng.choice(len(names), 2, replace=False)
        world.pay(names[u], names[v], float(rng.integers(50, 5000)), day=k)
    world.pay("A0", "ISOLATED-PAYER", 10.0, day=1)
    world.pay("FAR1", "FAR2", 999.0, day=2)  # not connected to the list at all
    return world


def test_account_closeness_matches_networkx_personalised_pagerank(tmp_path, chain_world):
    wb = _workbench(tmp_path, chain_world)
    near = closeness(wb, _listing(("A3", "account"), ("A7", "account")))
    expected = _networkx(chain_world, {"A3": 1.0, "A7": 1.0})
    got = dict(zip(near.node_ids, near.share, strict=True))
    assert set(got) == set(expected)
    for account, value in expected.items():
        assert got[account] == pytest.approx(value, abs=1e-8), account
    assert got["FAR1"] == pytest.approx(0.0, abs=1e-12)  # unreachable from the list
    assert sum(got.values()) == pytest.approx(1.0)
    assert near.seeds == ["A3", "A7"] and not near.missing


def test_a_watched_person_seeds_their_accounts_split_evenly(tmp_path, chain_world):
    chain_world.party("P1", "Known Suspect", accounts=("A1", "A2"))
    wb = _workbench(tmp_path, chain_world)
    near = closeness(wb, _listing(("P1", "party"), ("NOBODY", "party"), ("X9", "account")))
    expected = _networkx(chain_world, {"A1": 0.5, "A2": 0.5})
    got = dict(zip(near.node_ids, near.share, strict=True))
    assert all(got[a] == pytest.approx(v, abs=1e-8) for a, v in expected.items())
    assert sorted(near.missing) == ["NOBODY", "X9"]  # not in the data: listed, seeding nothing
    person = entity_closeness(wb, near, "P1")
    assert person["watched"] and person["share"] == pytest.approx(got["A1"] + got["A2"])
    assert 0 < person["percentile"] <= 100


def test_placeholders_end_the_walk(tmp_path):
    world = World()
    world.account("CASH", kind="placeholder")
    world.pay("S", "CASH", 100.0, day=0)  # the suspect pays cash in ...
    world.pay("CASH", "OTHER", 100.0, day=1)  # ... an unrelated person takes cash out
    world.pay("S", "FRIEND", 50.0, day=2)
    wb = _workbench(tmp_path, world)
    near = closeness(wb, _listing(("S", "account")))
    expected = _networkx(world, {"S": 1.0}, placeholders={"CASH"})
    got = dict(zip(near.node_ids, near.share, strict=True))
    assert all(got[a] == pytest.approx(v, abs=1e-8) for a, v in expected.items())
    assert got["OTHER"] == pytest.approx(0.0, abs=1e-12) and got["FRIEND"] > 0


def test_an_empty_or_absent_list_gives_zero_closeness(tmp_path, chain_world):
    wb = _workbench(tmp_path, chain_world)
    near = closeness(wb, _listing(("NOT-HERE", "account")))
    assert near.empty and not near.share.any() and near.missing == ["NOT-HERE"]


def test_case_closeness_sums_core_accounts(tmp_path):
    world = World()
    for i in range(3):  # a cycle with shrinking amounts: one flagged case
        world.pay(f"c{i}", f"c{(i + 1) % 3}", 10000 - 300 * i, day=i)
        for month in range(6):
            world.pay(f"c{i}", f"landlord{i}", 800, day=30 * month)
    wb = _workbench(tmp_path, world, analysed=True)
    near = closeness(wb, _listing(("c1", "account")))
    cases = case_closeness(wb, near)
    assert len(cases) >= 1
    members = wb.table("cluster_members").to_pandas()
    case = members.loc[members["entity_id"] == "c1", "cluster_id"].iloc[0]
    row = cases.set_index("cluster_id").loc[case]
    core = members[(members["cluster_id"] == case) & (members["role"] != "context")
                   & (members["entity_kind"] == "account")]["entity_id"]  # fmt: skip
    assert row["watch_closeness"] == pytest.approx(near.of_accounts(list(core)))
    assert row["watched"] == 1
