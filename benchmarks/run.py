"""Run registered benchmark cases and write the report (``moneytrail bench``).

Every case selected for the run ends with a status the report shows next to its figures:
``ok``, ``skipped`` (the case raised :class:`~benchmarks.harness.CaseSkipped`, for example
no external data was given) or ``failed`` (any other exception: the traceback goes to
standard error, the message to the report). A case left out of a ``--quick`` run is listed
as ``not run`` so that nothing vanishes silently. Each case's wall and CPU seconds (its own
process and the worker processes it waited for) and the load average around it are recorded,
since the machine may be shared.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import resource
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import machine, report
from benchmarks.harness import CASES, SCALES, BenchContext, Case, CaseSkipped, Measurement

RESULTS = Path(__file__).resolve().parent / "results"


def in_checkout() -> bool:
    """Whether these benchmarks run from a source checkout (next to ``pyproject.toml``) rather
    than from an installed package, whose folder is no place to write reports."""
    return (Path(__file__).resolve().parents[1] / "pyproject.toml").is_file()


def default_results_dir() -> Path:
    """``benchmarks/results`` in a checkout (the committed report), else ``./benchmark-results``."""
    return RESULTS if in_checkout() else Path.cwd() / "benchmark-results"


#: Cases a standard full run leaves out (listed as not run, with the reason) because they alone
#: would break its 30-minute budget; ``--scale large`` or naming them with ``--case`` runs them.
#: Their ``--quick`` variants still run in quick runs.
OPT_IN = {
    "fuzz_loaders": "opt-in: 50,000 fuzzed files take about 17 minutes on 2 cores; run "
    "`moneytrail bench --case fuzz_loaders` (its own report: benchmarks/results/*-fuzz.md)",
}


def discover() -> None:
    """Import every module in benchmarks/cases so their cases register."""
    import benchmarks.cases as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"benchmarks.cases.{info.name}")


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


#: Cases that read the ``--external`` files (their reproduce command names them).
EXTERNAL_CASES = ("external", "worlds")


def select(*, quick: bool, scale: str, only: list[str] | None) -> list[Case]:
    """The cases a run executes: those named (else all but :data:`OPT_IN` in a standard full
    run), less the full-runs-only ones in a quick run."""
    return [
        c
        for c in CASES.values()
        if (c.quick or not quick)
        and (
            (only and c.name in only)
            or (not only and (quick or scale == "large" or c.name not in OPT_IN))
        )
    ]


def command_line(
    *,
    quick: bool,
    scale: str,
    only: list[str] | None = None,
    external: list[tuple[str, Path]] | None = None,
) -> str:
    """The ``moneytrail bench`` command that reproduces a run with these options."""
    parts = ["moneytrail bench"]
    if quick:
        parts.append("--quick")
    if scale != "standard":
        parts.append(f"--scale {scale}")
    parts += [f"--case {name}" for name in only or []]
    parts += [f"--external {fmt}={path}" for fmt, path in external or []]
    return " ".join(parts)


def run(
    *,
    quick: bool = False,
    scale: str = "standard",
    only: list[str] | None = None,
    results_dir: Path = RESULTS,
    external: list[tuple[str, Path]] | None = None,
    log: Callable[[str], Any] = print,
) -> Path:
    """Run the selected cases; a failing case is reported, not fatal. Returns the report path.

    Raises
    ------
    KeyError
        A case named in ``only`` does not exist.
    ValueError
        ``scale`` is not one of :data:`benchmarks.harness.SCALES`.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    discover()
    if only:
        missing = set(only) - set(CASES)
        if missing:
            raise KeyError(f"unknown benchmark cases: {', '.join(sorted(missing))}")
    selected = select(quick=quick, scale=scale, only=only)
    started, described = datetime.now(UTC), machine.describe()  # the load before the run
    results_dir.mkdir(parents=True, exist_ok=True)
    ctx = BenchContext(
        quick=quick, scale=scale, results_dir=results_dir, external=list(external or [])
    )
    measurements: list[Measurement] = []
    errors: dict[str, str] = {}
    statuses: dict[str, dict[str, Any]] = {}
    for case in selected:
        log(f"case {case.name}: {case.description}")
        load_before = os.getloadavg()[0]
        cpu, wall, plots_before = _cpu_seconds(), time.perf_counter(), len(ctx.plots)
        status, reason, produced = "ok", "", []
        try:
            produced = case.fn(ctx)
        except CaseSkipped as exc:
            status, reason = "skipped", str(exc)
        except Exception as exc:  # a broken case must not hide the others' figures
            status, reason = "failed", f"{type(exc).__name__}: {exc}"
            errors[case.name] = reason
            traceback.print_exc(file=sys.stderr)
        for m in produced:
            m.source = case.name
        measurements.extend(produced)
        statuses[case.name] = {
            "status": status,
            "reason": reason,
            "wall_s": time.perf_counter() - wall,
            "cpu_s": _cpu_seconds() - cpu,
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
            "measurements": len(produced),
            "plots": ctx.plots[plots_before:],
            "command": command_line(quick=quick, scale=scale, only=[case.name],
                                    external=ctx.external if case.name in EXTERNAL_CASES else None),
        }  # fmt: skip
        log(f"  {status} in {statuses[case.name]['wall_s']:.1f} s {reason}".rstrip())
    for name in CASES:
        if name not in statuses and (not only or name in only):
            reason = OPT_IN.get(name, "full runs only") if not quick else "full runs only"
            statuses[name] = {"status": "not run", "reason": reason,
                              "command": command_line(quick=False, scale=scale, only=[name])}  # fmt: skip
    run_info = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "scale": scale,
        "only": list(only or []),
        "command": command_line(quick=quick, scale=scale, only=only, external=ctx.external),
        "machine": described,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "errors": errors,
        "cases": statuses,
        "plots": ctx.plots,
    }
    return report.write(run_info, measurements, results_dir, started.strftime("%Y-%m-%d"))
