"""Decisions on the Cluster and Entity pages: recorded through the audited session, shown at
once on the page where the entity appears, and refused to roles that may not decide."""

from __future__ import annotations

import shutil

import pytest

from engine.security.audit import AuditLog
from engine.store.embedded import EmbeddedStore
from tests.dashboard.conftest import page, sign_in


@pytest.fixture
def own_app(app, tiny_home, tmp_path, monkeypatch):
    """The signed-in app over a private copy of the tiny store (decisions do not leak)."""
    home = tmp_path / "store-copy"
    shutil.copytree(tiny_home, home)
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    return app, home


def test_case_decision_is_stored_for_the_case_and_its_accounts(own_app) -> None:
    at, home = own_app
    at = page(at, "cluster")
    assert any("none recorded yet" in c.value for c in at.caption)
    at.selectbox(key="case-1-decision").select("suspicious")
    at.text_input(key="case-1-reason").input("collector and hawala broker confirmed")
    at.button[[b.label for b in at.button].index("Record")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Recorded: confirmed suspicious for this case" in s.value for s in at.success)
    assert any("Confirmed suspicious" in m.value and "adm" in m.value for m in at.markdown)
    rows = EmbeddedStore(home).read_dispositions().to_pylist()
    kinds = {(r["entity_kind"], r["entity_id"]) for r in rows}
    assert ("case", "1") in kinds and ("account", "TR01COLLECT") in kinds
    assert {r["decided_by"] for r in rows} == {"adm"}
    entries = [e for e in AuditLog().entries() if e["action"] == "record_decision"]
    assert [(e["user"], e["target"]) for e in entries] == [("adm", "cluster:1")]
    # the member account shows the case's decision on its own page
    at.session_state["entity_id"] = "TR01COLLECT"
    at = page(at, "entity")
    assert any("Confirmed suspicious" in m.value and "(case 1)" in m.value for m in at.markdown)


def test_account_decision_needs_a_reason(own_app) -> None:
    at, home = own_app
    at.session_state["entity_id"] = "DE01BERG"
    at = page(at, "entity")
    at.selectbox(key="account-DE01BERG-decision").select("cleared")
    at.button[[b.label for b in at.button].index("Record")].click().run()
    assert any("needs a reason" in e.value for e in at.error)
    assert EmbeddedStore(home).read_dispositions().num_rows == 0
    at.selectbox(key="account-DE01BERG-decision").select("cleared")
    at.text_input(key="account-DE01BERG-reason").input("shop takings")
    at.button[[b.label for b in at.button].index("Record")].click().run()
    assert any("Cleared" in m.value and "shop takings" in m.value for m in at.markdown)
    assert EmbeddedStore(home).read_dispositions()["decision"].to_pylist() == ["cleared"]


def test_investigators_get_the_form(anonymous_app, tiny_home, users) -> None:
    # (analysts, the one role without record_decision, cannot open these pages at all)
    at = page(sign_in(anonymous_app, "ivo"), "cluster")
    assert "Record" in [b.label for b in at.button]
