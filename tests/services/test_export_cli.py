"""``moneytrail export``: a cluster's case file as ZIP or i2 ANX XML, audited, pseudonymised."""

from __future__ import annotations

import io
import zipfile

from typer.testing import CliRunner

from engine.cli import app
from engine.security.audit import AuditLog
from tests.dashboard import world
from tests.services.test_anx import chart, parse

runner = CliRunner()


def test_export_anx_and_zip(tmp_path, monkeypatch):
    monkeypatch.delenv("MONEYTRAIL_AUDIT_FILE", raising=False)
    monkeypatch.delenv("MONEYTRAIL_STORE", raising=False)
    home = world.build(tmp_path / "store")
    out = tmp_path / "case.anx"
    result = runner.invoke(
        app, ["export", "--cluster", "1", "--format", "anx", "-o", str(out), "--home", str(home)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    labels, links = chart(parse(out.read_bytes()))
    assert links and labels and "Amina Yusuf" not in text and "SY01SEND1" not in text
    result = runner.invoke(app, ["export", "--cluster", "1", "-o", str(tmp_path / "c.zip"),
                                 "--home", str(home)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "case.anx" in zipfile.ZipFile(io.BytesIO((tmp_path / "c.zip").read_bytes())).namelist()
    actions = [e["action"] for e in AuditLog(home / "audit" / "audit.jsonl").entries()]
    assert actions.count("export") == 2
    bad = runner.invoke(app, ["export", "-o", str(out), "--home", str(home)])
    assert bad.exit_code != 0
