"""The audit log kept in Neo4j: the same chain, tamper check, CLI and admin page as the file log,
proven on the project's real server; tampering is done with Cypher, as an intruder would."""

from __future__ import annotations

import csv
import itertools
import multiprocessing
import time
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.config import Neo4jSettings
from engine.security import audit
from engine.security.audit import GENESIS, AuditLog, open_audit_log
from engine.security.auth import User, UserDirectory
from engine.security.neo4j_audit import Neo4jAuditLog
from engine.store.embedded import EmbeddedStore
from engine.store.neo4j import Neo4jStore
from tests.store.conftest import neo4j_settings

pytestmark = pytest.mark.neo4j

WIPE_AUDIT = "MATCH (n) WHERE n:AuditEntry OR n:AuditHead DETACH DELETE n"


@pytest.fixture(scope="module")
def server() -> Iterator[Neo4jStore]:
    with Neo4jStore(neo4j_settings()) as store:
        yield store


@pytest.fixture
def store(server: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> Neo4jStore:
    """The server with an empty audit log; the environment names it, as a deployment would."""
    cypher(server, WIPE_AUDIT)
    settings = server.settings
    monkeypatch.setenv("MONEYTRAIL_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", settings.uri)
    monkeypatch.setenv("NEO4J_USER", settings.user)
    monkeypatch.setenv("NEO4J_PASSWORD", settings.password)
    monkeypatch.setenv("NEO4J_DATABASE", settings.database)
    return server


def cypher(store: Neo4jStore, text: str, **params) -> list:
    return store.run_transaction("test", lambda tx: list(tx.run(text, **params).values()))


def filled(store: Neo4jStore, n: int = 5) -> Neo4jAuditLog:
    log = Neo4jAuditLog(store)
    for i in range(n):
        log.record(User("ivo", "investigator"), "view_cluster", f"cluster:{i}", rank=i)
    return log


def test_entries_are_chained_in_the_store_not_in_the_data_folder(store, isolated_home):
    log = filled(store, 3)
    got = log.entries()
    assert [e["seq"] for e in got] == [1, 2, 3]
    assert got[0]["prev_hash"] == GENESIS
    assert got[1]["prev_hash"] == got[0]["hash"] and got[2]["prev_hash"] == got[1]["hash"]
    assert got[2]["details"] == {"rank": 2} and got[2]["target"] == "cluster:2"
    assert all(e["hash"] == audit.entry_hash(e) for e in got)
    nodes = cypher(store, "MATCH (e:AuditEntry) RETURN e.seq, e.prev, e.hash ORDER BY e.seq")
    assert nodes == [[e["seq"], e["prev_hash"], e["hash"]] for e in got]
    assert cypher(store, "MATCH (h:AuditHead) RETURN h.seq, h.hash") == [[3, got[2]["hash"]]]
    result = log.verify()
    assert result.ok and result.entries == 3 and result.head_hash == got[2]["hash"]
    assert not (isolated_home / "audit").exists()


def test_the_store_picks_the_log(store, tmp_path):
    assert isinstance(open_audit_log(store), Neo4jAuditLog)
    assert isinstance(open_audit_log(), Neo4jAuditLog)  # MONEYTRAIL_STORE=neo4j
    audit.record("ana", "search", "smith")
    assert [e["target"] for e in Neo4jAuditLog(store).entries()] == ["smith"]
    with EmbeddedStore(tmp_path / "store") as embedded:
        assert type(open_audit_log(embedded)) is AuditLog
    assert type(open_audit_log(backend="embedded")) is AuditLog


def test_an_empty_log_verifies(store):
    assert Neo4jAuditLog(store).verify().ok


def test_edited_node_is_named(store):
    log = filled(store)
    cypher(store, "MATCH (e:AuditEntry {seq: 3}) SET e.target = 'cluster:9'")
    result = log.verify()
    assert not result.ok and result.first_bad == 3 and "edited" in result.reason
    assert "entry 3" in str(result)


def test_edited_node_with_recomputed_hash_breaks_the_next_link(store):
    log = filled(store)
    forged = {**log.entries()[1], "target": "cluster:9"}
    cypher(
        store,
        "MATCH (e:AuditEntry {seq: 2}) SET e.target = $target, e.hash = $hash",
        target="cluster:9",
        hash=audit.entry_hash(forged),
    )
    result = log.verify()
    assert not result.ok and result.first_bad == 3 and "chain" in result.reason


def test_deleted_node_is_named(store):
    log = filled(store)
    cypher(store, "MATCH (e:AuditEntry {seq: 2}) DETACH DELETE e")
    result = log.verify()
    assert not result.ok and result.first_bad == 2 and "deleted" in result.reason


def test_reordered_nodes_are_named(store):
    log = filled(store)
    cypher(store, "MATCH (e:AuditEntry {seq: 2}) SET e.seq = -2")
    cypher(store, "MATCH (e:AuditEntry {seq: 3}) SET e.seq = 2")
    cypher(store, "MATCH (e:AuditEntry {seq: -2}) SET e.seq = 3")
    result = log.verify()
    assert not result.ok and result.first_bad == 2 and "chain" in result.reason


def test_deleted_tail_is_caught_by_the_head(store):
    log = filled(store)
    cypher(store, "MATCH (e:AuditEntry) WHERE e.seq >= 4 DETACH DELETE e")
    result = log.verify()
    assert not result.ok and "4 to 5 are missing" in result.reason


def test_forged_head_and_missing_head_are_caught(store):
    log = filled(store)
    cypher(store, "MATCH (h:AuditHead) SET h.hash = $fake", fake="f" * 64)
    result = log.verify()
    assert not result.ok and result.first_bad == 5 and "head" in result.reason
    cypher(store, "MATCH (h:AuditHead) DETACH DELETE h")
    assert "head is missing" in log.verify().reason


@pytest.mark.parametrize(
    "plant",
    [
        "MATCH (e:AuditEntry {seq: 5}) CREATE (:AuditEntry {seq: 6, ts: e.ts, user: e.user, "
        "action: e.action, target: 'planted', details: e.details, prev: e.hash, hash: e.hash})",
        "CREATE (:AuditEntry {user: 'mallory', action: 'search', target: 'no seq'})",
        "CREATE (:AuditEntry {seq: 'x', user: 'mallory'})",
    ],
    ids=["beyond-the-head", "no-seq", "text-seq"],
)
def test_planted_nodes_are_caught(store, plant):
    log = filled(store)
    cypher(store, plant)
    result = log.verify()
    assert not result.ok and "beyond the head or have no valid sequence number" in result.reason


def test_the_seq_constraint_refuses_a_second_entry_with_the_same_number(store):
    filled(store, 2)
    from engine.core.errors import StoreError

    with pytest.raises(StoreError, match=r"(?i)already exists|constraint"):
        cypher(store, "CREATE (:AuditEntry {seq: 2})")


def test_filters_and_csv_export(store, tmp_path):
    log = Neo4jAuditLog(store)
    log.record("ana", "upload", "batch:1")
    log.record("ivo", "search", "=cmd|' /C calc'!A0", hits=2)
    log.record("ivo", "view_cluster", "cluster:3")
    assert [e["target"] for e in log.entries(user="ivo")] == ["=cmd|' /C calc'!A0", "cluster:3"]
    assert [e["user"] for e in log.entries(action="upload")] == ["ana"]
    assert [e["seq"] for e in log.entries(limit=1)] == [3]
    out = tmp_path / "audit.csv"
    assert log.export_csv(out, user="ivo") == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["target"].startswith("'=") and rows[0]["details"] == '{"hits": 2}'
    assert [r["hash"] for r in rows] == [e["hash"] for e in log.entries(user="ivo")]


def _append(settings: Neo4jSettings, writer: str, count: int, barrier) -> None:
    with Neo4jStore(settings) as store:
        log = Neo4jAuditLog(store)
        barrier.wait(timeout=120)
        for i in range(count):
            log.record(writer, "search", f"{writer}-{i}")


def test_concurrent_processes_append_one_unbroken_chain(store):
    """Three processes released together each append 30 entries: no fork, no lost entry."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    writers = ("p1", "p2", "p3")
    children = [ctx.Process(target=_append, args=(store.settings, w, 30, barrier)) for w in writers]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=300)
    assert [c.exitcode for c in children] == [0, 0, 0]
    log = Neo4jAuditLog(store)
    got = log.entries()
    assert [e["seq"] for e in got] == list(range(1, 91))
    assert sorted(e["target"] for e in got) == sorted(
        f"{w}-{i}" for w in writers for i in range(30)
    )
    users = [e["user"] for e in got]
    assert sum(a != b for a, b in itertools.pairwise(users)) > 2  # they interleaved
    assert log.verify().ok
    stamps = [e["ts"] for e in got]
    assert stamps == sorted(stamps)  # stamped under the head's lock, so time follows seq


def test_verify_while_others_append_sees_no_damage(store):
    """Entries committed during a verify are neither damage nor planted nodes."""
    import threading

    log = filled(store, 5)
    done = threading.Event()

    def append() -> None:
        writer = Neo4jAuditLog(store)
        for i in range(60):
            writer.record("p1", "search", f"during-{i}")
        done.set()

    thread = threading.Thread(target=append)
    thread.start()
    results = []
    while not done.is_set():
        results.append(log.verify())
    thread.join()
    results.append(log.verify())
    assert len(results) >= 2 and all(r.ok for r in results), [str(r) for r in results]
    assert results[-1].entries == 65


def test_cli_verifies_lists_and_exports_the_neo4j_log(store, tmp_path):
    runner = CliRunner()
    filled(store, 3)
    ok = runner.invoke(app, ["audit", "verify", "--store", "neo4j"])
    assert ok.exit_code == 0, ok.output
    assert "3 entries" in ok.output and store.settings.uri in ok.output
    listing = runner.invoke(app, ["audit", "list", "--store", "neo4j", "--limit", "0"])
    assert listing.exit_code == 0 and "cluster:2" in listing.output
    out = tmp_path / "audit.csv"
    exported = runner.invoke(app, ["audit", "export", str(out), "--store", "neo4j"])
    assert exported.exit_code == 0 and "wrote 3 entries" in exported.output
    assert Neo4jAuditLog(store).entries()[-1]["action"] == "export_audit"
    cypher(store, "MATCH (e:AuditEntry {seq: 2}) SET e.user = 'someone else'")
    broken = runner.invoke(app, ["audit", "verify", "--store", "neo4j"])
    assert broken.exit_code == 1 and "entry 2" in broken.output


def test_users_cli_records_changes_in_the_neo4j_log(store, fast_hashing):
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["users", "add", "ana", "--role", "analyst", "--password-stdin", "--store", "neo4j"],
        input="a very long password\n",
    )
    assert result.exit_code == 0, result.output
    assert [e["target"] for e in Neo4jAuditLog(store).entries(action="manage_users")] == [
        "user:ana"
    ]


def test_audited_session_records_in_the_store_it_works_on(store):
    from engine.core.errors import AccessDenied
    from engine.services.audited import AuditedSession

    session = AuditedSession(User("ana", "analyst"), store)
    assert isinstance(session.log, Neo4jAuditLog)
    with pytest.raises(AccessDenied):
        session.search("smith")
    assert [(e["user"], e["action"], e["target"]) for e in session.log.entries()] == [
        ("ana", "access_denied", "search")
    ]


def test_admin_page_shows_and_checks_the_neo4j_log(store, fast_hashing):
    from streamlit.testing.v1 import AppTest

    from dashboard import auth as dash_auth

    UserDirectory().add("adm", "admin", "a very long password")
    filled(store, 2)
    at = AppTest.from_file("../../dashboard/views/admin.py", default_timeout=60)
    at.session_state[dash_auth.SESSION_USER] = "adm"
    at.session_state[dash_auth.SESSION_SEEN] = time.time()
    at.run()
    assert not at.exception, at.exception
    assert "Chain intact: 2 entries" in at.success[0].value
    assert Neo4jAuditLog(store).entries(action="view_audit")[0]["user"] == "adm"
    cypher(store, "MATCH (e:AuditEntry {seq: 1}) SET e.target = 'cluster:0 (edited)'")
    at.run()
    assert "Tampering" in at.error[0].value and "entry 1" in at.error[0].value


def test_wiping_the_log_in_the_database_is_caught_by_the_anchor(store):
    """``MATCH (n:AuditEntry|AuditHead) DETACH DELETE n`` leaves a valid-looking empty chain;
    the signed checkpoint outside the database says otherwise."""
    log = open_audit_log(store)
    for i in range(4):
        log.record(User("ivo", "investigator"), "view_cluster", f"cluster:{i}")
    assert log.verify().ok
    cypher(store, WIPE_AUDIT)
    assert Neo4jAuditLog(store).verify().ok  # the chain alone: "intact: 0 entries"
    result = open_audit_log(store).verify()
    assert not result.ok and "signed checkpoint says 4 entries" in result.reason
