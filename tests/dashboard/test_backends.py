"""The dashboard's services give the same answers over the EmbeddedStore and over Neo4j.

The same tiny world and results are written into both backends; every query the pages use is
asked of both and compared (order-insensitively, since Neo4j returns rows in its own order).
The Neo4j side is the project's real server (``make neo4j-start``); it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from engine.queries import Workbench
from engine.store.base import Batch, Store
from engine.store.embedded import EmbeddedStore
from tests.dashboard import world
from tests.store.conftest import neo4j_settings, wipe


def _fill(store: Store) -> Store:
    store.write_batch(
        Batch("tinyworld", "tiny-world.parquet", "mixed", "canonical", world._tables())
    )
    store.write_results(world._results())
    return store


@pytest.fixture(scope="module")
def benches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workbench, Workbench]]:
    from engine.store.neo4j import Neo4jStore

    embedded = _fill(EmbeddedStore(tmp_path_factory.mktemp("embedded")))
    settings = neo4j_settings()
    wipe(settings)
    neo = Neo4jStore(settings)
    try:
        yield Workbench(embedded), Workbench(_fill(neo))
    finally:
        neo.close()


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """The frame's rows on ``columns``, rounded and sorted, for order-free comparison."""
    picked = frame[columns].copy()
    for column in columns:
        if pd.api.types.is_float_dtype(picked[column]):
            picked[column] = picked[column].round(6)
    return sorted(map(tuple, picked.astype(str).itertuples(index=False)))


pytestmark = pytest.mark.neo4j


def test_overview_and_money_over_time_agree(benches) -> None:
    embedded, neo = benches
    assert embedded.overview() == neo.overview()
    left, right = embedded.money_over_time(), neo.money_over_time()
    assert _rows(left, list(left.columns)) == _rows(right, list(right.columns))
    left, right = embedded.corridors(), neo.corridors()
    assert _rows(left, list(left.columns)) == _rows(right, list(right.columns))


def test_cluster_list_and_detail_agree(benches) -> None:
    embedded, neo = benches
    left, right = embedded.cluster_list(), neo.cluster_list()
    assert len(left) > 0
    columns = ["cluster_id", "rank", "score", "n_accounts", "volume"]
    assert _rows(left, columns) == _rows(right, columns)
    for cluster_id in left["cluster_id"].tolist():
        a, b = embedded.cluster_detail(int(cluster_id)), neo.cluster_detail(int(cluster_id))
        assert _rows(a.members, ["entity_id", "entity_kind"]) == _rows(
            b.members, ["entity_id", "entity_kind"]
        )
        assert sorted(a.transactions["tx_id"]) == sorted(b.transactions["tx_id"])
        assert len(a.evidence) == len(b.evidence)
        assert sorted(n["id"] for n in a.network.nodes) == sorted(n["id"] for n in b.network.nodes)


def test_entities_search_and_counterparties_agree(benches) -> None:
    embedded, neo = benches
    for text in ("Amina", "Gulf Exchange", "SY01SEND1"):
        left, right = embedded.search(text), neo.search(text)
        assert len(left) > 0
        assert _rows(left, list(left.columns)) == _rows(right, list(right.columns))
    for entity in ("SY01SEND1", "AE01HAWALA"):
        a, b = embedded.entity_detail(entity), neo.entity_detail(entity)
        assert a.kind == b.kind and a.label == b.label
        assert sorted(a.transactions["tx_id"]) == sorted(b.transactions["tx_id"])
        columns = list(a.counterparties.columns)
        assert _rows(a.counterparties, columns) == _rows(b.counterparties, columns)


def test_paths_and_traces_agree(benches) -> None:
    embedded, neo = benches
    source = embedded.search("Amina")["entity_id"].tolist()[0]
    left = embedded.shortest_path(source, "AE01HAWALA")
    right = neo.shortest_path(source, "AE01HAWALA")
    assert len(left) == len(right) > 0
    left = embedded.time_respecting_path(source, "AE01HAWALA")
    right = neo.time_respecting_path(source, "AE01HAWALA")
    assert len(left) == len(right) > 0
    a, b = embedded.trace("SY01SEND1"), neo.trace("SY01SEND1")
    assert _rows(a, ["account"]) == _rows(b, ["account"])
    assert "AE01HAWALA" in a["account"].tolist()


@pytest.mark.parametrize("name", ["overview", "clusters", "cluster", "entity", "follow", "export"])
def test_pages_run_on_the_neo4j_store(benches, users, monkeypatch, name) -> None:
    """The app itself, opened on the Neo4j store from the environment, shows every page."""
    from streamlit.testing.v1 import AppTest

    from tests.dashboard.conftest import APP, page, sign_in

    settings = neo4j_settings()
    monkeypatch.setenv("MONEYTRAIL_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", settings.uri)
    monkeypatch.setenv("NEO4J_USER", settings.user)
    monkeypatch.setenv("NEO4J_PASSWORD", settings.password)
    monkeypatch.setenv("NEO4J_DATABASE", settings.database)
    at = page(sign_in(AppTest.from_file(APP, default_timeout=60), "adm"), name)
    assert not at.exception
    if name == "clusters":
        assert len(at.dataframe[0].value) == len(benches[0].cluster_list())
