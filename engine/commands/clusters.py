"""``moneytrail clusters``: print the ranked clusters of the latest analysis, with evidence."""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer

from engine.commands.options import HomeOption, StoreOption
from engine.core.config import DEFAULT_BASE_CURRENCY as BASE_CURRENCY


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
    """Print the ranked clusters with their core members (shortened), scores and evidence."""
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


#: Core accounts listed per case in the table; the rest are counted.
MEMBERS_SHOWN = 6
#: Evidence cards listed per case in the table.
EVIDENCE_SHOWN = 3


def short_id(entity_id: str, keep: int = 4) -> str:
    """An account number shortened for a narrow terminal: ``DE89…4300`` (first and last
    ``keep`` characters) when longer than 12 characters, else unchanged."""
    return entity_id if len(entity_id) <= 12 else f"{entity_id[:keep]}…{entity_id[-keep:]}"


def flag_label(name: str) -> str:
    """The red flag's human name from the typology registry (the raw name if unregistered)."""
    from engine.detect.typologies import typology

    try:
        return typology(name).label
    except KeyError:
        return name.replace("_", " ")


def _print_table(rows: list[dict[str, Any]]) -> None:
    """One block per case, in two columns (label, text) that wrap at word boundaries, so the
    list reads in an 80-column terminal: account numbers are shortened (:func:`short_id`) and
    red flags have their human names, so no word is longer than its column."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not rows:
        console.print("no clusters: run [bold]moneytrail analyze[/bold] first")
        return
    console.print(f"[bold]ranked clusters[/bold] ({len(rows)}, best first)")
    for r in rows:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        core, context = r["accounts"], r["context_accounts"]
        shown = ", ".join(short_id(a) for a in core[:MEMBERS_SHOWN])
        if len(core) > MEMBERS_SHOWN:
            shown += f" and {len(core) - MEMBERS_SHOWN} more"
        grid.add_row(
            f"#{r['rank']}",
            f"[bold]case {r['cluster_id']}[/bold] · score {r['score']:.3f} · "
            f"{r['n_accounts']} accounts (+{len(context)} context) · {r['n_parties']} people",
        )
        grid.add_row(
            "volume", f"{r['volume']:,.0f} {BASE_CURRENCY} · {r['n_transactions']:,} transfers"
        )
        if r["countries"]:
            grid.add_row("countries", ", ".join(r["countries"]))
        grid.add_row("red flags", "; ".join(flag_label(f) for f in r["flags"] or []) or "none")
        grid.add_row("members", shown or "none")
        for i, card in enumerate(r["evidence"][:EVIDENCE_SHOWN]):
            grid.add_row("evidence" if i == 0 else "", f"• {card['description']}")
        console.print(grid)
        console.print()


def register(app: typer.Typer) -> None:
    app.command()(clusters)
