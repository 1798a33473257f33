"""One audited-action path: the CLI's ingest, analyze and clusters leave one audit entry each,
as the operating-system user, in the audit log that lives with the store they used."""

from __future__ import annotations

import getpass
import json

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.security.audit import AuditLog, open_audit_log
from engine.store.embedded import EmbeddedStore

TX = (
    "tx_id,ts,src_account,dst_account,amount,currency\n"
    "t1,2024-01-01T10:00:00Z,A,B,1000,EUR\n"
    "t2,2024-01-01T12:00:00Z,B,C,990,EUR\n"
    "t3,2024-01-02T10:00:00Z,C,A,980,EUR\n"
)
runner = CliRunner()


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """MONEYTRAIL_HOME points somewhere else: the store given by --home must keep its own log."""
    other = tmp_path / "other-home"
    monkeypatch.setenv("MONEYTRAIL_HOME", str(other))
    monkeypatch.delenv("MONEYTRAIL_AUDIT_FILE", raising=False)
    monkeypatch.delenv("MONEYTRAIL_STORE", raising=False)
    return other


def _entries(home):
    return AuditLog(home / "audit" / "audit.jsonl").entries()


def test_ingest_analyze_and_clusters_are_each_one_entry_by_the_os_user(tmp_path, elsewhere):
    home = tmp_path / "store"
    data = tmp_path / "transactions.csv"
    data.write_text(TX)
    me = f"cli:{getpass.getuser()}"

    result = runner.invoke(app, ["ingest", str(data), "--home", str(home)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["analyze", "--home", str(home)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["clusters", "--home", str(home), "--format", "json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)

    entries = _entries(home)
    assert [e["action"] for e in entries] == ["upload", "analyze", "list_clusters"]
    assert {e["user"] for e in entries} == {me}
    assert entries[0]["details"]["accepted"] == 3
    assert entries[1]["target"].startswith("run:")
    # the batch records the same uploader, and nothing went to the other home
    with EmbeddedStore(home) as store:
        assert store.read_table("batches").column("uploaded_by").to_pylist() == [me]
    assert not (elsewhere / "audit").exists()
    assert open_audit_log(EmbeddedStore(home)).verify().ok


def test_the_uploader_cannot_be_named_on_the_command_line(tmp_path, elsewhere):
    data = tmp_path / "transactions.csv"
    data.write_text(TX)
    result = runner.invoke(
        app, ["ingest", str(data), "--home", str(tmp_path / "s"), "--user", "somebody-else"]
    )
    assert result.exit_code != 0
    assert not (tmp_path / "s" / "audit").exists()


def test_a_refused_file_is_recorded_and_the_others_still_load(tmp_path, elsewhere):
    home = tmp_path / "store"
    good = tmp_path / "transactions.csv"
    good.write_text(TX)
    bad = tmp_path / "broken.csv"
    bad.write_text("no,columns,we,know\n1,2,3,4\n")
    result = runner.invoke(app, ["ingest", str(bad), str(good), "--home", str(home)])
    assert result.exit_code == 2  # a refused file makes the command fail, after the others
    actions = [e["action"] for e in _entries(home)]
    assert actions == ["upload_refused", "upload"]


def test_the_cli_never_changes_this_processs_environment(tmp_path, elsewhere):
    import os

    before = dict(os.environ)
    home = tmp_path / "store"
    for args in (
        ["users", "list", "--home", str(home)],
        ["audit", "verify", "--home", str(home)],
        ["clusters", "--home", str(home)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), result.output
    assert dict(os.environ) == before
