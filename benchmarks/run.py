"""Run registered benchmark cases and write the report (``moneytrail bench``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import machine, report
from benchmarks.harness import CASES, BenchContext, Measurement

RESULTS = Path(__file__).resolve().parent / "results"


def discover() -> None:
    """Import every module in benchmarks/cases so their cases register."""
    import benchmarks.cases as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"benchmarks.cases.{info.name}")


def run(
    *,
    quick: bool = False,
    scale: str = "small",
    only: list[str] | None = None,
    results_dir: Path = RESULTS,
    log=print,
) -> Path:
    """Run the selected cases; a failing case is reported, not fatal. Returns the report path."""
    discover()
    selected = [
        c for c in CASES.values() if (not only or c.name in only) and (c.quick or not quick)
    ]
    if only:
        missing = set(only) - {c.name for c in selected}
        if missing:
            raise KeyError(f"unknown benchmark cases: {', '.join(sorted(missing))}")
    started = datetime.now(UTC)
    results_dir.mkdir(parents=True, exist_ok=True)
    ctx = BenchContext(quick=quick, scale=scale, results_dir=results_dir)
    measurements: list[Measurement] = []
    errors: dict[str, str] = {}
    for case in selected:
        log(f"case {case.name}: {case.description}")
        try:
            measurements.extend(case.fn(ctx))
        except Exception as exc:  # a broken case must not hide the others' figures
            errors[case.name] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
    command = "moneytrail bench" + (" --quick" if quick else "") + f" --scale {scale}"
    if only:
        command += "".join(f" --case {name}" for name in only)
    run_info = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "scale": scale,
        "command": command,
        "machine": machine.describe(),
        "errors": errors,
        "plots": ctx.plots,
    }
    return report.write(run_info, measurements, results_dir, started.strftime("%Y-%m-%d"))
