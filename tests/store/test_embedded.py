"""EmbeddedStore guarantees beyond the contract: crashes, concurrency, full disks."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core import schema
from engine.core.errors import InputError, StoreError, StoreUnavailable
from engine.store import batchwriter, embedded
from engine.store.base import RESTART, BatchInfo, materialise
from engine.store.embedded import EmbeddedStore
from engine.store.keyindex import HashIndex, hash_keys
from tests.store.test_contract import ROWS, batch, tx_table


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


# Child processes are plain interpreters started with subprocess (not multiprocessing), so
# they import only what the snippet asks for, whatever the test runner has loaded.
WRITE_FOREVER = """
import sys, time
from engine.store.embedded import EmbeddedStore
from tests.store.test_contract import batch
store = EmbeddedStore(sys.argv[1])
rows = [(f"k{i}", f"S{i % 97}", f"D{i % 89}", float(i), i) for i in range(20000)]
while True:  # keep writing until killed; every write is a new batch
    store.write_batch(batch(f"killed-{time.time_ns()}", rows))
    print("wrote", flush=True)
"""

WRITE_ONCE = """
import sys, time
from pathlib import Path
from engine.store.embedded import EmbeddedStore
from tests.store.test_contract import batch
home, name, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
rows = [(f"{name}-{i}", "A", "B", float(i), i) for i in range(5000)]
store = EmbeddedStore(home)
while not go.exists():  # start both writers at the same moment
    time.sleep(0.005)
store.write_batch(batch(name, rows))
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=root, **kwargs)


