"""``moneytrail users``: add, disable, enable, list users and change their roles or passwords.

Passwords are read from a hidden prompt or, for scripts, from standard input
(``--password-stdin``); never from an argument, which would land in shell history and ``ps``.
Every change is recorded in the audit log as ``manage_users`` by ``cli:<os user>``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from engine.commands.options import HomeOption, StoreOption

users_app = typer.Typer(
    help="Manage dashboard users and their roles (analyst, investigator, admin).",
    no_args_is_help=True,
)

RoleOption = Annotated[
    str,
    typer.Option("--role", "-r", help="analyst (uploads), investigator (views, exports), admin."),
]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


@contextmanager
def _session(home: str | None, store: str | None = None) -> Iterator[tuple[Any, Any]]:
    """The users file of ``--home``, and an audited session as the OS user on the store whose
    audit log records the change. The store and its log are opened first, so an unreachable
    store stops the command before anything changes."""
    from engine.core.config import Settings
    from engine.security.auth import UserDirectory, cli_user
    from engine.services.audited import AuditedSession
    from engine.store import open_store

    settings = Settings.from_env(store=store, home=home)
    with open_store(settings=settings) as opened:
        yield (
            UserDirectory(settings=settings),
            AuditedSession(cli_user(), opened, settings=settings),
        )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name (an e-mail address for OIDC users).")],
    role: RoleOption,
    password_stdin: PasswordStdin = False,
    oidc: Annotated[
        bool, typer.Option("--oidc", help="Signs in through OpenID Connect; no password here.")
    ] = False,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Add a user with a role; the password is asked for (or read from stdin)."""
    from engine.security.auth import check_password, check_role, check_username

    check_username(name)
    check_role(role)
    password = None if oidc else check_password(_read_password(password_stdin))
    with _session(home, store) as (directory, session):
        user = session.manage_user(
            "add",
            name,
            lambda: directory.add(name, role, password, oidc=oidc),
            role=role,
            oidc=str(oidc).lower(),
        )
    typer.echo(f"added {user.name} ({user.role}{', OpenID Connect' if oidc else ''})")


@users_app.command("disable")
def disable(name: str, store: StoreOption = None, home: HomeOption = None) -> None:
    """Stop a user signing in (their audit history stays)."""
    with _session(home, store) as (directory, session):
        session.manage_user("disable", name, lambda: directory.disable(name))
    typer.echo(f"disabled {name}")


@users_app.command("enable")
def enable(name: str, store: StoreOption = None, home: HomeOption = None) -> None:
    """Let a disabled or locked-out user sign in again."""
    with _session(home, store) as (directory, session):
        session.manage_user("enable", name, lambda: directory.enable(name))
    typer.echo(f"enabled {name}")


@users_app.command("set-role")
def set_role(
    name: str, role: RoleOption, store: StoreOption = None, home: HomeOption = None
) -> None:
    """Change a user's role."""
    with _session(home, store) as (directory, session):
        session.manage_user("set_role", name, lambda: directory.set_role(name, role), role=role)
    typer.echo(f"{name} is now {role}")


@users_app.command("passwd")
def passwd(
    name: str,
    password_stdin: PasswordStdin = False,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Set a new password for a user (and clear a lockout)."""
    from engine.core.errors import ConfigError

    with _session(home, store) as (directory, session):
        if directory.get(name) is None:
            raise ConfigError(f"no user {name!r}")
        password = _read_password(password_stdin)
        session.manage_user("passwd", name, lambda: directory.set_password(name, password))
    typer.echo(f"password of {name} changed")


@users_app.command("list")
def list_users(home: HomeOption = None) -> None:
    """List users with their roles and state."""
    from rich.console import Console
    from rich.table import Table

    from engine.core.config import Settings
    from engine.security.auth import UserDirectory

    users = UserDirectory(settings=Settings.from_env(home=home)).list()
    table = Table("user", "role", "sign-in", "state")
    for user in users:
        table.add_row(
            user.name,
            user.role,
            "OpenID Connect" if user.oidc else "password",
            "disabled" if user.disabled else "active",
        )
    Console().print(table if users else "no users yet: add one with moneytrail users add")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
