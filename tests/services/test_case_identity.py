"""Stable case ids (engine/services/case_identity.py): matching on hand-made runs, and a whole
analysis run again after a new upload."""

from __future__ import annotations

import pyarrow as pa
import pytest

from engine.core import schema
from engine.services.case_identity import (
    Case,
    assign_ids,
    case_history,
    case_runs,
    cases_of,
    match_cases,
    overlap,
    renumber,
)
from engine.services.pipeline import analyze
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from tests.store import conftest as store_fixtures

#: The ``store`` fixture of tests/store: one fresh store per backend (embedded, real Neo4j).
store = store_fixtures.store


def case(*accounts: str, txs: tuple[str, ...] = ()) -> Case:
    return Case(frozenset(f"account:{a}" for a in accounts), frozenset(txs))


def links(matching) -> set[tuple[str, int | None, int | None]]:
    return {(link.kind, link.old, link.new) for link in matching.links}


A = case("a1", "a2", "a3", "a4")
B = case("b1", "b2", "b3")
C = case("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10")


def test_overlap_is_jaccard_of_members_averaged_with_transactions() -> None:
    assert overlap(case("x", "y"), case("y", "z")) == pytest.approx(1 / 3)
    both = overlap(case("x", "y", txs=("t1", "t2")), case("x", "y", txs=("t2",)))
    assert both == pytest.approx((1 + 0.5) / 2)
    assert overlap(case("x"), case("x", txs=("t1",))) == 1.0  # one side without evidence


def test_the_same_cases_keep_their_ids_whatever_their_new_rank() -> None:
    old = {12: A, 40: B, 7: C}
    new = {1: B, 2: C, 3: A}  # renumbered input: ranks changed, cases did not
    m = match_cases(old, new)
    assert m.same == {1: 40, 2: 7, 3: 12}
    assert links(m) == {("same", 40, 1), ("same", 7, 2), ("same", 12, 3)}


def test_a_case_that_grew_or_shrank_a_little_is_the_same_case() -> None:
    grown = case("a1", "a2", "a3", "a4", "a5")
    shrunk = case("c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9")
    m = match_cases({3: A, 9: C}, {1: shrunk, 2: grown})
    assert m.same == {1: 9, 2: 3}


def test_a_split_keeps_the_id_on_the_larger_part_and_records_the_other() -> None:
    big = case("c1", "c2", "c3", "c4", "c5", "c6")
    small = case("c7", "c8", "c9", "c10")
    m = match_cases({12: C}, {1: small, 2: big})
    assert m.same == {2: 12}
    assert links(m) == {("same", 12, 2), ("split", 12, 1)}


def test_an_even_split_is_two_new_cases_split_from_the_old() -> None:
    m = match_cases({12: C}, {1: case("c1", "c2", "c3"), 2: case("c4", "c5", "c6"),
                              3: case("c7", "c8", "c9", "c10")})  # fmt: skip
    assert m.same == {}
    assert links(m) == {("split", 12, 1), ("split", 12, 2), ("split", 12, 3)}


def test_a_merge_keeps_the_id_of_the_larger_case_and_records_the_absorbed_one() -> None:
    merged = case(*[f"c{i}" for i in range(1, 11)], "b1", "b2", "b3")
    m = match_cases({7: C, 40: B}, {1: merged})
    assert m.same == {1: 7}
    assert links(m) == {("same", 7, 1), ("merge", 40, 1)}


def test_new_and_gone_cases() -> None:
    m = match_cases({12: A, 40: B}, {1: A, 2: case("z1", "z2", "z3")})
    assert links(m) == {("same", 12, 1), ("new", None, 2), ("gone", 40, None)}


def test_a_small_overlap_is_neither_same_nor_split_nor_merge() -> None:
    m = match_cases({12: C}, {1: case("c1", "z1", "z2", "z3", "z4")})
    assert links(m) == {("new", None, 1), ("gone", 12, None)}


def test_one_to_one_the_most_similar_pair_wins() -> None:
    # both new cases look like old 5; the closer one keeps 5, the other is new (split from 5)
    old = {5: case("a1", "a2", "a3", "a4")}
    m = match_cases(old, {1: case("a1", "a2", "a3"), 2: case("a1", "a2", "a3", "a4")})
    assert m.same == {2: 5}
    assert ("split", 5, 1) in links(m)


