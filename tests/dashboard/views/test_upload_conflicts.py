"""Upload page: conflicting duplicates (a known key with other content) are reported apart
from exact duplicates, and any batch's conflicts can be seen later with both versions
(issue 17, item 7)."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from engine.store import open_store
from engine.store.base import Batch
from tests.dashboard import world
from tests.dashboard.conftest import APP, page, sign_in
from tests.store.test_contract import tx_table

HOSTILE = "![x](http://127.0.0.1:9/beacon.png)"


def _with_conflict(home) -> None:
    with open_store("embedded", home=home) as store:
        first = {"transactions": tx_table([("c1", "X1", "X2", 10.0, 0)])}
        store.write_batch(Batch("first", "first.csv", "transactions", "csv", first))
        second = tx_table([("c1", "X1", "X2", 99999.0, 0), ("c2", "X1", HOSTILE, 1.0, 0)])
        third = tx_table([("c2", "X1", "X3", 1.0, 0)])
        store.write_batch(Batch("second", "second.csv", "transactions", "csv",
                                {"transactions": second}))  # fmt: skip
        store.write_batch(Batch("third", "third.csv", "transactions", "csv",
                                {"transactions": third}))  # fmt: skip


def test_conflicts_of_an_earlier_batch_are_listed_with_both_versions(tmp_path, users, monkeypatch):
    home = world.build(tmp_path / "store")
    _with_conflict(home)
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    at = page(sign_in(AppTest.from_file(APP, default_timeout=30), "ana"), "upload")
    (choice,) = [s for s in at.selectbox if s.key == "conflict_batch"]
    assert choice.value == "third" and len(choice.options) == 2  # the latest first
    (rows,) = [d.value for d in at.dataframe if "incoming" in d.value.columns]
    (row,) = rows.to_dict("records")
    assert row["key"] == "c2" and row["fields"] == "dst_account"
    assert json.loads(row["stored"])["dst_account"] == HOSTILE  # shown as text
    assert json.loads(row["incoming"])["dst_account"] == "X3"
    (history,) = [d.value for d in at.dataframe if "rows_conflict" in d.value.columns]
    counts = sorted(history["rows_conflict"].tolist())
    assert counts == [0] * (len(counts) - 2) + [1, 1]
    assert not at.get("imgs") and "beacon" not in str([m.value for m in at.markdown])
    buttons = [b for b in at.get("download_button") if "conflicting" in b.proto.label]
    assert buttons, "no download of the batch's conflicting duplicates"
    choice.set_value("second").run()
    (rows,) = [d.value for d in at.dataframe if "incoming" in d.value.columns]
    (row,) = rows.to_dict("records")
    assert row["key"] == "c1" and row["stored_batch_id"] == "first"
    amounts = json.loads(row["stored"])["amount"], json.loads(row["incoming"])["amount"]
    assert amounts == (10.0, 99999.0)


def test_the_upload_summary_counts_conflicts_apart_from_duplicates(tiny_home, users, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(tiny_home))
    at = sign_in(AppTest.from_file(APP, default_timeout=30), "ana")
    at.session_state["last_upload"] = [
        {"source": "b.csv", "status": "written", "format": "canonical", "kind": "transactions",
         "accepted": 5, "duplicate": 3, "rejected": 0, "conflicts": 2, "batch_id": "x" * 64},
    ]  # fmt: skip
    at = page(at, "upload")
    (warning,) = [w.value for w in at.warning if "b\\.csv" in w.value]
    assert "3 duplicates" in warning and "2 conflicting duplicates quarantined" in warning
