"""``moneytrail clusters``: print the ranked clusters of the latest analysis, with evidence."""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer

from engine.commands.options import HomeOption, StoreOption


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def ranked_clusters(store: Any, top: int) -> list[dict[str, Any]]:
    """The ``top`` best-ranked clusters (cases) with their members and evidence cards, as plain
    dicts. ``accounts`` lists the core accounts (those carrying the findings' money),
    ``context_accounts`` their first-hop counterparties (shown, not members)."""
    import pyarrow.compute as pc

    from engine.core.schema import CONTEXT_ROLE as CONTEXT

    clusters = store.read_results("clusters").sort_by("rank")
    clusters = clusters.slice(0, max(top, 0))
    ids = clusters["cluster_id"]
    members = store.read_results("cluster_members")
    members = members.filter(pc.is_in(members["cluster_id"], value_set=ids.combine_chunks()))
    evidence = store.read_results("evidence")
    evidence = evidence.filter(pc.is_in(evidence["cluster_id"], value_set=ids.combine_chunks()))
    by_cluster: dict[int, dict[str, list]] = {}
    for m in members.to_pylist():
        slot = by_cluster.setdefault(m["cluster_id"], {"members": [], "evidence": []})
        slot["members"].append({k: m[k] for k in ("entity_id", "entity_kind", "role", "score")})
    for e in evidence.to_pylist():
        slot = by_cluster.setdefault(e["cluster_id"], {"members": [], "evidence": []})
        card = {k: e[k] for k in ("pattern", "source", "description", "weight", "entity_ids",
                                  "tx_ids", "record_ids")}  # fmt: skip
        card["parameters"] = json.loads(e["parameters"]) if e["parameters"] else {}
        slot["evidence"].append(card)
    out = []
    for c in clusters.to_pylist():
        extra = by_cluster.get(c["cluster_id"], {"members": [], "evidence": []})
        accounts = [m for m in extra["members"] if m["entity_kind"] == "account"]
        out.append({
            **{k: v for k, v in c.items() if k != "run_id"},
            "accounts": [m["entity_id"] for m in accounts if m["role"] != CONTEXT],
            "context_accounts": [m["entity_id"] for m in accounts if m["role"] == CONTEXT],
            **extra,
        })  # fmt: skip
    return out


def clusters(
    store: StoreOption = None,
    home: HomeOption = None,
    top: Annotated[int, typer.Option("--top", help="How many clusters to print.")] = 20,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
) -> None:
    """Print the ranked clusters with their members, scores and evidence."""
    from engine.core.config import Settings
    from engine.security.auth import cli_user
    from engine.services.audited import AuditedSession
    from engine.store import open_store

    settings = Settings.from_env(store=store, home=home)
    with open_store(settings=settings) as opened:
        session = AuditedSession(cli_user(), opened, settings=settings)
        rows = list(session.clusters(top, ranked_clusters))
    if fmt is Format.json:
        typer.echo(json.dumps(rows, indent=1, default=str))
    elif fmt is Format.csv:
        _print_csv(rows)
    else:
        _print_table(rows)


def _print_csv(rows: list[dict[str, Any]]) -> None:
    import csv
    import sys

    writer = csv.writer(sys.stdout)
    writer.writerow(["rank", "cluster_id", "score", "n_accounts", "n_parties", "n_transactions",
                     "volume", "countries", "flags", "accounts", "context_accounts",
                     "evidence"])  # fmt: skip
    for r in rows:
        writer.writerow([
            r["rank"], r["cluster_id"], f"{r['score']:.4f}", r["n_accounts"], r["n_parties"],
            r["n_transactions"], f"{r['volume']:.2f}", ";".join(r["countries"] or []),
            ";".join(r["flags"] or []), ";".join(r["accounts"]), ";".join(r["context_accounts"]),
            " | ".join(e["description"] for e in r["evidence"]),
        ])  # fmt: skip


def _print_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not rows:
        console.print("no clusters: run [bold]moneytrail analyze[/bold] first")
        return
    table = Table(title="ranked clusters", show_lines=True)
    for col in ("rank", "score", "accounts", "context", "parties", "volume", "countries",
                "red flags", "top evidence"):  # fmt: skip
        table.add_column(col, overflow="fold")
    for r in rows:
        cards = "\n".join(f"• {e['description']}" for e in r["evidence"][:3])
        table.add_row(
            str(r["rank"]), f"{r['score']:.3f}", str(r["n_accounts"]),
            str(len(r["context_accounts"])), str(r["n_parties"]),
            f"{r['volume']:,.0f}", ", ".join(r["countries"] or []), ", ".join(r["flags"] or []),
            cards,
        )  # fmt: skip
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(clusters)
