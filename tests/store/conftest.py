"""Store fixtures: the contract tests run once per backend.

``store`` is parametrised over the backends. The Neo4j backend talks to the real server the
project starts (``make neo4j-start``); a missing server fails the test, it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.store.base import Store
from engine.store.embedded import EmbeddedStore

BACKENDS = ["embedded"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    """A fresh, empty store of each backend."""
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "store") as opened:
            yield opened
    else:  # pragma: no cover - filled in by the Neo4j backend
        raise AssertionError(request.param)
