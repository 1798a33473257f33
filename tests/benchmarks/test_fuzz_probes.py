"""The fuzz case's issue-17 probes: each run feeds them to every loader, and the verdict can
tell a wrong acceptance from a refusal (so a zero in the report means something)."""

from __future__ import annotations

import pyarrow as pa

from benchmarks.cases.fuzz import fuzz_one, probe_verdict, wrong_values
from benchmarks.cases.fuzz_inputs import PROBES
from engine.core import schema
from loaders.base import LoadResult


def _result(**tables: pa.Table) -> LoadResult:
    conformed = {name: schema.conform(t, name) for name, t in tables.items()}
    return LoadResult(conformed, schema.empty("rejected"), "csv", "transactions")


def _tx(ids, amounts, bases=None) -> pa.Table:
    import datetime as dt

    n = len(ids)
    return pa.table({
        "tx_id": ids, "ts": pa.array([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)] * n, schema.TS),
        "src_account": ["A"] * n, "dst_account": ["B"] * n, "amount": amounts,
        "currency": ["EUR"] * n, "amount_base": bases if bases is not None else amounts,
    })  # fmt: skip


def test_the_verdict_counts_accepted_poison_and_not_refusals():
    probe = next(p for p in PROBES if p.name == "poison_csv")
    assert probe_verdict(probe, None) == (0, 0)
    assert probe_verdict(probe, _result(transactions=_tx(["ok", "POISON"], [1.0, 2.0]))) == (1, 0)
    assert probe_verdict(probe, _result(transactions=_tx(["ok"], [1.0]))) == (0, 0)
    whole = next(p for p in PROBES if p.refuse)
    assert probe_verdict(whole, _result(transactions=_tx(["x"], [1.0])))[0] == 1


def test_values_no_loader_may_accept_are_counted_in_any_result():
    assert wrong_values(_result(transactions=_tx(["a", "b"], [1.0, 2.0]))) == 0
    assert wrong_values(_result(transactions=_tx(["a"], [1.0], [float("inf")]))) == 1
    parties = pa.table({"party_id": ["p"], "name": ["JosÃ©"], "nationality": ["XQ"]})
    assert wrong_values(_result(parties=parties)) == 2


def test_every_run_feeds_the_probes_to_their_loaders(tmp_path):
    for loader in ("canonical", "goaml", "iso20022", "mapped"):
        result = fuzz_one(loader, 0, seed=3, crash_dir=None, probes=12)
        assert result.probes == 12 and result.probe_crashes == 0 and result.hangs == 0
        assert result.wrong_acceptances == 0, (loader, result.probe_targets)
        assert set(result.probe_targets) == {p.name for p in PROBES if p.loader == loader}


def test_a_conflicting_repeat_the_store_drops_silently_is_a_wrong_acceptance(tmp_path, monkeypatch):
    """The loaders keep both rows of a repeated key; the verdict ingests the probe into a
    store, whose dedupe must quarantine the second with both amounts (issue 17, item 7).
    A store that drops it with a count only, as before, makes it a wrong acceptance."""
    import numpy as np

    from engine.store import batchwriter
    from loaders.registry import load_file

    probe = next(p for p in PROBES if p.name == "poison_csv")
    path = tmp_path / "transactions.csv"
    path.write_text(
        "tx_id,ts,src_account,dst_account,amount,currency,amount_base\n"
        "ok1,2024-01-01T00:00:00Z,A1,A2,5,EUR,\n"
        "dupPOISON,2024-01-01T00:00:00Z,A1,A2,10,EUR,\n"
        "dupPOISON,2024-01-02T00:00:00Z,A1,A2,99999,EUR,\n",
        encoding="utf-8",
    )
    loaded = load_file(path, batch_id="probe")
    assert probe_verdict(probe, loaded, path) == (0, 0)

    def silently(name, incoming, stored):  # the old dedupe: every repeat a plain duplicate
        return np.zeros(incoming.num_rows, dtype=bool), schema.empty("conflicts")

    monkeypatch.setattr(batchwriter, "find_conflicts", silently)
    assert probe_verdict(probe, loaded, path) == (1, 1)
