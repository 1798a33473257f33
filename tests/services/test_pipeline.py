"""The analysis pipeline on small stores where the answer is known."""

from __future__ import annotations

import itertools

import pyarrow as pa

from engine.core import schema
from engine.detect.config import DetectionConfig
from engine.services.pipeline import HUB_DEGREE, analyze
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from tests.store.test_contract import tx_table


def _store_with(tmp_path, tx_rows, accounts=None, holdings=None) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "store")
    tables = {"transactions": tx_table(tx_rows)}
    if accounts:
        tables["accounts"] = schema.conform(pa.Table.from_pylist(accounts), "accounts")
    if holdings:
        tables["holdings"] = schema.conform(pa.Table.from_pylist(holdings), "holdings")
    store.write_batch(Batch("b1", "b1.parquet", "mixed", "parquet", tables))
    return store


def _ring(prefix: str, n: int, amount: float, start: int) -> list[tuple]:
    """Every pair of the group's accounts transacts once, one way: a dense community of one-off
    transfers (paying back both ways would be two people settling up)."""
    rows = []
    for k, (i, j) in enumerate(itertools.combinations(range(n), 2)):
        rows.append((f"{prefix}{i}-{j}", f"{prefix}{i}", f"{prefix}{j}", amount, start + k))
    return rows


def _rent(prefix: str, n: int) -> list[tuple]:
    """Each account of a group pays its landlord six times: its ordinary life, against which
    the group's one-off transfers among each other are unusual."""
    return [(f"rent-{prefix}{i}-{m}", f"{prefix}{i}", f"landlord-{prefix}{i}", 700.0, 1000 + m)
            for i in range(n) for m in range(6)]  # fmt: skip


#: The groups below are hand-made with amounts in euros, so their thresholds are absolute (the
#: scaling to the data's median is tested in tests/detect/test_money_scale.py). The fan floor of
#: 6 keeps A0's four ring transfers and the bridge from being a fan-out of five: what these tests
#: check is how findings become clusters, not the fan detector.
HAND_MADE = DetectionConfig(money_thresholds="absolute", fan_k=6, fan_window_days=10)


def test_two_dense_groups_become_two_ranked_clusters(tmp_path) -> None:
    rows = _ring("A", 5, 1000.0, 0) + _ring("B", 4, 900.0, 100) + _rent("A", 5) + _rent("B", 4)
    rows.append(("bridge", "A0", "B0", 1.0, 500))  # one weak link between the groups
    store = _store_with(
        tmp_path,
        rows,
        accounts=[{"account_id": f"A{i}", "country": "LY"} for i in range(5)]
        + [{"account_id": f"B{i}", "country": "DE"} for i in range(4)],
        holdings=[
            {"party_id": "P1", "account_id": "A0", "role": "owner"},
            {"party_id": "P1", "account_id": "A1", "role": "owner"},
        ],
    )
    summary = analyze(store, seed=1, config=HAND_MADE)
    assert summary.n_transactions == len(rows)
    assert summary.n_components == 1
    clusters = store.read_results("clusters").sort_by("rank")
    assert clusters["n_accounts"].to_pylist() == [5, 4]
    assert clusters["volume"].to_pylist() == [10 * 1000.0, 6 * 900.0]
    assert clusters["n_parties"].to_pylist() == [1, 0]
    assert clusters["countries"].to_pylist() == [["LY"], ["DE"]]
    rent = 6 * 700.0
    assert clusters["outflow"].to_pylist() == [1.0 + 5 * rent, 4 * rent]
    assert clusters["inflow"].to_pylist()[1] == 1.0
    members = store.read_results("cluster_members")
    first = members.filter(pa.compute.equal(members["cluster_id"], clusters["cluster_id"][0]))
    accounts = sorted(m["entity_id"] for m in first.to_pylist()
                      if m["entity_kind"] == "account" and m["role"] != "context")  # fmt: skip
    assert accounts == [f"A{i}" for i in range(5)]
    context = {m["entity_id"] for m in first.to_pylist() if m["role"] == "context"}
    assert context == {f"landlord-A{i}" for i in range(5)} | {"B0"}  # counterparties: shown
    assert [m["entity_id"] for m in first.to_pylist() if m["entity_kind"] == "party"] == ["P1"]
    runs = store.read_results("runs")
    assert runs["run_id"].to_pylist() == [summary.run_id]


def test_a_cash_hub_does_not_glue_customers_together(tmp_path) -> None:
    rows = _ring("A", 4, 500.0, 0) + _ring("B", 4, 500.0, 100) + _rent("A", 4) + _rent("B", 4)
    # a placeholder that every account deposits from: without hub handling it joins everything
    rows += [(f"cash-{g}{i}", "CASH", f"{g}{i}", 50.0, 900) for g in "AB" for i in range(4)]
    store = _store_with(tmp_path, rows, accounts=[{"account_id": "CASH", "kind": "placeholder"}])
    summary = analyze(store, seed=3, config=HAND_MADE)
    assert summary.n_hubs == 1
    scores = store.read_results("scores")
    cash = scores.filter(pa.compute.equal(scores["entity_id"], "CASH"))
    assert cash["community"].to_pylist() == [-1]
    assert store.read_results("clusters")["n_accounts"].to_pylist() == [4, 4]
    assert HUB_DEGREE > 8


def test_scores_hold_degrees_and_flows(tmp_path) -> None:
    store = _store_with(tmp_path, [("t1", "X", "Y", 5.0, 0), ("t2", "X", "Y", 7.0, 1)])
    analyze(store)
    scores = {r["entity_id"]: r for r in store.read_results("scores").to_pylist()}
    assert scores["X"]["out_degree"] == 2 and scores["X"]["outflow"] == 12.0
    assert scores["Y"]["in_degree"] == 2 and scores["Y"]["inflow"] == 12.0
    assert store.read_results("clusters").num_rows == 0  # two accounts are not a cluster


def test_empty_store_analyses_to_empty_results(tmp_path) -> None:
    store = EmbeddedStore(tmp_path / "empty")
    summary = analyze(store)
    assert summary.n_clusters == 0
    assert store.read_results("runs").num_rows == 1


def test_the_same_rows_in_any_order_give_the_same_clusters() -> None:
    """Stores return rows in their own order (upload order, Neo4j scan order); the analysis
    must depend on the data only."""
    import numpy as np

    from engine.services.pipeline import analyze_tables
    from engine.synth import generate

    tables = generate("tiny", 3).tables
    rng = np.random.default_rng(0)
    shuffled = {
        name: table.take(pa.array(rng.permutation(table.num_rows)))
        for name, table in tables.items()
    }

    def clusters(tabs):
        results = analyze_tables(tabs).results
        members = results["cluster_members"].to_pandas()
        groups = members.groupby("cluster_id")["entity_id"].apply(frozenset)
        ranked = results["clusters"].to_pandas().sort_values("rank")
        return [
            (groups[c], round(s, 9))
            for c, s in zip(ranked["cluster_id"], ranked["score"], strict=True)
        ]

    assert clusters(shuffled) == clusters(tables)
