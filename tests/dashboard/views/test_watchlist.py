"""Watch list page, and closeness on the Clusters, Cluster and Entity pages (AppTest)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.security.audit import AuditLog
from engine.store.embedded import EmbeddedStore
from tests.dashboard.conftest import APP, page, sign_in


@pytest.fixture
def home(tiny_home, tmp_path, users, monkeypatch):
    """A private copy of the tiny world (the page writes the watch list into the store)."""
    copy = tmp_path / "store"
    shutil.copytree(tiny_home, copy)
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(copy))
    return copy


def _app(name: str) -> AppTest:
    return sign_in(AppTest.from_file(APP, default_timeout=60), name)


def _members(home) -> tuple[dict[int, list[str]], str]:
    """Core accounts per case, and the account only case 2 has."""
    with EmbeddedStore(home) as store:
        members = store.read_results("cluster_members").to_pandas()
    core = members[(members["entity_kind"] == "account") & (members["role"] != "context")]
    by_case = {int(c): sorted(g["entity_id"]) for c, g in core.groupby("cluster_id")}
    only_two = sorted(set(by_case[2]) - set(by_case[1]))[0]
    return by_case, only_two


def test_an_investigator_adds_suspects_and_the_closest_case_leads(home, tmp_path):
    _, suspect = _members(home)
    at = page(_app("ivo"), "watchlist")
    assert "The watch list is empty." in [i.value for i in at.info]
    at.text_area(key="watchlist_text").input(f"{suspect}\nUNSEEN-IBAN-1")
    at.text_input(key="watchlist_note").input("tip from a partner FIU")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    assert "2 added to the watch list." in [s.value for s in at.success]
    listed = at.dataframe[0].value
    assert set(listed["entity_id"]) == {suspect, "UNSEEN-IBAN-1"}
    assert listed.set_index("entity_id").loc["UNSEEN-IBAN-1", "in_data"] == False  # noqa: E712
    cases = at.dataframe[1].value
    assert cases.iloc[0]["cluster_id"] == 2 and cases.iloc[0]["watched"] == 1
    entries = AuditLog(tmp_path / "audit" / "audit.jsonl").entries()
    change = [e for e in entries if e["action"] == "manage_watchlist"]
    assert change and change[-1]["user"] == "ivo" and change[-1]["details"]["count"] == 2
    with EmbeddedStore(home) as store:
        assert store.read_watchlist().num_rows == 2  # kept in the store


def test_the_clusters_list_sorts_by_watch_list_closeness(home):
    _, suspect = _members(home)
    at = page(_app("ivo"), "watchlist")
    at.text_area(key="watchlist_text").input(suspect)
    at.button[0].click().run()
    at = page(at, "clusters")
    table = at.dataframe[0].value
    assert table["cluster_id"].tolist() == [1, 2]  # by case score first
    at.radio(key="cluster_sort").set_value("Watch-list closeness").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["cluster_id"].tolist()[0] == 2
    closeness = table["watch_closeness"].tolist()
    assert closeness == sorted(closeness, reverse=True) and closeness[0] > 0


def test_cluster_and_entity_pages_show_closeness(home):
    _, suspect = _members(home)
    at = page(_app("ivo"), "watchlist")
    at.text_area(key="watchlist_text").input(suspect)
    at.button[0].click().run()
    at.session_state["cluster_id"] = 2
    at = page(at, "cluster")
    assert any("On the watch list" in m.value for m in at.markdown)
    at.session_state["entity_id"] = suspect
    at = page(at, "entity")
    assert any("On the watch list" in m.value for m in at.markdown)


def test_an_analyst_cannot_open_the_watch_list(home):
    from dashboard.auth import PAGE_ACTIONS, allowed_pages
    from engine.security.auth import User

    pages = [(name, action) for name, action in PAGE_ACTIONS.items()]
    assert "watchlist" not in allowed_pages(User("ana", "analyst"), pages)
    assert "watchlist" in allowed_pages(User("ivo", "investigator"), pages)
    view = str(Path(APP).with_name("views") / "watchlist.py")
    at = sign_in(AppTest.from_file(view, default_timeout=60), "ana").run()
    assert any("does not allow" in e.value for e in at.error)
    assert not at.text_area  # no way to change the list
