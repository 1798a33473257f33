"""Case files: one ZIP an investigator can hand on, for a cluster or an entity.

Contents: ``members.csv``, ``transactions.csv``, ``trips.csv``, ``evidence.csv`` (and for an
entity ``counterparties.csv``), ``network.graphml``, ``case.anx`` (i2 Analyst's Notebook Exchange XML, :mod:`engine.services.anx`)
and ``report.html``: a self-contained page
(no scripts, fonts or pictures fetched from anywhere) with the network picture as inline SVG, the
evidence cards and the timeline.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with a single quote, as OWASP's CSV-injection advice says;
numbers are left alone.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import networkx as nx
import pandas as pd

from engine.queries import Network, Workbench
from engine.services.anx import anx

#: First characters that make a spreadsheet cell a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Most nodes in a case file's graph (the picture in the report is capped further).
EXPORT_MAX_NODES = 2000
#: Most rows in the report's timeline table.
REPORT_ROWS = 300


def neutralise(value: Any) -> Any:
    """Prefix a text value that a spreadsheet would evaluate with ``'``; keep other values."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8) of ``frame`` with every text cell neutralised; lists joined by ``;``."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: neutralise("; ".join(map(str, v)) if _is_list(v) else v)
            )
    return out.to_csv(index=False).encode("utf-8")


def _is_list(value: Any) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str | bytes | dict)


def graphml(net: Network) -> bytes:
    """The network as GraphML (nodes with kind, label, amount; edges with kind, amount, count)."""
    graph = nx.MultiDiGraph()
    for node in net.nodes:
        graph.add_node(node["id"], kind=node["kind"], label=node["label"], amount=node["amount"])
    for edge in net.edges:
        graph.add_edge(
            edge["source"],
            edge["target"],
            kind=edge["kind"],
            amount=edge["amount"],
            count=edge["count"],
        )
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer)
    return buffer.getvalue()


class Scrubber(Protocol):
    """What pseudonymises a case file's data (:class:`engine.services.case_scrubber.CaseScrubber`)."""

    def text(self, value: str) -> str: ...
    def record(self, values: Mapping[str, Any]) -> dict[str, Any]: ...
    def frame(self, frame: pd.DataFrame) -> pd.DataFrame: ...


