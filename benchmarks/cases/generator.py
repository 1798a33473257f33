"""Synthetic world generation: time, CPU time and peak memory per scale.

Each scale runs in a fresh process (``python -m benchmarks.cases.generator --scale S``) so its
peak resident memory is its own. ``--quick`` runs ``tiny`` and ``small``; a full run adds
``medium`` and ``large`` (the target: ``large`` under 2 minutes and 8 GiB on 2 cores). CPU
time is reported next to wall time because on a shared machine wall time includes waiting.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import BenchContext, Measurement, case

ROOT = Path(__file__).resolve().parents[2]
QUICK = ("tiny", "small")
FULL = ("tiny", "small", "medium", "large")


def measure(scale: str, seed: int, out: Path | None) -> dict[str, float]:
    """Generate (and optionally write) one world in this process; return the figures."""
    from engine.synth import generate, write_world

    cpu0 = time.process_time()
    start = time.perf_counter()
    world = generate(scale, seed=seed)
    seconds = time.perf_counter() - start
    figures = {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu0,
        "transactions": world.tables["transactions"].num_rows,
        "travel": world.tables["travel"].num_rows,
        "accounts": world.tables["accounts"].num_rows,
        "parties": world.tables["parties"].num_rows,
        "operations": world.truth["operations"].num_rows,
        "patterns": world.truth["patterns"].num_rows,
        **{f"stage_{k}_s": v for k, v in world.timings.items()},
    }
    if out is not None:
        start = time.perf_counter()
        write_world(world, out)
        figures["write_seconds"] = time.perf_counter() - start
    figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def _run(scale: str, seed: int, workdir: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.cases.generator", "--scale", scale,
         "--seed", str(seed), "--out", str(workdir / f"world-{scale}")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"generator worker failed at {scale}: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@case("generator", quick=True)
def generator(ctx: BenchContext) -> list[Measurement]:
    """Synthetic world generation time and peak memory per scale (tiny … large)."""
    out = []
    for scale in ctx.sizes(list(QUICK), [s for s in FULL if s != "large"], ["large"]):
        f = _run(scale, ctx.seed, ctx.workdir)
        metrics = {k: float(v) for k, v in f.items() if k != "seconds"}
        metrics["tx_per_s"] = f["transactions"] / max(f["seconds"], 1e-9)
        out.append(
            Measurement(
                "generator",
                "moneytrail",
                f"{scale} ({f['transactions'] / 1e6:.2g}M tx)",
                f["seconds"],
                metrics,
                note="seconds: generate() only; write_seconds: Parquet output",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    print(json.dumps(measure(args.scale, args.seed, args.out)), flush=True)
    if args.out is not None:
        import shutil

        shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
