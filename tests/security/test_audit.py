"""engine.security.audit: the hash chain, its tamper check, filters, CSV export and concurrent appends."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from engine.security import audit
from engine.security.audit import GENESIS, AuditError, AuditLog
from engine.security.auth import User


def filled(n: int = 5) -> AuditLog:
    log = AuditLog()
    for i in range(n):
        log.record(User("ivo", "investigator"), "view_cluster", f"cluster:{i}", rank=i)
    return log


def lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_entries_are_chained(isolated_home):
    log = filled(3)
    assert log.path == isolated_home / "audit" / "audit.jsonl"
    got = log.entries()
    assert [e["seq"] for e in got] == [1, 2, 3]
    assert got[0]["prev_hash"] == GENESIS
    assert got[1]["prev_hash"] == got[0]["hash"] and got[2]["prev_hash"] == got[1]["hash"]
    assert got[2]["user"] == "ivo" and got[2]["target"] == "cluster:2"
    assert got[2]["details"] == {"rank": 2}
    assert all(e["hash"] == audit.entry_hash(e) for e in got)
    result = log.verify()
    assert result.ok and result.entries == 3 and result.head_hash == got[2]["hash"]
    assert "intact" in str(result)


def test_an_empty_log_verifies():
    assert AuditLog().verify().ok


def test_edited_entry_is_named():
    log = filled()
    rows = lines(log)
    rows[2] = rows[2].replace("cluster:2", "cluster:9")
    log.path.write_text("".join(rows))
    result = log.verify()
    assert not result.ok and result.first_bad == 3 and "edited" in result.reason


def test_edited_entry_with_recomputed_hash_breaks_the_next_link():
    log = filled()
    rows = lines(log)
    entry = json.loads(rows[1])
    entry["user"] = "someone-else"
    entry["hash"] = audit.entry_hash(entry)
    rows[1] = json.dumps(entry) + "\n"
    log.path.write_text("".join(rows))
    result = log.verify()
    assert not result.ok and result.first_bad == 3 and "chain" in result.reason


def test_deleted_entry_is_named():
    log = filled()
    rows = lines(log)
    del rows[1]
    log.path.write_text("".join(rows))
    result = log.verify()
    assert not result.ok and result.first_bad == 2 and "deleted" in result.reason


def test_reordered_entries_are_named():
    log = filled()
    rows = lines(log)
    rows[1], rows[2] = rows[2], rows[1]
    log.path.write_text("".join(rows))
    result = log.verify()
    assert not result.ok and result.first_bad == 2


def test_truncated_tail_is_caught_by_the_head():
    log = filled()
    log.path.write_text("".join(lines(log)[:-2]))
    result = log.verify()
    assert not result.ok and "4 to 5 are missing" in result.reason


def test_torn_last_line_is_reported_and_blocks_new_entries():
    log = filled()
    text = log.path.read_text()
    log.path.write_text(text[:-10])
    result = log.verify()
    assert not result.ok and result.first_bad == 5 and "incomplete" in result.reason
    with pytest.raises(AuditError, match="incomplete"):
        log.record("ivo", "search", "x")


def test_junk_line_is_named():
    log = filled(2)
    with open(log.path, "a") as handle:
        handle.write("not json\n")
    result = log.verify()
    assert not result.ok and result.first_bad == 3 and "JSON" in result.reason


def test_filters():
    log = AuditLog()
    log.record("ana", "upload", "batch:1")
    log.record("ivo", "search", "smith", query="smith")
    log.record("ivo", "export", "cluster:3")
    assert [e["action"] for e in log.entries(user="ivo")] == ["search", "export"]
    assert [e["user"] for e in log.entries(action="upload")] == ["ana"]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert log.entries(since=future) == []
    assert len(log.entries(until=future.replace(tzinfo=None))) == 3
    assert [e["seq"] for e in log.entries(limit=2)] == [2, 3]


def test_details_are_json_safe_and_capped():
    entry = AuditLog().record(
        "ivo", "search", "x" * 5000, when=datetime(2024, 1, 1), ids={"a", "b"}, n=3
    )
    assert len(entry["target"]) == audit.MAX_VALUE
    assert entry["details"]["when"] == "2024-01-01 00:00:00"
    assert sorted(entry["details"]["ids"]) == ["a", "b"]
    assert AuditLog().verify().ok


def test_csv_export_neutralises_formulas_and_keeps_hashes(tmp_path):
    log = AuditLog()
    log.record("ivo", "search", '=HYPERLINK("http://evil")', query="@SUM(A1)")
    log.record("ivo", "export", "cluster:1")
    out = tmp_path / "audit.csv"
    assert log.export_csv(out) == 2
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["target"].startswith("'=")
    assert rows[1]["hash"] == log.entries()[1]["hash"]
    buffer = io.StringIO()
    assert log.export_csv(buffer, action="export") == 1


def test_unwritable_log_raises_audit_error(isolated_home):
    isolated_home.mkdir(parents=True)
    (isolated_home / "audit").write_text("a file where the folder should be")
    with pytest.raises(AuditError, match="cannot record"):
        audit.record("ivo", "search", "x")


def _append(path: str, who: str, n: int) -> None:  # runs in a child process
    log = AuditLog(path)
    for i in range(n):
        log.record(who, "search", f"q{i}")


def test_concurrent_processes_append_one_unbroken_chain(tmp_path):
    path = str(tmp_path / "audit.jsonl")
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=_append, args=(path, w, 40)) for w in ("p1", "p2")]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    log = AuditLog(path)
    result = log.verify()
    assert result.ok and result.entries == 80
    assert {e["user"] for e in log.entries()} == {"p1", "p2"}


def test_an_unreachable_neo4j_log_refuses_the_action(monkeypatch):
    """With the Neo4j backend the log is in the database: no server, no entry, no action."""
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("MONEYTRAIL_STORE", "neo4j")
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{port}")
    monkeypatch.setenv("NEO4J_PASSWORD", "not-used")
    with pytest.raises(AuditError, match="cannot be reached"):
        audit.record("ivo", "search", "smith")
    assert not AuditLog().path.exists()  # and it did not fall back to the file
