"""Fixtures for the dashboard's tests: a tiny prepared store and an AppTest pointed at it,
signed in as a user of a private users file (with its own audit log and pseudonym key)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import SESSION_SEEN, SESSION_USER
from tests.dashboard import world

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def tiny_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An EmbeddedStore folder holding the tiny world and its analysis results."""
    return world.build(tmp_path_factory.mktemp("tiny") / "store")


@pytest.fixture
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh users file, audit log and pseudonym key for this test, with one user per role
    (``ana`` analyst, ``ivo`` investigator, ``adm`` admin; cheap argon2 parameters)."""
    from argon2 import PasswordHasher

    from engine.security import auth

    monkeypatch.setattr(
        auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setenv("MONEYTRAIL_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("MONEYTRAIL_AUDIT_FILE", str(tmp_path / "audit" / "audit.jsonl"))
    monkeypatch.setenv("MONEYTRAIL_PSEUDONYM_KEY", "k" * 64)
    directory = auth.UserDirectory()
    for name, role in (("ana", "analyst"), ("ivo", "investigator"), ("adm", "admin")):
        directory.add(name, role, PASSWORD)
    return directory


def sign_in(at: AppTest, name: str) -> AppTest:
    """Start ``at`` with ``name`` signed in (as the login form would)."""
    at.session_state[SESSION_USER] = name
    at.session_state[SESSION_SEEN] = time.time()
    return at


@pytest.fixture
def anonymous_app(tiny_home: Path, users, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """A fresh dashboard AppTest over the tiny store, nobody signed in."""
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(tiny_home))
    return AppTest.from_file(APP, default_timeout=30)


@pytest.fixture
def app(anonymous_app: AppTest) -> AppTest:
    """The dashboard signed in as the admin ``adm`` (every page; call ``page(at, name)``)."""
    return sign_in(anonymous_app, "adm")


def page(at: AppTest, name: str) -> AppTest:
    """Run the app on one page (``views/<name>.py``) and fail on any exception shown."""
    at.switch_page(f"views/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at