def case_file(
    workbench: Workbench,
    *,
    cluster_id: int | None = None,
    entity_id: str | None = None,
    scrubber_for: Callable[[str], Scrubber] | None = None,
) -> bytes:
    """Build the case-file ZIP for a cluster (``cluster_id``) or an entity (``entity_id``).

    With ``scrubber_for`` (called with all the text the file will show), every table, the
    summary, the title and the network are scrubbed by the scrubber it returns *before* the
    CSVs, the GraphML and the report are written, so nothing is cut or drawn from real values.

    Raises
    ------
    ValueError
        If neither or both are given.
    KeyError
        If the cluster or entity does not exist.
    """
    if (cluster_id is None) == (entity_id is None):
        raise ValueError("give exactly one of cluster_id and entity_id")
    tables: dict[str, pd.DataFrame] = {}
    if cluster_id is not None:
        detail = workbench.cluster_detail(cluster_id)
        title = f"Cluster {cluster_id}"
        info = {k: v for k, v in detail.info.items() if v is not None}
        members, evidence = detail.members, detail.evidence
        transactions, trips = detail.transactions, detail.trips
        accounts = members.loc[members["entity_kind"] == "account", "entity_id"].tolist()
        parties = members.loc[members["entity_kind"] == "party", "entity_id"].tolist()
        net = workbench.network(accounts, parties, trips, max_nodes=EXPORT_MAX_NODES)
        tables["members.csv"] = members
    else:
        assert entity_id is not None
        entity = workbench.entity_detail(entity_id)
        title = f"{entity.kind.capitalize()} {entity.label}"
        info = {"entity_id": entity_id, "kind": entity.kind, **entity.attributes}
        accounts = workbench.accounts_of(entity_id)
        named = {entity_id, *accounts}
        evidence = workbench.frame("evidence")
        if not evidence.empty:
            evidence = evidence[
                evidence["entity_ids"].map(lambda ids: ids is not None and bool(named & set(ids)))
            ]
        transactions, trips = entity.transactions, entity.trips
        ids = [*accounts, *entity.counterparties.get("counterparty", pd.Series(dtype=str)).tolist()]
        parties = [entity_id] if entity.kind == "party" else []
        net = workbench.network(
            list(dict.fromkeys(ids)), parties, trips, max_nodes=EXPORT_MAX_NODES
        )
        tables["counterparties.csv"] = entity.counterparties
        tables["clusters.csv"] = entity.clusters
    tables.update({"transactions.csv": transactions, "trips.csv": trips, "evidence.csv": evidence})
    if scrubber_for is not None:
        scrubber = scrubber_for(_all_text(title, info, net, tables.values()))
        tables = {name: scrubber.frame(frame) for name, frame in tables.items()}
        title, info, net = (
            scrubber.text(title),
            scrubber.record(info),
            _scrub_network(net, scrubber),
        )
        transactions, trips = tables["transactions.csv"], tables["trips.csv"]
        evidence = tables["evidence.csv"]
    files = {name: safe_csv(frame) for name, frame in tables.items()}
    files["network.graphml"] = graphml(net)
    files["case.anx"] = anx(title, net, transactions)
    files["report.html"] = report_html(title, info, net, evidence, transactions, trips).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _all_text(
    title: str, info: Mapping[str, Any], net: Network, frames: Iterable[pd.DataFrame]
) -> str:
    """Every text value a case file will show, one per line (to choose what to scrub)."""
    parts = [title, *(str(v) for v in info.values())]
    parts += [str(n["id"]) + "\n" + str(n["label"]) for n in net.nodes]
    for frame in frames:
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                for value in frame[column]:
                    if isinstance(value, str):
                        parts.append(value)
                    elif _is_list(value):
                        parts.extend(str(v) for v in value)
    return "\n".join(parts)


def _scrub_network(net: Network, scrubber: Scrubber) -> Network:
    """The network with node ids, labels and edge ends scrubbed."""
    return Network(
        nodes=[{**n, "id": scrubber.text(n["id"]), "label": scrubber.text(n["label"])}
               for n in net.nodes],
        edges=[{**e, "source": scrubber.text(e["source"]), "target": scrubber.text(e["target"])}
               for e in net.edges],
        omitted_nodes=net.omitted_nodes,
        omitted_amount=net.omitted_amount,
    )  # fmt: skip


# -- the HTML report ---------------------------------------------------------------------------

COLOURS = {"account": "#2563eb", "party": "#ea580c", "trip": "#16a34a", "other": "#9ca3af"}


