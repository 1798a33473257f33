"""The triage model end to end: labels from the store, a trained model, the combined rank,
the scores command; and the parts (threshold, combine, reproducibility) on their own."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core import schema
from engine.services.feedback import record_decision
from engine.services.pipeline import analyze
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from engine.triage import model as triage_model
from engine.triage.rank import combine
from tests.triage.world import mule_world


def test_best_threshold_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    scores = np.round(rng.random(300), 2)  # ties on purpose
    y = (rng.random(300) < scores * 0.6).astype(int)
    threshold, f1 = triage_model.best_threshold(scores, y)
    best = max(
        (2 * ((scores >= t) & (y == 1)).sum() / ((scores >= t).sum() + y.sum()), t)
        for t in np.unique(scores)
    )
    assert f1 == pytest.approx(best[0])
    assert threshold == best[1]


def test_combine_without_a_model_keeps_the_rule_score() -> None:
    rule = np.array([0.0, 2.0, 5.0])
    out = combine(rule)
    np.testing.assert_array_equal(out.risk, rule)
    assert out.flagged is None


def test_strong_rule_evidence_is_never_hidden_by_the_model() -> None:
    rule = np.r_[np.zeros(50), np.linspace(0.1, 1.0, 49), 9.0]
    model = np.full(100, 0.01)  # the model thinks nothing of anyone
    out = combine(rule, model, threshold=0.5, strong=5.0)
    assert out.flagged[-1] and out.risk[-1] == 1.0
    assert not out.flagged[:-1].any()
    assert np.argmax(out.risk) == 99


def test_labels_win_and_cleared_accounts_return_only_with_new_evidence() -> None:
    rule = np.array([3.0, 3.0, 3.0, 0.0])
    model = np.array([0.9, 0.9, 0.9, 0.1])
    labels = np.array([0, 0, -1, 1], np.int8)
    newer = np.array([False, True, False, False])
    out = combine(rule, model, threshold=0.5, labels=labels, new_evidence=newer, strong=10.0)
    assert out.risk.tolist() == [0.0, 0.9, 0.9, 1.0]
    assert out.flagged.tolist() == [False, True, True, True]


@pytest.fixture(scope="module")
def mules():
    return mule_world(seed=3)


def _store(tmp_path, transactions) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "store")
    store.write_batch(
        Batch("w1", "world.csv", "transactions", "csv", {"transactions": transactions})
    )
    return store


def _label_half(store, transactions, bad, seed=0):
    ids = sorted(set(transactions["src_account"].to_pylist()) | set(
        transactions["dst_account"].to_pylist()))  # fmt: skip
    rng = np.random.default_rng(seed)
    half = set(rng.permutation(ids)[: len(ids) // 2].tolist())
    from engine.store import dispositions

    rows = sorted(half)
    store.write_dispositions(dispositions.build(
        rows, ["suspicious" if r in bad else "cleared" for r in rows], decided_by="test",
    ))  # fmt: skip
    return set(ids) - half


def test_without_labels_nothing_changes(tmp_path, mules) -> None:
    transactions, _ = mules
    store = _store(tmp_path, transactions)
    analyze(store)
    triage = store.read_results("triage")
    scores = store.read_results("scores")
    rule = dict(zip(scores["entity_id"].to_pylist(), scores["risk"].to_pylist(), strict=True))
    assert triage.num_rows == store.read_results("account_features").num_rows > 0
    assert all(rule[e] == r for e, r in zip(triage["entity_id"].to_pylist(),
                                            triage["risk"].to_pylist(), strict=True))  # fmt: skip
    assert triage["model_score"].null_count == triage.num_rows
    assert triage["flagged"].null_count == triage.num_rows
    assert store.read_results("models").num_rows == 0


def test_labels_train_a_model_that_finds_the_unlabelled_mules(tmp_path, mules) -> None:
    transactions, bad = mules
    store = _store(tmp_path, transactions)
    held = _label_half(store, transactions, bad)
    analyze(store, seed=5)
    models = store.read_results("models").to_pylist()
    assert len(models) == 1 and models[0]["kind"] == "lightgbm"
    importances = json.loads(models[0]["importances"])
    assert set(importances) == set(schema.FEATURE_COLUMNS)
    triage = store.read_results("triage").to_pylist()
    by_id = {r["entity_id"]: r for r in triage}
    # labelled accounts keep their label
    labelled = [r for r in triage if r["label"] is not None]
    assert all(r["flagged"] == (r["label"] == 1) for r in labelled if not r["new_evidence"])
    # on the accounts nobody labelled, the flag finds the mules
    flagged = {e for e in held if by_id[e]["flagged"]}
    truth = held & bad
    tp = len(flagged & truth)
    f1 = 2 * tp / (len(flagged) + len(truth))
    assert f1 >= 0.8, (tp, len(flagged), len(truth))
    # the same data and seed give the same model and scores
    first = [r["model_score"] for r in triage]
    analyze(store, seed=5)
    assert [r["model_score"] for r in store.read_results("triage").to_pylist()] == first
    assert store.read_results("models")["model"][0].as_py() == models[0]["model"]


def test_a_cleared_account_drops_out_of_the_queue(tmp_path, mules) -> None:
    transactions, _ = mules
    store = _store(tmp_path, transactions)
    analyze(store)
    top = max(store.read_results("triage").to_pylist(), key=lambda r: r["risk"])
    record_decision(store, top["entity_id"], "cleared", reason="known business",
                    decided_by="ines")  # fmt: skip
    analyze(store)
    now = {r["entity_id"]: r for r in store.read_results("triage").to_pylist()}[top["entity_id"]]
    assert now["label"] == 0 and now["risk"] == 0.0 and now["new_evidence"] is False


def test_scores_command_prints_every_account(tmp_path, mules) -> None:
    transactions, bad = mules
    store = _store(tmp_path, transactions)
    _label_half(store, transactions, bad)
    analyze(store)
    runner = CliRunner()
    result = runner.invoke(app, ["scores", "--home", str(store.home), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == store.read_results("triage").num_rows
    assert list(rows[0]) == ["rank", "entity_id", "risk", "rule_score", "model_score", "label",
                             "flagged"]  # fmt: skip
    risks = [float(r["risk"]) for r in rows]
    assert risks == sorted(risks, reverse=True)
    assert {r["label"] for r in rows} == {"suspicious", "cleared", ""}
    assert {r["flagged"] for r in rows} == {"true", "false"}
    result = runner.invoke(app, ["scores", "--home", str(store.home), "--format", "json",
                                 "--top", "5"])  # fmt: skip
    assert [r["rank"] for r in json.loads(result.output)] == [1, 2, 3, 4, 5]


def test_the_feature_table_has_the_documented_columns(tmp_path, mules) -> None:
    from algorithms.features import FEATURE_NAMES

    assert schema.FEATURE_COLUMNS[: len(FEATURE_NAMES)] == FEATURE_NAMES
    transactions, _ = mules
    store = _store(tmp_path, transactions)
    analyze(store)
    table = store.read_results("account_features")
    assert table.schema.equals(schema.ACCOUNT_FEATURES)
    row = {r["entity_id"]: r for r in table.to_pylist()}["M000"]
    assert row["out_n"] >= 3 and row["in_cp"] >= 5


def test_stored_model_scores_like_the_run_and_names_its_reasons(tmp_path, mules) -> None:
    transactions, bad = mules
    store = _store(tmp_path, transactions)
    _label_half(store, transactions, bad)
    analyze(store)
    fitted = triage_model.TriageModel.from_row(store.read_results("models").to_pylist()[0])
    assert fitted.features == schema.FEATURE_COLUMNS
    features = store.read_results("account_features")
    matrix = np.column_stack([features[c].to_numpy() for c in schema.FEATURE_COLUMNS])
    triage = store.read_results("triage")
    assert features["entity_id"].to_pylist() == triage["entity_id"].to_pylist()
    np.testing.assert_allclose(fitted.score(matrix), triage["model_score"].to_numpy())
    mule = features["entity_id"].to_pylist().index("M000")
    reasons = fitted.reasons(matrix[mule])
    assert reasons and all(value > 0 for _, value in reasons)
    assert {name for name, _ in reasons} <= set(schema.FEATURE_COLUMNS)


def test_average_precision_matches_its_definition() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        y = rng.integers(0, 2, 30)
        s = rng.integers(0, 5, 30).astype(float)  # ties on purpose
        # pessimistic ties: within a score, negatives come first
        order = sorted(range(30), key=lambda i: (-s[i], y[i]))
        hits, precisions = 0, []
        for rank, i in enumerate(order, start=1):
            if y[i] == 1:
                hits += 1
                precisions.append(hits / rank)
        expected = float(np.mean(precisions)) if precisions else 0.0
        assert triage_model.average_precision(s, y) == pytest.approx(expected)


def test_a_model_no_better_than_the_rules_does_not_rank() -> None:
    """Labels that only the rule score explains: the model cannot rank held-out labels better
    than the rule score does, so the run must keep ranking by the rules; labels that a feature
    the rules ignore explains: the model ranks."""
    rng = np.random.default_rng(0)
    n = 600
    features = ("rule_score", "noise", "hidden")
    rule, noise, hidden = rng.random(n), rng.random(n), rng.random(n)
    matrix = np.c_[rule, noise, hidden]
    by_rules = (rule > 0.8).astype(np.int8)
    fitted = triage_model.train(matrix, by_rules, features, seed=0)
    assert fitted.metrics["rule_average_precision"] == pytest.approx(1.0)
    assert not triage_model.ranks_better_than_rules(fitted)
    by_hidden = (hidden > 0.8).astype(np.int8)
    fitted = triage_model.train(matrix, by_hidden, features, seed=0)
    assert fitted.metrics["oof_average_precision"] > fitted.metrics["rule_average_precision"]
    assert triage_model.ranks_better_than_rules(fitted)
