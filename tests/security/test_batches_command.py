"""``moneytrail batches list|show|remove``: a bad upload can be seen and taken back (issue 17).

Removal is an admin's action and is audited before it happens; the rejected rows of any batch
stay viewable after the upload.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.core.errors import AccessDenied
from engine.security.audit import AuditLog
from engine.security.auth import User
from engine.services.batches import remove_batch
from engine.store.embedded import EmbeddedStore

runner = CliRunner()
CSV = (
    "tx_id,ts,src_account,dst_account,amount,currency,amount_base\n"
    "t1,2024-01-01T00:00:00Z,A,B,10,EUR,\n"
    "t2,2024-01-01T00:00:00Z,A,B,10,EUR,inf\n"
    "t3,2025-02-30T00:00:00Z,A,B,10,EUR,\n"
)


def _ingest(home: Path, tmp_path: Path, name: str = "poison.csv", text: str = CSV) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(path), "--home", str(home)])
    assert result.exit_code == 0, result.output
    (batch_id,) = [
        b for b in EmbeddedStore(home).read_table("batches").to_pylist() if b["source"] == name
    ]
    return batch_id["batch_id"]


def test_list_show_and_remove_a_batch_through_the_cli(isolated_home, tmp_path):
    home = isolated_home
    keep = _ingest(home, tmp_path, "good.csv", CSV.splitlines()[0] + "\nk1,2024-01-02,C,D,1,EUR,\n")
    bad = _ingest(home, tmp_path)
    listing = runner.invoke(app, ["batches", "list", "--home", str(home)])
    assert listing.exit_code == 0 and bad[:12] in listing.output and "poison.csv" in listing.output
    shown = runner.invoke(app, ["batches", "show", bad[:8], "--home", str(home)])
    assert shown.exit_code == 0, shown.output
    assert "amount_base" in shown.output and "inf" in shown.output
    assert "no such day in that month" in shown.output and "2025-02-30" in shown.output
    out = tmp_path / "rejected.csv"
    runner.invoke(app, ["batches", "show", bad, "--quarantine", str(out), "--home", str(home)])
    assert out.read_text(encoding="utf-8").count("\n") == 3  # header and two rows
    removed = runner.invoke(app, ["batches", "remove", bad[:10], "--yes", "--home", str(home)])
    assert removed.exit_code == 0, removed.output
    assert "1 transactions, 2 rejected rows" in removed.output
    store = EmbeddedStore(home)
    assert store.read_table("transactions")["tx_id"].to_pylist() == ["k1"]
    assert [b["batch_id"] for b in store.read_table("batches").to_pylist()] == [keep]
    assert store.read_table("rejected").num_rows == 0
    entries = AuditLog().entries(action="remove_batch")
    assert [e["details"]["status"] for e in entries] == ["requested", "removed"]
    assert {e["target"] for e in entries} == {f"batch:{bad}"}
    assert all(e["user"].startswith("cli") for e in entries)


def test_remove_asks_first_and_refuses_unknown_or_short_ids(isolated_home, tmp_path):
    home = isolated_home
    bad = _ingest(home, tmp_path)
    declined = runner.invoke(app, ["batches", "remove", bad, "--home", str(home)], input="n\n")
    assert declined.exit_code != 0 and EmbeddedStore(home).has_batch(bad)
    for wrong in ("ffffffffffff", bad[:3]):
        result = runner.invoke(app, ["batches", "remove", wrong, "--yes", "--home", str(home)])
        assert result.exit_code != 0
    assert EmbeddedStore(home).has_batch(bad)
    assert AuditLog().entries(action="remove_batch") == []


@pytest.mark.parametrize("role", ["analyst", "investigator"])
def test_only_admins_may_remove_a_batch(isolated_home, tmp_path, role):
    bad = _ingest(isolated_home, tmp_path)
    store = EmbeddedStore(isolated_home)
    with pytest.raises(AccessDenied):
        remove_batch(store, bad, User("sam", role))
    assert store.has_batch(bad)
    receipt = remove_batch(store, bad, User("root", "admin"))
    assert receipt.removed == {"transactions": 1} and not store.has_batch(bad)
    assert [e["user"] for e in AuditLog().entries(action="remove_batch")] == ["root", "root"]


def test_conflicting_duplicates_are_reported_and_shown_later(isolated_home, tmp_path):
    """The same tx_id with amount 10 and then 99999 is one conflict, not "1 duplicate": the
    ingest line says so apart from exact duplicates, and ``batches show --conflicts`` gives
    both values later; the same file again adds nothing (issue 17, item 7)."""
    home = isolated_home
    header = CSV.splitlines()[0]
    _ingest(
        home,
        tmp_path,
        "first.csv",
        f"{header}\nt1,2024-01-01,A,B,10,EUR,\nt2,2024-01-01,A,B,5,EUR,\n",
    )
    path = tmp_path / "second.csv"
    path.write_text(f"{header}\nt1,2024-01-01,A,B,99999,EUR,\nt2,2024-01-01,A,B,5,EUR,\n")
    ingested = runner.invoke(app, ["ingest", str(path), "--home", str(home)])
    assert ingested.exit_code == 0, ingested.output
    line = " ".join(ingested.output.split())
    assert "1 duplicate" in line and "1 conflicting duplicate quarantined" in line, line
    store = EmbeddedStore(home)
    (second,) = [b for b in store.read_table("batches").to_pylist() if b["source"] == "second.csv"]
    shown = runner.invoke(
        app, ["batches", "show", second["batch_id"][:8], "--conflicts", "--home", str(home)]
    )
    assert shown.exit_code == 0, shown.output
    assert "rows_conflict: 1" in shown.output
    assert "transactions 't1'" in shown.output and "amount: 10.0 -> 99999.0" in shown.output
    plain = runner.invoke(app, ["batches", "show", second["batch_id"][:8], "--home", str(home)])
    assert "99999" not in plain.output  # listed only when asked for
    again = runner.invoke(app, ["ingest", str(path), "--home", str(home)])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert EmbeddedStore(home).count("conflicts") == 1
    listing = runner.invoke(app, ["batches", "list", "--home", str(home)])
    assert "conflict" in listing.output.splitlines()[0]
    assert store.read_table("transactions").sort_by("tx_id")["amount"].to_pylist() == [10.0, 5.0]
