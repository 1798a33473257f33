"""A small run of the loader fuzzer (benchmarks/cases/fuzz.py): no loader may crash.

The benchmark feeds 10,000 inputs per loader; this feeds 60 per loader (300 in all), enough to
exercise every generator and mutation and to fail when a loader starts crashing.
"""

from __future__ import annotations

import random

import pytest

from benchmarks.cases.fuzz import LOADERS, fuzz_one, run_fuzz
from benchmarks.cases.fuzz_inputs import TARGETS, mutate
from benchmarks.harness import BenchContext

INPUTS = 60


@pytest.mark.parametrize("loader", LOADERS)
def test_loader_survives_generated_and_mutated_inputs(loader, tmp_path):
    result = fuzz_one(loader, INPUTS, seed=11, crash_dir=str(tmp_path / "crashes"))
    assert result.inputs == INPUTS
    assert result.loaded + result.rejected_cleanly + result.crashes == INPUTS
    assert result.crashes == 0, result.crash_kinds
    # the run is not vacuous: some inputs load (with quarantined rows), some are refused
    assert result.loaded > 0 and result.rejected_cleanly > 0
    assert result.rows_loaded > 0
    assert set(result.targets) == {t.name for t in TARGETS if t.loader == loader}


def test_every_loader_of_the_registry_has_targets():
    assert LOADERS == ["canonical", "goaml", "iso20022", "mapped", "public"]


def test_mutations_change_the_input_and_are_reproducible():
    rng = random.Random(3)
    data = TARGETS[0].generate(rng)
    a = mutate(data, random.Random(5))
    assert a != data and a == mutate(data, random.Random(5))


def test_a_crashing_loader_is_counted_as_a_crash(monkeypatch, tmp_path):
    import loaders.registry

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(loaders.registry, "load_file", broken)
    result = fuzz_one("goaml", 5, seed=1, crash_dir=str(tmp_path))
    assert result.crashes == 5 and "KeyError: 'boom'" in next(iter(result.crash_kinds))
    assert len(list(tmp_path.glob("goaml-*.txt"))) == 5


def test_the_benchmark_case_reports_the_figures(monkeypatch, tmp_path):
    from benchmarks.cases import fuzz

    monkeypatch.setattr(fuzz, "QUICK_INPUTS", 5)
    measurements = fuzz.fuzz_loaders(BenchContext(quick=True, workdir=tmp_path))
    assert len(measurements) == len(LOADERS) + 1
    total = measurements[-1].metrics
    assert total["inputs"] == 5 * len(LOADERS)
    assert total["loaded"] + total["rejected_cleanly"] + total["crashes"] == total["inputs"]
    assert all({"inputs", "crashes", "rejected_cleanly"} <= set(m.metrics) for m in measurements)
    assert run_fuzz(0, 1) and all(r.inputs == 0 for r in run_fuzz(0, 1))
