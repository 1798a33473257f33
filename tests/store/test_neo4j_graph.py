"""What the Neo4jStore leaves in the graph for investigators working in Cypher.

The contract tests prove the tables round-trip; these prove the graph an investigator sees:
transfers between accounts, holdings, trips, clusters with members, derived links, and names
that look like Cypher stored as plain text.
"""

from __future__ import annotations

import datetime as dt

import neo4j
import pyarrow as pa
import pytest

from engine.core import schema
from engine.store.base import Batch
from engine.store.neo4j import Neo4jStore
from tests.store.conftest import neo4j_settings, wipe
from tests.store.test_contract import ROWS, T0, accounts_table, tx_table

pytestmark = pytest.mark.neo4j

HOSTILE = [
    "x'}) MATCH (n) DETACH DELETE n //",
    "`Account`:Party {party_id: 'p'}",
    "$password",
    "\\u0027; CALL dbms.killQueries() //",
    "名前 ⟨𝔘𝔫𝔦𝔠𝔬𝔡𝔢⟩",
]


@pytest.fixture
def graph_store():
    settings = neo4j_settings()
    wipe(settings)
    auth = (settings.user, settings.password)
    with (
        Neo4jStore(settings) as store,
        neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
    ):

        def cypher(text: str, **params):
            return driver.execute_query(text, params, database_=settings.database).records

        yield store, cypher


def kyc_batch() -> Batch:
    parties = schema.conform(
        pa.table(
            {
                "party_id": ["P1", "P2", *HOSTILE],
                "kind": ["person"] * (2 + len(HOSTILE)),
                "name": ["Ana", "Ben", *HOSTILE],
                "birth_date": pa.array([dt.date(1990, 1, 2)] * (2 + len(HOSTILE)), pa.date32()),
            }
        ),
        "parties",
    )
    holdings = schema.conform(
        pa.table(
            {
                "party_id": ["P1", "P2", HOSTILE[0]],
                "account_id": ["A", "B", HOSTILE[1]],
                "role": ["owner", "owner", "signatory"],
            }
        ),
        "holdings",
    )
    travel = schema.conform(
        pa.table(
            {
                "record_id": ["R1", "R2", HOSTILE[2]],
                "traveller_name": ["ANA X", "BEN Y", HOSTILE[3]],
                "departure": pa.array([T0, T0, None], schema.TS),
                "payer_account": ["A", None, HOSTILE[4]],
            }
        ),
        "travel",
    )
    return Batch(
        "kyc",
        "kyc.json",
        "mixed",
        "json",
        {
            "parties": parties,
            "holdings": holdings,
            "travel": travel,
            "accounts": accounts_table(["A", "B", "C", *HOSTILE]),
            "transactions": tx_table([*ROWS, (HOSTILE[0], HOSTILE[1], HOSTILE[2], 5.0, 30)]),
        },
    )


def test_every_table_round_trips_with_cypher_looking_names(graph_store) -> None:
    store, _ = graph_store
    sent = kyc_batch()
    receipt = store.write_batch(sent)
    assert receipt.written == {name: t.num_rows for name, t in sent.tables.items()}
    for name, table in sent.tables.items():
        keys = list(schema.KEYS[name])
        got = store.read_table(name).sort_by([(k, "ascending") for k in keys])
        want = schema.conform(table, name)
        want = want.set_column(
            want.schema.get_field_index("batch_id"),
            "batch_id",
            pa.array(["kyc"] * want.num_rows, pa.string()),
        ).sort_by([(k, "ascending") for k in keys])
        assert got.equals(want), name


def test_the_graph_has_transfers_holdings_and_payments(graph_store) -> None:
    store, cypher = graph_store
    store.write_batch(kyc_batch())
    flows = cypher(
        "MATCH (s:Account)-[r:TRANSFER]->(d:Account) RETURN s.account_id AS s, "
        "d.account_id AS d, r.tx_id AS tx, r.ts AS ts ORDER BY tx"
    )
    assert [(r["s"], r["d"], r["tx"]) for r in flows][:3] == [
        ("A", "B", "t1"),
        ("B", "C", "t2"),
        ("C", "A", "t3"),
    ]
    assert flows[0]["ts"].to_native() == T0
    owners = cypher(
        "MATCH (p:Party)-[h:HOLDS]->(a:Account) RETURN p.party_id AS p, a.account_id AS a, "
        "h.role AS role ORDER BY p"
    )
    assert ("P1", "A", "owner") in [(r["p"], r["a"], r["role"]) for r in owners]
    paid = cypher("MATCH (a:Account)-[:PAID]->(t:Trip) RETURN a.account_id AS a, t.record_id AS t")
    assert sorted((r["a"], r["t"]) for r in paid) == sorted([("A", "R1"), (HOSTILE[4], HOSTILE[2])])
    # The hostile text did not run: everything is still there.
    assert cypher("MATCH (n) RETURN count(n) AS n")[0]["n"] > 10


