"""The triage model's reasons: plain-language feature names, SHAP contributions and the
cluster detail's per-account top contributions."""

from __future__ import annotations

import numpy as np
import pytest

from engine.core import schema
from engine.queries import Workbench
from engine.queries.models import MAX_REASON_ACCOUNTS
from engine.triage import explain
from engine.triage.model import TriageModel
from tests.triage.labelled import analysed_world


@pytest.fixture(scope="module")
def with_model(tmp_path_factory):
    return analysed_world(tmp_path_factory.mktemp("model") / "store", labels=True)


@pytest.fixture(scope="module")
def without_model(tmp_path_factory):
    return analysed_world(tmp_path_factory.mktemp("rules") / "store", labels=False)


def test_every_feature_has_its_own_plain_name() -> None:
    labels = [explain.feature_label(name) for name in schema.FEATURE_COLUMNS]
    assert len(set(labels)) == len(labels)
    assert all(label and "_" not in label for label in labels)
    assert explain.feature_label("nbr_in_rule_score") == "senders' rule evidence"


def test_contributions_add_up_to_the_score(with_model) -> None:
    model = TriageModel.from_row(with_model.read_results("models").to_pylist()[0])
    features = with_model.read_results("account_features")
    matrix = np.column_stack([features[c].to_numpy() for c in model.features])[:300]
    import lightgbm as lgb

    full = lgb.Booster(model_str=model.text).predict(matrix, pred_contrib=True)
    contrib = model.contributions(matrix)
    np.testing.assert_allclose(contrib, full[:, :-1])
    logit = contrib.sum(axis=1) + full[:, -1]
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), model.score(matrix), rtol=1e-9)


def test_cluster_detail_names_the_top_contributions(with_model) -> None:
    wb = Workbench(with_model)
    cluster_id = int(wb.cluster_list()["cluster_id"].iloc[0])
    detail = wb.cluster_detail(cluster_id)
    reasons = detail.reasons
    assert not reasons.empty
    core = detail.members.loc[
        detail.members["core"] & (detail.members["entity_kind"] == "account"), "entity_id"
    ]
    assert 0 < len(core) <= MAX_REASON_ACCOUNTS
    assert set(reasons["entity_id"]) == set(core)
    model = TriageModel.from_row(with_model.read_results("models").to_pylist()[0])
    features = with_model.read_results("account_features").to_pandas().set_index("entity_id")
    triage = with_model.read_results("triage").to_pandas().set_index("entity_id")
    scores = reasons.groupby("entity_id", sort=False)["model_score"].first()
    assert scores.is_monotonic_decreasing
    for entity_id, why in reasons.groupby("entity_id"):
        assert why["rank"].tolist() == list(range(1, explain.TOP + 1))
        row = features.loc[entity_id, list(model.features)].to_numpy(np.float64)
        contrib = model.contributions(row)[0]
        # the largest by absolute value, in order, signed as the model computed them
        expected = np.argsort(-np.abs(contrib), kind="stable")[: explain.TOP]
        assert why["feature"].tolist() == [model.features[j] for j in expected]
        np.testing.assert_allclose(why["contribution"], contrib[expected])
        np.testing.assert_allclose(why["value"], row[expected])
        assert why["feature_label"].tolist() == [explain.FEATURE_LABELS[f] for f in why["feature"]]
        assert why["model_score"].iloc[0] == pytest.approx(triage.loc[entity_id, "model_score"])


def test_no_model_no_reasons(without_model) -> None:
    wb = Workbench(without_model)
    cluster_id = int(wb.cluster_list()["cluster_id"].iloc[0])
    assert wb.cluster_detail(cluster_id).reasons.empty
