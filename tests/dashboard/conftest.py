"""Fixtures for the dashboard's tests: a tiny prepared store and an AppTest pointed at it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard import world

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture(scope="session")
def tiny_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An EmbeddedStore folder holding the tiny world and its analysis results."""
    return world.build(tmp_path_factory.mktemp("tiny") / "store")


@pytest.fixture
def app(tiny_home: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh dashboard AppTest over the tiny store (call ``.switch_page`` then ``.run``)."""
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(tiny_home))
    monkeypatch.setenv("MONEYTRAIL_USER", "tester")
    return AppTest.from_file(APP, default_timeout=30)


def page(at: AppTest, name: str) -> AppTest:
    """Run the app on one page (``views/<name>.py``) and fail on any exception shown."""
    at.switch_page(f"views/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at
