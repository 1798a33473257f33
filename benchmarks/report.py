"""Write a benchmark run as JSON and as a Markdown report with one section per item of the
benchmark issue (algorithms, scaling, loading, detection, external data, machine), its plots,
and the exact command behind every figure.

Every case the run selected appears in its section with its status; a case that failed, was
skipped or was not run says so in a visible line instead of vanishing. The report is written
as ``<stamp>.md`` (plus the JSON; a full run also as ``latest.md``), and its plots as
``<stamp>-<name>.png`` next to it, so a dated report keeps its own pictures.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness import Measurement

REFERENCE = "moneytrail"
#: Metrics read as throughput (rows per second) for the loading plot, in order of preference.
THROUGHPUT = ("rows_per_s", "tx_per_s", "rel_per_s")
SCALE_NOTE = {
    "quick": "Sizes: quick (smoke-test sizes, at most 0.2M transactions); the figures show "
    "that the benchmark code runs, not how fast moneytrail is.",
    "standard": "Sizes: standard (1M-transaction inputs; scaling on the small and medium "
    "worlds). The 10M-transaction sizes and the opt-in cases run with `--scale large`.",
    "large": "Sizes: large (the standard sizes plus 10M transactions, and the opt-in cases).",
}
STATUS_MARK = {"ok": "ok", "skipped": "SKIPPED", "failed": "FAILED", "not run": "NOT RUN"}


@dataclass(frozen=True)
class Section:
    title: str
    cases: tuple[str, ...]
    intro: str


SECTIONS = (
    Section(
        "1. Algorithms against igraph, networkx, networkit and scipy",
        (
            "components",
            "louvain",
            "leiden",
            "pagerank",
            "cycles",
            "trace",
            "jit_cache",
            "graph_build",
        ),
        "Each kernel and each peer run on the same transaction graph in the same process; peers "
        "get their graph objects built outside the timed region. **ratio** = peer seconds / "
        "moneytrail seconds (above 1: moneytrail faster). **edges_per_s** = transactions "
        "(directed edges, parallel ones counted) processed per wall-clock second. Quality sits "
        "beside the times: modularity, ARI against the planted communities, L1 distance "
        "between PageRank vectors.",
    ),
    Section(
        "2. Scaling curves",
        ("scaling", "generator"),
        "Generation, writing, ingestion into the EmbeddedStore, graph build and the whole "
        "analysis at growing sizes, each size in a fresh process so its peak resident memory "
        "is its own. **log_log_slope** is the growth exponent: the slope of log(seconds) "
        "against log(transactions); 1.0 is linear, 2.0 quadratic. Neo4j ingestion is in "
        "section 3.",
    ),
    Section(
        "3. Loading",
        ("load_csv", "load_goaml", "load_camt053", "neo4j"),
        "Rows per second from file to store. **pyarrow** is the floor: plain reading of the "
        "same file (or the EmbeddedStore doing the same work as Neo4j) with no validation. "
        "**moneytrail-load** parses, validates and normalises; **moneytrail** also writes "
        "the atomic batch (or the Neo4j transaction).",
    ),
    Section(
        "4. Detection quality on the generator's ground truth",
        ("detection", "worlds", "er"),
        "The detectors never read the ground truth; it is used only here to score them. "
        "Per pattern: **recall** = planted instances recalled / planted; **precision** = "
        "detected instances that are mostly planted / detected. Account level: precision, "
        "recall and F1 of the accounts in the top-N clusters and of every flagged account; "
        "**share_top_planted** = precision of the top-N clusters. Entity resolution (**er/**): "
        "traveller → party precision per link and recall per linkable record, overall, per "
        "native script of the person's nationality and per kind of name variant on the record "
        "(**cross_script**: written in another script than the KYC record), links to "
        "namesakes, and links whose names share no token key without an equal document.",
    ),
    Section(
        "5. External data",
        ("external",),
        "",  # the how-to below
    ),
)

WORLDS_INTRO = """\
**Every world** (case `worlds`): the default world, the `lookalike` world, three `random`
worlds (seeds 1–3; hyper-parameters drawn per seed, each row's note says what the world was),
the AMLGentex development set (full runs, when present) and every `--external` file, each
through the user's path: written to files, `ingest`, `analyze`, the ranked clusters as
`clusters --top` lists them. Only a cluster's core `accounts` count (not `context_accounts`).
**top100_*** / **topN_***: precision, recall and F1 of the accounts of the 100 best clusters
and of the best N, N = the planted operations (`n_operations`); **risk_precision_at_k**: the
share of laundering accounts among the k accounts of highest risk, k = `laundering_accounts`;
**naive_***: a baseline that ranks accounts by distinct counterparties, its precision@k and
the F1 of its top accounts, as many as the top-100 clusters hold; per typology, the share of
planted instances with at least half their accounts in the top-100 (top-N) clusters. Tiny
(quick) worlds have about 1,000 accounts, so their 100 clusters hold most accounts: read
top N there."""

#: Headline figures per world, for the summary table of the worlds case.
WORLDS_HEADLINE = (("worlds/clusters", "top100_f1"), ("worlds/clusters", "topN_f1"),
                   ("worlds/accounts", "risk_precision_at_k"),
                   ("worlds/accounts", "naive_precision_at_k"),
                   ("worlds/accounts", "naive_f1_at_top100_size"))  # fmt: skip


#: The figures drawn per world: (case, metric, label).
WORLDS_PLOTTED = (("worlds/clusters", "top100_f1", "top-100 clusters F1"),
                  ("worlds/clusters", "topN_f1", "top-N clusters F1"),
                  ("worlds/accounts", "risk_precision_at_k", "risk precision@k"),
                  ("worlds/accounts", "naive_precision_at_k", "naive precision@k"))  # fmt: skip


def worlds_summary(rows: list[Measurement]) -> list[str]:
    """One line per world: the headline figures beside the naive baseline, the lowest
    per-typology instance recall (top 100) and the world's description."""
    figures: dict[str, dict[str, float]] = defaultdict(dict)
    notes: dict[str, str] = {}
    worst: dict[str, tuple[float, str]] = {}
    for m in rows:
        if m.case == "worlds":
            notes[m.size] = m.note
            figures.setdefault(m.size, {})  # keeps the run order of the worlds
        elif m.case in ("worlds/clusters", "worlds/accounts"):
            figures[m.size].update({f"{m.case}:{k}": v for k, v in m.metrics.items()})
        elif m.case == "worlds/typology" and ": " in m.size:
            world, typology = m.size.rsplit(": ", 1)
            recall = m.metrics.get("recall_top100", float("nan"))
            if world not in worst or recall < worst[world][0]:
                worst[world] = (recall, typology)
    if not figures:
        return []
    names = [k for _, k in WORLDS_HEADLINE]
    lines = ["#### worlds at a glance", "",
             "| world | " + " | ".join(names) + " | lowest typology recall (top 100) | world |",
             "|---|" + "---:|" * len(names) + "---|---|"]  # fmt: skip
    for world, values in figures.items():
        cells = " | ".join(_fmt(values.get(f"{c}:{k}")) for c, k in WORLDS_HEADLINE)
        low = worst.get(world)
        low_text = f"{_fmt(low[0])} ({low[1]})" if low else "–"
        lines.append(f"| {world} | {cells} | {low_text} | {notes.get(world, '')} |")
    return [*lines, ""]


EXTERNAL_HOWTO = """\
moneytrail never downloads these datasets; bring the files as published and point the
benchmark at them (one `--external` per dataset, the format name first):

```
moneytrail bench --case external --external amlworld=data/HI-Small_Trans.csv
moneytrail bench --case external --external samld=data/SAML-D.csv
moneytrail bench --case external --external amlsim=data/amlsim_output/
moneytrail bench --case external --external amlgentex=data/tx_log.parquet
```

| format | published as | files read | labels read (for scoring only) |
|---|---|---|---|
| `amlworld` | IBM "Transactions for Anti Money Laundering" (AMLworld, Kaggle) | `*_Trans.csv` and, when next to it, `*_accounts.csv` | `Is Laundering`; typologies from `*_Patterns.txt` when present |
| `samld` | SAML-D (Oztas et al., Kaggle) | the CSV | `Is_laundering`, `Laundering_type` |
| `amlsim` | IBM AMLSim output folder (github.com/IBM/AMLSim) | `transactions.csv`, `accounts.csv` | `is_sar` / `IS_SAR`, `alert_id` → `alerts.csv` `alert_type` |
| `amlgentex` | AMLGentex (AI Sweden, github.com/aidotse/AMLGentex) | `tx_log.parquet` | `isSAR` (a `typology`/`modelType` column if present) |

The files go through the same loaders as an upload (which never load a label column), into a
fresh EmbeddedStore, and through the whole analysis. Only then are the label columns read
from the original file, to score: a **laundering account** sent or received at least one
labelled transaction; **flagged_*** compare the accounts with a risk score above 0 against
them, **top_*** the accounts of the 20 highest-ranked clusters; **top_cluster_precision** is
the share of those clusters whose accounts are mostly (> 50 %) laundering accounts; per
typology, the share of its accounts flagged and in the top 20 clusters.
**labelled_not_loaded** counts laundering accounts the loaders rejected (they count as
missed). Large files take the time of the scaling section's ingest and analyze stages at the
same size (AMLworld HI-Small is 5M transactions)."""


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


def _fmt(value: Any, whole: bool = False) -> str:
    """A figure for a table; ``whole`` prints integral values of 2 or more as counts."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if value != value:  # NaN
        return "n/a"
    if whole and float(value).is_integer() and abs(value) >= 2:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _section_of(m: Measurement) -> str:
    source = m.source or m.case.split("/")[0].split(":")[0]
    for section in SECTIONS:
        if source in section.cases:
            return section.title
    return "Other cases"


#: A group of untimed rows with more metrics than this is shown row by row instead.
WIDE_MAX = 14


def _tables(rows: list[Measurement], table_ratios: dict) -> list[str]:
    """One table per measurement case; untimed ``prefix/item`` rows sharing their metric names
    (per-pattern detection figures, ranking at top 20 and top N, per-typology recall) are
    gathered into one table with a column per metric."""
    lines: list[str] = []
    groups: dict[tuple, list[Measurement]] = defaultdict(list)
    for m in rows:
        if m.size == "growth":  # one table of growth exponents, a row per stage
            groups[("wide", "growth", tuple(m.metrics))].append(m)
        elif "/" in m.case and m.seconds is None and 0 < len(m.metrics) <= WIDE_MAX:
            groups[("wide", m.case.split("/")[0], tuple(m.metrics))].append(m)
        else:
            groups[("case", m.case)].append(m)
    for key, members in groups.items():
        if key[0] == "wide":
            lines += _wide_table(members)
            continue
        lines += [f"#### {members[0].case}", "",
                  "| size | subject | seconds | ratio | figures | note |",
                  "|---|---|---:|---:|---|---|"]  # fmt: skip
        for m in members:
            ratio = table_ratios.get((m.case, m.size), {}).get(m.subject)
            figures = ", ".join(f"{k}={_fmt(v, whole=True)}" for k, v in m.metrics.items())
            lines.append(
                f"| {m.size} | {m.subject} | {_fmt(m.seconds)} | "
                f"{_fmt(ratio) if ratio else ''} | {figures} | {m.note} |"
            )
        lines.append("")
    return lines


def _wide_table(members: list[Measurement]) -> list[str]:
    """Rows that share their metric names: one column per metric, one row per item. A column
    of whole numbers above 1 is printed as counts."""
    metrics = list(members[0].metrics)
    one_case = len({m.case for m in members}) == 1
    sizes = sorted({m.size for m in members})
    show_size = not one_case and len(sizes) > 1
    prefix = members[0].case.split("/")[0]
    if sizes == ["growth"]:
        title = "growth exponents (log-log slope of seconds against transactions; 1.0 = linear)"
    elif one_case:
        title = members[0].case
    else:
        title = f"{prefix}: {', '.join(metrics[:3])}" + (", …" if len(metrics) > 3 else "")
        title += f" — {sizes[0]}" if len(sizes) == 1 else ""
    counts = {
        k for k in metrics
        if all(isinstance(m.metrics.get(k), int | float) and float(m.metrics[k]).is_integer()
               for m in members)
        and any(abs(m.metrics[k]) > 1 for m in members)
    }  # fmt: skip
    lines = [f"#### {title}", "",
             "| item | " + ("size | " if show_size else "") + " | ".join(metrics) + " | note |",
             "|---|" + ("---|" if show_size else "") + "---:|" * len(metrics) + "---|"]  # fmt: skip
    for m in members:
        item = m.case.split("/", 1)[-1]
        item = m.size if one_case and m.size != "growth" else item
        cells = " | ".join(
            f"{m.metrics[k]:,.0f}" if k in counts else _fmt(m.metrics.get(k)) for k in metrics
        )
        size = f"{m.size} | " if show_size else ""
        lines.append(f"| {item} | {size}{cells} | {m.note} |")
    return [*lines, ""]


def _status_lines(names: list[str], cases: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for name in names:
        info = cases.get(name)
        if info is None:
            continue
        status = info["status"]
        timing = ""
        if "wall_s" in info:
            timing = (
                f" — {info['wall_s']:.1f} s wall, {info['cpu_s']:.1f} s CPU, load "
                f"{info['load_before']:.2f} → {info['load_after']:.2f}"
            )
        reason = f": {info['reason']}" if info.get("reason") else ""
        mark = STATUS_MARK.get(status, status)
        lines.append(f"- **{name}** {mark}{timing}{reason}. Reproduce: `{info['command']}`")
    return lines


def _machine_lines(run: dict[str, Any]) -> list[str]:
    machine = run["machine"]
    load = machine.get("load_average")
    return [
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; memory {machine['memory_gib']} GiB",
        f"- Python {machine['python']} on {machine['platform']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()),
        f"- Load average (1, 5, 15 min) when the run started: {load}; when it ended: "
        f"{run.get('load_average_at_end')}"
        if load
        else "",
        f"- Numba threads: {machine.get('numba_threads', 'all cores')}",
        f"- Started {run['started_at']}, finished {run['finished_at']} (UTC)",
    ]


def markdown(run: dict[str, Any], measurements: list[Measurement], plots: dict[str, list]) -> str:
    """The report: header, one section per issue item, the machine and every case's status.

    ``plots`` maps a section title to its ``(caption, file name, command)`` pictures.
    """
    cases: dict[str, dict[str, Any]] = run.get("cases", {})
    failed = [n for n, c in cases.items() if c["status"] == "failed"]
    skipped = [n for n, c in cases.items() if c["status"] in ("skipped", "not run")]
    lines = [
        f"# moneytrail benchmark report — {run['started_at']}",
        "",
        f"Run: `{run['command']}`" + (" (quick: smoke-test sizes)" if run.get("quick") else ""),
        "",
        f"Machine: {run['machine']['cpu']}, {run['machine']['cores']} cores, "
        f"{run['machine']['memory_gib']} GiB; load average at start "
        f"{run['machine'].get('load_average')}. Details in section 6.",
        "",
        "How to read it: docs/benchmarks.md. Wall-clock seconds on a shared machine include "
        "waiting; every case also reports its CPU seconds and the load average around it.",
        "",
        SCALE_NOTE.get("quick" if run.get("quick") else run.get("scale", "standard"), ""),
        "",
    ]
    if failed:
        lines += [f"**Cases that FAILED: {', '.join(failed)}** (reasons in their sections).", ""]
    if skipped:
        lines += [f"Cases skipped or not run: {', '.join(skipped)} (reasons in their sections).",
                  ""]  # fmt: skip
    table_ratios = ratios(measurements)
    by_section: dict[str, list[Measurement]] = defaultdict(list)
    for m in measurements:
        by_section[_section_of(m)].append(m)
    known = {c for s in SECTIONS for c in s.cases}
    others = [n for n in cases if n not in known]
    for section in (*SECTIONS, Section("Other cases", tuple(others), "")):
        names = [n for n in section.cases if n in cases]
        if section.title == "Other cases" and not names:
            continue
        lines += [f"## {section.title}", ""]
        if section.intro:
            lines += [section.intro, ""]
        if section.title.startswith("4.") and "worlds" in names:
            lines += [WORLDS_INTRO, ""]
        if section.title.startswith("5."):
            lines += [EXTERNAL_HOWTO, ""]
        status = _status_lines(names, cases)
        lines += status + ([""] if status else [])
        if not names:
            lines += ["_No case of this section was selected in this run._", ""]
        for caption, name, command in plots.get(section.title, []):
            if name:
                lines += [f"![{caption}]({name})", ""]
            lines += [f"*{caption}.* Reproduce: `{command}`", ""]
        if section.title.startswith("4."):
            lines += worlds_summary(by_section.get(section.title, []))
        lines += _tables(by_section.get(section.title, []), table_ratios)
    lines += ["## 6. Machine and reproduction", ""] + [x for x in _machine_lines(run) if x]
    lines += ["", "Every case of this run, with its exact command:", ""]
    lines += [*_status_lines(list(cases), cases), ""]
    return "\n".join(lines)


def _command(run: dict[str, Any], names: list[str]) -> str:
    cases = run.get("cases", {})
    base = "moneytrail bench" + (" --quick" if run.get("quick") else "")
    if run.get("scale", "standard") != "standard":
        base += f" --scale {run['scale']}"
    chosen = [n for n in names if n in cases]
    if len(chosen) == 1:
        return cases[chosen[0]]["command"]
    return base + "".join(f" --case {n}" for n in chosen)


def draw(
    run: dict[str, Any], measurements: list[Measurement], results_dir: Path, stamp: str
) -> dict[str, list[tuple[str, str, str]]]:
    """Draw the report's plots (and copy the ones cases drew) as ``<stamp>-<name>.png``."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    by_section: dict[str, list[Measurement]] = defaultdict(list)
    for m in measurements:
        by_section[_section_of(m)].append(m)
    algo, _scaling, loading, detection, external = SECTIONS
    cases = run.get("cases", {})

    def add(
        section: Section,
        drawn: bool,
        caption: str,
        name: str,
        what: str,
        sources: tuple[str, ...] | None = None,
    ) -> None:
        """Record a drawn plot, or say why it is missing when its cases (``sources``, else the
        section's) ran fine."""
        sources = sources or section.cases
        command = _command(run, list(sources))
        if drawn:
            out[section.title].append((caption, name, command))
        elif any(cases.get(c, {}).get("status") == "ok" for c in sources):
            out[section.title].append((f"{caption} — MISSING: no {what} in this run", "", command))

    name = f"{stamp}-ratios.png"
    add(algo, plot_ratios(ratios(by_section[algo.title]), results_dir / name),
        "speed ratios against the peers (peer time / moneytrail time, log scale)", name,
        "moneytrail and peer times on the same input")  # fmt: skip
    for case_name, info in run.get("cases", {}).items():
        for caption, file in info.get("plots", []):
            source, target = results_dir / file, f"{stamp}-{file}"
            section = next((s.title for s in SECTIONS if case_name in s.cases), "Other cases")
            if not source.is_file():  # said in the report, not silently dropped
                out[section].append((f"{caption} — MISSING: {file} was not written", "",
                                     info["command"]))  # fmt: skip
                continue
            if source.name != target:  # the dated report keeps its own picture
                shutil.move(source, results_dir / target)
            out[section].append((caption, target, info["command"]))
    name = f"{stamp}-loading.png"
    rows = [
        (f"{m.case} {m.size}", m.subject, next(m.metrics[k] for k in THROUGHPUT if k in m.metrics))
        for m in by_section[loading.title]
        if m.seconds is not None and any(k in m.metrics for k in THROUGHPUT)
    ]
    add(loading, plot_throughput(rows, results_dir / name),
        "loading throughput, rows per second (log scale; grey = pyarrow floor)", name,
        f"timed rows with {' or '.join(THROUGHPUT)}")  # fmt: skip
    name = f"{stamp}-detection.png"
    rows = [
        (_pattern_label(m, _one_size(by_section[detection.title])),
         {"recall": m.metrics["recall"], "precision": m.metrics["precision"]})
        for m in by_section[detection.title]
        if m.case.startswith("detection/") and {"recall", "precision"} <= set(m.metrics)
    ]  # fmt: skip
    add(detection, plot_pairs(rows, results_dir / name, "detection quality per pattern"),
        "detection recall and precision per pattern", name,
        "detection/<pattern> rows with recall and precision", ("detection",))  # fmt: skip
    name = f"{stamp}-worlds.png"
    figures: dict[str, dict[str, float]] = defaultdict(dict)
    for m in by_section[detection.title]:
        for case_name, key, label in WORLDS_PLOTTED:
            if m.case == case_name and key in m.metrics:
                figures[m.size][label] = m.metrics[key]
    rows = [(world, {label: f.get(label, float("nan")) for _, _, label in WORLDS_PLOTTED})
            for world, f in figures.items()]  # fmt: skip
    add(detection, plot_pairs(rows, results_dir / name, "every world: ranking against the naive baseline"),
        "every world: top-100 and top-N cluster F1, risk precision@k, naive precision@k", name,
        "worlds/clusters and worlds/accounts rows", ("worlds",))  # fmt: skip
    name = f"{stamp}-external.png"
    rows = [
        (m.size, {"flagged": m.metrics["flagged_recall"], "top 20 clusters": m.metrics["top_recall"]})
        for m in by_section[external.title] if m.case == "external/typology"
    ]  # fmt: skip
    if plot_pairs(rows, results_dir / name, "recall per typology (external data)"):
        out[external.title].append(("recall per typology of the external datasets", name,
                                    _command(run, ["external"])))  # fmt: skip
    return out


def _pattern_label(m: Measurement, one_size: bool) -> str:
    name = m.case.split("/", 1)[1]
    name = "entity resolution (er)" if name == "er" else name
    return name if one_size else f"{name} {m.size}"


def _one_size(rows: list[Measurement]) -> bool:
    return len({m.size for m in rows if m.case.startswith("detection/")}) <= 1


def stamp_of(run: dict[str, Any], date: str) -> str:
    """The report's file stem: the date, plus ``-quick`` and the cases of a partial run, so a
    smoke run or a single case never overwrites the day's full report."""
    stamp = date + ("-quick" if run.get("quick") else "")
    only = run.get("only") or []
    if only:
        stamp += "-" + "-".join(only[:3]) + ("-and-more" if len(only) > 3 else "")
    return stamp


def write(
    run: dict[str, Any], measurements: list[Measurement], results_dir: Path, date: str
) -> Path:
    """Write ``<stamp>.json``, ``<stamp>.md`` and the plots (see :func:`stamp_of`); a full run
    (all cases, not quick) also becomes ``latest.md`` and ``latest.json``, the report the
    dashboard opens first. Returns the path of ``<stamp>.md``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = stamp_of(run, date)
    plots = draw(run, measurements, results_dir, stamp)
    payload = {**run, "report_plots": plots, "measurements": [m.to_json() for m in measurements]}
    text = json.dumps(payload, indent=1, default=str)
    body = markdown(run, measurements, plots)
    names = [stamp] + ([] if run.get("quick") or run.get("only") else ["latest"])
    for name in names:
        (results_dir / f"{name}.json").write_text(text, encoding="utf-8")
        (results_dir / f"{name}.md").write_text(body, encoding="utf-8")
    return results_dir / f"{stamp}.md"


# --- plots -----------------------------------------------------------------------------------


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_ratios(table: dict[tuple[str, str], dict[str, float]], path: Path) -> bool:
    """Horizontal bars of peer/moneytrail time ratios on a log axis; False if nothing to plot."""
    labels, values = [], []
    for (case_name, size), peers in sorted(table.items()):
        for peer, value in sorted(peers.items()):
            labels.append(f"{case_name} {size} vs {peer}")
            values.append(value)
    if not values:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(values) + 1.2))
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


def plot_throughput(rows: list[tuple[str, str, float]], path: Path) -> bool:
    """Bars of rows per second, one per (task and size, subject); the pyarrow floor in grey."""
    if not rows:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.2))
    labels = [f"{task} — {subject}" for task, subject, _ in rows]
    colours = ["#8d99ae" if subject == "pyarrow" else "#2a9d8f" for _, subject, _ in rows]
    ax.barh(labels, [max(v, 1e-9) for _, _, v in rows], color=colours)
    ax.set_xscale("log")
    ax.set_xlabel("rows per second (log scale; grey = pyarrow floor, no validation)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_pairs(rows: list[tuple[str, dict[str, float]]], path: Path, title: str) -> bool:
    """Grouped horizontal bars (0..1) of two or more named figures per item, e.g. recall and
    precision per pattern; NaN (nothing planted or detected) is drawn as no bar."""
    if not rows:
        return False
    import numpy as np

    plt = _pyplot()
    keys = list(rows[0][1])
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(rows) * len(keys) + 1.4))
    y = np.arange(len(rows))
    height = 0.8 / len(keys)
    for i, key in enumerate(keys):
        values = [np.nan_to_num(r[1].get(key, np.nan)) for r in rows]
        ax.barh(y + i * height, values, height, label=key)
    ax.set_yticks(y + height * (len(keys) - 1) / 2, [r[0] for r in rows])
    ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
