"""``moneytrail bench``: run the benchmark suite and write the report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from engine.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def bench(
    quick: Annotated[
        bool, typer.Option(help="Small sizes only: a smoke test of the benchmarks.")
    ] = False,
    scale: Annotated[str, typer.Option(help="World scale for the world-based cases.")] = "small",
    case: Annotated[list[str] | None, typer.Option(help="Run only this case (repeatable).")] = None,
    list_cases: Annotated[bool, typer.Option("--list", help="List the cases and exit.")] = False,
    results: Annotated[
        Path | None, typer.Option(help="Write the reports here (default benchmarks/results).")
    ] = None,
) -> None:
    """Time moneytrail against igraph, networkx, networkit and scipy; write the report."""
    if not (ROOT / "benchmarks" / "run.py").exists():
        raise ConfigError(f"benchmarks/ not found next to {ROOT / 'engine'}: run from a checkout")
    sys.path.insert(0, str(ROOT))
    from benchmarks import run as runner
    from benchmarks.harness import CASES

    if list_cases:
        runner.discover()
        for name, registered in sorted(CASES.items()):
            flag = "" if registered.quick else " (full runs only)"
            typer.echo(f"{name}: {registered.description}{flag}")
        return
    options = {"results_dir": results} if results else {}
    try:
        path = runner.run(quick=quick, scale=scale, only=case or None, log=typer.echo, **options)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from exc
    typer.echo(f"report: {path}")
    failed = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["errors"]
    if failed:  # the report lists them; a smoke run must not pass over them
        typer.secho(
            f"cases that failed: {', '.join(sorted(failed))}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(bench)
