"""``moneytrail feedback``: load investigators' past decisions, and list the decisions stored."""

from __future__ import annotations

import enum
import getpass
import json
from pathlib import Path
from typing import Annotated

import typer

from engine.commands.options import HomeOption, StoreOption

feedback_app = typer.Typer(
    help="Investigators' decisions: import past ones from a file, list what is stored.",
    no_args_is_help=True,
)


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _cli_user():  # type: ignore[no-untyped-def]
    """The person at the shell, as the audit log's user. The command line is not role-checked
    (whoever runs it can read the store's folder or credentials anyway), so it acts with the
    admin role and is recorded under ``cli:<login>``."""
    from engine.security.auth import User

    try:
        name = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        name = "cli"
    return User(name=name, role="admin")


@feedback_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV or Parquet: entity_id, label[, decided_at, case_id, note].")
    ],
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Load past decisions; a file with bad rows is refused whole (its rows quarantined)."""
    from engine.services.audited import AuditedSession
    from engine.store import open_store

    with open_store(store, home=home) as opened:
        report = AuditedSession(_cli_user(), opened).import_feedback(file)
    if report.status == "duplicate":
        typer.echo(f"{report.source}: imported before (same content); nothing changed")
        return
    if report.status == "imported":
        typer.echo(f"{report.source}: {report.accepted:,} decisions imported")
        return
    typer.secho(
        f"{report.source}: {report.rejected:,} bad rows; no decision was imported. "
        "Fix these rows and import the file again:",
        fg=typer.colors.RED,
        err=True,
    )
    for r in report.rejected_rows.to_pylist()[:50]:
        typer.echo(f"  {r['source']}, row {r['row']}, field {r['field']!r}: {r['reason']} "
                   f"(value {r['value']!r})", err=True)  # fmt: skip
    if report.rejected > 50:
        typer.echo(
            f"  ... and {report.rejected - 50:,} more (all kept in the quarantine)", err=True
        )
    raise typer.Exit(2)


@feedback_app.command("list")
def list_(
    store: StoreOption = None,
    home: HomeOption = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
) -> None:
    """Print every decision stored, oldest first."""
    from engine.store import open_store

    with open_store(store, home=home) as opened:
        rows = opened.read_dispositions().sort_by("decided_at").to_pylist()
    columns = ["decided_at", "entity_kind", "entity_id", "decision", "decided_by", "case_id",
               "reason"]  # fmt: skip
    if fmt is Format.json:
        typer.echo(json.dumps(rows, indent=1, default=str))
        return
    if fmt is Format.csv:
        import csv
        import sys

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r[c] is None else r[c] for c in columns])
        return
    from rich.console import Console
    from rich.table import Table

    if not rows:
        typer.echo("no decisions yet: record them in the dashboard or `moneytrail feedback import`")
        return
    table = Table(title=f"{len(rows):,} decisions")
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*("" if r[c] is None else str(r[c]) for c in columns))
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(feedback_app, name="feedback")
