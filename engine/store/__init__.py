"""Stores: where moneytrail keeps its tables. :func:`open_store` picks the backend."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.core.config import Settings
    from engine.store.base import Store


def open_store(
    backend: str | None = None,
    *,
    home: str | os.PathLike[str] | None = None,
    uri: str | None = None,
    database: str | None = None,
    settings: Settings | None = None,
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
    settings:
        The program's :class:`~engine.core.config.Settings`; the other arguments override it.
        Default: :meth:`Settings.from_env` with them.

    Raises
    ------
    ConfigError, StoreUnavailable
    """
    from engine.core.config import Settings

    if settings is None:
        settings = Settings.from_env(store=backend, home=home, uri=uri, database=database)
    else:
        settings = settings.with_(store=backend, home=home)
        if uri or database:
            from dataclasses import replace

            neo4j = replace(
                settings.neo4j,
                uri=uri or settings.neo4j.uri,
                database=database or settings.neo4j.database,
            )
            settings = replace(settings, neo4j=neo4j)
    if settings.store == "neo4j":
        from engine.store.neo4j import Neo4jStore

        return Neo4jStore(settings.neo4j, timeout=settings.neo4j_timeout)
    from engine.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.home, lock_timeout=settings.lock_timeout)
