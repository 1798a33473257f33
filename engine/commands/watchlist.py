"""``moneytrail watchlist``: known suspects to watch, kept in the store; cases near them.

``add`` takes ids and/or a CSV file (:mod:`engine.services.watchlist` for its columns), ``list``
prints the list in force and, with ``--cases N``, the N cases closest to it (personalised
PageRank, :mod:`engine.queries.watchlist`), ``remove`` takes entries off. Each change is one
audit entry under the operating-system user (``cli:<name>``).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from engine.commands.options import HomeOption, StoreOption

if TYPE_CHECKING:
    from engine.services.audited import AuditedSession

watchlist_app = typer.Typer(
    help="Known suspects (accounts or people) to watch; cases are ranked by closeness to them.",
    no_args_is_help=True,
)


class Kind(enum.StrEnum):
    account = "account"
    party = "party"


@watchlist_app.command("add")
def add(
    ids: Annotated[list[str] | None, typer.Argument(help="Account or party ids.")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="CSV with an entity_id (or account_id / party_id) column."),
    ] = None,
    kind: Annotated[
        Kind | None, typer.Option(help="What the ids are (default: a party if one has the id).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why they are watched.")] = None,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Put suspects on the watch list."""
    from engine.core.errors import InputError
    from engine.services import watchlist as service

    suspects = [
        service.Suspect(s.entity_id, s.kind, note)
        for s in service.parse_text("\n".join(ids or []), kind.value if kind else None)
    ]
    if file is None and not suspects:
        raise InputError("give ids or --file")
    with _session(store, home) as session:
        added = service.add(session, suspects) if suspects else 0
        if file is not None:
            try:
                data = file.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror}", file=str(file)) from None
            added += service.add_file(session, data, file.name)
        total = service.current(session.store).num_rows
    typer.echo(f"{added:,} added; {total:,} on the watch list")


@watchlist_app.command("list")
def list_(
    cases: Annotated[
        int, typer.Option("--cases", help="Also print this many cases closest to the list.")
    ] = 0,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Print the watch list (and the cases closest to it)."""
    from rich.console import Console
    from rich.table import Table

    from engine.services import watchlist as service

    console = Console()
    with _session(store, home) as session:
        listed = service.show(session)
        near_cases = _closest_cases(session, listed, cases) if cases > 0 else None
    if not listed.num_rows:
        console.print("the watch list is empty: [bold]moneytrail watchlist add ID[/bold]")
        return
    table = Table(title=f"watch list ({listed.num_rows:,})")
    # ids and dates whole (never cut inside an account number); the note wraps at words
    for column in ("kind", "id", "since"):
        table.add_column(column, no_wrap=True)
    table.add_column("by")
    table.add_column("note", ratio=1)
    for row in listed.to_pylist():
        table.add_row(row["entity_kind"], row["entity_id"], f"{row['at']:%Y-%m-%d}",
                      row["by"] or "", row["note"] or "")  # fmt: skip
    console.print(table)
    if near_cases is not None:
        if near_cases.empty:
            console.print("no case is close to the list (is it in the analysed data?)")
            return
        ranked = Table(title="closest cases")
        for column in ("case", "closeness", "watched accounts"):
            ranked.add_column(column, justify="right")
        for row in near_cases.itertuples():
            ranked.add_row(str(row.cluster_id), f"{100 * row.watch_closeness:.2f} %",
                           str(row.watched))  # fmt: skip
        console.print(ranked)


@watchlist_app.command("remove")
def remove(
    ids: Annotated[list[str], typer.Argument(help="Ids to take off the list.")],
    note: Annotated[str | None, typer.Option(help="Why they are no longer watched.")] = None,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Take suspects off the watch list (the history stays in the store)."""
    from engine.services import watchlist as service

    with _session(store, home) as session:
        removed = service.remove(session, ids, note)
        total = service.current(session.store).num_rows
    typer.echo(f"{removed:,} removed; {total:,} on the watch list")


def _closest_cases(session, listed, top):  # type: ignore[no-untyped-def]
    from engine.queries import Workbench
    from engine.queries.watchlist import case_closeness, closeness

    wb = Workbench(session.store)
    frame = case_closeness(wb, closeness(wb, listed))
    frame = frame[frame["watch_closeness"] > 0]
    return frame.sort_values("watch_closeness", ascending=False).head(top)


@contextlib.contextmanager
def _session(store: str | None, home: str | None) -> Iterator[AuditedSession]:
    """The store and the CLI user's audited session, closed afterwards."""
    from engine.core.config import Settings
    from engine.security.auth import cli_user
    from engine.services.audited import AuditedSession
    from engine.store import open_store

    settings = Settings.from_env(store=store, home=home)
    with open_store(settings=settings) as opened:
        yield AuditedSession(cli_user(), opened, settings=settings)


def register(app: typer.Typer) -> None:
    app.add_typer(watchlist_app, name="watchlist")
