"""One Settings object: flags, then environment, then defaults; nothing writes os.environ."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from engine.core.config import Settings
from engine.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_flags_win_over_the_environment_which_wins_over_defaults(tmp_path):
    env = {"MONEYTRAIL_HOME": str(tmp_path / "env-home"), "MONEYTRAIL_STORE": "neo4j"}
    assert Settings.from_env(environ={}).home == Path("./moneytrail-data")
    assert Settings.from_env(environ={}).store == "embedded"
    from_env = Settings.from_env(environ=env)
    assert from_env.home == tmp_path / "env-home" and from_env.store == "neo4j"
    flagged = Settings.from_env(home=tmp_path / "flag", store="embedded", environ=env)
    assert flagged.home == tmp_path / "flag" and flagged.store == "embedded"


def test_every_setting_has_its_variable(tmp_path):
    env = {
        "MONEYTRAIL_USERS_FILE": str(tmp_path / "u.json"),
        "MONEYTRAIL_AUDIT_FILE": str(tmp_path / "a.jsonl"),
        "MONEYTRAIL_PSEUDONYM_KEY": "k" * 40,
        "MONEYTRAIL_LOCK_TIMEOUT": "12",
        "MONEYTRAIL_NEO4J_TIMEOUT": "7.5",
        "MONEYTRAIL_SESSION_IDLE_MINUTES": "3",
        "MONEYTRAIL_BENCH_RESULTS": str(tmp_path / "bench"),
        "NEO4J_URI": "bolt://127.0.0.1:9999",
        "NEO4J_USER": "reader",
        "NEO4J_PASSWORD": "secret-password",
        "NEO4J_DATABASE": "fiu",
    }
    s = Settings.from_env(environ=env)
    assert s.users_path == tmp_path / "u.json" and s.audit_file == tmp_path / "a.jsonl"
    assert s.pseudonym_key == "k" * 40
    assert (s.lock_timeout, s.neo4j_timeout, s.session_idle_minutes) == (12.0, 7.5, 3.0)
    assert s.bench_results == tmp_path / "bench"
    assert (s.neo4j.uri, s.neo4j.user, s.neo4j.database) == (
        "bolt://127.0.0.1:9999",
        "reader",
        "fiu",
    )
    # secrets stay out of repr
    assert "secret-password" not in repr(s) and "k" * 40 not in repr(s)
    # the users file defaults to the home's
    assert Settings.from_env(home=tmp_path, environ={}).users_path == tmp_path / "users.json"


@pytest.mark.parametrize(
    ("name", "value"),
    [("MONEYTRAIL_LOCK_TIMEOUT", "soon"), ("MONEYTRAIL_NEO4J_TIMEOUT", "-1")],
)
def test_a_malformed_number_is_one_clear_error(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env(environ={name: value})


def test_unknown_store_is_refused():
    with pytest.raises(ConfigError, match="unknown store"):
        Settings.from_env(store="postgres", environ={})


def test_child_environment_copies_and_never_changes_this_process(tmp_path):
    before = dict(os.environ)
    child = Settings.from_env(home=tmp_path, environ={}).child_environment({"PATH": "/bin"})
    assert child == {
        "PATH": "/bin",
        "MONEYTRAIL_STORE": "embedded",
        "MONEYTRAIL_HOME": str(tmp_path.resolve()),
    }
    assert dict(os.environ) == before


def _sources() -> list[Path]:
    return [
        p
        for folder in ("engine", "loaders", "algorithms", "dashboard", "benchmarks")
        for p in (ROOT / folder).rglob("*.py")
    ]


def test_nothing_in_the_project_writes_the_environment():
    """No ``os.environ[...] = ...``, ``os.environ.update``, ``setdefault``, ``os.putenv`` or
    ``del os.environ[...]`` anywhere in the package source (tests may monkeypatch)."""
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for target in targets:
                if isinstance(target, ast.Subscript) and ast.unparse(target.value) == "os.environ":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in {
                    "os.environ.update",
                    "os.environ.setdefault",
                    "os.environ.pop",
                    "os.putenv",
                    "os.unsetenv",
                }:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_only_the_settings_module_reads_moneytrails_environment_variables():
    """``MONEYTRAIL_*`` and ``NEO4J_*`` are read in engine/core/config.py and nowhere else in
    the package, so there is one place that says what configures moneytrail."""
    readers = []
    for path in _sources():
        if path == ROOT / "engine" / "core" / "config.py" or "benchmarks" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in {
                "os.environ.get",
                "os.getenv",
            }:
                name = node.args[0] if node.args else None
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                name = node.slice
            else:
                continue
            # other programs' variables (JAVA_HOME, PYTHONPATH) are theirs to read
            if not isinstance(name, ast.Constant) or str(name.value).startswith(
                ("MONEYTRAIL_", "NEO4J_")
            ):
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []
