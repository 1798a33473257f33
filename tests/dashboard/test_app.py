"""The app's access control: sign-in first, pages by role, and the audit trail of views."""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from engine.security.audit import AuditLog
from tests.dashboard.conftest import PASSWORD, sign_in


def entries(action: str) -> list[tuple[str, str]]:
    return [(e["user"], e["target"]) for e in AuditLog().entries(action=action)]


@pytest.mark.parametrize("name", ["overview", "cluster", "entity", "export", "admin"])
def test_no_page_without_signing_in(anonymous_app: AppTest, name: str):
    at = anonymous_app
    at.switch_page(f"views/{name}.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["moneytrail"]
    assert at.text_input(key="auth_username") is not None
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")


def test_the_sign_in_form_opens_the_overview(anonymous_app: AppTest):
    at = anonymous_app.run()
    at.text_input(key="auth_username").input("ana")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert ("ana", "ana") in entries("sign_in")


# page -> its title, for the pages each role's navigation lists
TITLES = {
    "upload": "Upload",
    "overview": "Overview",
    "clusters": "Clusters",
    "cluster": "Cluster 1",
    "entity": "Entity",
    "follow": "Follow the money",
    "export": "Export a case file",
    "benchmarks": "Benchmarks",
    "admin": "Administration",
}
ALLOWED = {
    "ana": {"upload", "overview", "benchmarks"},
    "ivo": {"overview", "clusters", "cluster", "entity", "follow", "export", "benchmarks"},
    "adm": set(TITLES),
}


@pytest.mark.parametrize("user", sorted(ALLOWED))
def test_each_role_sees_only_its_pages(anonymous_app: AppTest, user: str):
    at = sign_in(anonymous_app, user).run()
    assert [t.value for t in at.title] == ["Overview"]
    for name, title in TITLES.items():
        if name not in ALLOWED[user]:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"views/{name}.py")
            continue
        at.switch_page(f"views/{name}.py").run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert [t.value for t in at.title] == [title], (user, name)


def test_analyst_overview_hides_the_clusters(anonymous_app: AppTest):
    at = sign_in(anonymous_app, "ana").run()
    assert {m.label: m.value for m in at.metric}["Transactions"] == "24"
    assert not any("cluster 1" in m.value for m in at.markdown)


def test_a_view_run_directly_checks_the_role(anonymous_app: AppTest, tiny_home):
    """Each view guards itself too, not only the navigation (a refusal is audited)."""
    from tests.dashboard.conftest import APP

    view = AppTest.from_file(APP.replace("app.py", "views/cluster.py"), default_timeout=30)
    at = sign_in(view, "ana").run()
    assert not at.exception
    assert any("does not allow" in e.value for e in at.error)
    assert not at.metric and not at.dataframe
    assert ("ana", "view_cluster") in entries("access_denied")


def test_cluster_view_leaves_one_audit_entry(anonymous_app: AppTest):
    at = sign_in(anonymous_app, "ivo")
    at.switch_page("views/cluster.py").run()
    at.toggle(key="colour_by_role").set_value(True).run()  # a rerun of the same view
    assert not at.exception
    assert entries("view_cluster") == [("ivo", "cluster:1")]


def test_export_leaves_one_audit_entry_and_is_pseudonymised(anonymous_app: AppTest):
    at = sign_in(anonymous_app, "ivo")
    at.switch_page("views/export.py").run()
    at.button(key="build_case").click().run()
    assert not at.exception
    name, data = at.session_state["case_file"]
    assert name == "moneytrail-cluster-1.zip"
    members = zipfile.ZipFile(io.BytesIO(data)).read("members.csv").decode()
    assert "ACCT-" in members and "TR01COLLECT" not in members and "Mehmet Kaya" not in members
    exports = AuditLog().entries(action="export")
    assert [(e["user"], e["target"]) for e in exports] == [("ivo", "cluster:1")]
    assert exports[0]["details"]["pseudonymised"] is True
    assert not entries("export_identified")


def test_identified_export_is_its_own_entry(anonymous_app: AppTest):
    at = sign_in(anonymous_app, "ivo")
    at.switch_page("views/export.py").run()
    at.checkbox(key="export_identified").check().run()
    at.button(key="build_case").click().run()
    assert not at.exception
    name, data = at.session_state["case_file"]
    assert name == "moneytrail-cluster-1-identified.zip"
    assert "Mehmet Kaya" in zipfile.ZipFile(io.BytesIO(data)).read("members.csv").decode()
    assert entries("export_identified") == [("ivo", "cluster:1")]
    assert not entries("export")


def test_search_and_entity_views_are_recorded(anonymous_app: AppTest):
    at = sign_in(anonymous_app, "ivo")
    at.switch_page("views/entity.py").run()
    at.text_input(key="entity-search").input("Yusuf").run()
    assert not at.exception
    assert [target for _, target in entries("search")] == ["Yusuf"]
    assert len(entries("view_entity")) == 1
    assert entries("view_entity")[0][1].startswith("entity:")
