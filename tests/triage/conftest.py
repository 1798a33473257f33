"""Triage test fixtures: every test gets its own data home (and so its own audit log)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    for name in ("MONEYTRAIL_USERS_FILE", "MONEYTRAIL_AUDIT_FILE", "MONEYTRAIL_STORE"):
        monkeypatch.delenv(name, raising=False)
    return home
