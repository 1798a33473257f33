"""``moneytrail snapshot``: write the store's tables as a partitioned Parquet dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.commands.options import HomeOption, StoreOption


def snapshot(
    out: Annotated[Path, typer.Option(help="Snapshot folder (replaced atomically).")],
    store: StoreOption = None,
    home: HomeOption = None,
    results: Annotated[bool, typer.Option(help="Also write the latest results.")] = True,
) -> None:
    """Write the store as Parquet that Spark, Dask and DuckDB read (layout: docs/scale.md).

    A snapshot holds identified data: it is audited as an identified export."""
    from rich.console import Console

    from engine.core.config import Settings
    from engine.security.auth import cli_user
    from engine.services.audited import AuditedSession
    from engine.services.spark.snapshot import write_snapshot
    from engine.store import open_store

    console = Console(stderr=True)
    settings = Settings.from_env(store=store, home=home)
    with open_store(settings=settings) as opened:
        session = AuditedSession(cli_user(), opened, settings=settings)
        session.record("export_identified", f"snapshot:{out.resolve()}", results=results)
        with console.status("writing the snapshot"):
            snap = write_snapshot(opened, out, results=results)
    counts = ", ".join(f"{n:,} {name}" for name, n in snap.rows.items() if "/" not in name)
    console.print(f"[green]wrote[/green] {snap.path}: {counts}")


def register(app: typer.Typer) -> None:
    app.command()(snapshot)
