"""``moneytrail clusters`` prints what ``analyze`` ranked, in three formats."""

from __future__ import annotations

import csv
import io
import json
import re

from typer.testing import CliRunner

from engine.cli import app
from engine.services.pipeline import analyze
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore


def _store(tmp_path, world):
    for i in range(3):  # a cycle with shrinking amounts: one flagged cluster
        world.pay(f"c{i}", f"c{(i + 1) % 3}", 10000 - 300 * i, day=i)
        for month in range(6):  # ... among people who otherwise only pay their rent
            world.pay(f"c{i}", f"landlord{i}", 800, day=30 * month)
    for i in range(7):  # a fan-in
        world.pay(f"s{i}", "hub", 900, day=0.5 * i)
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    store.write_batch(Batch("b1", "b1", "mixed", "parquet", world.tables()))
    analyze(store, seed=0)
    store.close()
    return home


def test_clusters_json_table_and_csv(tmp_path, world):
    home = _store(tmp_path, world)
    runner = CliRunner()
    out = runner.invoke(app, ["clusters", "--home", str(home), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    cycle = next(r for r in rows if "temporal_cycle" in r["flags"])
    assert set(cycle["accounts"]) == {"c0", "c1", "c2"}  # core: the cycle's own accounts
    assert set(cycle["context_accounts"]) == {"landlord0", "landlord1", "landlord2"}
    card = next(e for e in cycle["evidence"] if e["pattern"] == "temporal_cycle")
    assert len(card["tx_ids"]) == 3 and card["parameters"]["cycle_max_len"] == 6
    out = runner.invoke(app, ["clusters", "--home", str(home), "--format", "csv", "--top", "1"])
    assert out.exit_code == 0 and len(out.output.strip().splitlines()) == 2
    header, row = csv.reader(io.StringIO(out.output))
    assert "context_accounts" in header
    first = dict(zip(header, row, strict=True))
    assert set(first["accounts"].split(";")) == set(rows[0]["accounts"])
    out = runner.invoke(app, ["clusters", "--home", str(home)])
    assert out.exit_code == 0 and "ranked clusters" in out.output


def _long_world(world):
    """A flagged cycle among accounts with IBAN-long numbers (34 characters)."""
    names = [f"DE{i}" + "8" * 30 + f"{i:02d}" for i in range(3)]
    for i in range(3):
        world.pay(names[i], names[(i + 1) % 3], 10000 - 300 * i, day=i)
        for month in range(6):
            world.pay(names[i], f"landlord{i}", 800, day=30 * month)
    return names


def test_clusters_table_shows_members_and_fits_80_columns(tmp_path, world, monkeypatch) -> None:
    names = _long_world(world)
    home = tmp_path / "home"
    with EmbeddedStore(home) as store:
        store.write_batch(Batch("b1", "b1", "mixed", "parquet", world.tables()))
        analyze(store, seed=0)
    monkeypatch.setenv("COLUMNS", "80")
    out = CliRunner().invoke(app, ["clusters", "--home", str(home)])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert max(len(line) for line in lines) <= 80, out.output
    # the core accounts are listed, shortened, each in one piece
    for name in names:
        assert f"{name[:4]}…{name[-4:]}" in out.output, out.output
    assert "Money going round in a circle" in out.output  # the flag's human name
    assert "temporal_cycle" not in out.output  # ... not its key
    assert re.search(r"3 accounts \(\+3 context\)", out.output)
    # no word broken across lines: every account number is whole or shortened, never cut
    for token in re.findall(r"DE[0-9…]+", out.output):
        assert token in names or re.fullmatch(r"DE\d\d…\d{4}", token), (token, out.output)
