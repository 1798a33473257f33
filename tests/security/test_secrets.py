"""Secrets: Neo4j credentials only from the environment or a file, never shown; TLS schemes."""

from __future__ import annotations

import logging

import pytest

from engine.core.config import Neo4jSettings
from engine.core.errors import ConfigError, StoreUnavailable

SECRET = "s3cret-not-for-logs-42"


def test_password_from_the_environment_is_hidden_from_repr(monkeypatch):
    monkeypatch.setenv("NEO4J_PASSWORD", SECRET)
    settings = Neo4jSettings.from_env()
    assert settings.password == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings)


def test_password_from_a_file_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    secret_file = tmp_path / "neo4j_password"
    secret_file.write_text(SECRET + "\n")
    secret_file.chmod(0o600)
    monkeypatch.setenv("NEO4J_PASSWORD_FILE", str(secret_file))
    assert Neo4jSettings.from_env().password == SECRET


def test_missing_password_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.setenv("NEO4J_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD_FILE"):
        Neo4jSettings.from_env()


@pytest.mark.parametrize("scheme", ["bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc"])
def test_unreachable_neo4j_names_the_address_never_the_password(monkeypatch, caplog, scheme):
    """Every URI scheme, TLS ones included, is accepted; the failure message and the logs
    carry the address and not the password."""
    from engine.store.neo4j import Neo4jStore

    monkeypatch.setenv("NEO4J_PASSWORD", SECRET)
    monkeypatch.setenv("MONEYTRAIL_NEO4J_TIMEOUT", "3")
    settings = Neo4jSettings.from_env(uri=f"{scheme}://127.0.0.1:9")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreUnavailable) as raised:
        Neo4jStore(settings, max_retry_time=0.0)
    message = str(raised.value)
    assert "127.0.0.1:9" in message and SECRET not in message
    assert SECRET not in caplog.text
