"""``moneytrail users``: add, disable, enable, list users and change their roles or passwords.

Passwords are read from a hidden prompt or, for scripts, from standard input
(``--password-stdin``); never from an argument, which would land in shell history and ``ps``.
Every change is recorded in the audit log as ``manage_users`` by ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

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


def _use_home(home: str | None, store: str | None = None) -> None:
    """Place the users file (``--home``) and pick the store whose audit log records changes;
    the log is opened now, so an unreachable store stops the command before anything changes."""
    from engine.security.audit import open_audit_log

    if home:
        os.environ["MONEYTRAIL_HOME"] = home
    if store:
        os.environ["MONEYTRAIL_STORE"] = store
    open_audit_log()


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _note(change: str, name: str, **details: str) -> None:
    from engine.security import audit

    audit.record(_actor(), "manage_users", f"user:{name}", change=change, **details)


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
    from engine.security.auth import UserDirectory, check_role, check_username

    _use_home(home, store)
    check_username(name)
    check_role(role)
    password = None if oidc else _read_password(password_stdin)
    user = UserDirectory().add(name, role, password, oidc=oidc)
    _note("add", name, role=role, oidc=str(oidc).lower())
    typer.echo(f"added {user.name} ({user.role}{', OpenID Connect' if oidc else ''})")


@users_app.command("disable")
def disable(name: str, store: StoreOption = None, home: HomeOption = None) -> None:
    """Stop a user signing in (their audit history stays)."""
    from engine.security.auth import UserDirectory

    _use_home(home, store)
    UserDirectory().disable(name)
    _note("disable", name)
    typer.echo(f"disabled {name}")


@users_app.command("enable")
def enable(name: str, store: StoreOption = None, home: HomeOption = None) -> None:
    """Let a disabled or locked-out user sign in again."""
    from engine.security.auth import UserDirectory

    _use_home(home, store)
    UserDirectory().enable(name)
    _note("enable", name)
    typer.echo(f"enabled {name}")


@users_app.command("set-role")
def set_role(
    name: str, role: RoleOption, store: StoreOption = None, home: HomeOption = None
) -> None:
    """Change a user's role."""
    from engine.security.auth import UserDirectory

    _use_home(home, store)
    UserDirectory().set_role(name, role)
    _note("set_role", name, role=role)
    typer.echo(f"{name} is now {role}")


@users_app.command("passwd")
def passwd(
    name: str,
    password_stdin: PasswordStdin = False,
    store: StoreOption = None,
    home: HomeOption = None,
) -> None:
    """Set a new password for a user (and clear a lockout)."""
    from engine.security.auth import UserDirectory

    _use_home(home, store)
    directory = UserDirectory()
    if directory.get(name) is None:
        from engine.core.errors import ConfigError

        raise ConfigError(f"no user {name!r}")
    directory.set_password(name, _read_password(password_stdin))
    _note("passwd", name)
    typer.echo(f"password of {name} changed")


@users_app.command("list")
def list_users(home: HomeOption = None) -> None:
    """List users with their roles and state."""
    from rich.console import Console
    from rich.table import Table

    from engine.security.auth import UserDirectory

    if home:
        os.environ["MONEYTRAIL_HOME"] = home
    users = UserDirectory().list()
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
