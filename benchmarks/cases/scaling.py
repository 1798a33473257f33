"""Scaling curves: generation, ingestion, graph build and analysis at growing sizes.

The sizes are the generator's scale presets, whose worlds grow in people, businesses and
operations as well as in transactions: ``small`` (about 0.2M transactions) and ``medium``
(about 2.3M) in a full run, ``--scale large`` adds ``large`` (10M; about 10 minutes and 7 GiB
on 2 cores); ``--quick`` runs ``tiny`` (10k) and ``small``. Full runs also time the Spark engine
(``analyze_spark``, local[2]) beside the local one, with the peak memory of its whole process
tree (driver, JVM, Python workers) and how many of the local clusters it reproduces. Each size runs in its own process
(:mod:`benchmarks.scaling_worker`) so its peak memory is its own. The growth exponent of each
stage is the slope of log(seconds) against log(transactions), 1.0 being linear, fitted on wall
seconds and on CPU seconds (on a busy machine wall time includes waiting for a core).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks.harness import BenchContext, Measurement, case

ROOT = Path(__file__).resolve().parents[2]
#: Generator scale presets per run kind (each keeps its own transaction budget).
SIZES = ["small", "medium"]
LARGE_SIZES = ["large"]
QUICK_SIZES = ["tiny", "small"]
#: Extra figures of the Spark stage: its process tree's peak memory and its clusters against
#: the local run's.
SPARK_FIGURES = ("tree_peak_mib", "clusters_local", "clusters_spark", "clusters_identical")


#: Master of the Spark engine's stage (full runs only; the quick run in make test skips it, the
#: Spark tests in tests/spark cover it there).
SPARK_MASTER = "local[2]"


def run_size(scale: str, workdir: Path, spark: str | None = None) -> tuple[int, list[dict]]:
    """Run the worker for one scale; return the transactions made and the stage records
    (with ``spark``, an ``analyze_spark`` stage too: the Spark engine on that master)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.scaling_worker",
            "--scale",
            scale,
            "--workdir",
            str(workdir),
            *(["--spark", spark] if spark else []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"scaling worker failed at {scale}: {result.stderr[-2000:]}")
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
    """Time and peak memory of each stage at 0.2M, 2.3M (and 10M) transactions, log-log."""
    curves: dict[str, list[tuple[int, float, float, float]]] = {}
    out: list[Measurement] = []
    for scale in ctx.sizes(QUICK_SIZES, SIZES, LARGE_SIZES):
        made, records = run_size(
            scale, ctx.workdir / f"scaling-{scale}", None if ctx.quick else SPARK_MASTER
        )
        for r in records:
            cpu = r.get("cpu_s", float("nan"))
            curves.setdefault(r["stage"], []).append((made, r["seconds"], r["peak_mib"], cpu))
            out.append(
                Measurement(
                    f"scaling:{r['stage']}",
                    "moneytrail",
                    f"{made / 1e6:.2g}M tx ({scale})",
                    r["seconds"],
                    {
                        "tx_per_s": made / max(r["seconds"], 1e-9),
                        "cpu_s": cpu,
                        "peak_mib": r["peak_mib"],
                        **{k: r[k] for k in SPARK_FIGURES if k in r},
                    },
                )
            )
    exponents = {}
    for stage, points in curves.items():
        sizes = [p[0] for p in points]
        exponents[stage] = (
            growth_exponent(sizes, [p[1] for p in points]),
            growth_exponent(sizes, [p[3] for p in points]),
        )
        out.append(
            Measurement(
                f"scaling:{stage}",
                "moneytrail",
                "growth",
                None,
                {"log_log_slope": exponents[stage][0], "log_log_slope_cpu": exponents[stage][1]},
                f"1.0 = linear; fitted on {len(points)} sizes",
            )
        )
    _plot(curves, exponents, ctx.results_dir / "scaling.png")
    ctx.plots.append(
        ("scaling: time and peak memory per stage against transactions (log-log)", "scaling.png")
    )
    return out


def _plot(
    curves: dict[str, list[tuple[int, float, float, float]]],
    exponents: dict[str, tuple[float, float]],
    path: Path,
) -> None:
    """Seconds (wall solid, CPU dashed) and peak memory per stage on log-log axes; the legend
    gives each stage's growth slope on wall and CPU seconds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for stage, points in curves.items():
        xs = [p[0] for p in points]
        wall, cpu = exponents.get(stage, (float("nan"), float("nan")))
        (line,) = left.plot(xs, [p[1] for p in points], marker="o",
                            label=f"{stage} (slope {wall:.2f} wall, {cpu:.2f} CPU)")  # fmt: skip
        left.plot(xs, [p[3] for p in points], linestyle="--", color=line.get_color())
        right.plot(xs, [p[2] for p in points], marker="o", label=stage)
    for ax, title in (
        (left, "seconds: wall solid, CPU dashed (slope 1.0 = linear)"),
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
