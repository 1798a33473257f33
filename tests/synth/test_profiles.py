"""The ``lookalike`` and ``random`` world profiles: schema, reproducibility, realism of the
background, the eight typologies planted like normal traffic, recorded hyper-parameters."""

from __future__ import annotations

import hashlib
import itertools
import json

import numpy as np
import pandas as pd
import pytest

from engine.core import schema
from engine.core.errors import ConfigError
from engine.synth import generate, write_world
from engine.synth.profiles import RANDOM_RANGES, TYPOLOGIES, make_world_params, random_values


@pytest.fixture(scope="module")
def lookalike():
    return generate("tiny", 0, profile="lookalike")


@pytest.fixture(scope="module")
def frames(lookalike):
    out = {name: t.to_pandas() for name, t in lookalike.tables.items()}
    out.update({f"truth_{name}": t.to_pandas() for name, t in lookalike.truth.items()})
    ops = out["truth_operations"][["op_id", "category", "kind"]]
    out["truth_transactions"] = out["truth_transactions"].merge(ops, on="op_id")
    out["truth_accounts"] = out["truth_accounts"].merge(ops, on="op_id")
    return out


def _digest(world) -> str:
    h = hashlib.sha256()
    for group in (world.tables, world.truth):
        for name in sorted(group):
            h.update(name.encode())
            h.update(str(group[name].to_pydict()).encode())
    return h.hexdigest()


@pytest.mark.parametrize("profile", ["lookalike", "random"])
def test_tables_conform_and_references_resolve(profile):
    world = generate("tiny", 1, profile=profile)
    for name, table in world.tables.items():
        assert table.schema.equals(schema.INPUT_TABLES[name]), name
    tx = world.tables["transactions"].to_pandas()
    accounts = set(world.tables["accounts"].column("account_id").to_pylist())
    assert set(tx.src_account) <= accounts and set(tx.dst_account) <= accounts
    assert world.tables["travel"].num_rows == 0
    assert (tx.amount > 0).all() and tx.tx_id.is_unique


@pytest.mark.parametrize("profile", ["lookalike", "random"])
def test_same_profile_scale_seed_same_world(profile):
    assert _digest(generate("tiny", 5, profile=profile)) == _digest(
        generate("tiny", 5, profile=profile)
    )


def test_random_hyper_parameters_differ_per_seed_and_stay_in_their_ranges():
    drawn = [random_values(s) for s in range(12)]
    assert len({d["degree_exponent"] for d in drawn}) == 12
    assert len({d["country"] for d in drawn}) > 2  # several currency scales
    assert len({d["amount_law"] for d in drawn}) > 1
    for d in drawn:
        lo, hi = RANDOM_RANGES["degree_exponent"]
        assert lo <= d["degree_exponent"] <= hi
        _, lo, hi = RANDOM_RANGES["lookalike_ratio"]
        assert lo <= d["lookalike_ratio"] <= hi
        assert d["pattern_size"][0] < d["pattern_size"][1]
        assert 1 <= d["pattern_days"][0] < d["pattern_days"][1] <= d["days"] - 2
        assert abs(sum(d["model_shares"]) - 1) < 1e-9 and abs(sum(d["typology_shares"]) - 1) < 1e-9
    # the draws depend on the seed only, not on the scale
    assert make_world_params("random", "tiny", 4).amount_median_eur == (
        make_world_params("random", "small", 4).amount_median_eur
    )


def test_unknown_profile_or_parameter_is_a_config_error():
    with pytest.raises(ConfigError, match="profile"):
        generate("tiny", 0, profile="nope")
    with pytest.raises(ConfigError, match="n_smuggling"):
        generate("tiny", 0, profile="lookalike", n_smuggling=3)


def test_every_typology_is_planted_with_its_truth(frames):
    patterns = frames["truth_patterns"]
    assert set(patterns.pattern) == set(TYPOLOGIES)
    tt = frames["truth_transactions"]
    laundering = tt[tt.category == "typology"]
    assert set(laundering.pattern_id) == set(patterns.pattern_id)
    tx = frames["transactions"].set_index("tx_id")
    for pid, rows in laundering.groupby("pattern_id"):
        kind = patterns.set_index("pattern_id").loc[pid, "pattern"]
        sub = tx.loc[rows.tx_id].sort_values("ts")
        members = set(frames["truth_accounts"].query("pattern_id == @pid").account_id)
        assert set(sub.src_account) | set(sub.dst_account) == members, (kind, pid)
        if kind == "fan_in":
            assert sub.dst_account.nunique() == 1 and sub.src_account.nunique() >= 2
        elif kind == "fan_out":
            assert sub.src_account.nunique() == 1 and sub.dst_account.nunique() >= 2
        elif kind == "cycle":
            hops = list(zip(sub.src_account, sub.dst_account, strict=True))
            assert all(a[1] == b[0] for a, b in itertools.pairwise(hops)), hops
            assert hops[-1][1] == hops[0][0]


