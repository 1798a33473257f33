"""The files the bulk path hands ``neo4j-admin database import`` (no server needed).

The graph those files build is proved against the real server in test_neo4j_speed.py; here,
what makes the tool fast: integer ids that point at the right rows, no ``--multiline-fields``
unless a value needs it, and no all-empty columns.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from engine.store.base import Batch
from engine.store.neo4j_import import write_import_files
from tests.store.test_contract import batch


def _file(args: list[str], option: str) -> tuple[list[str], pa.Table]:
    """The header and the rows of the file given to ``option`` (``--nodes=Account``, ...)."""
    [value] = [a.split("=", 2)[-1] for a in args if a.startswith(option + "=")]
    head, data = value.split(",")
    names = Path(head).read_text(encoding="utf-8").strip().split(",")
    read = pacsv.ReadOptions(column_names=names)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names if ":" not in n})
    return names, pacsv.read_csv(data, read_options=read, convert_options=convert)


def test_relationships_name_their_ends_by_the_row_number_of_the_node(tmp_path: Path) -> None:
    rows = [("t1", "A", "B", 1.0, 0), ("t2", "B", "C", 2.0, 1), ("t3", "C", "A", 3.0, 2)]
    args, receipt = write_import_files(batch("b", rows, accounts=["C", "X"]), tmp_path)
    assert receipt.written == {"transactions": 3, "accounts": 2}
    assert not any(a.startswith("--multiline-fields") for a in args)
    names, accounts = _file(args, "--nodes=Account")
    assert names[:2] == [":ID(Account)", "account_id"]
    assert accounts[":ID(Account)"].to_pylist() == list(range(accounts.num_rows))
    ids, keys = accounts[":ID(Account)"].to_pylist(), accounts["account_id"].to_pylist()
    key = dict(zip(ids, keys, strict=True))
    assert sorted(key.values()) == ["A", "B", "C", "X"]  # rows first, then references
    names, transfers = _file(args, "--relationships=TRANSFER")
    assert names[:2] == [":START_ID(Account)", ":END_ID(Account)"]
    assert "reference" not in names and "location" not in names  # empty in every row
    ends = [
        (t, key[s], key[d])
        for t, s, d in zip(
            transfers["tx_id"].to_pylist(),
            transfers[":START_ID(Account)"].to_pylist(),
            transfers[":END_ID(Account)"].to_pylist(),
            strict=True,
        )
    ]
    assert ends == [("t1", "A", "B"), ("t2", "B", "C"), ("t3", "C", "A")]
    batch_names, _ = _file(args, "--nodes=Batch")
    assert "batch_id" in batch_names  # a property (the store's constraint), not an import id


def test_multiline_fields_only_when_a_value_holds_a_line_break(tmp_path: Path) -> None:
    tx = batch("b", [("t1", "A", "B", 1.0, 0)]).tables["transactions"]
    at = tx.schema.get_field_index("reference")
    tx = tx.set_column(at, "reference", pa.array(["one\ntwo"]))
    sent = Batch("b", "b.csv", "transactions", "csv", {"transactions": tx})
    args, _ = write_import_files(sent, tmp_path)
    assert "--multiline-fields=true" in args
