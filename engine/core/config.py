"""Configuration: CLI flags first, then environment variables, then defaults.

Secrets (the Neo4j password) come only from the environment or a secrets file outside the
repository, and are never printed: :class:`Neo4jSettings` hides the password from ``repr``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from engine.core.errors import ConfigError

DEFAULT_HOME = "./moneytrail-data"
DEFAULT_BASE_CURRENCY = "EUR"
STORE_BACKENDS = ("embedded", "neo4j")


def data_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The EmbeddedStore folder: ``explicit``, else ``MONEYTRAIL_HOME``, else ``./moneytrail-data``."""
    return Path(explicit or os.environ.get("MONEYTRAIL_HOME") or DEFAULT_HOME)


def store_backend(explicit: str | None = None) -> str:
    """The store backend: ``explicit``, else ``MONEYTRAIL_STORE``, else ``embedded``."""
    backend = (explicit or os.environ.get("MONEYTRAIL_STORE") or "embedded").lower()
    if backend not in STORE_BACKENDS:
        raise ConfigError(f"unknown store {backend!r}; choose one of {', '.join(STORE_BACKENDS)}")
    return backend


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how to reach Neo4j. The password never appears in ``repr`` or messages."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str = "neo4j"

    @classmethod
    def from_env(cls, uri: str | None = None, database: str | None = None) -> Neo4jSettings:
        """Read ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD`` (or ``NEO4J_PASSWORD_FILE``)
        and ``NEO4J_DATABASE``; explicit arguments win."""
        password = os.environ.get("NEO4J_PASSWORD", "")
        password_file = os.environ.get("NEO4J_PASSWORD_FILE")
        if not password and password_file:
            try:
                password = Path(password_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"NEO4J_PASSWORD_FILE {password_file}: {exc.strerror}") from exc
        return cls(
            uri=uri or os.environ.get("NEO4J_URI", cls.uri),
            user=os.environ.get("NEO4J_USER", cls.user),
            password=password,
            database=database or os.environ.get("NEO4J_DATABASE", cls.database),
        )
