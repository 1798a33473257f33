"""``moneytrail demo``: generate a synthetic world, ingest it, analyse it, serve the dashboard.

The dashboard needs a signed-in user: when the demo's data home has no users yet, the demo
creates an admin called ``demo`` with a random password and prints it once next to the URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from engine.commands.options import HomeOption

DEMO_USER = "demo"


def ensure_demo_user(home: Path) -> str | None:
    """Create the admin ``demo`` in ``home``'s users file when it has no users at all.

    Returns the new random password (``secrets.token_urlsafe(12)``, shown once and never
    stored in clear), or ``None`` when users exist already and apply unchanged. The users
    file is ``MONEYTRAIL_USERS_FILE`` when set (the dashboard reads the same one), else
    ``<home>/users.json``.
    """
    import secrets

    from engine.security.auth import UserDirectory

    directory = UserDirectory(os.environ.get("MONEYTRAIL_USERS_FILE") or home / "users.json")
    if directory.list():
        return None
    password = secrets.token_urlsafe(12)
    directory.add(DEMO_USER, "admin", password)
    return password


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

    from engine.core import config
    from engine.services.ingest import ingest_paths
    from engine.services.pipeline import analyze
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
        password = ensure_demo_user(home_path)
        console.print(
            f"[bold green]dashboard: http://localhost:{port}[/bold green]  (Ctrl+C stops)"
        )
        if password is None:
            console.print("sign in with one of the existing users (`moneytrail users list`)")
        else:
            console.print(
                f"sign in as [bold]{DEMO_USER}[/bold] (admin), password [bold]{password}[/bold]"
                "  (shown only this once; `moneytrail users passwd demo` changes it)"
            )
        env = {**os.environ, "MONEYTRAIL_HOME": str(home_path), "MONEYTRAIL_STORE": "embedded"}
        command = [sys.executable, "-m", "engine.cli", "dashboard", "--port", str(port)]
        raise typer.Exit(subprocess.call(command, env=env))


def register(app: typer.Typer) -> None:
    app.command()(demo)
