"""The CLI's messages: every rejection reason (the clusters table is tested in
tests/detect/test_clusters_command.py), and an unreachable Neo4j explained with its cause and a hint (never a password)."""

from __future__ import annotations

import re
import socket

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.config import Neo4jSettings
from engine.core.errors import StoreUnavailable

#: Five rows, each rejected for a different reason, and one good row.
BAD = """tx_id,ts,src_account,dst_account,amount,currency,channel
T1,2024-04-01T10:00:00Z,A1,B1,2500,EUR,wire
T2,not-a-date,A1,B1,2600,EUR,wire
T3,2024-04-01T10:00:00Z,A1,B1,-5,EUR,wire
T4,2024-04-01T10:00:00Z,,B1,100,EUR,wire
T5,2024-04-01T10:00:00Z,A1,B1,100,XXQ,wire
T6,2024-04-01T10:00:00Z,A1,B1,abc,EUR,wire
"""


def test_ingest_lists_every_rejection_reason(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    out = CliRunner().invoke(app, ["ingest", str(path), "--home", str(tmp_path / "h")])
    assert out.exit_code == 0, out.output
    reasons = re.findall(r"rejected 1: (.+)", out.output)
    assert len(reasons) == 5, out.output
    assert {"not a date and time", "missing value", "not a number"} <= set(reasons)


def test_ingest_report_summary_names_every_reason() -> None:
    from engine.services.ingest import IngestReport

    reasons = {f"reason {i}": 10 - i for i in range(5)}
    report = IngestReport("f.csv", "b", "written", "csv", "transactions", 1, 0, 40, reasons)
    assert all(f"reason {i}: {10 - i}" in report.summary() for i in range(5))
    assert "reason" not in report.summary(reasons=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_neo4j_gives_cause_and_hint_without_the_password() -> None:
    from engine.store.neo4j import Neo4jStore

    uri = f"bolt://127.0.0.1:{_free_port()}"
    settings = Neo4jSettings(uri=uri, user="neo4j", password="hunter2-secret-pw", database="neo4j")
    with pytest.raises(StoreUnavailable) as caught:
        Neo4jStore(settings, timeout=5, max_retry_time=0)
    text = str(caught.value)
    assert uri in text and "connection refused" in text
    assert "make neo4j-start" in text and "NEO4J_URI" in text
    assert "Couldn't connect" not in text and "resolved to" not in text
    assert "hunter2-secret-pw" not in text


def test_unknown_neo4j_host_says_the_name_does_not_resolve() -> None:
    from engine.store.neo4j import Neo4jStore

    settings = Neo4jSettings(uri="bolt://no-such-host.invalid:7687", user="neo4j",
                             password="hunter2-secret-pw", database="neo4j")  # fmt: skip
    with pytest.raises(StoreUnavailable) as caught:
        Neo4jStore(settings, timeout=5, max_retry_time=0)
    assert "does not resolve" in str(caught.value) and "hunter2" not in str(caught.value)


def test_cli_never_echoes_a_password_inside_neo4j_uri(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NEO4J_URI", f"bolt://neo4j:hunter2-secret-pw@127.0.0.1:{_free_port()}")
    out = CliRunner().invoke(app, ["batches", "list", "--store", "neo4j"])
    text = out.output + str(out.exception)
    assert out.exit_code != 0 and "hunter2" not in text and "NEO4J_PASSWORD" in text
