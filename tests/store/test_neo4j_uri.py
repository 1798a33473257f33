"""A password inside NEO4J_URI is never echoed (issue 17, item 10).

``bolt://neo4j:secret@host`` once came back verbatim in every connection error the CLI and the
dashboard print.
"""

from __future__ import annotations

import pytest

from engine.core.config import Neo4jSettings
from engine.core.errors import MoneytrailError
from engine.store.neo4j import Neo4jStore, redact_uri

SECRET = "s3cret-Pa55"


@pytest.mark.parametrize(
    "uri",
    [f"bolt://neo4j:{SECRET}@127.0.0.1:1", f"neo4j://{SECRET}@127.0.0.1:1", f"bolt://:{SECRET}@h"],
)
def test_credentials_in_the_uri_are_refused_without_echoing_them(uri):
    settings = Neo4jSettings(uri=uri, user="neo4j", password="x", database="neo4j")
    with pytest.raises(MoneytrailError) as caught:
        Neo4jStore(settings, timeout=2)
    assert SECRET not in str(caught.value)
    assert "NEO4J_PASSWORD" in str(caught.value)


def test_an_unreachable_server_is_named_without_its_query():
    settings = Neo4jSettings(uri=f"bolt://127.0.0.1:1?token={SECRET}", user="neo4j",
                             password="x", database="neo4j")  # fmt: skip
    with pytest.raises(MoneytrailError) as caught:
        Neo4jStore(settings, timeout=2)
    assert SECRET not in str(caught.value) and "127.0.0.1:1" in str(caught.value)


def test_redact_uri_keeps_the_address():
    assert redact_uri(f"bolt://neo4j:{SECRET}@db.example:7687") == "bolt://***@db.example:7687"
    assert redact_uri("neo4j://127.0.0.1:7687") == "neo4j://127.0.0.1:7687"
