"""``moneytrail export``: a case file of a cluster or an entity, as a ZIP or as i2 ANX XML."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Annotated

import typer

from engine.commands.options import HomeOption, StoreOption

#: Output formats: the whole case file, or one file of it.
FORMATS = {"zip": None, "anx": "case.anx", "graphml": "network.graphml", "html": "report.html"}


def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    cluster: Annotated[int | None, typer.Option(help="Cluster id to export.")] = None,
    entity: Annotated[str | None, typer.Option(help="Account or party id to export.")] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="zip (CSVs, GraphML, ANX, HTML report), anx (i2 Analyst's Notebook), "
            "graphml or html.",
        ),
    ] = "zip",
    identified: Annotated[
        bool, typer.Option(help="Keep real names (needs export_identified; audited).")
    ] = False,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Export a case file, pseudonymised unless --identified; every export is audited."""
    from rich.console import Console

    from engine.core.config import Settings
    from engine.security.auth import cli_user
    from engine.services.audited import AuditedSession
    from engine.store import open_store

    console = Console(stderr=True)
    if fmt not in FORMATS:
        raise typer.BadParameter(
            f"{fmt!r}; choose one of {', '.join(FORMATS)}", param_hint="--format"
        )
    if (cluster is None) == (entity is None):
        raise typer.BadParameter("give exactly one of --cluster and --entity")
    settings = Settings.from_env(store=store, home=home)
    with open_store(settings=settings) as opened:
        session = AuditedSession(cli_user(), opened, settings=settings)
        data = session.export(cluster_id=cluster, entity_id=entity, identified=identified)
    member = FORMATS[fmt]
    if member is not None:
        data = zipfile.ZipFile(io.BytesIO(data)).read(member)
    out.write_bytes(data)
    kind = "identified" if identified else "pseudonymised"
    console.print(f"[green]wrote[/green] {out} ({len(data) / 1024:,.0f} KiB, {kind}, {fmt})")


def register(app: typer.Typer) -> None:
    app.command()(export)