def test_process_killed_mid_write_leaves_a_consistent_store(tmp_path):
    home = tmp_path / "s"
    EmbeddedStore(home).write_batch(batch("b1", ROWS))
    child = _python(WRITE_FOREVER, str(home), stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(2):  # two batches landed, the third is under way
            assert child.stdout.readline().strip() == "wrote"
        time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    store = EmbeddedStore(home)
    manifest = json.loads((home / "manifest.json").read_text())
    assert len(manifest["batches"]) >= 3  # b1 and the child's batches
    # every batch the manifest names is complete and readable
    total = sum(b["rows"].get("transactions", 0) for b in manifest["batches"])
    assert store.read_table("transactions").num_rows == total
    assert store.count("transactions") == total
    assert store.has_batch("b1")
    # and the store still takes writes (the dead writer's lock is released by the OS)
    assert store.write_batch(batch("after", [("z1", "A", "B", 1.0, 0)])).status == "written"


def test_two_processes_writing_at_once_both_land(tmp_path):
    home = tmp_path / "s"
    EmbeddedStore(home)
    go = tmp_path / "go"
    children = [_python(WRITE_ONCE, str(home), name, str(go)) for name in ("p1", "p2")]
    time.sleep(0.5)
    go.touch()
    for child in children:
        assert child.wait(120) == 0
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


def test_duplicates_are_found_across_many_batches_and_writers(tmp_path):
    """Known keys are remembered across this store's own writes, and re-read when another
    writer (here a second store object on the same folder) has committed in between."""
    home = tmp_path / "s"
    first, second = EmbeddedStore(home), EmbeddedStore(home)
    first.write_batch(batch("b1", [("t1", "A", "B", 1.0, 0)]))
    assert first.write_batch(
        batch("b2", [("t1", "A", "B", 1.0, 0), ("t2", "A", "B", 1.0, 1)])
    ).written == {"transactions": 1}
    assert second.write_batch(
        batch("b3", [("t2", "A", "B", 1.0, 1), ("t3", "A", "B", 1.0, 2)])
    ).written == {"transactions": 1}
    # first's cached keys predate b3: it must notice and still refuse t3
    receipt = first.write_batch(batch("b4", [("t3", "A", "B", 1.0, 2), ("t4", "A", "B", 1.0, 3)]))
    assert receipt.written == {"transactions": 1} and receipt.duplicates == {"transactions": 1}
    assert sorted(first.read_table("transactions")["tx_id"].to_pylist()) == ["t1", "t2", "t3", "t4"]


# -- streamed batches ------------------------------------------------------------------------


def _info(batch_id: str) -> BatchInfo:
    return BatchInfo(batch_id, f"{batch_id}.csv", "transactions", "csv")


def _chunks(rows: list[tuple[str, str, str, float, int]], size: int):
    for start in range(0, len(rows), size):
        yield "transactions", tx_table(rows[start : start + size])


def test_streamed_batch_drops_keys_repeated_across_chunks_and_parts(tmp_path, monkeypatch):
    """Keys are deduplicated across chunks, across part files and against the store, and a
    batch written in several parts reads back in order."""
    monkeypatch.setattr(batchwriter, "PART_ROWS", 4)
    store = EmbeddedStore(tmp_path / "s")
    store.write_batch(batch("b0", [("k3", "A", "B", 1.0, 0)]))
    ids = [f"k{i}" for i in range(12)] + ["k0", "k5", "k11", "k12", "k12"]
    rows = [(tx_id, "A", "B", float(i), i) for i, tx_id in enumerate(ids)]
    receipt = store.write_stream(_info("b1"), _chunks(rows, 3))
    expected = [f"k{i}" for i in range(13) if i != 3]
    assert receipt.written == {"transactions": len(expected)}
    # every repeat here has another amount: all are conflicts (quarantined), none exact
    assert receipt.duplicates == {"transactions": 0}
    assert receipt.conflicts == {"transactions": len(ids) - len(expected)}
    assert sorted(store.read_table("conflicts")["key"].to_pylist()) == sorted(
        ["k0", "k3", "k5", "k11", "k12"]
    )
    batch_rows = store.read_table("transactions").filter(
        pc.equal(store.read_table("transactions")["batch_id"], "b1")
    )
    assert batch_rows["tx_id"].to_pylist() == expected
    entry = json.loads((tmp_path / "s" / "manifest.json").read_text())["batches"][1]
    assert len(entry["parts"]["transactions"]) == 3  # 12 rows in parts of 4 (and a fifth row)
    assert store.count("transactions") == len(expected) + 1


def test_hash_collisions_never_drop_a_new_row(tmp_path, monkeypatch):
    """Every key hashing alike: matches are confirmed on the exact key, so nothing is lost."""
    monkeypatch.setattr(batchwriter, "hash_keys", lambda keys: np.zeros(len(keys), np.uint64))
    monkeypatch.setattr(batchwriter, "PART_ROWS", 2)
    store = EmbeddedStore(tmp_path / "s")
    store.write_batch(batch("b0", [("old", "A", "B", 1.0, 0)]))
    rows = [(f"n{i}", "A", "B", 1.0, i) for i in range(7)] + [("n0", "A", "B", 1.0, 9)]
    receipt = store.write_stream(_info("b1"), _chunks([*rows, ("old", "A", "B", 1.0, 0)], 2))
    assert receipt.written == {"transactions": 7}
    assert receipt.duplicates == {"transactions": 1}  # the stored 'old', exactly
    assert receipt.conflicts == {"transactions": 1}  # n0 again, at another time


def test_restart_discards_the_chunks_before_it(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    rejected = schema.conform(
        pa.table({"source": ["f"], "row": [1], "field": ["x"], "value": ["v"], "reason": ["r"]}),
        "rejected",
    )

    def chunks():
        yield "transactions", tx_table([("a", "A", "B", 1.0, 0)])
        yield "rejected", rejected
        yield RESTART, None
        yield "transactions", tx_table([("a", "A", "B", 1.0, 0), ("b", "A", "B", 1.0, 0)])

    receipt = store.write_stream(_info("b1"), chunks())
    assert (receipt.written, receipt.duplicates, receipt.rejected) == (
        {"transactions": 2},
        {"transactions": 0},
        0,
    )
    assert store.count("rejected") == 0 and store.count("transactions") == 2


def test_error_half_way_through_a_streamed_batch_leaves_the_store_byte_identical(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(batchwriter, "PART_ROWS", 2)
    home = tmp_path / "s"
    store = EmbeddedStore(home)
    store.write_batch(batch("b0", ROWS))
    before = snapshot(home)

    def chunks():
        yield from _chunks([(f"x{i}", "A", "B", 1.0, i) for i in range(6)], 2)
        raise InputError("cannot parse as CSV: broken half-way", file="big.csv")

    with pytest.raises(InputError, match="half-way"):
        store.write_stream(_info("b1"), chunks())
    assert snapshot(home) == before
    assert not store.has_batch("b1")
    # the same batch lands whole when sent again
    again = store.write_stream(
        _info("b1"), _chunks([(f"x{i}", "A", "B", 1.0, i) for i in range(6)], 2)
    )
    assert again.written == {"transactions": 6}


def test_materialise_gathers_a_stream_into_one_batch():
    """The Store base class's write_stream (used by Neo4j) sees the same batch as the stream."""
    rows = [(f"k{i}", "A", "B", 1.0, i) for i in range(5)]
    stream = [*_chunks(rows[:2], 2), (RESTART, None), *_chunks(rows, 2)]
    gathered = materialise(_info("b1"), stream)
    assert gathered.tables["transactions"]["tx_id"].to_pylist() == [r[0] for r in rows]
    assert gathered.rejected.num_rows == 0 and gathered.info == _info("b1")


@given(st.lists(st.lists(st.integers(0, 40), max_size=30), max_size=8))
@settings(max_examples=60, deadline=None)
def test_hash_index_finds_exactly_what_was_added(chunks):
    index = HashIndex()
    seen: dict[int, int] = {}
    for number, chunk in enumerate(chunks):
        hashes = np.array(chunk, dtype=np.uint64)
        found = index.find(hashes)
        for value, got in zip(chunk, found, strict=True):
            assert got == seen.get(value, -1)
        index.add(hashes, np.full(len(chunk), number, dtype=np.int64))
        for value in chunk:
            seen.setdefault(value, number)
    assert len(index) == sum(len(c) for c in chunks)


def test_key_hashes_depend_on_every_byte():
    keys = pa.array(["", "a", "a\x00", "ab", "ba", "x" * 63, "x" * 64, "x" * 65, "é" * 40, None])
    hashes = hash_keys(keys)
    assert len(set(hashes[:-1].tolist())) == len(keys) - 1
    assert (hash_keys(keys.slice(3, 4)) == hashes[3:7]).all()
    assert (hash_keys(pa.chunked_array([keys.slice(0, 2), keys.slice(2)])) == hashes).all()
