"""Write a benchmark run as JSON and as a Markdown report with ratios and a plot."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement

REFERENCE = "moneytrail"


def ratios(measurements: list[Measurement]) -> dict[tuple[str, str], dict[str, float]]:
    """For each (case, size): peer seconds divided by moneytrail seconds (>1: moneytrail faster)."""
    by_key: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for m in measurements:
        if m.seconds is not None:
            by_key[(m.case, m.size)][m.subject] = m.seconds
    result: dict[tuple[str, str], dict[str, float]] = {}
    for key, times in by_key.items():
        ours = times.get(REFERENCE)
        if ours:
            result[key] = {s: t / ours for s, t in times.items() if s != REFERENCE}
    return result


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def markdown(run: dict[str, Any], measurements: list[Measurement], plot: str | None) -> str:
    machine = run["machine"]
    lines = [
        f"# moneytrail benchmark report — {run['started_at']}",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"Python {machine['python']} on {machine['platform']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()) + ".",
        "",
        f"Reproduce: `{run['command']}`",
        "",
        "How to read it: every case runs moneytrail and the peer libraries on the same input in",
        "the same process. **ratio** is the peer's time divided by moneytrail's: above 1 means",
        "moneytrail was faster. Quality figures (modularity, recall, ...) sit beside the times.",
        "",
    ]
    if plot:
        lines += [f"![speed ratios]({plot})", ""]
    for title, name in run.get("plots", []):
        lines += [f"![{title}]({name})", ""]
    table_ratios = ratios(measurements)
    by_case: dict[str, list[Measurement]] = defaultdict(list)
    for m in measurements:
        by_case[m.case].append(m)
    for case_name, rows in by_case.items():
        lines += [f"## {case_name}", "", "| size | subject | seconds | ratio | figures | note |"]
        lines.append("|---|---|---:|---:|---|---|")
        for m in rows:
            ratio = table_ratios.get((m.case, m.size), {}).get(m.subject)
            figures = ", ".join(f"{k}={_fmt(v)}" for k, v in m.metrics.items())
            lines.append(
                f"| {m.size} | {m.subject} | {_fmt(m.seconds)} | "
                f"{_fmt(ratio) if ratio else ''} | {figures} | {m.note} |"
            )
        lines.append("")
    if run.get("errors"):
        lines += ["## Cases that failed", ""]
        lines += [f"- **{name}**: {error}" for name, error in run["errors"].items()]
        lines.append("")
    return "\n".join(lines)


def plot_ratios(measurements: list[Measurement], path: Path) -> bool:
    """Horizontal bars of peer/moneytrail time ratios on a log axis; False if nothing to plot."""
    table = ratios(measurements)
    labels, values = [], []
    for (case_name, size), peers in sorted(table.items()):
        for peer, value in sorted(peers.items()):
            labels.append(f"{case_name} {size} vs {peer}")
            values.append(value)
    if not values:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 0.35 * len(values) + 1.2))
    colours = ["#2a9d8f" if v >= 1 else "#e76f51" for v in values]
    ax.barh(labels, values, color=colours)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("peer time / moneytrail time (log scale; right of 1 = moneytrail faster)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write(
    run: dict[str, Any], measurements: list[Measurement], results_dir: Path, stamp: str
) -> Path:
    """Write ``<stamp>.json``, ``latest.json``, ``latest.md`` and ``latest.png``; return the .md."""
    results_dir.mkdir(parents=True, exist_ok=True)
    payload = {**run, "measurements": [m.to_json() for m in measurements]}
    text = json.dumps(payload, indent=1, default=str)
    (results_dir / f"{stamp}.json").write_text(text, encoding="utf-8")
    (results_dir / "latest.json").write_text(text, encoding="utf-8")
    plotted = plot_ratios(measurements, results_dir / "latest.png")
    report = results_dir / "latest.md"
    report.write_text(markdown(run, measurements, "latest.png" if plotted else None), "utf-8")
    (results_dir / f"{stamp}.md").write_text(report.read_text("utf-8"), "utf-8")
    return report
