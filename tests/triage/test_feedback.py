"""Recording decisions and importing files of past decisions: validation, quarantine, audit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.errors import AccessDenied, InputError
from engine.security.audit import open_audit_log
from engine.security.auth import User
from engine.services.audited import AuditedSession
from engine.services.feedback import import_feedback, record_decision
from engine.store.embedded import EmbeddedStore
from tests.store.test_contract import ROWS, batch

INVESTIGATOR = User("ines", "investigator")
ANALYST = User("ana", "analyst")


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    opened = EmbeddedStore(tmp_path / "store")
    opened.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    return opened


def write(tmp_path: Path, text: str, name: str = "feedback.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_csv_is_imported_with_labels_times_and_notes(store, tmp_path) -> None:
    path = write(
        tmp_path,
        "entity_id,label,decided_at,case_id,note\n"
        "A,1,2025-01-02,FIU-7,confirmed mule\n"
        "B,cleared,2025-01-03T10:00:00+01:00,,payroll\n"
        "C,Suspicious,,FIU-7,\n",
    )
    report = import_feedback(store, path)
    assert (report.status, report.accepted, report.rejected) == ("imported", 3, 0)
    rows = store.read_dispositions().sort_by("entity_id").to_pylist()
    assert [r["decision"] for r in rows] == ["suspicious", "cleared", "suspicious"]
    assert rows[0]["decided_at"] == datetime(2025, 1, 2, tzinfo=UTC)
    assert rows[1]["decided_at"] == datetime(2025, 1, 3, 9, tzinfo=UTC)
    assert rows[0]["case_id"] == "FIU-7" and rows[1]["case_id"] is None
    assert rows[0]["reason"] == "confirmed mule"
    assert {r["batch_id"] for r in rows} == {report.batch_id}
    assert import_feedback(store, path).status == "duplicate"
    assert store.read_dispositions().num_rows == 3


def test_parquet_with_integer_labels_is_imported(store, tmp_path) -> None:
    path = tmp_path / "past.parquet"
    pq.write_table(pa.table({"entity_id": ["A", "B"], "label": pa.array([1, 0], pa.int64())}), path)
    report = import_feedback(store, path)
    assert report.status == "imported"
    assert sorted(store.read_dispositions()["decision"].to_pylist()) == ["cleared", "suspicious"]


def test_bad_rows_are_quarantined_and_nothing_else_changes(store, tmp_path) -> None:
    before = {name: store.count(name) for name in ("transactions", "accounts")}
    path = write(
        tmp_path,
        "entity_id,label,decided_at\n"
        "A,1,2025-01-02\n"
        ",0,\n"  # row 2: empty id
        "B,maybe,\n"  # row 3: bad label
        "C,0,yesterday\n"  # row 4: bad time
        "ZZ,1,2999-01-01\n",  # row 5: unknown account and a future date
    )
    report = import_feedback(store, path, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert (report.status, report.accepted, report.rejected) == ("refused", 0, 5)
    got = {(r["row"], r["field"]) for r in report.rejected_rows.to_pylist()}
    assert got == {(2, "entity_id"), (3, "label"), (4, "decided_at"), (5, "entity_id"),
                   (5, "decided_at")}  # fmt: skip
    assert store.read_dispositions().num_rows == 0
    quarantine = store.read_table("rejected").to_pylist()
    assert {(r["source"], r["row"], r["field"]) for r in quarantine} == {
        ("feedback.csv", row, field) for row, field in got
    }
    assert {name: store.count(name) for name in before} == before


def test_missing_column_names_file_and_field(store, tmp_path) -> None:
    with pytest.raises(InputError, match=r"feedback.csv, field 'label'"):
        import_feedback(store, write(tmp_path, "entity_id,decision\nA,1\n"))


def test_decisions_before_any_data_are_accepted_for_any_id(tmp_path) -> None:
    empty = EmbeddedStore(tmp_path / "empty")
    assert import_feedback(empty, write(tmp_path, "entity_id,label\nX9,1\n")).status == "imported"


def test_case_decision_labels_its_member_accounts(store) -> None:
    rows = record_decision(store, "7", "suspicious", reason="structuring ring",
                           decided_by="ines", kind="case", members=["A", "B"])  # fmt: skip
    assert rows.num_rows == 3
    back = store.read_dispositions().to_pylist()
    assert {(r["entity_kind"], r["entity_id"], r["case_id"]) for r in back} == {
        ("case", "7", "7"),
        ("account", "A", "7"),
        ("account", "B", "7"),
    }


def test_a_decision_needs_a_known_word_and_a_reason(store) -> None:
    with pytest.raises(InputError):
        record_decision(store, "A", "guilty", reason="x", decided_by="ines")
    with pytest.raises(InputError):
        record_decision(store, "A", "cleared", reason="  ", decided_by="ines")
    assert store.read_dispositions().num_rows == 0


def test_audited_decision_is_one_entry_and_needs_the_role(store) -> None:
    log = open_audit_log(store)  # the log kept with the store
    start = len(log.entries())
    AuditedSession(INVESTIGATOR, store).decide("A", "cleared", "known landlord")
    entries = log.entries()[start:]
    assert [(e["user"], e["action"], e["target"]) for e in entries] == [
        ("ines", "record_decision", "entity:A")
    ]
    assert entries[0]["details"]["decision"] == "cleared"
    assert store.read_dispositions()["decided_by"].to_pylist() == ["ines"]
    with pytest.raises(AccessDenied):
        AuditedSession(ANALYST, store).decide("A", "suspicious", "x")
    assert store.read_dispositions().num_rows == 1


def test_cli_import_and_list(store, tmp_path) -> None:
    runner = CliRunner()
    home = str(store.home)
    good = write(tmp_path, "entity_id,label,note\nA,1,mule\nB,0,payroll\n")
    result = runner.invoke(app, ["feedback", "import", str(good), "--home", home])
    assert result.exit_code == 0, result.output
    assert "2 decisions imported" in result.output
    bad = write(tmp_path, "entity_id,label\nC,perhaps\n", "bad.csv")
    result = runner.invoke(app, ["feedback", "import", str(bad), "--home", home])
    assert result.exit_code == 2
    assert "bad.csv, row 1, field 'label'" in result.output
    result = runner.invoke(app, ["feedback", "list", "--home", home, "--format", "csv"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("decided_at,entity_kind,entity_id,decision")
    assert sorted(line.split(",")[2] for line in lines[1:]) == ["A", "B"]
    actions = [e["action"] for e in open_audit_log(store).entries()]
    assert actions.count("feedback_import") == 2
