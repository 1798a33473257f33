"""Fuzzing every loader: generated and mutated files through ``loaders.registry.load_file``.

For each target (a loader and the kind of file it reads) the run feeds ``n`` inputs, each either
*generated* (a fresh file of that layout with random rows, hostile cells mixed in: formulas,
huge and control-character values, odd numbers and dates) or *mutated* (a generated file with
1-6 byte or line edits: deletions, insertions of delimiters, quotes, NULs, invalid UTF-8, XML
markup, repeated or truncated spans, swapped lines; Parquet files also get schema mutations:
columns dropped, retyped, nulled). Each input ends one of three ways:

* **loaded**: a ``LoadResult`` whose tables conform to the canonical schemas (bad rows in the
  quarantine);
* **rejected cleanly**: one :class:`engine.core.errors.InputError`;
* **crash**: anything else, including a result that breaks the schema or an input that takes
  longer than :data:`HANG_SECONDS` (counted as a hang). Crashing inputs are saved under
  ``<workdir>/fuzz-crashes/`` to reproduce.

The figures go in the benchmark report via ``Measurement.metrics``.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.cases.fuzz_inputs import PROBES, TARGETS, Probe, Target, mutate
from benchmarks.harness import BenchContext, Measurement, case
from engine.core import schema
from engine.core.errors import InputError

#: Inputs per loader: at least 10,000 in a full run, a few hundred in a quick one.
FULL_INPUTS = 10_000
QUICK_INPUTS = 300
HANG_SECONDS = 20
#: Keys the party ids the XML loaders derive (a fixed one: the fuzzer must not read or create
#: the data home's pseudonym key).
FUZZ_ID_KEY = b"moneytrail-fuzz-party-id-key"
TOTALS = (
    "inputs",
    "loaded",
    "rejected_cleanly",
    "crashes",
    "hangs",
    "handler_errors",
    "probes",
    "wrong_acceptances",
    "conflicts_unflagged",
)
#: Probe files (issue 17's classes of input) per loader and run, on top of the fuzzed inputs.
PROBES_PER_LOADER = 200
QUICK_PROBES = 40

LOADERS = sorted({t.loader for t in TARGETS})


@dataclass
class FuzzResult:
    """Counts of one loader's run (over its targets), and the first few crashes.

    ``handler_errors`` counts inputs during which an exception was raised and swallowed inside
    a library callback (Python's "Exception ignored in ..."): not a crash, but a sign that a
    row may have been handled in a way the loader did not choose.
    """

    loader: str
    inputs: int = 0
    loaded: int = 0
    rejected_cleanly: int = 0
    crashes: int = 0
    hangs: int = 0
    handler_errors: int = 0
    #: Probe files fed, and accepted values that should have been refused: a POISON row of a
    #: probe, a file that should have been refused whole, or (in any loaded input) an amount
    #: that is not finite or negative, a date outside years 1-9999, an unknown country code,
    #: mojibake of a UTF-8 name. ``conflicts_unflagged``: a probe's repeated key with another
    #: amount that, ingested into a fresh EmbeddedStore, was not quarantined by the store as a
    #: conflict with both amounts (inside the file, or against a second file repeating the
    #: key), or was quarantined again when that file came twice (issue 17, item 7); each also
    #: counts as a wrong acceptance.
    probes: int = 0
    probe_crashes: int = 0
    wrong_acceptances: int = 0
    conflicts_unflagged: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    seconds: float = 0.0
    targets: Counter = field(default_factory=Counter)
    probe_targets: Counter = field(default_factory=Counter)
    crash_kinds: Counter = field(default_factory=Counter)
    examples: list[tuple[str, str, bytes]] = field(default_factory=list)


class _Hang(Exception):
    pass


def _alarm(_signum, _frame):  # pragma: no cover - only on a hang
    raise _Hang()


def wrong_values(loaded) -> int:  # type: ignore[no-untyped-def]
    """Accepted values no loader may accept, in any loaded input (see :class:`FuzzResult`)."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc

    from loaders.normalise import COUNTRY_FIELDS, ISO_COUNTRIES

    wrong = 0
    first, last = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    codes = pa.array(sorted(ISO_COUNTRIES), pa.string())
    for name, table in loaded.tables.items():
        if table.num_rows == 0:
            continue
        for column in ("amount", "amount_base"):
            if name == "transactions" and column in table.column_names:
                ok = pc.and_(pc.is_finite(table[column]), pc.greater_equal(table[column], 0.0))
                wrong += table.num_rows - int(pc.sum(pc.fill_null(ok, True).cast("int64")).as_py())
        for column_field in table.schema:
            values = table[column_field.name]
            if pa.types.is_date32(column_field.type) and values.null_count < len(values):
                low, high = pc.min_max(values).values()
                wrong += int(not (first <= low.as_py() and high.as_py() <= last))
            elif column_field.name in COUNTRY_FIELDS and values.null_count < len(values):
                known = pc.or_(pc.is_null(values), pc.is_in(values, value_set=codes))
                wrong += int(pc.sum(pc.invert(pc.fill_null(known, True)).cast("int64")).as_py())
            elif column_field.name == "name" and "\u00c3" in "".join(
                v or "" for v in values.to_pylist()
            ):
                wrong += 1  # UTF-8 read as Latin-1
    return wrong


def probe_verdict(probe: Probe, loaded, path: Path | None = None) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """``(wrong acceptances, unflagged conflicts)`` of one probe's outcome (None: refused).

    A probe whose loaded rows repeat a key with another amount (``dupPOISON``) is also
    ingested from ``path`` into a fresh store (:func:`store_conflict_verdict`): the loaders
    keep both rows, and it is the store's dedupe that must quarantine the second.
    """
    if loaded is None:
        return 0, 0
    if probe.refuse:
        return 1, 0
    wrong = wrong_values(loaded)
    conflicts = 0
    for name, table in loaded.tables.items():
        key = {"transactions": "tx_id", "parties": "party_id", "travel": "record_id"}.get(name)
        if key is None or table.num_rows == 0:
            continue
        keys = table[key].to_pylist()
        wrong += sum(1 for k in keys if k == "POISON")
        if name == "transactions" and path is not None:
            amounts = {a for k, a in zip(keys, table["amount"].to_pylist(), strict=True)
                       if k == "dupPOISON"}  # fmt: skip
            if len(amounts) > 1:
                conflicts += store_conflict_verdict(probe, path, amounts)
    return wrong + conflicts, conflicts


def store_conflict_verdict(probe: Probe, path: Path, amounts: set[float]) -> int:
    """1 if the store let a conflicting repeat of ``dupPOISON`` through unflagged, else 0.

    In a fresh EmbeddedStore: the probe file must leave one ``dupPOISON`` transaction and one
    conflict holding both ``amounts``; a second file with ``dupPOISON`` at another amount must
    add one conflict against the stored row; that second file again must add none.
    """
    import json

    from engine.services.ingest import ingest_file
    from engine.store.embedded import EmbeddedStore

    with (
        tempfile.TemporaryDirectory(prefix="moneytrail-fuzz-store-", dir=_scratch()) as home,
        EmbeddedStore(Path(home) / "store", lock_timeout=30) as store,
    ):
        ingest_file(store, path, format=probe.format, kind=probe.kind, id_key=FUZZ_ID_KEY)
        kept = store.read_table("transactions")["tx_id"].to_pylist().count("dupPOISON")
        found = store.read_table("conflicts").to_pylist()
        pairs = [{json.loads(c["stored"])["amount"], json.loads(c["incoming"])["amount"]}
                 for c in found if c["key"] == "dupPOISON"]  # fmt: skip
        if kept != 1 or pairs != [amounts]:
            return 1
        again = Path(home) / "again.csv"
        again.write_text(
            "tx_id,ts,src_account,dst_account,amount,currency,amount_base\n"
            "dupPOISON,2024-05-01T00:00:00Z,A1,A2,55555,EUR,\n",
            encoding="utf-8",
        )
        ingest_file(store, again)
        ingest_file(store, again)
        if store.count("conflicts") != 2:
            return 1
    return 0


def fuzz_loader(
    loader: str, n: int, seed: int, folder: Path, probe_count: int = PROBES_PER_LOADER
) -> FuzzResult:
    """Feed ``n`` inputs, round-robin over the loader's targets, each generated (1 in 4) or
    mutated (3 in 4); then ``probe_count`` probe files (issue 17's classes of input)."""
    from loaders.registry import load_file

    targets = [t for t in TARGETS if t.loader == loader]
    rng = random.Random(f"{seed}-{loader}")
    result = FuzzResult(loader)
    swallowed: list[object] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = swallowed.append
    use_alarm = hasattr(signal, "SIGALRM")
    previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
    started = time.perf_counter()
    try:
        for i in range(n):
            target = targets[i % len(targets)]
            data = target.generate(rng)
            if rng.random() < 0.75:
                data = mutate(data, rng)
            path = folder / target.filename
            path.write_bytes(data)
            result.inputs += 1
            result.targets[target.name] += 1
            before = len(swallowed)
            outcome = _try(load_file, path, target, use_alarm)
            if len(swallowed) > before:
                result.handler_errors += 1
            if outcome is None:
                result.rejected_cleanly += 1
            elif isinstance(outcome, str):
                result.crashes += 1
                result.hangs += outcome == "hang"
                result.crash_kinds[outcome.split("\n")[0]] += 1
                if len(result.examples) < 5:
                    result.examples.append((target.filename, outcome, data))
            else:
                result.loaded += 1
                result.rows_loaded += outcome.rows_accepted
                result.rows_quarantined += outcome.rejected.num_rows
                result.wrong_acceptances += int(wrong_values(outcome) > 0)
        probes = [p for p in PROBES if p.loader == loader]
        for i in range(probe_count if probes else 0):
            probe = probes[i % len(probes)]
            path = folder / probe.filename
            path.write_bytes(probe.generate(rng))
            result.probes += 1
            result.probe_targets[probe.name] += 1
            outcome = _try(load_file, path, probe, use_alarm)
            if isinstance(outcome, str):
                result.probe_crashes += 1
                result.hangs += outcome == "hang"
                result.crash_kinds[outcome.split("\n")[0]] += 1
                continue
            wrong, conflicts = probe_verdict(probe, outcome, path)
            result.wrong_acceptances += int(wrong > 0)
            result.conflicts_unflagged += int(conflicts > 0)
    finally:
        sys.unraisablehook = previous_hook
        if use_alarm:
            signal.signal(signal.SIGALRM, previous)
    result.seconds = time.perf_counter() - started
    return result


def _try(load_file, path: Path, target: Target, use_alarm: bool):  # type: ignore[no-untyped-def]
    """The LoadResult, ``None`` for a clean refusal, or a crash description."""
    if use_alarm:
        signal.alarm(HANG_SECONDS)
    try:
        loaded = load_file(
            path, format=target.format, kind=target.kind, batch_id="fuzz", id_key=FUZZ_ID_KEY
        )
    except InputError:
        return None
    except _Hang:
        return "hang"
    except Exception as exc:  # the point: anything else is a crash
        return f"{type(exc).__name__}: {str(exc)[:120]}\n{traceback.format_exc(limit=-4)}"
    finally:
        if use_alarm:
            signal.alarm(0)
    for name, table in loaded.tables.items():
        if name not in schema.INPUT_TABLES or table.schema != schema.INPUT_TABLES[name]:
            return f"result table {name} breaks the canonical schema"
    if loaded.rejected.schema != schema.REJECTED:
        return "quarantine breaks the canonical schema"
    return loaded


def _scratch() -> str | None:
    """A memory-backed folder for the inputs when there is one (many small writes)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def fuzz_one(
    loader: str, n: int, seed: int, crash_dir: str | None, probes: int = PROBES_PER_LOADER
) -> FuzzResult:
    """Fuzz one loader in a scratch folder; save crashing inputs under ``crash_dir``."""
    with tempfile.TemporaryDirectory(prefix="moneytrail-fuzz-", dir=_scratch()) as folder:
        result = fuzz_loader(loader, n, seed, Path(folder), probes)
    if crash_dir is not None and result.examples:
        out = Path(crash_dir)
        out.mkdir(parents=True, exist_ok=True)
        for i, (filename, what, data) in enumerate(result.examples):
            (out / f"{loader}-{i}-{filename}").write_bytes(data)
            (out / f"{loader}-{i}.txt").write_text(what, encoding="utf-8")
    return result


def run_fuzz(
    n: int,
    seed: int,
    crash_dir: Path | None = None,
    workers: int = 1,
    probes: int = PROBES_PER_LOADER,
) -> list[FuzzResult]:
    """Fuzz every loader with ``n`` inputs and ``probes`` probe files each, in ``workers``
    processes."""
    crash = str(crash_dir) if crash_dir else None
    if workers <= 1:
        return [fuzz_one(loader, n, seed, crash, probes) for loader in LOADERS]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        futures = [pool.submit(fuzz_one, loader, n, seed, crash, probes) for loader in LOADERS]
        return [f.result() for f in futures]


@case("fuzz_loaders", quick=True)
def fuzz_loaders(ctx: BenchContext) -> list[Measurement]:
    """Fuzz every loader with generated and mutated files: loaded, rejected cleanly, crashes."""
    n = QUICK_INPUTS if ctx.quick else FULL_INPUTS
    workers = 1 if ctx.quick else min(2, os.cpu_count() or 1)
    probes = QUICK_PROBES if ctx.quick else PROBES_PER_LOADER
    results = run_fuzz(n, ctx.seed, ctx.workdir / "fuzz-crashes", workers, probes)
    out = []
    for r in results:
        top = "; ".join(f"{k} x{v}" for k, v in r.crash_kinds.most_common(3))
        mix = ", ".join(f"{k} {v:,}" for k, v in sorted((r.targets + r.probe_targets).items()))
        out.append(
            Measurement(
                "fuzz_loaders",
                "moneytrail",
                f"{r.loader}: {r.inputs:,} inputs",
                r.seconds,
                {
                    "inputs": r.inputs,
                    "loaded": r.loaded,
                    "rejected_cleanly": r.rejected_cleanly,
                    "crashes": r.crashes,
                    "hangs": r.hangs,
                    "handler_errors": r.handler_errors,
                    "probes": r.probes,
                    "probe_crashes": r.probe_crashes,
                    "wrong_acceptances": r.wrong_acceptances,
                    "conflicts_unflagged": r.conflicts_unflagged,
                    "rows_loaded": r.rows_loaded,
                    "rows_quarantined": r.rows_quarantined,
                    "inputs_per_s": r.inputs / r.seconds if r.seconds else 0.0,
                },
                (f"crashes: {top}" if top else "no crash") + f" ({mix})",
            )
        )
    out.append(
        Measurement(
            "fuzz_loaders",
            "moneytrail",
            f"all {len(results)} loaders: {sum(r.inputs for r in results):,} inputs",
            sum(r.seconds for r in results),
            {key: sum(getattr(r, key) for r in results) for key in TOTALS},
            "a crash is any exception other than InputError, a schema-breaking result or a hang; "
            "a wrong acceptance is a loaded value no loader may accept (see FuzzResult)",
        )
    )
    return out
