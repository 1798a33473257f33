"""The watch list in the store: the contract both backends keep (see base.py), run once per
backend through the ``store`` fixture (the embedded folder and the real Neo4j server)."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.store import watchlist
from engine.store.base import Store
from tests.store.test_contract import ROWS, batch

T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def test_empty_watch_list_reads_with_its_schema(store: Store) -> None:
    log = store.read_watchlist()
    assert log.num_rows == 0 and log.schema.equals(watchlist.WATCHLIST)
    assert watchlist.current(log).num_rows == 0


def test_rows_read_back_exactly_and_removal_takes_an_entry_off(store: Store) -> None:
    store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    added = watchlist.build(
        ["A", "P-1", "NOT-YET-SEEN"], ["account", "party", "account"], "add",
        by="ines", notes=["known collector", None, "from a partner FIU"],
        source="suspects.csv:ab12", at=T0,
    )  # fmt: skip
    assert store.write_watchlist(added) == 3
    back = store.read_watchlist()
    assert back.schema.equals(watchlist.WATCHLIST)
    assert back.to_pylist() == added.to_pylist()  # write order, who, when and why kept
    removed = watchlist.build(["A"], ["account"], "remove", by="omar",
                              at=T0 + dt.timedelta(hours=1))  # fmt: skip
    store.write_watchlist(removed)
    log = store.read_watchlist()
    assert log.num_rows == 4 and log["by"].to_pylist()[-1] == "omar"  # history stays
    now = watchlist.current(log)
    assert now["entity_id"].to_pylist() == ["NOT-YET-SEEN", "P-1"]
    again = watchlist.build(["A"], ["account"], "add", by="ines", at=T0 + dt.timedelta(hours=2))
    store.write_watchlist(again)
    assert "A" in watchlist.current(store.read_watchlist())["entity_id"].to_pylist()


def test_repeated_entry_ids_are_refused_and_nothing_lands(store: Store) -> None:
    from engine.core.errors import StoreError

    rows = watchlist.build(["A"], ["account"], "add", by="ines", at=T0)
    store.write_watchlist(rows)
    with pytest.raises(StoreError):
        store.write_watchlist(rows)
    assert store.read_watchlist().num_rows == 1


def test_the_watch_list_survives_an_analysis_and_a_batch_removal(store: Store) -> None:
    from engine.services.pipeline import analyze

    store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    store.write_watchlist(watchlist.build(["A"], ["account"], "add", by="ines", at=T0))
    analyze(store, seed=0)
    store.remove_batch("b1")
    assert watchlist.current(store.read_watchlist())["entity_id"].to_pylist() == ["A"]


def test_build_refuses_bad_rows_naming_the_row() -> None:
    with pytest.raises(ValueError, match="row 2: empty entity id"):
        watchlist.build(["A", " "], ["account", "account"], "add", by="x")
    with pytest.raises(ValueError, match="row 1: kind 'case'"):
        watchlist.build(["A"], ["case"], "add", by="x")
    with pytest.raises(ValueError, match="action"):
        watchlist.build(["A"], ["account"], "watch", by="x")
    with pytest.raises(ValueError, match="longer than"):
        watchlist.build(["A" * 201], ["account"], "add", by="x")
