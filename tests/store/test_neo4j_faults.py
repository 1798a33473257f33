"""Neo4jStore against the real server when things go wrong: credentials, network, time, crash.

Every failure must end in one clear error naming the address (never the password), and leave
nothing half-written or duplicated.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import threading
import time
from pathlib import Path

import neo4j
import pyarrow as pa
import pytest

from engine.core import schema
from engine.core.config import Neo4jSettings
from engine.core.errors import StoreError, StoreUnavailable
from engine.store.base import Batch
from engine.store.neo4j import Neo4jStore
from tests.store.conftest import neo4j_settings, wipe
from tests.store.test_contract import ROWS, batch

pytestmark = pytest.mark.neo4j

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "neo4j.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_wrong_password_names_the_address_not_the_password() -> None:
    settings = dataclasses.replace(neo4j_settings(), password="not-the-password-42")
    with pytest.raises(StoreUnavailable) as caught:
        Neo4jStore(settings)
    message = str(caught.value)
    assert settings.uri in message
    assert "credentials" in message
    assert "not-the-password-42" not in message


def test_unreachable_server_names_the_address() -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    settings = dataclasses.replace(neo4j_settings(), uri=uri)
    with pytest.raises(StoreUnavailable, match="not reachable") as caught:
        Neo4jStore(settings, max_retry_time=1)
    assert uri in str(caught.value)
    assert settings.password not in str(caught.value)


def test_tls_uri_is_accepted_and_fails_cleanly_against_a_plain_server() -> None:
    plain = neo4j_settings()
    uri = plain.uri.replace("bolt://", "bolt+s://")
    with pytest.raises(StoreUnavailable) as caught:
        Neo4jStore(dataclasses.replace(plain, uri=uri), timeout=5, max_retry_time=1)
    assert uri in str(caught.value)


def test_silent_server_times_out_with_the_address() -> None:
    """A peer that accepts TCP but never answers Bolt: the connection times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    uri = f"bolt://127.0.0.1:{listener.getsockname()[1]}"
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            Neo4jStore(dataclasses.replace(neo4j_settings(), uri=uri), timeout=2, max_retry_time=1)
        assert time.monotonic() - started < 60  # bounded by the timeout, not hanging
        assert uri in str(caught.value)
    finally:
        listener.close()


def test_transaction_timeout_rolls_the_batch_back() -> None:
    """A batch blocked behind another writer's lock times out and leaves nothing behind."""
    settings = neo4j_settings()
    wipe(settings)
    auth = (settings.user, settings.password)
    with Neo4jStore(settings, timeout=3, max_retry_time=1) as store:
        with (
            neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver,
            driver.session(database=settings.database) as session,
        ):
            blocker = session.begin_transaction()
            blocker.run("MERGE (a:Account {account_id: 'A'}) SET a.locked = true").consume()
            try:
                with pytest.raises(StoreError) as caught:
                    store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
            finally:
                blocker.rollback()
        assert settings.uri in str(caught.value)
        assert "rolled back" in str(caught.value)
        assert not store.has_batch("b1")
        assert store.count("transactions") == 0
        assert store.count("accounts") == 0
        receipt = store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
        assert receipt.written == {"transactions": 3, "accounts": 3}


def big_batch(n: int) -> Batch:
    ids = [f"ACC{i % 5000:05d}" for i in range(n)]
    table = schema.conform(
        pa.table(
            {
                "tx_id": [f"T{i:09d}" for i in range(n)],
                "ts": pa.array(range(1_700_000_000_000_000, 1_700_000_000_000_000 + n)).cast(
                    schema.TS
                ),
                "src_account": ids,
                "dst_account": ids[1:] + ids[:1],
                "amount": [float(i % 997) for i in range(n)],
                "amount_base": [float(i % 997) for i in range(n)],
            }
        ),
        "transactions",
    )
    return Batch("crash", "crash.csv", "transactions", "csv", {"transactions": table})


def script(command: str) -> None:
    subprocess.run(["bash", str(SCRIPT), command], check=True, timeout=400)


@pytest.mark.slow
def test_server_killed_mid_batch_leaves_nothing_and_the_resend_is_whole() -> None:
    settings = neo4j_settings()
    wipe(settings)
    n = 60_000
    outcome: list[BaseException | object] = []
    store = Neo4jStore(settings, max_retry_time=2)

    def send() -> None:
        try:
            outcome.append(store.write_batch(big_batch(n)))
        except BaseException as exc:
            outcome.append(exc)

    writer = threading.Thread(target=send)
    try:
        writer.start()
        deadline = time.monotonic() + 120
        while not _batch_in_flight(settings) and time.monotonic() < deadline:
            assert writer.is_alive(), f"the batch ended before the crash: {outcome}"
            time.sleep(0.05)
        script("kill")  # SIGKILL: the server dies with the transaction open
        writer.join(timeout=120)
        assert not writer.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], StoreUnavailable), outcome
        assert settings.uri in str(outcome[0])
    finally:
        store.close()
        script("start")  # recovery rolls the unfinished transaction back
    with Neo4jStore(settings) as store:
        assert not store.has_batch("crash")
        assert store.count("transactions") == 0
        assert store.count("batches") == 0
        receipt = store.write_batch(big_batch(n))
        assert receipt.written == {"transactions": n}
        assert store.write_batch(big_batch(n)).status == "duplicate"
        assert store.count("transactions") == n
        assert len(set(store.read_table("transactions", ["tx_id"])["tx_id"].to_pylist())) == n


def _batch_in_flight(settings: Neo4jSettings) -> bool:
    """Whether a moneytrail write transaction is running on the server right now."""
    auth = (settings.user, settings.password)
    with neo4j.GraphDatabase.driver(settings.uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD currentQuery, status "
            "WHERE currentQuery CONTAINS 'TRANSFER' AND NOT currentQuery STARTS WITH 'SHOW' "
            "RETURN count(*) AS n",
            database_=settings.database,
        )
    return bool(records[0]["n"])
