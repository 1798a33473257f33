"""``moneytrail dashboard``: serve the investigator's dashboard (Streamlit, headless)."""

from __future__ import annotations

from typing import Annotated

import typer

from engine.commands.options import HomeOption, StoreOption

#: Largest upload in megabytes (Streamlit's server.maxUploadSize; its own default is 200).
MAX_UPLOAD_MB = 100


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line for the dashboard (headless, no telemetry)."""
    import sys
    from importlib import resources

    # server.py wraps app.py in a guard for uploads and metrics (see dashboard/server.py)
    app = resources.files("dashboard").joinpath("server.py")
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless=true",
        f"--server.port={port}",
        f"--server.address={address}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--client.toolbarMode=minimal",
        "--theme.base=light",
        f"--server.maxUploadSize={MAX_UPLOAD_MB}",
    ]


def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Serve the dashboard: upload, clusters, entities, follow the money, export."""
    import os
    import subprocess
    import sys

    from engine.commands.serving import check_port
    from engine.core.config import Settings

    check_port(address, port)
    # The server is a child process: it gets these settings through its own environment
    # (this process's environment is copied, never changed).
    env = Settings.from_env(store=store, home=home).child_environment()
    typer.echo(f"dashboard: http://{address if address != '0.0.0.0' else 'localhost'}:{port}")
    command = streamlit_command(port, address)
    if os.name == "posix":
        # Become the server, so stopping this process (Ctrl+C, SIGTERM) stops Streamlit too.
        sys.stdout.flush()
        os.execve(command[0], command, env)
    raise typer.Exit(subprocess.call(command, env=env))


def register(app: typer.Typer) -> None:
    app.command()(dashboard)