def network_svg(net: Network, size: int = 640, max_nodes: int = 120) -> str:
    """An inline SVG drawing of the network (spring layout, seeded so it is reproducible)."""
    nodes = sorted(net.nodes, key=lambda n: -n["amount"])[:max_nodes]
    keep = {n["id"] for n in nodes}
    graph = nx.Graph()
    graph.add_nodes_from(keep)
    edges = [e for e in net.edges if e["source"] in keep and e["target"] in keep]
    graph.add_edges_from((e["source"], e["target"]) for e in edges)
    if not nodes:
        return "<p>No network.</p>"
    pos = nx.spring_layout(graph, seed=7)
    pad = 40

    def xy(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return pad + (x + 1) / 2 * (size - 2 * pad), pad + (y + 1) / 2 * (size - 2 * pad)

    top = max((n["amount"] for n in nodes), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
    ]
    for e in edges:
        (x1, y1), (x2, y2) = xy(e["source"]), xy(e["target"])
        width = 1 + 4 * math.sqrt(e["amount"] / top) if e["amount"] else 1
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#94a3b8" '
            f'stroke-width="{width:.1f}"><title>{html.escape(e["kind"])}: {e["amount"]:,.0f}</title></line>'
        )
    for n in nodes:
        x, y = xy(n["id"])
        r = 5 + 12 * math.sqrt(n["amount"] / top)
        label = html.escape(n["label"][:28])
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{COLOURS.get(n["kind"], "#9ca3af")}">'
            f"<title>{html.escape(n['label'])}</title></circle>"
            f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" font-size="10">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    present = [c for c in columns if c in frame.columns]
    if frame.empty or not present:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(c)}</th>" for c in present)
    rows = []
    for record in frame[present].head(REPORT_ROWS).itertuples(index=False):
        cells = "".join(f"<td>{html.escape(_text(v))}</td>" for v in record)
        rows.append(f"<tr>{cells}</tr>")
    more = (
        f"<p>{len(frame) - REPORT_ROWS:,} more rows in the CSV.</p>"
        if len(frame) > REPORT_ROWS
        else ""
    )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{more}"


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if _is_list(value):
        return ", ".join(map(str, value))
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def report_html(
    title: str,
    info: dict[str, Any],
    net: Network,
    evidence: pd.DataFrame,
    transactions: pd.DataFrame,
    trips: pd.DataFrame,
) -> str:
    """A readable, self-contained HTML report: summary, picture, evidence and timeline."""
    facts = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_text(v))}</td></tr>"
        for k, v in info.items()
    )
    cards = (
        "".join(
            f'<div class="card"><b>{html.escape(str(r.pattern))}</b> · weight {_text(r.weight)} · '
            f"<i>{html.escape(_text(r.source))}</i><p>{html.escape(_text(r.description))}</p></div>"
            for r in evidence.itertuples()
        )
        or "<p>No evidence recorded.</p>"
    )
    timeline = pd.concat(
        [
            pd.DataFrame(
                {
                    "when": transactions.get("ts", pd.Series(dtype=object)),
                    "what": "transfer",
                    "detail": transactions.get("src_name", pd.Series(dtype=str)).astype(str)
                    + " → "
                    + transactions.get("dst_name", pd.Series(dtype=str)).astype(str),
                    "amount": transactions.get("amount_base", pd.Series(dtype=float)),
                }
            ),
            pd.DataFrame(
                {
                    "when": trips.get("departure", pd.Series(dtype=object)),
                    "what": "trip",
                    "detail": trips.get("traveller_name", pd.Series(dtype=str)).astype(str)
                    + ": "
                    + trips.get("origin", pd.Series(dtype=str)).astype(str)
                    + " → "
                    + trips.get("destination", pd.Series(dtype=str)).astype(str),
                    "amount": None,
                }
            ),
        ],
        ignore_index=True,
    )
    if not timeline.empty:
        timeline = timeline.sort_values("when", kind="stable")
    note = f"<p><i>{html.escape(net.note)}</i></p>" if net.note else ""
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · moneytrail case file</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #1e293b; }}
table {{ border-collapse: collapse; font-size: 13px; margin-bottom: 1em; }}
th, td {{ border: 1px solid #cbd5e1; padding: 3px 6px; text-align: left; }}
.card {{ border: 1px solid #fca5a5; background: #fef2f2; padding: 8px; margin: 8px 0; border-radius: 6px; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>moneytrail case file, made {made}. Red flags are leads for an investigator, not findings.</p>
<h2>Summary</h2><table>{facts}</table>
<h2>Network</h2>{note}{network_svg(net)}
<p>Blue: accounts · orange: people · green: trips · grey: folded accounts. Size: money moved.</p>
<h2>Evidence</h2>{cards}
<h2>Timeline</h2>{_table(timeline, ["when", "what", "detail", "amount"])}
</body></html>
"""
