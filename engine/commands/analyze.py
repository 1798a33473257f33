"""``moneytrail analyze``: run the analysis pipeline over everything in the store."""

from __future__ import annotations

from typing import Annotated

import typer

from engine.commands.options import HomeOption, StoreOption


def analyze(
    store: StoreOption = None,
    home: HomeOption = None,
    resolution: Annotated[float, typer.Option(help="Community resolution.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed for reproducible communities.")] = 0,
    suspect: Annotated[
        list[str] | None,
        typer.Option(help="A known suspect's account or party id (repeatable)."),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (this process) or spark (see docs/scale.md).")
    ] = "local",
    master: Annotated[
        str, typer.Option(help="Spark master URL, with --engine spark.")
    ] = "local[*]",
) -> None:
    """Find communities and rank the clusters that look like smuggling operations."""
    from rich.console import Console

    from engine.core.config import Settings
    from engine.core.errors import ConfigError
    from engine.security.auth import cli_user
    from engine.services.audited import AuditedSession
    from engine.store import open_store

    if engine not in ("local", "spark"):
        raise ConfigError(f"--engine {engine!r}: choose local or spark")
    if engine == "spark":
        from functools import partial

        from engine.services.spark.engine import analyze_spark
        from engine.services.spark.session import require_spark

        require_spark()
        runner = partial(analyze_spark, master=master)
    else:
        runner = None
    console = Console(stderr=True)
    settings = Settings.from_env(store=store, home=home)
    with open_store(settings=settings) as opened:
        session = AuditedSession(cli_user(), opened, settings=settings)
        with console.status("analysing") as status:
            summary = session.analyze(
                runner,
                resolution=resolution,
                seed=seed,
                suspects=suspect or [],
                progress=lambda stage: status.update(f"analysing: {stage}"),
            )
        console.print(
            f"[green]run {summary.run_id}[/green]: {summary.n_transactions:,} transactions, "
            f"{summary.n_accounts:,} accounts, {summary.n_clusters:,} clusters "
            f"in {sum(summary.seconds.values()):.1f} s ({opened.describe()})"
        )
        for reason, rows in summary.set_aside.items():
            console.print(f"[yellow]warning[/yellow]: {rows:,} rows of {reason}")


def register(app: typer.Typer) -> None:
    app.command()(analyze)
