"""Casework (engine/services/casework.py): notes, status and assignee of cases and entities,
stored on both backends (the ``store`` fixture runs each test on the embedded store and on
the real Neo4j server), each change one audit entry through the AuditedSession."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.core.errors import AccessDenied, InputError
from engine.security.auth import User
from engine.services import casework
from engine.services.audited import AuditedSession
from engine.services.feedback import record_decision
from engine.store.base import Store
from tests.store import conftest as store_fixtures

#: The ``store`` fixture of tests/store: one fresh store per backend (embedded, real Neo4j).
store = store_fixtures.store

INJECTION = "**bold** <img src=x onerror=alert(1)> [link](javascript:alert(1)) x'}) DETACH DELETE n"


def test_notes_keep_author_time_and_text_as_written_newest_first(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    casework.add_note(store, "case", "12", "first look: collector in Istanbul", author="ines")
    casework.add_note(store, "case", "12", f"  {INJECTION}\n", author="omar")
    casework.add_note(store, "account", "12", "not the case", author="omar")
    state = casework.work_state(store, "case", "12")
    assert [(n["author"], n["text"]) for n in state.notes] == [
        ("omar", INJECTION),  # stripped, otherwise stored exactly (escaping is the view's job)
        ("ines", "first look: collector in Istanbul"),
    ]
    assert all(n["at"] >= before for n in state.notes)
    assert state.status == "new" and state.assignee is None


@pytest.mark.parametrize("text", ["", "   \n", "x" * (casework.MAX_NOTE_CHARS + 1)])
def test_empty_or_too_long_notes_are_refused_and_nothing_is_written(store: Store, text) -> None:
    with pytest.raises(InputError, match="note"):
        casework.add_note(store, "case", "3", text, author="ines")
    assert store.read_ledger("worklog").num_rows == 0


def test_a_note_of_the_longest_length_is_kept_whole(store: Store) -> None:
    casework.add_note(store, "party", "P1", "y" * casework.MAX_NOTE_CHARS, author="ines")
    (note,) = casework.work_state(store, "party", "P1").notes
    assert len(note["text"]) == casework.MAX_NOTE_CHARS


def test_the_latest_status_and_assignee_are_in_force(store: Store) -> None:
    casework.set_status(store, "case", "7", "in_review", author="ines")
    casework.assign(store, "case", "7", "omar", author="ines")
    state = casework.work_state(store, "case", "7")
    assert (state.status, state.status_by, state.assignee, state.assigned_by) == (
        "in_review", "ines", "omar", "ines",
    )  # fmt: skip
    casework.set_status(store, "case", "7", "new", author="omar")
    casework.assign(store, "case", "7", None, author="omar")
    state = casework.work_state(store, "case", "7")
    assert (state.status, state.assignee) == ("new", None)


@pytest.mark.parametrize("status", ["confirmed", "cleared", "escalated", "closed"])
def test_decisions_are_not_statuses_written_here(store: Store, status: str) -> None:
    with pytest.raises(InputError, match=r"decision|not one of"):
        casework.set_status(store, "case", "7", status, author="ines")


def test_a_decision_sets_the_status_until_a_later_status(store: Store) -> None:
    casework.set_status(store, "account", "GR01", "in_review", author="ines")
    record_decision(store, "GR01", "suspicious", reason="mule", decided_by="omar")
    state = casework.work_state(store, "account", "GR01")
    assert (state.status, state.status_by, state.decided) == ("confirmed", "omar", True)
    casework.set_status(store, "account", "GR01", "in_review", author="ines")
    assert casework.work_state(store, "account", "GR01").status == "in_review"


def test_a_case_decision_counts_only_on_runs_the_case_had_its_id(store: Store) -> None:
    record_decision(store, "5", "cleared", reason="old numbering", decided_by="ines",
                    kind="case", run_id="run-before")  # fmt: skip
    assert casework.work_state(store, "case", "5", case_runs={"run-now"}).status == "new"
    record_decision(store, "5", "escalated", reason="to the prosecutor", decided_by="ines",
                    kind="case", run_id="run-now")  # fmt: skip
    assert casework.work_state(store, "case", "5", case_runs={"run-now"}).status == "escalated"


def test_states_of_many_cases_in_one_read(store: Store) -> None:
    casework.assign(store, "case", "1", "ines", author="adm")
    casework.set_status(store, "case", "2", "in_review", author="adm")
    states = casework.work_states(store, "case", ["1", "2", "3"])
    assert {k: (s.status, s.assignee) for k, s in states.items()} == {
        "1": ("new", "ines"), "2": ("in_review", None), "3": ("new", None),
    }  # fmt: skip


def test_unknown_kind_or_empty_entity_is_refused(store: Store) -> None:
    with pytest.raises(InputError):
        casework.add_note(store, "cluster", "1", "x", author="ines")
    with pytest.raises(InputError):
        casework.add_note(store, "case", " ", "x", author="ines")


# -- through the audited session: role checks and one entry per change --------------------------


@pytest.fixture
def people(tmp_path, monkeypatch):
    from argon2 import PasswordHasher

    from engine.security import auth

    monkeypatch.setattr(
        auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setenv("MONEYTRAIL_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("MONEYTRAIL_AUDIT_FILE", str(tmp_path / "audit" / "audit.jsonl"))
    directory = auth.UserDirectory()
    directory.add("ivo", "investigator", "correct horse battery")
    directory.add("gone", "investigator", "correct horse battery")
    directory.disable("gone")
    return directory


def test_each_change_is_one_audit_entry(store: Store, people) -> None:
    session = AuditedSession(User("ivo", "investigator"), store)
    note = session.add_note("case", "12", "<b>collector</b> seen twice")
    session.set_status("case", "12", "in_review")
    session.assign("case", "12", "ivo")
    session.assign("account", "GR01", None)
    log = session.log.entries()  # the log kept with the store (a chain of nodes in Neo4j)
    entries = [(e["action"], e["target"]) for e in log]
    assert entries == [("add_note", "cluster:12"), ("set_status", "cluster:12"),
                       ("assign", "cluster:12"), ("assign", "entity:GR01")]  # fmt: skip
    first = log[0]
    assert first["details"]["note"] == note and "collector" not in str(first["details"])
    assert store.read_ledger("worklog").num_rows == 4


def test_analysts_may_not_annotate_and_nobody_is_assigned_to_a_stranger(store, people) -> None:
    analyst = AuditedSession(User("ana", "analyst"), store)
    with pytest.raises(AccessDenied):
        analyst.add_note("case", "12", "hello")
    investigator = AuditedSession(User("ivo", "investigator"), store)
    for who in ("nobody", "gone"):
        with pytest.raises(InputError, match="not an enabled user"):
            investigator.assign("case", "12", who)
    assert store.read_ledger("worklog").num_rows == 0
    assert [e["action"] for e in analyst.log.entries()] == ["access_denied"]
