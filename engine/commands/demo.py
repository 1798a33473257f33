"""``moneytrail demo``: generate a synthetic world, ingest it, analyse it, serve the dashboard.

The dashboard needs a signed-in user: when the demo's data home has no users yet, the demo
creates an admin called ``demo`` with a random password and prints it once next to the URL.
The port is checked first (before any data is generated, and again before the user is
created), so a busy port ends in a message saying how to pick another rather than in a
password printed for a server that never starts. The dashboard runs as a child in its own
process group; stopping the demo (Ctrl+C, ``kill -TERM``) stops it
(:func:`engine.commands.serving.run_child`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from engine.commands.options import HomeOption

if TYPE_CHECKING:
    from engine.core.config import Settings

DEMO_USER = "demo"
#: Where the demo's dashboard listens (this machine only).
DEMO_ADDRESS = "127.0.0.1"


def ensure_demo_user(home: Path, settings: Settings | None = None) -> str | None:
    """Create the admin ``demo`` in ``home``'s users file when it has no users at all.

    Returns the new random password (``secrets.token_urlsafe(12)``, shown once and never
    stored in clear), or ``None`` when users exist already and apply unchanged. The users
    file is ``MONEYTRAIL_USERS_FILE`` when set (the dashboard reads the same one), else
    ``<home>/users.json``.
    """
    import secrets

    from engine.core.config import Settings
    from engine.security.auth import UserDirectory

    settings = (settings or Settings.from_env()).with_(home=home)
    directory = UserDirectory(settings=settings)
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
    port: Annotated[
        int, typer.Option(help="Dashboard port (`make demo PORT=...` sets it too).")
    ] = 8501,
    serve: Annotated[bool, typer.Option(help="Serve the dashboard at the end.")] = True,
) -> None:
    """Run the whole journey on synthetic data and open the investigator's dashboard."""
    from rich.console import Console

    from engine.commands.serving import check_port, run_child
    from engine.core.config import Settings
    from engine.security.auth import cli_user
    from engine.services.audited import AuditedSession
    from engine.store import open_store
    from engine.synth import generate, write_world

    console = Console(stderr=True)
    if serve:
        check_port(DEMO_ADDRESS, port, make_target="demo")
    settings = Settings.from_env(store="embedded", home=home)
    home_path = settings.home
    marker = out / f".generated-{scale}-{seed}"
    if not marker.exists():
        with console.status(f"generating a {scale} synthetic world (seed {seed})"):
            files = write_world(generate(scale, seed=seed), out)
        marker.touch()
        console.print(f"generated {len(files)} files in {out}/")
    inputs = sorted(p for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    with open_store(settings=settings) as store:
        session = AuditedSession(cli_user(), store, settings=settings)
        for report in session.ingest_paths(inputs):
            console.print(f"  {report}")
        with console.status("analysing") as status:
            summary = session.analyze(progress=lambda stage: status.update(f"analysing: {stage}"))
        console.print(
            f"analysed {summary.n_transactions:,} transactions: {summary.n_clusters:,} clusters "
            f"in {sum(summary.seconds.values()):.1f} s"
        )
    if serve:
        check_port(DEMO_ADDRESS, port, make_target="demo")  # again: the analysis took a while
        password = ensure_demo_user(home_path, settings)
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
        env = settings.child_environment()
        command = [sys.executable, "-m", "engine.cli", "dashboard", "--port", str(port),
                   "--address", DEMO_ADDRESS]  # fmt: skip
        raise typer.Exit(run_child(command, env))


def register(app: typer.Typer) -> None:
    app.command()(demo)
