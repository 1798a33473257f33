"""Scaling curves: generation, ingestion, graph build and analysis at growing sizes.

A full run measures 0.1M and 1M transactions; ``--scale large`` adds 10M (about 10 minutes
and 7 GiB on 2 cores); ``--quick`` 20k and 100k. Each size runs in its own process
(:mod:`benchmarks.scaling_worker`) so its peak memory is its own. The growth exponent of each
stage is the slope of log(seconds) against log(transactions): 1.0 is linear.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness import BenchContext, Measurement, case

ROOT = Path(__file__).resolve().parents[2]
#: (label, generator scale preset, transactions asked for)
SIZES = [("0.1M", "small", 100_000), ("1M", "medium", 1_000_000)]
LARGE_SIZES = [("10M", "large", 10_000_000)]
QUICK_SIZES = [("0.02M", "tiny", 20_000), ("0.1M", "small", 100_000)]


def run_size(scale: str, n_tx: int, workdir: Path) -> tuple[int, list[dict]]:
    """Run the worker for one size; return the transactions made and the stage records."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.scaling_worker",
            "--scale",
            scale,
            "--tx",
            str(n_tx),
            "--workdir",
            str(workdir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"scaling worker failed at {n_tx:,} tx: {result.stderr[-2000:]}")
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    made = next(r["transactions"] for r in records if r["stage"] == "size")
    return made, [r for r in records if r["stage"] != "size"]


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Slope of log(time) against log(size): 1.0 is linear growth."""
    if len(sizes) < 2:
        return float("nan")
    return float(np.polyfit(np.log(sizes), np.log(np.maximum(seconds, 1e-6)), 1)[0])


@case("scaling", quick=True)
def scaling(ctx: BenchContext) -> list[Measurement]:
    """Time and peak memory of each stage at 0.1M, 1M (and 10M) transactions, log-log plot."""
    sizes = ctx.sizes(QUICK_SIZES, SIZES, LARGE_SIZES)
    curves: dict[str, list[tuple[int, float, float]]] = {}
    out: list[Measurement] = []
    for label, scale, n_tx in sizes:
        made, records = run_size(scale, n_tx, ctx.workdir / f"scaling-{label}")
        for r in records:
            curves.setdefault(r["stage"], []).append((made, r["seconds"], r["peak_mib"]))
            out.append(
                Measurement(
                    f"scaling:{r['stage']}",
                    "moneytrail",
                    f"{made / 1e6:.2g}M tx",
                    r["seconds"],
                    {
                        "tx_per_s": made / max(r["seconds"], 1e-9),
                        "cpu_s": r.get("cpu_s", float("nan")),
                        "peak_mib": r["peak_mib"],
                    },
                )
            )
    exponents = {}
    for stage, points in curves.items():
        exponent = growth_exponent([p[0] for p in points], [p[1] for p in points])
        exponents[stage] = exponent
        out.append(
            Measurement(
                f"scaling:{stage}",
                "moneytrail",
                "growth",
                None,
                {"log_log_slope": exponent},
                "1.0 = linear",
            )
        )
    _plot(curves, exponents, ctx.results_dir / "scaling.png")
    ctx.plots.append(
        ("scaling: time and peak memory per stage against transactions (log-log)", "scaling.png")
    )
    return out


def _plot(
    curves: dict[str, list[tuple[int, float, float]]], exponents: dict[str, float], path: Path
) -> None:
    """Seconds and peak memory per stage on log-log axes; the legend gives each growth slope."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for stage, points in curves.items():
        xs = [p[0] for p in points]
        left.plot(xs, [p[1] for p in points], marker="o",
                  label=f"{stage} (slope {exponents.get(stage, float('nan')):.2f})")  # fmt: skip
        right.plot(xs, [p[2] for p in points], marker="o", label=stage)
    for ax, title in (
        (left, "seconds (slope 1.0 = linear)"),
        (right, "peak resident memory (MiB)"),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("transactions")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
