"""Cluster page: the triage model's reasons per account, shown only when the run has a model."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import APP, page, sign_in
from tests.triage.labelled import analysed_world

PANEL = "Why the model ranks these accounts"


@pytest.fixture(scope="module")
def homes(tmp_path_factory):
    """Two analysed stores of the same world: with decisions (a model) and without."""
    return {
        labels: analysed_world(tmp_path_factory.mktemp(f"reasons{labels}") / "store",
                               labels=labels).home
        for labels in (True, False)
    }  # fmt: skip


def _cluster_page(home, users, monkeypatch) -> AppTest:
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    return page(sign_in(AppTest.from_file(APP, default_timeout=60), "ivo"), "cluster")


def test_a_run_with_a_model_shows_what_pushed_each_account(homes, users, monkeypatch) -> None:
    from engine.queries import Workbench
    from engine.store.embedded import EmbeddedStore

    at = _cluster_page(homes[True], users, monkeypatch)
    panel = [e for e in at.expander if e.label == PANEL]
    assert len(panel) == 1
    lines = [m.value.replace("\\", "") for m in panel[0].markdown]
    # the same accounts and features the query layer gives, highest score first
    wb = Workbench(EmbeddedStore(homes[True]))
    cluster_id = int(wb.cluster_list()["cluster_id"].iloc[0])
    reasons = wb.cluster_detail(cluster_id).reasons
    assert len(lines) == reasons["entity_id"].nunique() > 0
    first = reasons[reasons["entity_id"] == reasons["entity_id"].iloc[0]]
    assert lines[0].startswith(f"**{first['label'].iloc[0]}** · model score")
    for row in first.itertuples():
        arrow = "▲" if row.contribution > 0 else "▼"
        assert f"{arrow} {row.feature_label} " in lines[0]
        assert f"({row.contribution:+.2f})" in lines[0]


def test_a_run_without_labels_shows_no_reasons(homes, users, monkeypatch) -> None:
    at = _cluster_page(homes[False], users, monkeypatch)
    assert [t.value for t in at.title] == ["Cluster 1"]
    assert PANEL not in [e.label for e in at.expander]
    assert not any("model score" in m.value for m in at.markdown)
