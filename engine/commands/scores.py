"""``moneytrail scores``: every account's risk, rule score, model score, label and flag."""

from __future__ import annotations

import enum
import json
from typing import Annotated, Any

import typer

from engine.commands.options import HomeOption, StoreOption

COLUMNS = ("rank", "entity_id", "risk", "rule_score", "model_score", "label", "flagged")


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def account_scores(store: Any, top: int | None = None) -> list[dict[str, Any]]:
    """Accounts of the latest run by descending ``risk`` (ties by id), as plain dicts.

    ``model_score`` and ``flagged`` are None without a trained model; ``label`` is
    ``suspicious``, ``cleared`` or None. A run from before the triage step (no ``triage``
    table) gives the rule score as risk.
    """
    import pyarrow.compute as pc

    table = store.read_results("triage")
    if table.num_rows == 0:
        scores = store.read_results("scores")
        scores = scores.filter(pc.equal(scores["entity_kind"], "account"))
        rows = [{"entity_id": r["entity_id"], "risk": r["risk"] or 0.0,
                 "rule_score": r["risk"] or 0.0, "model_score": None, "label": None,
                 "flagged": None} for r in scores.to_pylist()]  # fmt: skip
    else:
        rows = table.select(list(COLUMNS[1:])).to_pylist()
    rows.sort(key=lambda r: (-(r["risk"] or 0.0), r["entity_id"]))
    if top is not None:
        rows = rows[: max(top, 0)]
    words = {1: "suspicious", 0: "cleared"}
    return [{"rank": i + 1, **r, "label": words.get(r["label"])} for i, r in enumerate(rows)]


def scores(
    store: StoreOption = None,
    home: HomeOption = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the N riskiest accounts.")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
) -> None:
    """Print every account's risk, rule score, model score, label and flagged decision.

    ``flagged`` is the triage model's decision at the threshold it chose on its own training
    labels (the best out-of-fold F1; see docs/triage.md), raised by strong rule evidence and
    overruled by investigators' labels; empty when no model was trained.
    """
    from engine.store import open_store

    with open_store(store, home=home) as opened:
        rows = account_scores(opened, top)
    if fmt is Format.json:
        typer.echo(json.dumps(rows, indent=1))
        return
    if fmt is Format.csv:
        import csv
        import sys

        writer = csv.writer(sys.stdout)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([_cell(r[c], csv=True) for c in COLUMNS])
        return
    from rich.console import Console
    from rich.table import Table

    if not rows:
        typer.echo("no scores: run `moneytrail analyze` first")
        return
    table = Table(title="account risk")
    for c in COLUMNS:
        table.add_column(c, justify="right" if c not in ("entity_id", "label") else "left")
    for r in rows:
        table.add_row(*(_cell(r[c]) for c in COLUMNS))
    Console().print(table)


def _cell(value: Any, *, csv: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("true" if value else "false") if csv else ("yes" if value else "no")
    if isinstance(value, float):
        return repr(value) if csv else f"{value:.6g}"
    return str(value)


def register(app: typer.Typer) -> None:
    app.command()(scores)
