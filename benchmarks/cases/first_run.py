"""First run: what a cold analysis compiles, and what the first demo compiles after ``make setup``.

Each step is a fresh process under :mod:`benchmarks.jit_census`, which counts numba's
``numba:compile`` events (fired only on a disk-cache miss):

* ``cold analyze``: ``moneytrail analyze`` of the small world (quick: tiny) with an empty
  ``NUMBA_CACHE_DIR``, the worst first run (no warm-up at all);
* ``make setup warm-up``: the Makefile's ``moneytrail demo --scale tiny --no-serve`` into a
  second empty cache;
* ``first demo after setup``: ``moneytrail demo --scale small --no-serve`` (quick: tiny) with
  that warmed cache, which should compile nothing.

``kernels`` counts the project's own kernels (``algorithms.*``) compiled, ``numba_internals``
the overloads of numpy functions compiled along with them, ``compile_cpu_s`` the CPU-seconds
of outermost compilations. Numba keys its cache by the kernel's source file and its
modification time, so a warmed cache stays valid as long as the checkout is not moved or its
``algorithms/`` files rewritten.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import BenchContext, Measurement, case


def _census(args: list[str], cache: Path, work: Path, label: str) -> dict[str, float]:
    """Run ``moneytrail args`` under the census in a fresh process; its figures."""
    root = Path(__file__).resolve().parents[2]
    out = work / f"{label.replace(' ', '-')}.json"
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(cache),
        "MONEYTRAIL_AUDIT_ANCHOR": str(work / f"{label.replace(' ', '-')}.anchor"),
        "PYTHONPATH": str(root),
    }
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "benchmarks.jit_census", str(out), *args],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - began
    report = json.loads(out.read_text(encoding="utf-8"))
    own = [k for k in report["compiled"] if k.startswith(("algorithms.", "engine."))]
    return {
        "kernels": float(len(own)),
        "numba_internals": float(report["kernels"] - len(own)),
        "compile_cpu_s": float(report["compile_cpu_s"]),
        "command_cpu_s": float(report["command_cpu_s"]),
        "process_wall_s": wall,
        "load_avg": os.getloadavg()[0],
    }


@case("first_run", quick=False)  # three fresh processes, two of them compiling: ~45 s
def first_run(ctx: BenchContext) -> list[Measurement]:
    """Kernels and CPU-seconds a cold analysis compiles, and a first demo after make setup."""
    scale = "tiny" if ctx.quick else "small"
    out: list[Measurement] = []
    with tempfile.TemporaryDirectory(dir=ctx.workdir if ctx.workdir.exists() else None) as tmp:
        work = Path(tmp)
        world, home = work / "world", work / "home"
        steps = [
            (
                "cold analyze",
                work / "cold-cache",
                [
                    ["generate", "--scale", scale, "--seed", str(ctx.seed), "--out", str(world)],
                    [
                        "ingest",
                        "--home",
                        str(home),
                        *[
                            str(world / f"{t}.parquet")
                            for t in ("accounts", "parties", "holdings", "transactions", "travel")
                        ],
                    ],
                ],
                ["analyze", "--home", str(home)],
                f"moneytrail analyze of the {scale} world, empty NUMBA_CACHE_DIR",
            ),
            (
                "make setup warm-up",
                work / "warm-cache",
                [],
                [
                    "demo",
                    "--scale",
                    "tiny",
                    "--out",
                    str(work / "w1"),
                    "--home",
                    str(work / "h1"),
                    "--no-serve",
                ],
                "the Makefile's warm-up, empty NUMBA_CACHE_DIR",
            ),
            (
                "first demo after setup",
                work / "warm-cache",
                [],
                [
                    "demo",
                    "--scale",
                    scale,
                    "--out",
                    str(work / "w2"),
                    "--home",
                    str(work / "h2"),
                    "--no-serve",
                ],
                f"moneytrail demo --scale {scale} --no-serve with the warmed cache",
            ),
        ]
        from engine.cli import main as cli

        for label, cache, before, args, note in steps:
            cache.mkdir(exist_ok=True)
            for prepare in before:  # generating and ingesting compile nothing
                try:
                    cli(prepare)
                except SystemExit as exc:
                    if exc.code:
                        raise
            metrics = _census(args, cache, work, label)
            out.append(
                Measurement(
                    "first_run", "moneytrail", label, metrics["compile_cpu_s"], metrics, note
                )
            )
    return out
