"""What keeps the Neo4jStore fast, proved against the real server.

* Every per-row key lookup forces an index seek (``USING INDEX SEEK``), or finds its nodes
  by the internal ids looked up earlier in the batch (``NodeByIdSeek``), whatever the
  statistics were when the plan was cached: a cached plan that scanned the tx_id index once per
  key was seen on the project server (a 20k-row batch ran past its 10-minute timeout once 50k
  transfers were stored), so the plan must not be left to the statistics.
* The packed projection (the launcher's ``moneytrail.*`` procedures) returns exactly what the
  plain-Cypher projection returns, which is what users' own servers get.
* The bulk path (``neo4j-admin database import``) builds the graph ``write_batch`` builds, for
  every input table.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import neo4j
import pyarrow as pa
import pytest

from engine.core import schema
from engine.store import cypher
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from engine.store.neo4j import Neo4jStore
from engine.store.neo4j_import import SCRIPT, import_batch
from tests.store.conftest import neo4j_settings, wipe
from tests.store.test_contract import T0, tx_table
from tests.store.test_neo4j_graph import HOSTILE, kyc_batch

pytestmark = pytest.mark.neo4j

#: Statements run per batch row: none may scan (a Filter after a seek is fine).
LOOKUPS = [
    "KNOWN_ACCOUNTS", "KNOWN_PARTIES", "KNOWN_TRIPS", "KNOWN_TRANSFERS", "KNOWN_HOLDINGS",
    "WRITE_ACCOUNTS", "WRITE_PARTIES", "WRITE_HOLDINGS", "MERGE_ACCOUNT_REFS",
    "ACCOUNT_NODES", "WRITE_TRIPS", "BATCH_EXISTS",
]  # fmt: skip
#: Statements that find their nodes by internal id (looked up once per batch): no scan either.
BY_ID = ["WRITE_TRANSFERS"]
PROJECTION = ["src_account", "dst_account", "amount_base", "ts", "tx_id"]


def _operators(plan: dict) -> list[str]:
    out = [str(plan.get("operatorType", ""))]
    for child in plan.get("children", []):
        out += _operators(child)
    return out


def test_lookups_force_an_index_seek() -> None:
    settings = neo4j_settings()
    wipe(settings)
    statements = [getattr(cypher, name) for name in LOOKUPS]
    for group in (cypher.SET_SCORES, cypher.MEMBER_OF, cypher.LINKS):
        statements += list(group.values())
    auth = (settings.user, settings.password)
    with (
        Neo4jStore(settings),  # creates the constraints the seeks use
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
        driver.session(database=settings.database) as session,
    ):
        for text in statements:
            if "MATCH (" in text or "MATCH ()" in text:
                assert "USING INDEX SEEK" in text, text
            # replan=force: plan now, on the empty store, as the first batch of a store does.
            plan = session.run("EXPLAIN CYPHER replan=force " + text).consume().plan
            operators = _operators(plan)
            assert not [op for op in operators if "Scan" in op], (text, operators)
            assert any("IndexSeek" in op for op in operators) or "BATCH" not in text
        for name in BY_ID:
            text = getattr(cypher, name)
            plan = session.run("EXPLAIN CYPHER replan=force " + text).consume().plan
            operators = _operators(plan)
            assert not [op for op in operators if "Scan" in op], (name, operators)
            assert sum("NodeByIdSeek" in op for op in operators) == 2, (name, operators)


def _projection_batch(n: int) -> Batch:
    """Transfers between many accounts, hostile and non-ASCII names among them."""
    names = [f"ACC{i % 97:03d}" for i in range(n)] + HOSTILE
    rows = [
        (f"T{i:05d}", names[i], names[(i * 7 + 3) % len(names)], 10.0 + i / 8, i)
        for i in range(len(names))
    ]
    return Batch("proj", "proj.csv", "transactions", "csv", {"transactions": tx_table(rows)})


def test_packed_projection_equals_the_plain_cypher_one() -> None:
    settings = neo4j_settings()
    wipe(settings)
    with Neo4jStore(settings) as store:
        assert store.packed_projection, "the project's server registers moneytrail.* procedures"
        empty = store.read_table("transactions", PROJECTION)
        assert empty.num_rows == 0 and empty.schema == pa.schema(
            [schema.TRANSACTIONS.field(c) for c in PROJECTION]
        )
        store.write_batch(_projection_batch(2_500))
        packed = store.read_table("transactions", PROJECTION).sort_by("tx_id")
        narrow = store.read_table("transactions", ["src_account", "ts"])
    with Neo4jStore(settings, packed_projection=False) as plain_store:
        plain = plain_store.read_table("transactions", PROJECTION).sort_by("tx_id")
        full = plain_store.read_table("transactions").select(PROJECTION).sort_by("tx_id")
    assert packed.num_rows == 2_500 + len(HOSTILE)
    assert packed.equals(plain)
    assert packed.equals(full)
    assert set(narrow["src_account"].to_pylist()) >= set(HOSTILE)
    assert narrow.column_names == ["src_account", "ts"]


def _tables(store) -> dict[str, pa.Table]:  # type: ignore[no-untyped-def]
    keys = {"holdings": ["party_id", "account_id", "role"]}
    out = {}
    for name in schema.INPUT_TABLES:
        table = store.read_table(name).drop_columns(["batch_id"])
        order = keys.get(name, [schema.KEYS[name][0]])
        out[name] = table.sort_by([(c, "ascending") for c in order])
    return out


def _with_line_breaks(batch: Batch) -> Batch:
    """``batch`` with a reference holding a line break, a comma and quotes (the import tool
    then needs ``--multiline-fields``), and an all-null column left out of the CSV."""
    tx = batch.tables["transactions"]
    refs = ['pay "rent",\nline two\r\nthree'] + [None] * (tx.num_rows - 1)
    tables = dict(batch.tables)
    tables["transactions"] = tx.set_column(
        tx.schema.get_field_index("reference"), "reference", pa.array(refs, pa.string())
    )
    return Batch(batch.batch_id, batch.source, batch.kind, batch.format, tables)


@pytest.mark.slow
@pytest.mark.parametrize("line_breaks", [False, True], ids=["plain", "line-breaks"])
def test_bulk_import_builds_the_graph_write_batch_builds(tmp_path: Path, line_breaks) -> None:
    """Every input table through neo4j-admin import, then read back like written batches."""
    settings = neo4j_settings()
    batch = _with_line_breaks(kyc_batch()) if line_breaks else kyc_batch()
    expected = EmbeddedStore(tmp_path / "embedded")
    expected.write_batch(batch)
    subprocess.run(["bash", str(SCRIPT), "stop"], check=True, timeout=400)
    try:
        receipt = import_batch(batch, tmp_path / "import")
    finally:
        subprocess.run(["bash", str(SCRIPT), "start"], check=True, timeout=400)
    with Neo4jStore(settings) as store:
        assert store.has_batch(batch.batch_id)
        assert store.write_batch(batch).status == "duplicate"
        got, want = _tables(store), _tables(expected)
        for name in schema.INPUT_TABLES:
            assert got[name].equals(want[name]), name
        assert receipt.written == {n: t.num_rows for n, t in want.items() if n in batch.tables}
        # The payment of a trip is a relationship, as write_batch makes it.
        paid = store._query(
            "MATCH (a:Account)-[:PAID]->(t:Trip) RETURN a.account_id AS a, t.record_id AS t",
            write=False,
        ).records
        assert sorted((r["a"], r["t"]) for r in paid) == sorted(
            [("A", "R1"), (HOSTILE[4], HOSTILE[2])]
        )
        assert store.account_transactions("A", T0).num_rows >= 1
    wipe(settings)