def test_unmatched_cases_get_fresh_ids_in_rank_order() -> None:
    m = match_cases({12: A}, {1: B, 2: A, 3: C})
    handed: list[int] = []

    def reserve(n: int) -> int:
        handed.append(n)
        return 100

    assert assign_ids(m, [1, 2, 3], reserve) == {1: 100, 2: 12, 3: 101}
    assert handed == [2]


def _results(members: dict[int, list[str]], ranks: dict[int, int]) -> dict[str, pa.Table]:
    clusters = pa.Table.from_pylist(
        [{"cluster_id": c, "rank": ranks[c], "run_id": "r"} for c in members],
        schema=schema.CLUSTERS,
    )
    rows = [{"cluster_id": c, "entity_id": e, "entity_kind": "account", "role": "member"}
            for c, ids in members.items() for e in ids]  # fmt: skip
    rows.append({"cluster_id": 1, "entity_id": "ctx", "entity_kind": "account", "role": "context"})
    cm = pa.Table.from_pylist(rows, schema=schema.CLUSTER_MEMBERS)
    ev = pa.Table.from_pylist(
        [{"evidence_id": "e1", "cluster_id": 1, "pattern": "fan_in", "tx_ids": ["t1"]},
         {"evidence_id": "e2", "cluster_id": None, "pattern": "fan_in"}],
        schema=schema.EVIDENCE,
    )  # fmt: skip
    return {"clusters": clusters, "cluster_members": cm, "evidence": ev}


def test_cases_of_reads_core_members_and_evidence_and_renumber_rewrites_every_table() -> None:
    results = _results({1: ["a1", "a2"], 2: ["b1"]}, {1: 1, 2: 2})
    cases = cases_of(results)
    assert cases[1] == Case(frozenset({"account:a1", "account:a2"}), frozenset({"t1"}))
    assert cases[2].members == {"account:b1"}  # context is not core
    out = renumber(results, {1: 31, 2: 4})
    assert out["clusters"]["cluster_id"].to_pylist() == [31, 4]  # still in rank order
    assert set(out["cluster_members"]["cluster_id"].to_pylist()) == {31, 4}
    assert out["evidence"]["cluster_id"].to_pylist() == [31, None]


def test_history_and_runs_of_a_case() -> None:
    import datetime as dt

    from engine.store import ledgers

    t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        ("r1", None, None, 12, "new", t),
        ("r2", "r1", 12, 12, "same", t + dt.timedelta(days=1)),
        ("r2", "r1", 12, 30, "split", t + dt.timedelta(days=1)),
        ("r3", "r2", 30, 30, "same", t + dt.timedelta(days=2)),
    ]
    keys = ("run_id", "old_run_id", "old_id", "new_id", "kind", "at")
    table = pa.Table.from_pylist([dict(zip(keys, r, strict=True)) for r in rows],
                                 schema=ledgers.CASE_LINEAGE)  # fmt: skip
    assert [(h["kind"], h["old_id"], h["new_id"]) for h in case_history(table, 30)] == [
        ("split", 12, 30)
    ]
    assert [h["kind"] for h in case_history(table, 12)] == ["new", "split"]
    assert case_runs(table, 30) == {"r2", "r3"}
    assert case_runs(table, 12) == {"r1", "r2"}


# -- a whole analysis, then a new upload --------------------------------------------------------


def _world_store(tmp_path) -> EmbeddedStore:
    from engine.synth import generate

    store = EmbeddedStore(tmp_path / "store")
    tables = {n: schema.conform(t, n) for n, t in generate("tiny", 3).tables.items()}
    store.write_batch(Batch("world", "world.parquet", "mixed", "parquet", tables))
    return store


def _cores(store) -> dict[frozenset[str], int]:
    members = store.read_results("cluster_members").to_pandas()
    core = members[members["role"] != schema.CONTEXT_ROLE]
    groups = core.groupby("cluster_id")["entity_id"].apply(frozenset)
    return {members: int(cid) for cid, members in groups.items()}


