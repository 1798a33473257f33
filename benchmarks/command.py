"""``moneytrail bench``: run the benchmark suite and write the report.

The command lives with the benchmarks (the top floor), not in ``engine.commands``: the CLI finds
it through the ``moneytrail.commands`` entry point that ``pyproject.toml`` declares, so the
engine never imports the benchmarks, and an installed wheel (which packages ``benchmarks``) has
a working ``moneytrail bench``. The peer libraries come with the ``bench`` extra.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from engine.core.errors import ConfigError


def bench(
    quick: Annotated[
        bool, typer.Option(help="Small sizes only: a smoke test of the benchmarks.")
    ] = False,
    scale: Annotated[
        str,
        typer.Option(
            help="standard: the full suite up to 1M transactions (under 30 minutes on 2 cores); "
            "large: adds the 10M-transaction sizes (opt-in, hours and ~8 GiB)."
        ),
    ] = "standard",
    case: Annotated[list[str] | None, typer.Option(help="Run only this case (repeatable).")] = None,
    list_cases: Annotated[bool, typer.Option("--list", help="List the cases and exit.")] = False,
    results: Annotated[
        Path | None,
        typer.Option(
            help="Write the reports here (default: benchmarks/results in a checkout, else "
            "./benchmark-results)."
        ),
    ] = None,
    external: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FORMAT=PATH",
            help="Score detection on a public dataset you downloaded: amlworld, samld, amlsim or "
            "amlgentex = its file or folder (repeatable; see docs/benchmarks.md).",
        ),
    ] = None,
) -> None:
    """Time moneytrail against igraph, networkx, networkit and scipy; write the report."""
    try:
        from benchmarks import run as runner
        from benchmarks.harness import CASES
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the benchmarks need {exc.name!r}: install the bench extra "
            "(pip install 'moneytrail[bench]')"
        ) from exc

    if list_cases:
        runner.discover()
        for name, registered in sorted(CASES.items()):
            flag = "" if registered.quick else " (full runs only)"
            if name in runner.OPT_IN:
                flag += " (opt-in: --case or --scale large)"
            typer.echo(f"{name}: {registered.description}{flag}")
        return
    options = {"results_dir": results or runner.default_results_dir()}
    pairs = [parse_external(item) for item in external or []]
    if pairs and case and "external" not in case:
        case = [*case, "external"]
    try:
        path = runner.run(quick=quick, scale=scale, only=case or None, log=typer.echo,
                          external=pairs, **options)  # fmt: skip
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from exc
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    typer.echo(f"report: {path}")
    failed = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["errors"]
    if failed:  # the report lists them; a smoke run must not pass over them
        typer.secho(
            f"cases that failed: {', '.join(sorted(failed))}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1)


def parse_external(item: str) -> tuple[str, Path]:
    """``FORMAT=PATH`` → (format, path), checked: a known format and a path that exists."""
    from benchmarks.cases.external import FORMATS

    fmt, sep, path = item.partition("=")
    fmt = fmt.strip().lower()
    if not sep or fmt not in FORMATS:
        raise ConfigError(
            f"--external {item!r}: expected FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}"
        )
    if not Path(path).exists():
        raise ConfigError(f"--external {item!r}: {path} does not exist")
    return fmt, Path(path)


def register(app: typer.Typer) -> None:
    app.command()(bench)
