"""Store fixtures: the contract tests run once per backend.

``store`` is parametrised over the backends. The Neo4j backend talks to the real server the
project starts (``make neo4j-start``, or ``scripts/neo4j.sh start``); a missing server fails
the test, it never skips. The server is found from ``NEO4J_URI`` / ``NEO4J_PASSWORD`` or, when
they are not set, from the state file the script writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.neo4j_server import WIPE, neo4j_settings, state_file, wipe  # noqa: F401 (re-exported to the tests)
from engine.store.base import Store
from engine.store.embedded import EmbeddedStore

BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


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
