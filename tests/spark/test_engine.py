"""The Spark engine against the local one on the generator's tiny world."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.compute as pc
import pytest

from engine.core import schema
from engine.detect.typologies import TYPOLOGIES
from engine.services.pipeline import analyze, analyze_tables
from engine.services.spark.compare import agreement
from tests.spark.conftest import store_of

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def local(tiny_world, tmp_path_factory):
    """The local engine's results on the tiny world, and the store they are in."""
    store = store_of(tiny_world, tmp_path_factory.mktemp("local"))
    summary = analyze(store)
    return store, summary, {n: store.read_results(n) for n in schema.RESULT_TABLES}


def _spark_run(spark, tiny_world, home, n_parts):
    from engine.services.spark.engine import analyze_spark

    store = store_of(tiny_world, home)
    summary = analyze_spark(store, spark=spark, n_parts=n_parts)
    return summary, {n: store.read_results(n) for n in schema.RESULT_TABLES}


@pytest.fixture(scope="module")
def one_part(spark, tiny_world, tmp_path_factory):
    return _spark_run(spark, tiny_world, tmp_path_factory.mktemp("one"), 1)


@pytest.fixture(scope="module")
def four_parts(spark, tiny_world, tmp_path_factory):
    return _spark_run(spark, tiny_world, tmp_path_factory.mktemp("four"), 4)


def _drop(table, *columns):
    return table.drop_columns([c for c in columns if c in table.column_names])


def test_hubs_are_those_of_the_local_frame(spark, local) -> None:
    from engine.services.spark.engine import _hubs, read_snapshot
    from engine.services.spark.snapshot import write_snapshot

    store, _, _ = local
    snap = write_snapshot(store, store.home.parent / "hub-snap", results=False)
    tables = {n: store.read_table(n) for n in schema.INPUT_TABLES}
    frame = analyze_tables(tables).frame
    expected = sorted(frame.graph.account_of(np.flatnonzero(frame.hub)))
    assert expected  # the tiny world has its CASH and external-bank placeholders
    assert _hubs(read_snapshot(spark, snap.path), frame.config.hub_degree) == expected


def test_one_part_gives_exactly_the_local_results(local, one_part) -> None:
    """With one part the executors run the local analysis on the whole world: everything the
    distributed path adds (snapshot, packing, merge, ranking) must lose nothing."""
    _, _, expected = local
    _, got = one_part
    for name in ("clusters", "cluster_members", "scores", "links"):
        assert _drop(got[name], "run_id").equals(_drop(expected[name], "run_id")), name
    assert _drop(got["evidence"], "run_id", "evidence_id").equals(
        _drop(expected["evidence"], "run_id", "evidence_id")
    )
    assert agreement(expected, got).exact


def test_four_parts_keep_money_evidence_and_flows_whole(local, four_parts) -> None:
    """Cut into parts, each account still sees all its own transfers: the money detectors
    find what they find on the whole world, and every account's degrees and flows agree."""
    _, local_summary, expected = local
    summary, got = four_parts
    family = {t.name: t.family for t in TYPOLOGIES}
    money = lambda p: {k: v for k, v in p.items() if family.get(k, "money") == "money"}  # noqa: E731
    assert money(summary.patterns) == money(local_summary.patterns)
    assert summary.n_transactions == local_summary.n_transactions
    cols = ["entity_id", "in_degree", "out_degree", "inflow", "outflow"]
    a = expected["scores"].select(cols).sort_by("entity_id")
    b = got["scores"].select(cols).sort_by("entity_id")
    assert a.column("entity_id").equals(b.column("entity_id"))
    for c in cols[1:]:
        assert np.allclose(a[c].to_numpy(), b[c].to_numpy())


def test_four_parts_rank_clusters_globally(four_parts) -> None:
    summary, got = four_parts
    clusters = got["clusters"].sort_by("rank")
    n = clusters.num_rows
    assert n == summary.n_clusters > 0
    assert clusters["cluster_id"].to_pylist() == list(range(1, n + 1))
    assert clusters["rank"].to_pylist() == list(range(1, n + 1))
    scores = clusters["score"].to_numpy()
    assert np.all(np.diff(scores) <= 0)
    ids = set(got["cluster_members"]["cluster_id"].to_pylist())
    assert ids == set(range(1, n + 1))
    cards = got["evidence"]["cluster_id"].to_pylist()
    assert set(cards) <= ids and len(set(got["evidence"]["evidence_id"].to_pylist())) == len(cards)
    run = json.loads(got["runs"]["parameters"][0].as_py())
    assert run["engine"] == "spark" and run["parts"] == 4
    assert pc.all(pc.equal(got["clusters"]["run_id"], got["runs"]["run_id"][0])).as_py()


def test_spark_engine_without_java_is_one_clear_line(monkeypatch, capsys, tmp_path) -> None:
    from engine.cli import main

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    monkeypatch.setenv("MONEYTRAIL_HOME", str(tmp_path / "home"))
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", "--engine", "spark"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    import importlib.util

    # without the spark extra the first thing missing is pyspark; with it, Java
    missing = "needs pyspark" if importlib.util.find_spec("pyspark") is None else "needs Java"
    assert len(err) == 1 and missing in err[0]
