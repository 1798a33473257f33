"""``moneytrail ingest``: load files into the store, each as one atomic, idempotent batch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.commands.options import HomeOption, StoreOption


def ingest(
    files: Annotated[list[Path], typer.Argument(help="Files or folders to load.")],
    kind: Annotated[
        str | None,
        typer.Option(help="transactions, travel, kyc, parties, accounts or holdings."),
    ] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="auto, canonical, csv, parquet, jsonl, amlworld, samld, amlsim, amlgentex, "
            "goaml, camt053 or pacs008.",
        ),
    ] = "auto",
    mapping: Annotated[
        Path | None, typer.Option(help="Column-mapping file (TOML or YAML).")
    ] = None,
    store: StoreOption = None,
    home: HomeOption = None,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Write the rejected rows of all files to this CSV."),
    ] = None,
) -> None:
    """Load bank exports, goAML reports, ISO 20022 statements, travel and KYC files."""
    import pyarrow as pa
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from engine.core.config import Settings
    from engine.core.errors import InputError
    from engine.security.auth import cli_user
    from engine.services.audited import AuditedSession
    from engine.store import open_store
    from loaders.mapping import read_mapping
    from loaders.quarantine import export_rejected

    console = Console(stderr=True)
    parsed_mapping = read_mapping(mapping) if mapping is not None else None
    settings = Settings.from_env(store=store, home=home)
    with (
        open_store(settings=settings) as opened,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar,
    ):

        def progress_for(path: Path):  # type: ignore[no-untyped-def]
            # one bar per file over all its work: hashing, parsing, writing (engine.services.ingest)
            task = bar.add_task(path.name[:40], total=None)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return update

        # The uploader is the operating-system user (cli:<name>), one audit entry per file.
        session = AuditedSession(cli_user(), opened, settings=settings)
        reports = session.ingest_paths(
            files,
            progress_for=progress_for,
            format=format,
            kind=kind,
            mapping=parsed_mapping,
        )
    if not reports:
        raise InputError("no files to load")
    for report in reports:
        colour = {"written": "green", "duplicate": "yellow", "refused": "red"}[report.status]
        console.print(f"[{colour}]{report.status:>9}[/{colour}]  {report.summary(reasons=False)}")
        # every reason on a line of its own, the most frequent first: none is left out
        for reason, count in sorted(report.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(f"           rejected {count:,}: {reason}")
        for note in report.notes:
            console.print(f"           note: {note}")
    if quarantine is not None:
        rejected = [r.rejected_rows for r in reports if r.rejected_rows.num_rows]
        if rejected:
            export_rejected(pa.concat_tables(rejected), quarantine)
            console.print(f"rejected rows written to {quarantine}")
    refused = [r for r in reports if r.status == "refused"]
    if refused:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
