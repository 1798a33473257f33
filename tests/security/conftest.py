"""Security test fixtures: every test gets its own data home, users file, audit log and key."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point MONEYTRAIL_HOME (and so the users file, audit log and key file) at a fresh folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    for name in ("MONEYTRAIL_USERS_FILE", "MONEYTRAIL_AUDIT_FILE", "MONEYTRAIL_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters, for tests that make many users (the real ones cost ~0.1 s)."""
    from argon2 import PasswordHasher

    from engine.security import auth

    monkeypatch.setattr(
        auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
