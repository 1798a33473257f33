"""Stores: where moneytrail keeps its tables. :func:`open_store` picks the backend."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.store.base import Store


def open_store(
    backend: str | None = None,
    *,
    home: str | os.PathLike[str] | None = None,
    uri: str | None = None,
    database: str | None = None,
) -> Store:
    """Open the configured store.

    Parameters
    ----------
    backend:
        ``embedded`` or ``neo4j``; default from ``MONEYTRAIL_STORE``, else ``embedded``.
    home:
        EmbeddedStore folder (default ``MONEYTRAIL_HOME`` or ``./moneytrail-data``).
    uri, database:
        Neo4j address and database (default from ``NEO4J_URI`` / ``NEO4J_DATABASE``).

    Raises
    ------
    ConfigError, StoreUnavailable
    """
    from engine.core import config

    backend = config.store_backend(backend)
    if backend == "neo4j":
        from engine.store.neo4j import Neo4jStore

        return Neo4jStore(config.Neo4jSettings.from_env(uri=uri, database=database))
    from engine.store.embedded import EmbeddedStore

    return EmbeddedStore(config.data_home(home))
