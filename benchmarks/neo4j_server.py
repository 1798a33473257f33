"""The project's Neo4j server as the benchmarks and the tests find it: its settings (the
environment first, else the state file ``scripts/neo4j.sh`` writes) and a way to empty it.

It lives in ``benchmarks`` (the top floor) so that an installed ``moneytrail bench`` needs
nothing from ``tests``; the test fixtures import it from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.core.config import Neo4jSettings
from engine.core.errors import ConfigError

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
        raise ConfigError(
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
