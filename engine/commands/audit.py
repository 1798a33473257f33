"""``moneytrail audit``: verify the hash chain, list entries, export them as CSV.

The log is the one kept with the store (``--store`` / ``MONEYTRAIL_STORE``): the JSON-lines
file of the EmbeddedStore, or the ``(:AuditEntry)`` chain in the Neo4j database."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from engine.commands.options import HomeOption, StoreOption

if TYPE_CHECKING:
    from engine.security.audit import AuditTrail

audit_app = typer.Typer(help="Inspect the tamper-evident audit log.", no_args_is_help=True)


def _log(home: str | None, store: str | None) -> AuditTrail:
    """The audit log of the chosen store (``--home`` places the EmbeddedStore's)."""
    from engine.core.config import Settings
    from engine.security.audit import open_audit_log

    return open_audit_log(settings=Settings.from_env(store=store, home=home))


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    from engine.core.errors import ConfigError

    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"--since {value!r}: use an ISO date such as 2025-03-01") from exc


@audit_app.command("verify")
def verify(store: StoreOption = None, home: HomeOption = None) -> None:
    """Check every entry's hash and link; exit 1 naming the first broken entry."""
    log = _log(home, store)
    result = log.verify()
    if result.ok:
        typer.secho(f"{result} ({log.describe()})", fg=typer.colors.GREEN)
        return
    typer.secho(f"{log.describe()}: {result}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@audit_app.command("list")
def list_entries(
    user: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
    since: Annotated[str | None, typer.Option(help="From this ISO date or time (UTC).")] = None,
    limit: Annotated[int, typer.Option(help="Show the last N entries (0: all).")] = 50,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """List audit entries, oldest first."""
    import json

    from rich.console import Console
    from rich.table import Table

    rows = _log(home, store).entries(
        user=user, action=action, since=_since(since), limit=limit or None
    )
    table = Table("seq", "time (UTC)", "user", "action", "target", "details")
    for entry in rows:
        table.add_row(
            str(entry["seq"]),
            entry["ts"][:19].replace("T", " "),
            entry["user"],
            entry["action"],
            entry["target"],
            json.dumps(entry["details"], sort_keys=True, ensure_ascii=False)
            if entry["details"]
            else "",
        )
    Console(soft_wrap=True).print(table if rows else "no matching entries")


@audit_app.command("export")
def export(
    file: Annotated[str, typer.Argument(help="CSV file to write.")],
    user: Annotated[str | None, typer.Option(help="Only this user's entries.")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action.")] = None,
    since: Annotated[str | None, typer.Option(help="From this ISO date or time (UTC).")] = None,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Write the audit entries as CSV (spreadsheet formulas neutralised)."""
    from engine.security.auth import cli_user

    log = _log(home, store)
    count = log.export_csv(file, user=user, action=action, since=_since(since))
    log.record(cli_user(), "export_audit", os.path.basename(file), entries=count)
    typer.echo(f"wrote {count} entries to {file}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
