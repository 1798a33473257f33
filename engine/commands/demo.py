"""``moneytrail demo``: generate a synthetic world, ingest it, analyse it, serve the dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from engine.commands.options import HomeOption


def demo(
    scale: Annotated[str, typer.Option(help="World size: tiny, small, medium or large.")] = "small",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 7,
    out: Annotated[Path, typer.Option(help="Folder for the generated world.")] = Path("demo-world"),
    home: HomeOption = None,
    port: Annotated[int, typer.Option(help="Dashboard port.")] = 8501,
    serve: Annotated[bool, typer.Option(help="Serve the dashboard at the end.")] = True,
) -> None:
    """Run the whole journey on synthetic data and open the investigator's dashboard."""
    from rich.console import Console

    from engine import config
    from engine.ingest import ingest_paths
    from engine.pipeline import analyze
    from engine.store import open_store
    from engine.synth import generate, write_world

    console = Console(stderr=True)
    home_path = config.data_home(home)
    marker = out / f".generated-{scale}-{seed}"
    if not marker.exists():
        with console.status(f"generating a {scale} synthetic world (seed {seed})"):
            files = write_world(generate(scale, seed=seed), out)
        marker.touch()
        console.print(f"generated {len(files)} files in {out}/")
    inputs = sorted(p for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    with open_store("embedded", home=home_path) as store:
        for report in ingest_paths(store, inputs, uploaded_by="demo"):
            console.print(f"  {report}")
        with console.status("analysing") as status:
            summary = analyze(store, progress=lambda stage: status.update(f"analysing: {stage}"))
        console.print(
            f"analysed {summary.n_transactions:,} transactions: {summary.n_clusters:,} clusters "
            f"in {sum(summary.seconds.values()):.1f} s"
        )
    if serve:
        console.print(
            f"[bold green]dashboard: http://localhost:{port}[/bold green]  (Ctrl+C stops)"
        )
        env = {**os.environ, "MONEYTRAIL_HOME": str(home_path), "MONEYTRAIL_STORE": "embedded"}
        command = [sys.executable, "-m", "engine.cli", "dashboard", "--port", str(port)]
        raise typer.Exit(subprocess.call(command, env=env))


def register(app: typer.Typer) -> None:
    app.command()(demo)
