"""Casework on the Cluster, Entity and Clusters pages: notes shown as text, status and
assignee saved through the audited session and listed with the cases; a case's lineage."""

from __future__ import annotations

import datetime as dt
import shutil

import pyarrow as pa
import pytest

from engine.security.audit import AuditLog
from engine.store import ledgers
from engine.store.embedded import EmbeddedStore
from tests.dashboard.conftest import page

INJECTION = "**loud** <img src=x onerror=alert(1)> :red[alarm] [x](javascript:alert(1))"


@pytest.fixture
def own_app(app, tiny_home, tmp_path, monkeypatch):
    """The signed-in app over a private copy of the tiny store (casework does not leak)."""
    home = tmp_path / "store-copy"
    shutil.copytree(tiny_home, home)
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    return app, home


def _save(at):
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_note_on_a_case_is_stored_audited_and_shown_as_text(own_app) -> None:
    at, home = own_app
    at = page(at, "cluster")
    assert any("No notes yet" in c.value for c in at.caption)
    at.text_area(key="work-case-1-note").input(f"first line\n{INJECTION}")
    at = _save(at)
    assert any("note added" in s.value for s in at.success)
    (shown,) = [m.value for m in at.markdown if "first line" in m.value]
    assert shown.count("<img") == shown.count("\\<img") == 1  # escaped, never HTML
    assert "\\*\\*loud\\*\\*" in shown and "\\:red\\[alarm\\]" in shown  # never Markdown
    assert "first line  \n" in shown  # its line break kept
    (row,) = EmbeddedStore(home).read_ledger("worklog").to_pylist()
    assert (row["entity_kind"], row["entity_id"], row["author"]) == ("case", "1", "adm")
    assert row["value"] == f"first line\n{INJECTION}"
    entries = [(e["action"], e["target"]) for e in AuditLog().entries()]
    assert ("add_note", "cluster:1") in entries


def test_status_and_assignee_show_on_the_case_and_in_the_clusters_list(own_app) -> None:
    at, _ = own_app
    at = page(at, "cluster")
    at.selectbox(key="work-case-1-status").select("in_review")
    at.selectbox(key="work-case-1-assignee").select("ivo")
    at = _save(at)
    assert any("In review" in m.value and "Assigned to **ivo**" in m.value for m in at.markdown)
    actions = [(e["action"], e["target"]) for e in AuditLog().entries()]
    assert ("set_status", "cluster:1") in actions and ("assign", "cluster:1") in actions
    at = page(at, "clusters")
    table = at.dataframe[0].value
    one = table[table["cluster_id"] == 1].iloc[0]
    assert (one["status"], one["assignee"]) == ("In review", "ivo")
    other = table[table["cluster_id"] != 1].iloc[0]
    assert (other["status"], other["assignee"]) == ("New", "")


def test_a_case_decision_is_its_status(own_app) -> None:
    at, _ = own_app
    at = page(at, "cluster")
    at.selectbox(key="case-1-decision").select("escalated")
    at.text_input(key="case-1-reason").input("to the prosecutor")
    at.button[[b.label for b in at.button].index("Record")].click().run()
    at = page(at, "cluster")
    assert any("Escalated" in m.value and "decided by" in m.value for m in at.markdown)


def test_casework_on_a_person(own_app) -> None:
    at, home = own_app
    at.session_state["entity_id"] = "P8"
    at = page(at, "entity")
    at.text_area(key="work-P8-note").input("runs the shop on the corner")
    at = _save(at)
    assert any("runs the shop on the corner" in m.value for m in at.markdown)
    (row,) = EmbeddedStore(home).read_ledger("worklog").to_pylist()
    assert (row["entity_kind"], row["entity_id"]) == ("party", "P8")


def test_the_cluster_page_tells_where_the_case_came_from(own_app) -> None:
    at, home = own_app
    when = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)
    rows = [
        {"run_id": "run-test", "old_run_id": "run-0", "old_id": 12, "new_id": 2,
         "kind": "split", "overlap": 0.3, "at": when},
        {"run_id": "run-test", "old_run_id": "run-0", "old_id": 9, "new_id": 2,
         "kind": "merge", "overlap": 0.2, "at": when},
        {"run_id": "run-test", "old_run_id": "run-0", "old_id": 5, "new_id": 30,
         "kind": "merge", "overlap": 0.2, "at": when},
    ]  # fmt: skip
    EmbeddedStore(home).append_ledger(
        "case_lineage", pa.Table.from_pylist(rows, schema=ledgers.CASE_LINEAGE)
    )
    at.query_params["id"] = "2"
    at = page(at, "cluster")
    assert any(
        "Split from case 12 on 2026-03-04." in c.value
        and "Case 9 merged into this case on 2026-03-04." in c.value
        for c in at.caption
    )


def test_an_address_of_a_merged_case_says_where_it_went(own_app) -> None:
    at, home = own_app
    row = {"run_id": "run-test", "old_run_id": "run-0", "old_id": 5, "new_id": 1,
           "kind": "merge", "overlap": 0.2, "at": dt.datetime(2026, 3, 4, tzinfo=dt.UTC)}  # fmt: skip
    EmbeddedStore(home).append_ledger(
        "case_lineage", pa.Table.from_pylist([row], schema=ledgers.CASE_LINEAGE)
    )
    at.query_params["id"] = "5"
    at = page(at, "cluster")
    assert any(
        "Case 5 is not in the latest analysis. Merged into case 1 on 2026-03-04." in w.value
        for w in at.warning
    )


def test_a_case_decision_and_its_notes_survive_the_next_analysis(own_app) -> None:
    from engine.services.pipeline import analyze

    at, home = own_app
    at = page(at, "cluster")
    at.selectbox(key="case-1-decision").select("suspicious")
    at.text_input(key="case-1-reason").input("collector confirmed")
    at.button[[b.label for b in at.button].index("Record")].click().run()
    at.text_area(key="work-case-1-note").input("seen at the bank on Monday")
    at = _save(at)
    analyze(EmbeddedStore(home), seed=0)  # a new run: the ring is still case 1
    at.session_state["cluster_id"] = 1
    at = page(at, "cluster")
    shown = " ".join(m.value for m in at.markdown)
    assert "Confirmed suspicious" in shown and "collector confirmed" in shown
    assert "seen at the bank on Monday" in shown
