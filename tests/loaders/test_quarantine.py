"""The quarantine CSV neutralises spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pyarrow as pa

from engine.core import schema
from loaders.quarantine import export_rejected


def _rejected(values: list[str]) -> pa.Table:
    n = len(values)
    return pa.table(
        {
            "batch_id": ["b"] * n,
            "source": ["=evil.csv"] * n,
            "row": list(range(1, n + 1)),
            "field": ["name"] * n,
            "value": values,
            "reason": ["bad"] * n,
        },
        schema=schema.REJECTED,
    )


def test_formula_cells_are_prefixed_with_a_quote(tmp_path):
    values = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"]
    path = tmp_path / "rejected.csv"
    export_rejected(_rejected(values), path)
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert [r["value"] for r in rows] == [
        "'=cmd|' /C calc'!A0", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain", "a=b"
    ]  # fmt: skip
    assert {r["source"] for r in rows} == {"'=evil.csv"}


def test_text_and_binary_buffers():
    text = io.StringIO()
    export_rejected(_rejected(["=1"]), text)
    binary = io.BytesIO()
    export_rejected(_rejected(["=1"]), binary)
    assert text.getvalue().encode() == binary.getvalue()
    assert "'=1" in text.getvalue()
