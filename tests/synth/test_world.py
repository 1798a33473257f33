"""The world's tables conform to the canonical schema, are consistent and reproducible."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from engine.core import schema
from engine.core.errors import ConfigError
from engine.synth import generate, write_world
from engine.synth.ids import iban_valid


def test_tables_conform_exactly(world):
    assert set(world.tables) == set(schema.INPUT_TABLES)
    for name, table in world.tables.items():
        assert table.schema.equals(schema.INPUT_TABLES[name]), name
        assert table.column("batch_id").null_count == table.num_rows


def test_tiny_has_about_ten_thousand_transactions(world):
    assert 9_000 <= world.tables["transactions"].num_rows <= 12_000


def test_keys_unique_and_references_resolve(frames):
    for name, key in schema.KEYS.items():
        assert not frames[name].duplicated(list(key)).any(), name
    accounts = set(frames["accounts"].account_id)
    tx = frames["transactions"]
    assert set(tx.src_account) <= accounts and set(tx.dst_account) <= accounts
    assert set(frames["holdings"].account_id) <= accounts
    assert set(frames["holdings"].party_id) <= set(frames["parties"].party_id)
    payers = frames["travel"].payer_account.dropna()
    assert set(payers) <= accounts


def test_amounts_channels_and_times(world, frames):
    tx = frames["transactions"]
    assert (tx.amount > 0).all() and (tx.amount_base > 0).all()
    assert set(tx.channel) <= set(schema.CHANNELS)
    assert set(frames["travel"]["mode"]) <= set(schema.TRAVEL_MODES)
    p = world.params
    start = pd.Timestamp(p.start, tz="UTC")
    end = start + pd.Timedelta(days=p.days)
    assert tx.ts.min() >= start and tx.ts.max() < end
    travel = frames["travel"]
    assert travel.departure.min() >= start and travel.departure.max() < end
    assert (travel.arrival > travel.departure).all()
    eur = tx[tx.currency == "EUR"]
    assert (eur.amount == eur.amount_base).all()


def test_cash_uses_the_placeholder_with_a_location(frames):
    tx = frames["transactions"]
    cash = tx[tx.channel == "cash"]
    assert ((cash.src_account == "CASH") | (cash.dst_account == "CASH")).all()
    deposits = cash[cash.src_account == "CASH"]
    assert deposits.location.notna().all() and deposits.location_country.notna().all()
    acc = frames["accounts"].set_index("account_id")
    assert acc.loc["CASH", "kind"] == "placeholder"
    # placeholders glue many accounts together: CASH and external-bank codes have huge degree
    degree = pd.concat([tx.src_account, tx.dst_account]).value_counts()
    ext = [a for a in acc.index if a.startswith("EXT-")]
    assert ext and (acc.loc[ext, "kind"] == "placeholder").all()
    assert degree.index[0] == "CASH" and degree.iloc[0] > 10 * degree.median()


def test_some_banks_export_dates_only(frames):
    ts = frames["transactions"].ts
    midnight = (ts == ts.dt.normalize()).mean()
    assert 0.05 < midnight < 0.8


def test_ibans_carry_valid_check_digits(frames):
    acc = frames["accounts"]
    ibans = acc[(acc.kind != "placeholder") & ~acc.account_id.str.contains("-")].account_id
    assert len(ibans) > 100
    assert all(iban_valid(x) for x in ibans)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(tmp_path):
    a = write_world(generate("tiny", seed=11), tmp_path / "a")
    write_world(generate("tiny", seed=11), tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    write_world(generate("tiny", seed=12), tmp_path / "c")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")
    names = {p.name for p in a}
    assert {f"{t}.parquet" for t in schema.INPUT_TABLES} <= names
    assert {"operations.parquet", "patterns.parquet", "identities.parquet"} <= names


def test_written_parquet_reads_back_with_canonical_schema(world, tmp_path):
    write_world(world, tmp_path)
    for name in schema.INPUT_TABLES:
        assert pq.read_table(tmp_path / f"{name}.parquet").schema.equals(schema.INPUT_TABLES[name])


def test_csv_format(world, tmp_path):
    paths = write_world(world, tmp_path, fmt="csv")
    assert (tmp_path / "transactions.csv").exists()
    header = (tmp_path / "transactions.csv").read_text().splitlines()[0]
    assert header.replace('"', "").split(",") == schema.TRANSACTIONS.names
    assert any(p.suffix == ".csv" for p in paths)


def test_unknown_scale_or_parameter_is_a_config_error():
    with pytest.raises(ConfigError):
        generate("huge")
    with pytest.raises(ConfigError):
        generate("tiny", n_dragons=3)


def test_overrides_change_the_world():
    w = generate("tiny", seed=1, n_per_typology=1, tx_target=5_000)
    assert 4_000 <= w.tables["transactions"].num_rows <= 6_500


def test_salaries_are_booked_on_working_days(frames):
    tx = frames["transactions"]
    salaries = tx[tx.reference == "SALARY"]
    assert len(salaries) > 100
    assert (salaries.ts.dt.day_of_week < 5).all()


def test_row_order_gives_nothing_away(frames):
    for name, key in (("parties", "party_id"), ("accounts", "account_id"), ("travel", "departure")):
        assert frames[name][key].is_monotonic_increasing, name
    assert frames["transactions"].ts.is_monotonic_increasing
