"""Ingestion: one atomic, idempotent batch per file content."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.ingest import export_rejected, ingest_file, ingest_paths, sanitise_source_name
from engine.store.embedded import EmbeddedStore

TX = (
    "tx_id,ts,src_account,dst_account,amount,currency\n"
    "t1,2024-01-01T10:00:00Z,A,B,10,EUR\n"
    "t2,2024-01-02T10:00:00Z,B,C,12.5,EUR\n"
    "t3,not a date,B,C,12.5,EUR\n"
)


@pytest.fixture
def store(tmp_path):
    with EmbeddedStore(tmp_path / "store") as opened:
        yield opened


def test_ingest_writes_one_batch_and_reports_counts(store, tmp_path):
    path = tmp_path / "transactions.csv"
    path.write_text(TX)
    report = ingest_file(store, path, uploaded_by="ana")
    assert report.status == "written"
    assert (report.accepted, report.duplicate, report.rejected) == (2, 0, 1)
    assert report.reasons == {"not a date and time": 1}
    assert report.rejected_rows.num_rows == 1
    assert store.count("transactions") == 2
    assert store.count("rejected") == 1
    batch = store.read_table("batches").to_pylist()[0]
    assert batch["uploaded_by"] == "ana"
    assert batch["format"] == "canonical"
    assert "2 rows accepted" in str(report)


def test_reupload_and_known_tx_ids_change_nothing(store, tmp_path):
    path = tmp_path / "transactions.csv"
    path.write_text(TX)
    ingest_file(store, path)
    again = ingest_file(store, path)
    assert again.status == "duplicate"
    assert store.count("batches") == 1
    # A different file repeating known tx_ids: the rows are duplicates, nothing new is stored.
    other = tmp_path / "more_transactions.csv"
    other.write_text(TX.replace("12.5", "12.50"), encoding="utf-8")
    report = ingest_file(store, other, kind="transactions")
    assert (report.status, report.accepted, report.duplicate) == ("written", 0, 2)
    assert store.count("transactions") == 2


def test_unreadable_file_writes_nothing(store, tmp_path):
    path = tmp_path / "transactions.csv"
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InputError, match=r"transactions\.csv"):
        ingest_file(store, path)
    assert store.count("batches") == 0
    reports = ingest_paths(store, [path])
    assert reports[0].status == "refused"
    assert "binary" in (reports[0].error or "")


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\bank.csv", "bank.csv"),
        ("..", "upload"),
        ("bad\x00name\n.csv", "badname.csv"),
        ("  .hidden.csv", "hidden.csv"),
        ("MATCH (n) DETACH DELETE n.csv", "MATCH (n) DETACH DELETE n.csv"),
    ],
)
def test_source_names_are_sanitised(given, safe):
    assert sanitise_source_name(given) == safe


def test_source_name_of_an_upload_is_recorded_sanitised(store, tmp_path):
    path = tmp_path / "upload-123.tmp"
    path.write_text(TX)
    report = ingest_file(store, path, source_name="../../transactions.csv", kind="transactions")
    assert report.source == "transactions.csv"
    assert store.read_table("batches")["source"].to_pylist() == ["transactions.csv"]


def test_folders_are_expanded(store, tmp_path):
    folder = tmp_path / "world"
    folder.mkdir()
    (folder / "transactions.csv").write_text(TX)
    (folder / ".hidden").write_text("x")
    (folder / "truth").mkdir()
    (folder / "truth" / "transactions.csv").write_text(TX)
    reports = ingest_paths(store, [folder])
    assert [r.status for r in reports] == ["written"]


def test_ingest_command(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    path = tmp_path / "transactions.csv"
    path.write_text(TX)
    bad = tmp_path / "notes.xml"
    bad.write_text("<html/>")
    home = tmp_path / "store"
    quarantine = tmp_path / "rejected.csv"
    runner = CliRunner()
    result = runner.invoke(
        app, ["ingest", str(path), "--home", str(home), "--quarantine", str(quarantine)]
    )
    assert result.exit_code == 0, result.output
    assert "2 rows accepted" in result.output
    assert "not a date and time" in quarantine.read_text()
    again = runner.invoke(app, ["ingest", str(path), str(bad), "--home", str(home)])
    assert again.exit_code == 2
    assert "already loaded" in again.output
    assert "neither a goAML report" in again.output


def test_export_rejected_through_the_engine(store, tmp_path):
    import io

    path = tmp_path / "transactions.csv"
    path.write_text(TX.replace("not a date", "=HYPERLINK(1)"))
    report = ingest_file(store, path)
    buffer = io.BytesIO()
    export_rejected(report.rejected_rows, buffer)
    assert b"'=HYPERLINK(1)" in buffer.getvalue()
