"""The watch list as investigators use it (engine.services.watchlist and ``moneytrail
watchlist``): typed and uploaded suspects, role checks, audit entries, clear errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.errors import AccessDenied, InputError
from engine.security.audit import AuditLog
from engine.security.auth import User
from engine.services import watchlist as service
from engine.services.audited import AuditedSession
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from tests.detect.conftest import World


@pytest.fixture
def store(tmp_path):
    world = World()
    world.party("P1", "Known Suspect", accounts=("A1",))
    world.pay("A1", "A2", 500.0, day=0)
    world.pay("A2", "A3", 400.0, day=1)
    with EmbeddedStore(tmp_path / "home") as opened:
        opened.write_batch(Batch("b1", "b1", "mixed", "parquet", world.tables()))
        yield opened


def _session(store, tmp_path, role="investigator") -> AuditedSession:
    log = AuditLog(tmp_path / "audit.jsonl")
    return AuditedSession(User("ines", role), store, log=log)


def test_typed_suspects_are_added_once_with_their_kind_from_the_data(store, tmp_path):
    session = _session(store, tmp_path)
    suspects = service.parse_text("A1\nP1, A2;A1\n\n  NEW-IBAN  ")
    assert [s.entity_id for s in suspects] == ["A1", "P1", "A2", "NEW-IBAN"]
    assert service.add(session, suspects) == 4
    assert service.add(session, suspects) == 0  # already on the list: nothing new
    listed = service.current(store)
    kinds = dict(zip(listed["entity_id"].to_pylist(), listed["entity_kind"].to_pylist(),
                     strict=True))  # fmt: skip
    assert kinds == {"A1": "account", "A2": "account", "NEW-IBAN": "account", "P1": "party"}
    assert set(listed["by"].to_pylist()) == {"ines"}
    entries = [e for e in AuditLog(tmp_path / "audit.jsonl").entries()
               if e["action"] == "manage_watchlist"]  # fmt: skip
    assert [e["details"]["count"] for e in entries] == [4, 0]
    assert entries[0]["details"]["entities"] == ["A1", "P1", "A2", "NEW-IBAN"]


def test_a_csv_file_of_suspects_with_kinds_and_notes(store, tmp_path):
    session = _session(store, tmp_path)
    data = b"entity_id;kind;reason\nA3;account;partner FIU\nP1;person;seen at the border\n"
    assert service.add_file(session, data, "suspects.csv") == 2
    listed = service.current(store).to_pylist()
    assert {(r["entity_id"], r["entity_kind"], r["note"]) for r in listed} == {
        ("A3", "account", "partner FIU"),
        ("P1", "party", "seen at the border"),
    }
    assert all(r["source"].startswith("suspects.csv:") for r in listed)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"name\nA1\n", "suspects.csv, row 0"),
        (b"account_id\nA1\n\xff\n", "suspects.csv"),
        (b"entity_id,kind\nA1,account\n,account\n", "suspects.csv, row 2, field 'entity_id'"),
        (b"entity_id,kind\nA1,case\n", "suspects.csv, row 1, field 'kind'"),
        (b"entity_id\n", "no suspects"),
    ],
)
def test_a_bad_file_names_file_row_and_field_and_adds_nothing(store, tmp_path, data, where):
    session = _session(store, tmp_path)
    with pytest.raises(InputError) as caught:
        service.add_file(session, data, "suspects.csv")
    assert where in str(caught.value)
    assert service.current(store).num_rows == 0


def test_removal_keeps_the_history_and_refuses_ids_not_on_the_list(store, tmp_path):
    session = _session(store, tmp_path)
    service.add(session, service.parse_text("A1\nA2"))
    with pytest.raises(InputError, match="not on the watch list: NOPE"):
        service.remove(session, ["A1", "NOPE"])
    assert service.current(store).num_rows == 2  # nothing removed
    assert service.remove(session, ["A1"], "cleared by the bank") == 1
    assert service.current(store)["entity_id"].to_pylist() == ["A2"]
    assert store.read_watchlist().num_rows == 3


def test_an_analyst_may_not_change_the_list_and_the_refusal_is_audited(store, tmp_path):
    session = _session(store, tmp_path, role="analyst")
    with pytest.raises(AccessDenied):
        service.add(session, service.parse_text("A1"))
    with pytest.raises(AccessDenied):
        service.remove(session, ["A1"])
    with pytest.raises(AccessDenied):
        service.show(session)
    assert service.current(store).num_rows == 0
    denied = [e for e in AuditLog(tmp_path / "audit.jsonl").entries()
              if e["action"] == "access_denied"]  # fmt: skip
    assert len(denied) == 3


def test_cli_add_list_remove(store, tmp_path):
    home = str(store.home)
    runner = CliRunner()
    (tmp_path / "s.csv").write_text("account_id,note\nA3,collector\n")
    out = runner.invoke(app, ["watchlist", "add", "A1", "P1", "--note", "tip", "--home", home])
    assert out.exit_code == 0 and "2 added; 2 on the watch list" in out.output, out.output
    out = runner.invoke(app, ["watchlist", "add", "--file", str(tmp_path / "s.csv"),
                              "--home", home])  # fmt: skip
    assert "1 added; 3 on the watch list" in out.output, out.output
    out = runner.invoke(app, ["watchlist", "list", "--cases", "3", "--home", home])
    assert out.exit_code == 0, out.output
    assert all(x in out.output for x in ("A1", "P1", "A3", "collector", "party"))
    out = runner.invoke(app, ["watchlist", "remove", "A1", "--home", home])
    assert "1 removed; 2 on the watch list" in out.output
    out = runner.invoke(app, ["watchlist", "remove", "NOPE", "--home", home])
    assert out.exit_code != 0 and "not on the watch list: NOPE" in str(out.exception)
    audit = [
        json.loads(line) for line in (store.home / "audit" / "audit.jsonl").read_text().splitlines()
    ]
    changes = [e for e in audit if e["action"] == "manage_watchlist"]
    assert [e["details"]["change"] for e in changes] == ["add", "add", "remove"]
    assert all(e["user"].startswith("cli:") for e in changes)
