"""EmbeddedStore guarantees beyond the contract: crashes, concurrency, full disks."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from engine.errors import StoreError, StoreUnavailable
from engine.store import embedded
from engine.store.embedded import EmbeddedStore
from tests.store.test_contract import ROWS, batch


def snapshot(home: Path) -> dict[str, bytes]:
    """Every file of the store with its bytes (the lock file aside)."""
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_error_half_way_through_a_batch_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    home = tmp_path / "s"
    store = EmbeddedStore(home)
    store.write_batch(batch("b1", ROWS, accounts=["A", "B", "C"]))
    before = snapshot(home)

    real_write = embedded._write_parquet
    calls = []

    def failing_write(table, path):
        calls.append(path)
        if len(calls) == 2:  # the first table is on disk, the second fails
            raise OSError(errno.EIO, "simulated I/O error")
        real_write(table, path)

    monkeypatch.setattr(embedded, "_write_parquet", failing_write)
    with pytest.raises(StoreError, match="not written"):
        store.write_batch(batch("b2", [("t9", "X", "Y", 1.0, 0)], accounts=["X", "Y"]))
    assert len(calls) == 2
    assert snapshot(home) == before
    assert not store.has_batch("b2")
    monkeypatch.setattr(embedded, "_write_parquet", real_write)
    # the batch can simply be sent again
    assert store.write_batch(batch("b2", [("t9", "X", "Y", 1.0, 0)])).status == "written"


def test_crash_before_the_manifest_commit_leaves_nothing_visible(tmp_path, monkeypatch):
    home = tmp_path / "s"
    store = EmbeddedStore(home)
    store.write_batch(batch("b1", ROWS))
    manifest_before = (home / "manifest.json").read_bytes()

    def crash(_manifest):
        raise KeyboardInterrupt  # a process dying between data files and the commit point

    monkeypatch.setattr(EmbeddedStore, "_commit", lambda self, m: crash(m))
    with pytest.raises(KeyboardInterrupt):
        store.write_batch(batch("b2", [("t9", "X", "Y", 1.0, 0)]))
    monkeypatch.undo()
    assert (home / "manifest.json").read_bytes() == manifest_before
    reopened = EmbeddedStore(home)
    assert sorted(reopened.read_table("transactions")["tx_id"].to_pylist()) == ["t1", "t2", "t3"]
    # the orphaned files are swept at the next write, and the batch lands when re-sent
    assert reopened.write_batch(batch("b2", [("t9", "X", "Y", 1.0, 0)])).status == "written"
    dirs = {p.name for p in (home / "batches").iterdir()}
    referenced = {
        b["dir"].split("/")[1] for b in json.loads((home / "manifest.json").read_text())["batches"]
    }
    assert dirs == referenced


def _write_big_batch_forever(home: str, ready) -> None:  # runs in a child process
    store = EmbeddedStore(home)
    rows = [(f"k{i}", f"S{i % 97}", f"D{i % 89}", float(i), i) for i in range(20000)]
    big = batch("killed", rows)
    ready.set()
    while True:  # keep writing until killed; each write is a new batch id
        store.write_batch(
            type(big)(f"killed-{time.time_ns()}", big.source, big.kind, big.format, big.tables)
        )


def test_process_killed_mid_write_leaves_a_consistent_store(tmp_path):
    home = tmp_path / "s"
    EmbeddedStore(home).write_batch(batch("b1", ROWS))
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=_write_big_batch_forever, args=(str(home), ready))
    child.start()
    assert ready.wait(60)
    time.sleep(1.5)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    store = EmbeddedStore(home)
    manifest = json.loads((home / "manifest.json").read_text())
    # every batch the manifest names is complete and readable
    total = sum(b["rows"].get("transactions", 0) for b in manifest["batches"])
    assert store.read_table("transactions").num_rows == total
    assert store.count("transactions") == total
    assert store.has_batch("b1")
    # and the store still takes writes (the dead writer's lock is released by the OS)
    assert store.write_batch(batch("after", [("z1", "A", "B", 1.0, 0)])).status == "written"


def _write_one(home: str, batch_id: str, start: int, barrier) -> None:
    rows = [(f"{batch_id}-{i}", "A", "B", float(i), i) for i in range(start, start + 5000)]
    barrier.wait()
    EmbeddedStore(home).write_batch(batch(batch_id, rows))


def test_two_processes_writing_at_once_both_land(tmp_path):
    home = tmp_path / "s"
    EmbeddedStore(home)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    children = [
        ctx.Process(target=_write_one, args=(str(home), name, 0, barrier)) for name in ("p1", "p2")
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
        assert child.exitcode == 0
    store = EmbeddedStore(home)
    assert store.has_batch("p1") and store.has_batch("p2")
    assert store.read_table("transactions").num_rows == 10000


def test_full_disk_gives_a_clear_error_and_no_change(tmp_path, monkeypatch):
    home = tmp_path / "s"
    store = EmbeddedStore(home)
    store.write_batch(batch("b1", ROWS))
    before = snapshot(home)

    def no_space(table, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(embedded, "_write_parquet", no_space)
    with pytest.raises(StoreError, match="disk is full"):
        store.write_batch(batch("b2", [("t9", "X", "Y", 1.0, 0)]))
    assert snapshot(home) == before


def test_unreadable_manifest_names_the_file(tmp_path):
    home = tmp_path / "s"
    EmbeddedStore(home).write_batch(batch("b1", ROWS))
    (home / "manifest.json").write_text("{ not json")
    with pytest.raises(StoreUnavailable, match=r"manifest\.json"):
        EmbeddedStore(home).read_table("transactions")


def test_unusable_folder_is_reported_with_its_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable, match=str(blocker)):
        EmbeddedStore(blocker / "store")


def test_results_survive_reopening(tmp_path):
    home = tmp_path / "s"
    store = EmbeddedStore(home)
    store.write_batch(batch("b1", ROWS))
    store.write_results({"clusters": store.read_results("clusters")})
    reopened = EmbeddedStore(home)
    assert (
        reopened.read_results("clusters").schema.names
        == store.read_results("clusters").schema.names
    )
    assert reopened.read_table("transactions").num_rows == 3