def results() -> dict[str, pa.Table]:
    return {
        "runs": schema.conform(pa.table({"run_id": ["r1"], "started_at": [T0]}), "runs"),
        "clusters": schema.conform(
            pa.table(
                {
                    "cluster_id": [1, 2],
                    "rank": [1, 2],
                    "score": [0.9, 0.2],
                    "countries": [["DE", "LY"], None],
                    "flags": [["fan_in"], []],
                    "run_id": ["r1", "r1"],
                }
            ),
            "clusters",
        ),
        "cluster_members": schema.conform(
            pa.table(
                {
                    "cluster_id": [1, 1, 1, 2],
                    "entity_id": ["A", "P1", "R1", HOSTILE[0]],
                    "entity_kind": ["account", "party", "trip", "party"],
                    "role": ["collector", "owner", None, "mule"],
                    "score": [0.8, 0.7, 0.1, 0.3],
                }
            ),
            "cluster_members",
        ),
        "scores": schema.conform(
            pa.table(
                {
                    "entity_id": ["A", "B", "P1"],
                    "entity_kind": ["account", "account", "party"],
                    "community": [4, 5, 4],
                    "risk": [0.9, 0.1, 0.5],
                }
            ),
            "scores",
        ),
        "links": schema.conform(
            pa.table(
                {
                    "left_id": ["R1", "P1", "A"],
                    "left_kind": ["trip", "party", "account"],
                    "right_id": ["P1", "P2", "B"],
                    "right_kind": ["party", "party", "account"],
                    "kind": ["same_as", "co_travelled", "shared_identifier"],
                    "score": [0.97, 0.8, 1.0],
                    "evidence": ["name+birth date", "R1,R2", "phone"],
                }
            ),
            "links",
        ),
    }


def test_results_are_written_back_as_graph_and_read_back_exactly(graph_store) -> None:
    store, cypher = graph_store
    store.write_batch(kyc_batch())
    sent = results()
    store.write_results(sent)
    for name, table in sent.items():
        assert store.read_results(name).equals(table), name
    assert store.read_results("evidence").num_rows == 0
    members = cypher(
        "MATCH (n)-[m:MEMBER_OF]->(c:Cluster) RETURN c.cluster_id AS c, m.role AS role, "
        "coalesce(n.account_id, n.party_id, n.record_id) AS id, n.cluster_id AS nc ORDER BY id"
    )
    assert sorted((r["c"], r["id"]) for r in members) == [
        (1, "A"),
        (1, "P1"),
        (1, "R1"),
        (2, HOSTILE[0]),
    ]
    assert all(r["c"] == r["nc"] for r in members)
    top = cypher("MATCH (c:Cluster {cluster_id: 1}) RETURN c.countries AS k, c.score AS s")
    assert top[0]["k"] == ["DE", "LY"] and top[0]["s"] == 0.9
    risk = cypher("MATCH (a:Account {account_id: 'A'}) RETURN a.risk AS r, a.community AS c")
    assert (risk[0]["r"], risk[0]["c"]) == (0.9, 4)
    same = cypher("MATCH (t:Trip)-[l:SAME_AS]->(p:Party) RETURN t.record_id AS t, p.party_id AS p")
    assert [(r["t"], r["p"]) for r in same] == [("R1", "P1")]
    assert cypher("MATCH (:Party)-[l:CO_TRAVELLED]->(:Party) RETURN count(l) AS n")[0]["n"] == 1
    linked = cypher("MATCH ()-[l:LINKED]->() RETURN l.kind AS k")
    assert [r["k"] for r in linked] == ["shared_identifier"]

    store.write_results({"clusters": sent["clusters"].slice(1)})
    assert cypher("MATCH (c:Cluster) RETURN collect(c.cluster_id) AS ids")[0]["ids"] == [2]
    assert (
        cypher("MATCH ()-[r:MEMBER_OF|SAME_AS|CO_TRAVELLED|LINKED]->() RETURN count(r) AS n")[0][
            "n"
        ]
        == 0
    )
    assert cypher("MATCH (n) WHERE n.risk IS NOT NULL RETURN count(n) AS n")[0]["n"] == 0
    assert store.read_results("links").num_rows == 0