def test_laundering_is_drawn_like_normal_traffic(frames):
    tt = frames["truth_transactions"]
    tx = frames["transactions"].set_index("tx_id")
    laundering = tx.loc[tt.tx_id[tt.category == "typology"]]
    legit = tx.loc[tt.tx_id[tt.kind.str.startswith("lookalike_")]]
    assert set(laundering.channel) <= set(legit.channel) == {"wire", "mobile"}
    ratio = laundering.amount.median() / legit.amount.median()
    assert 0.6 < ratio < 1.6, ratio
    assert (laundering.amount % 100 == 0).mean() < 0.05  # not round numbers
    span = (laundering.ts.max() - laundering.ts.min()).days
    assert span > 20  # spread over the period, not one burst


def test_background_has_the_six_lookalikes_and_mostly_spending(lookalike, frames):
    kinds = set(frames["truth_operations"].kind)
    for model in ("single", "fan_in", "fan_out", "forward", "mutual", "periodical"):
        assert f"lookalike_{model}" in kinds
    r = lookalike.realised
    assert 100 <= r["lookalike_per_laundering_transfer"] <= 1000, r
    tx = frames["transactions"]
    assert tx.channel.isin(["card", "cash"]).mean() > 0.5
    assert "EXT_SOURCE" in set(tx.src_account) and "CASH" in set(tx.dst_account)


def test_laundering_accounts_also_live_ordinary_lives(frames):
    tt = frames["truth_accounts"]
    launderers = set(tt.account_id[tt.category == "typology"])
    tx = frames["transactions"]
    spenders = set(tx.src_account[tx.channel.isin(["card", "cash"])])
    assert len(launderers & spenders) >= 0.9 * len(launderers)


def test_laundering_share_and_degree_law_follow_the_parameters():
    world = generate("small", 0, profile="lookalike", n_customers=3_000, days=30,
                     spend_per_day=0.05)  # fmt: skip
    share = world.realised["laundering_account_share"]
    assert 0.04 <= share <= 0.08, share
    tx = world.tables["transactions"].to_pandas()
    personal = world.tables["accounts"].to_pandas().query("kind == 'personal'").account_id
    a2a = tx[tx.src_account.isin(personal) & tx.dst_account.isin(personal)]
    degree = pd.concat([a2a.src_account, a2a.dst_account]).value_counts()
    assert degree.max() > 8 * degree.median()  # a heavy tail, from the Pareto activity


def test_date_only_worlds_and_currency_scale():
    world = generate("tiny", 2, profile="random", date_only_bank_share=1.0, country="HU")
    ts = world.tables["transactions"].column("ts").to_pandas()
    assert (ts == ts.dt.normalize()).all()
    tx = world.tables["transactions"].to_pandas()
    assert set(tx.currency) == {"HUF"}
    assert tx.amount.median() > 50 * tx.amount_base.median()  # the forint scale


def test_params_json_records_the_drawn_world(tmp_path):
    world = generate("tiny", 3, profile="random")
    write_world(world, tmp_path)
    params = json.loads((tmp_path / "truth" / "params.json").read_text())
    assert params["profile"] == "random" and params["seed"] == 3
    assert params["degree_exponent"] == world.params.degree_exponent
    assert params["realised"]["patterns"] == world.truth["patterns"].num_rows
    assert np.isclose(sum(params["model_shares"]), 1.0)


def test_generate_command_takes_the_profile_and_ingest_reads_the_world(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    out, home = tmp_path / "w", tmp_path / "home"
    result = CliRunner().invoke(app, ["generate", "--profile", "random", "--seed", "4",
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    params = json.loads((out / "truth" / "params.json").read_text())
    assert params["profile"] == "random" and params["seed"] == 4
    result = CliRunner().invoke(app, ["ingest", str(out), "--home", str(home)])
    assert result.exit_code == 0, result.output
    from engine.store import open_store

    with open_store(None, home=home) as store:
        loaded = store.read_table("transactions").num_rows
    assert loaded == params["realised"]["transactions"]
    result = CliRunner().invoke(app, ["generate", "--profile", "bogus", "--out", str(out)])
    assert result.exit_code != 0 and "profile" in str(result.exception or result.output)
