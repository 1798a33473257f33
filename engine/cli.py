"""The ``moneytrail`` command line.

Each command lives in its own module under :mod:`engine.commands` and registers itself on
:data:`app`. Heavy libraries are imported inside the command functions, so ``--help`` is fast.
Errors a user can cause (:class:`engine.core.errors.MoneytrailError`) end in one red line and exit
code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from engine.core.errors import MoneytrailError

app = typer.Typer(
    name="moneytrail",
    help="Financial-flow graph analytics for investigating smuggling and trafficking networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Financial-flow graph analytics for investigating smuggling and trafficking networks.

    Typical use: ``moneytrail generate`` or ``moneytrail ingest FILE...``, then
    ``moneytrail analyze``, ``moneytrail clusters`` and ``moneytrail dashboard``.
    """


#: Command modules, in the order ``--help`` lists them. Each defines ``register(app)``.
COMMAND_MODULES = (
    "engine.commands.generate",
    "engine.commands.ingest",
    "engine.commands.batches",
    "engine.commands.analyze",
    "engine.commands.snapshot",
    "engine.commands.clusters",
    "engine.commands.export",
    "engine.commands.dashboard",
    "engine.commands.demo",
    "engine.commands.users",
    "engine.commands.audit",
    "engine.commands.feedback",
    "engine.commands.watchlist",
    "engine.commands.scores",
)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command not built yet
                continue
            raise
        module.register(app)
    # Commands of the floors above the engine (``moneytrail bench`` lives with the benchmarks),
    # found through the ``moneytrail.commands`` entry point so the engine never imports them.
    from importlib.metadata import entry_points

    for point in sorted(entry_points(group="moneytrail.commands"), key=lambda p: p.name):
        try:
            register = point.load()
        except ModuleNotFoundError as exc:  # a plugin whose extra is not installed
            _missing_plugin(point.name, exc)
            continue
        register(app)


def _missing_plugin(name: str, exc: ModuleNotFoundError) -> None:
    @app.command(name, help=f"(unavailable: needs {exc.name}; install the project's extras)")
    def unavailable() -> None:
        raise MoneytrailError(f"moneytrail {name} needs {exc.name!r}, which is not installed")


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    try:
        app(args=argv, standalone_mode=True)
    except MoneytrailError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
