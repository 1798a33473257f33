"""Store fixtures: the contract tests run once per backend.

``store`` is parametrised over the backends. The Neo4j backend talks to the real server the
project starts (``make neo4j-start``, or ``scripts/neo4j.sh start``); a missing server fails
the test, it never skips. The server is found from ``NEO4J_URI`` / ``NEO4J_PASSWORD`` or, when
they are not set, from the state file the script writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.core.config import Neo4jSettings
from engine.store.base import Store
from engine.store.embedded import EmbeddedStore

BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]

#: Deletes everything, in slices, so a large leftover (a benchmark's) does not need one huge
#: transaction; needs an auto-commit transaction (session.run).
WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def state_file() -> Path:
    """Where scripts/neo4j.sh writes NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD."""
    cache = Path(os.environ.get("MONEYTRAIL_CACHE") or Path.home() / ".cache" / "moneytrail")
    return cache / "neo4j" / "run" / "neo4j.env"


def neo4j_settings() -> Neo4jSettings:
    """The test server's settings: environment first, else the script's state file."""
    values: dict[str, str] = {}
    path = state_file()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    for key in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"):
        if os.environ.get(key):
            values[key] = os.environ[key]
    if not values.get("NEO4J_PASSWORD"):
        raise AssertionError(
            f"no Neo4j server configured: set NEO4J_URI/NEO4J_PASSWORD or run "
            f"`make neo4j-start` (which writes {path})"
        )
    return Neo4jSettings(
        uri=values.get("NEO4J_URI", "bolt://127.0.0.1:7687"),
        user=values.get("NEO4J_USER", "neo4j"),
        password=values["NEO4J_PASSWORD"],
        database=values.get("NEO4J_DATABASE", "neo4j"),
    )


def wipe(settings: Neo4jSettings) -> None:
    """Empty the test database (nodes and relationships; the schema stays)."""
    import neo4j

    auth = (settings.user, settings.password)
    with (
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
        driver.session(database=settings.database) as session,
    ):
        session.run(WIPE).consume()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    """A fresh, empty store of each backend."""
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "store") as opened:
            yield opened
    elif request.param == "neo4j":
        from engine.store.neo4j import Neo4jStore

        settings = neo4j_settings()
        wipe(settings)
        with Neo4jStore(settings) as opened:
            yield opened
    else:  # pragma: no cover
        raise AssertionError(request.param)
