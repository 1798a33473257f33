"""Upload page: the rejected rows of any earlier batch can be seen and downloaded (issue 17, 7).

Before, the rejects were only shown right after the upload, in that browser session.
"""

from __future__ import annotations

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from engine.core import schema
from engine.security.audit import AuditLog
from engine.store import open_store
from engine.store.base import Batch
from tests.dashboard import world
from tests.dashboard.conftest import APP, page, sign_in
from tests.store.test_contract import tx_table

HOSTILE = "![x](http://127.0.0.1:9/beacon.png) **bold**"


def _with_rejects(home) -> None:
    rejected = pa.Table.from_pylist(
        [
            {"batch_id": "bad", "source": "bad.csv", "row": 3, "field": "amount_base",
             "value": "inf", "reason": "amount_base must be a finite number"},
            {"batch_id": "bad", "source": "bad.csv", "row": 9, "field": "name",
             "value": HOSTILE, "reason": "value too long"},
        ],
        schema=schema.REJECTED,
    )  # fmt: skip
    tables = {"transactions": tx_table([("ok1", "X1", "X2", 5.0, 0)])}
    with open_store("embedded", home=home) as store:
        store.write_batch(Batch("bad", "bad.csv", "transactions", "csv", tables, rejected))


def test_rejected_rows_of_an_earlier_batch_are_listed_and_downloadable(
    tmp_path, users, monkeypatch
):
    home = world.build(tmp_path / "store")
    _with_rejects(home)
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(home))
    at = page(sign_in(AppTest.from_file(APP, default_timeout=30), "ana"), "upload")
    (choice,) = [s for s in at.selectbox if s.key == "rejected_batch"]
    assert choice.value == "bad" and len(choice.options) == 1
    shown = [d.value for d in at.dataframe if list(d.value.columns)[:2] == ["row", "field"]]
    (rows,) = shown
    assert rows["row"].tolist() == [3, 9]
    assert rows["value"].tolist() == ["inf", HOSTILE]  # shown as text, not Markdown
    assert not at.get("imgs") and "beacon" not in str([m.value for m in at.markdown])
    buttons = [b for b in at.get("download_button") if "rejected rows" in b.proto.label]
    assert buttons, "no download of the batch's rejected rows"
    assert AuditLog().entries(action="download_rejected") == []  # only when clicked