def _transfer(tx_id: str, src: str, dst: str, amount: float, when) -> pa.Table:
    row = {"tx_id": tx_id, "ts": when, "src_account": src, "dst_account": dst, "amount": amount,
           "currency": "EUR", "amount_base": amount, "channel": "wire"}  # fmt: skip
    return schema.conform(pa.Table.from_pylist([row]), "transactions")


def test_cases_keep_their_ids_after_a_small_new_upload(tmp_path) -> None:
    store = _world_store(tmp_path)
    analyze(store, seed=0)
    before = _cores(store)
    first_run = store.read_results("runs")["run_id"][0].as_py()
    assert sorted(before.values()) == list(range(1, len(before) + 1))  # a fresh store: 1..k
    when = store.read_table("transactions", ["ts"])["ts"][0].as_py()
    tiny = {"transactions": _transfer("NEW-1", "NEW-A", "NEW-B", 10.0, when)}
    store.write_batch(Batch("tiny", "tiny.parquet", "transactions", "parquet", tiny))
    analyze(store, seed=0)
    after = _cores(store)
    unchanged = set(before) & set(after)
    assert len(unchanged) >= len(before) // 2  # most cases are untouched by the upload
    # every case with the same core keeps its id (the rank numbering moved several of them)
    assert {core: after[core] for core in unchanged} == {core: before[core] for core in unchanged}
    # a case that is not one of the old ones never gets an old id
    fresh = [after[c] for c in after if c not in before]
    lineage = store.read_ledger("case_lineage")
    same = {(r["old_id"], r["new_id"]) for r in lineage.to_pylist() if r["kind"] == "same"}
    for cid in fresh:
        assert cid > max(before.values()) or (cid, cid) in same
    # the lineage: the first run made every case new, the second names the first as its past
    runs = lineage["run_id"].to_pylist()
    assert runs.count(first_run) == len(before)
    second = [r for r in lineage.to_pylist() if r["run_id"] != first_run]
    assert {r["old_run_id"] for r in second if r["old_id"] is not None} == {first_run}
    assert {r["new_id"] for r in second if r["new_id"] is not None} == set(after.values())


def test_a_case_keeps_its_id_when_others_come_and_go(store) -> None:
    """On both backends (the embedded store and the real Neo4j server)."""
    import datetime as dt

    from tests.dashboard import world

    store.write_batch(Batch("tiny", "tiny.parquet", "mixed", "canonical", world._tables()))
    analyze(store, seed=0)
    before = _cores(store)  # the smuggling ring and its look-alikes, numbered 1..k
    assert sorted(before.values()) == list(range(1, len(before) + 1))
    when = store.read_table("transactions", ["ts"])["ts"][0].as_py()
    rows = []
    for i in range(12):  # a second fan-in → pass-through operation, uploaded later
        for k in range(3):
            at = when + dt.timedelta(days=k, hours=i)
            rows.append(_transfer(f"OP-{i}-{k}", f"OPS{i}", "OPCOLLECT", 4900.0 + i, at))
    for k in range(6):
        at = when + dt.timedelta(days=k, hours=20)
        rows.append(_transfer(f"OP-out-{k}", "OPCOLLECT", "OPBROKER", 29000.0, at))
    batch = {"transactions": pa.concat_tables(rows)}
    store.write_batch(Batch("op", "op.parquet", "transactions", "parquet", batch))
    analyze(store, seed=0)
    after = _cores(store)
    (operation,) = [cid for core, cid in after.items() if "OPCOLLECT" in core]
    assert operation > max(before.values())  # numbered by rank it would reuse an old number
    for core, cid in after.items():
        if core in before:
            assert cid == before[core]
    # the first world's batch is taken back: its cases go, the operation keeps its number
    store.remove_batch("tiny")
    analyze(store, seed=0)
    last = _cores(store)
    assert [cid for core, cid in last.items() if "OPCOLLECT" in core] == [operation]
    assert not set(last.values()) & set(before.values())  # numbered by rank it would be 1
    lineage = store.read_ledger("case_lineage").to_pylist()
    kinds = {(r["kind"], r["old_id"], r["new_id"]) for r in lineage}
    assert ("new", None, operation) in kinds and ("same", operation, operation) in kinds
    assert {("gone", cid, None) for cid in before.values()} <= kinds
