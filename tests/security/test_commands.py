"""``moneytrail users`` and ``moneytrail audit``: the CLI an administrator uses."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.security import auth
from engine.security.audit import AuditLog

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("fast_hashing")
PASSWORD = "a very long password"


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_users_lifecycle_through_the_cli():
    result = run(
        "users", "add", "ana", "--role", "analyst", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert auth.authenticate("ana", PASSWORD) == auth.User("ana", "analyst")
    assert run("users", "set-role", "ana", "--role", "investigator").exit_code == 0
    assert run("users", "disable", "ana").exit_code == 0
    assert auth.authenticate("ana", PASSWORD) is None
    listing = run("users", "list")
    assert (
        "ana" in listing.output
        and "investigator" in listing.output
        and "disabled" in listing.output
    )
    assert run("users", "enable", "ana").exit_code == 0
    result = run("users", "passwd", "ana", "--password-stdin", stdin="another long password\n")
    assert result.exit_code == 0
    assert auth.authenticate("ana", "another long password").role == "investigator"
    # every change is in the audit log, by the CLI's operator
    changes = [e["details"]["change"] for e in AuditLog().entries(action="manage_users")]
    assert changes == ["add", "set_role", "disable", "enable", "passwd"]
    assert all(e["user"].startswith("cli") for e in AuditLog().entries())


def test_password_prompt_asks_twice_and_never_takes_an_argument():
    result = run("users", "add", "ivo", "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert auth.authenticate("ivo", PASSWORD).role == "admin"
    assert run("users", "add", "eve", "--role", "admin", "--password", PASSWORD).exit_code != 0


def test_bad_input_ends_in_one_clear_error():
    result = run("users", "add", "x", "--role", "root", "--oidc")
    assert result.exit_code != 0 and "unknown role" in str(result.exception)
    result = run("users", "add", "ivo", "--role", "admin", "--password-stdin", stdin="short\n")
    assert "too short" in str(result.exception)
    assert auth.UserDirectory().list() == []


def test_oidc_user():
    assert run("users", "add", "ivo@fiu.example", "--role", "investigator", "--oidc").exit_code == 0
    assert "OpenID Connect" in run("users", "list").output


def test_audit_verify_list_and_export(tmp_path):
    log = AuditLog()
    log.record("ivo", "search", "smith", query="smith")
    log.record("ana", "upload", "batch:1")
    result = run("audit", "verify")
    assert result.exit_code == 0 and "intact: 2 entries" in result.output
    listing = run("audit", "list", "--user", "ivo")
    assert "smith" in listing.output and "upload" not in listing.output
    assert "no matching" in run("audit", "list", "--since", "2999-01-01").output
    out = tmp_path / "audit.csv"
    result = run("audit", "export", str(out))
    assert result.exit_code == 0 and "2 entries" in result.output
    assert [r["action"] for r in csv.DictReader(out.open())] == ["search", "upload"]
    assert AuditLog().entries()[-1]["action"] == "export_audit"


def test_audit_verify_fails_on_an_edited_log():
    log = AuditLog()
    log.record("ivo", "search", "smith")
    log.record("ivo", "export", "cluster:1")
    log.path.write_text(log.path.read_text().replace("smith", "jones"))
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "line 1" in result.output and "edited" in result.output


def test_bad_since_is_a_clear_error():
    result = run("audit", "list", "--since", "yesterday")
    assert "ISO date" in str(result.exception)


def test_demo_creates_one_admin_once(isolated_home):
    from engine.commands.demo import DEMO_USER, ensure_demo_user

    password = ensure_demo_user(isolated_home)
    assert password and len(password) >= auth.MIN_PASSWORD_LENGTH
    assert auth.authenticate(DEMO_USER, password) == auth.User(DEMO_USER, "admin")
    assert ensure_demo_user(isolated_home) is None  # users exist: nothing changes
    assert [u.name for u in auth.UserDirectory().list()] == [DEMO_USER]
    assert auth.authenticate(DEMO_USER, password) is not None


def test_demo_leaves_existing_users_alone(isolated_home):
    from engine.commands.demo import ensure_demo_user

    auth.UserDirectory().add("ana", "analyst", PASSWORD)
    assert ensure_demo_user(isolated_home) is None
    assert [u.name for u in auth.UserDirectory().list()] == ["ana"]


def test_users_add_on_a_full_disk_is_one_line_and_changes_nothing(monkeypatch, capsys):
    """The users file's new content cannot be written (ENOSPC): one clear error, exit 2, the
    file as it was and no temporary file left beside it."""
    import errno
    import os

    from engine.cli import main

    added = run("users", "add", "ana", "--role", "analyst", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    path = auth.users_file()
    before = path.read_bytes()
    real_fdopen = os.fdopen

    def full_disk(fd, *args, **kwargs):  # the users file's temporary copy cannot be written
        handle = real_fdopen(fd, *args, **kwargs)
        if ".users" in os.readlink(f"/proc/self/fd/{fd}") and "w" in (args[0] if args else ""):

            def write(*_):
                raise OSError(errno.ENOSPC, "No space left on device")

            handle.write = write
        return handle

    monkeypatch.setattr(auth.os, "fdopen", full_disk)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    with pytest.raises(SystemExit) as ended:
        main(["users", "add", "ivo", "--role", "admin", "--password-stdin"])
    assert ended.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "disk is full" in err and "Traceback" not in err, err
    assert path.read_bytes() == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert auth.authenticate("ivo", PASSWORD) is None
