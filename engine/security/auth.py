"""Users, roles and the one permission table every page and command checks.

Users live in a JSON file (``MONEYTRAIL_USERS_FILE``, else ``$MONEYTRAIL_HOME/users.json``)
with argon2id password hashes (``argon2-cffi``). The file is written atomically (temporary
file, fsync, rename) under a file lock, with owner-only permissions, so two processes adding
users at once never lose one and a crash never leaves half a file.

Roles and what they may do (:data:`PERMISSIONS` is the single source of truth):

============================  =======  ============  =====
action                        analyst  investigator  admin
============================  =======  ============  =====
``upload``                    yes      no            yes
``analyze``                   yes      yes           yes
``view_overview``             yes      yes           yes
``view_benchmarks``           yes      yes           yes
``view_cluster``              no       yes           yes
``view_entity``               no       yes           yes
``search``                    no       yes           yes
``follow_money``              no       yes           yes
``export``                    no       yes           yes
``export_identified``         no       yes           yes
``record_decision``           no       yes           yes
``annotate``                  no       yes           yes
``manage_watchlist``          no       yes           yes
``manage_users``              no       no            yes
``remove_batch``              no       no            yes
``view_audit``                no       no            yes
============================  =======  ============  =====

Analysts bring data in and see the headline figures, but never browse people or money.
Investigators see everything an investigation needs and export case files; a pseudonymised
export (``export``) is the default for sharing with partners, and an identified one
(``export_identified``) is a separate, separately audited action, so an organisation that wants
identified exports to need an admin changes one line. Admins can do everything.

Users authenticated by OpenID Connect (``oidc=True``) have no password here: the identity
provider proves who they are, this file says what they may do. Such a user is named by the
e-mail address in the provider's ID token (see :meth:`UserDirectory.oidc_user`); an identity
with no matching enabled OIDC user has no role and is refused.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from filelock import FileLock

from engine.core.config import Settings
from engine.core.errors import AccessDenied, ConfigError

ROLES = ("analyst", "investigator", "admin")

ACTIONS = (
    "upload",
    "analyze",
    "view_overview",
    "view_cluster",
    "view_entity",
    "search",
    "follow_money",
    "export",
    "export_identified",
    "record_decision",
    "annotate",
    "manage_watchlist",
    "view_benchmarks",
    "manage_users",
    "view_audit",
    "remove_batch",
)

_ALL = frozenset(ROLES)
_INVESTIGATION = frozenset({"investigator", "admin"})

#: action → roles allowed to perform it. The only place a permission is decided.
PERMISSIONS: dict[str, frozenset[str]] = {
    "upload": frozenset({"analyst", "admin"}),
    "analyze": _ALL,
    "view_overview": _ALL,
    "view_benchmarks": _ALL,
    "view_cluster": _INVESTIGATION,
    "view_entity": _INVESTIGATION,
    "search": _INVESTIGATION,
    "follow_money": _INVESTIGATION,
    "export": _INVESTIGATION,
    "export_identified": _INVESTIGATION,
    "record_decision": _INVESTIGATION,
    "annotate": _INVESTIGATION,  # notes, status and assignee of cases and entities
    "manage_watchlist": _INVESTIGATION,
    "manage_users": frozenset({"admin"}),
    "view_audit": frozenset({"admin"}),
    "remove_batch": frozenset({"admin"}),
}

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
MIN_PASSWORD_LENGTH = 12
#: Consecutive failed sign-ins after which a user is refused for LOCKOUT_SECONDS.
MAX_FAILURES = 5
LOCKOUT_SECONDS = 300.0
FILE_VERSION = 1

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the user does not exist, so an unknown name costs as much as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-" + uuid.uuid4().hex)


@dataclass(frozen=True)
class User:
    """A signed-in (or listed) user. Never carries the password hash."""

    name: str
    role: str
    disabled: bool = False
    oidc: bool = False

    def __str__(self) -> str:
        return self.name


def cli_user() -> User:
    """The person at the command line: the operating-system account running ``moneytrail``,
    recorded as ``cli:<name>``.

    Whoever can run the CLI on the machine can read the store's files, so the CLI acts with
    the admin role; what it does is still one audit entry per action, under the OS user's
    name (never a name given on the command line).
    """
    import getpass

    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        name = f"uid{os.getuid()}"
    return User(name=f"cli:{name}", role="admin")


def users_file(
    explicit: str | os.PathLike[str] | None = None, settings: Settings | None = None
) -> Path:
    """The users file: ``explicit``, else the settings' (``MONEYTRAIL_USERS_FILE``, else
    ``<home>/users.json``; default settings :meth:`Settings.from_env`)."""
    if explicit:
        return Path(explicit)
    return (settings or Settings.from_env()).users_path


def allowed(user: User | None, action: str) -> bool:
    """Whether ``user`` may perform ``action`` (``False`` for nobody or a disabled user).

    Raises
    ------
    ValueError
        For an action that is not in :data:`ACTIONS` (a typo must not silently deny or allow).
    """
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    return user is not None and not user.disabled and user.role in PERMISSIONS[action]


def require(user: User | None, action: str) -> User:
    """Return ``user`` if it may perform ``action``, else raise :class:`AccessDenied`."""
    if not allowed(user, action):
        who = "nobody is signed in" if user is None else f"{user.name} ({user.role})"
        raise AccessDenied(f"{action.replace('_', ' ')} is not allowed: {who}")
    assert user is not None
    return user


def check_username(name: str) -> str:
    """Return ``name`` if it is a valid user name (letters, digits, ``._@+-``), else raise."""
    if not USERNAME_PATTERN.fullmatch(name or ""):
        raise ConfigError(
            f"invalid user name {name!r}: use 1-128 letters, digits or . _ @ + - "
            "(starting with a letter or digit)"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return password


class UserDirectory:
    """The users file at ``path``: read, change under the lock, write atomically."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, settings: Settings | None = None
    ) -> None:
        self.path = users_file(path, settings)
        self._lock = FileLock(str(self.path) + ".lock", timeout=30)

    # -- reading -----------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": FILE_VERSION, "users": {}}
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{self.path}: unreadable users file: {exc}") from exc
        if data.get("version") != FILE_VERSION or not isinstance(data.get("users"), dict):
            raise ConfigError(f"{self.path}: not a moneytrail users file")
        return data

    def get(self, name: str) -> User | None:
        """The user called ``name``, or ``None``."""
        record = self._load()["users"].get(name)
        return _user(name, record) if record else None

    def list(self) -> list[User]:
        """All users, sorted by name."""
        users = self._load()["users"]
        return [_user(name, users[name]) for name in sorted(users)]

    # -- changing ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, Any]]:
        """Load the file under its lock, let the caller change it, write it back atomically.

        A write that fails (a full disk, a read-only folder) leaves the file as it was, since
        the new content goes to a temporary file that only replaces it when complete, and
        ends in one :class:`ConfigError` naming the file, not an ``OSError`` traceback.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot create its folder: {_reason(exc)}") from exc
        with self._lock:
            data = self._load()
            yield data
            try:
                _write_atomically(self.path, data)
            except OSError as exc:
                raise ConfigError(
                    f"{self.path}: the users file was not changed: {_reason(exc)}"
                ) from exc

    def add(self, name: str, role: str, password: str | None = None, *, oidc: bool = False) -> User:
        """Add a user with a password, or an OpenID Connect user (``oidc=True``, no password).

        Raises
        ------
        ConfigError
            For an invalid name, role or password, or a name that exists already.
        """
        check_username(name)
        check_role(role)
        if oidc == (password is not None):
            raise ConfigError("give a password, or mark the user as OpenID Connect, not both")
        hashed = None if password is None else _HASHER.hash(check_password(password))
        now = _now()
        with self._changing() as data:
            if name in data["users"]:
                raise ConfigError(f"user {name!r} exists already")
            data["users"][name] = {
                "role": role,
                "hash": hashed,
                "oidc": oidc,
                "disabled": False,
                "created_at": now,
                "updated_at": now,
                "failures": 0,
                "last_failure": None,
            }
            return _user(name, data["users"][name])

    def _update(self, name: str, **changes: Any) -> User:
        with self._changing() as data:
            record = data["users"].get(name)
            if record is None:
                raise ConfigError(f"no user {name!r}")
            record.update(changes, updated_at=_now())
            return _user(name, record)

    # -- kept sign-ins (engine.security.sessions) --------------------------------------------

    def revoke_sessions(self, name: str) -> float:
        """End every kept sign-in of ``name``: tokens issued before now are refused from now on
        (the server-side revocation list is this one time per user). Returns the time."""
        now = time.time()
        self._update(name, sessions_from=now)
        return now

    def sessions_valid_from(self, name: str) -> float:
        """Tokens of ``name`` issued before this time (epoch seconds) are revoked; 0 if none."""
        record = self._load()["users"].get(name) or {}
        return float(record.get("sessions_from") or 0.0)

    def locked_out(self, name: str) -> bool:
        """Whether ``name`` is refused for now after :data:`MAX_FAILURES` failed sign-ins."""
        record = self._load()["users"].get(name) or {}
        return (
            int(record.get("failures") or 0) >= MAX_FAILURES
            and time.time() - float(record.get("last_failure") or 0) < LOCKOUT_SECONDS
        )

    def set_role(self, name: str, role: str) -> User:
        return self._update(name, role=check_role(role))

    def disable(self, name: str) -> User:
        return self._update(name, disabled=True, sessions_from=time.time())

    def enable(self, name: str) -> User:
        return self._update(name, disabled=False, failures=0, last_failure=None)

    def set_password(self, name: str, password: str) -> User:
        hashed = _HASHER.hash(check_password(password))
        return self._update(
            name, hash=hashed, oidc=False, failures=0, last_failure=None, sessions_from=time.time()
        )

    # -- signing in --------------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs and they may sign in, else ``None``.

        An unknown name, a disabled or locked-out user and a wrong password all cost one argon2
        verification and give the same answer, so timing and replies don't reveal which names
        exist. After :data:`MAX_FAILURES` consecutive failures a user is refused for
        :data:`LOCKOUT_SECONDS`, even with the right password. A hash made with older argon2
        parameters is replaced by one with the current parameters on success.

        The attempt is counted *before* the password is checked, under the users file's lock:
        a burst of simultaneous attempts cannot all pass the lockout check before any failure
        is recorded (each one claims its place in the count first), and a success then resets
        the count.
        """
        valid_name = USERNAME_PATTERN.fullmatch(name) is not None
        admitted, record = self._claim_attempt(name) if valid_name else (False, None)
        # a refused attempt (locked, disabled, unknown) is checked against the dummy hash: the
        # same cost, and no guess at the real password
        stored = record.get("hash") if record and admitted else None
        try:
            ok = _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if record is None or not admitted or not ok or stored is None:
            return None
        self._note_success(name, password)
        return _user(name, record)

    def _claim_attempt(self, name: str) -> tuple[bool, dict[str, Any] | None]:
        """Atomically decide whether an attempt for ``name`` may be checked at all and, if so,
        count it as a failure until it proves otherwise. Returns (admitted, record)."""
        if name not in self._load()["users"]:
            return False, None  # nothing to count (and no file written for unknown names)
        with self._changing() as data:
            record = data["users"].get(name)
            if record is None:
                return False, None
            locked = (
                int(record.get("failures") or 0) >= MAX_FAILURES
                and time.time() - float(record.get("last_failure") or 0) < LOCKOUT_SECONDS
            )
            if record.get("disabled") or locked:
                return False, dict(record)
            if int(record.get("failures") or 0) >= MAX_FAILURES:  # an expired lockout
                record["failures"] = 0
            record["failures"] = int(record.get("failures") or 0) + 1
            record["last_failure"] = time.time()
            return True, dict(record)

    def oidc_user(self, email: str) -> User | None:
        """The enabled OpenID Connect user whose name is ``email`` (ignoring case, as e-mail
        providers do), or ``None``. A password user of that name is not an OIDC user: an
        identity provider can never sign in as them."""
        if not USERNAME_PATTERN.fullmatch(email or ""):
            return None
        users = self._load()["users"]
        name = email if email in users else None
        if name is None:
            folded = [n for n in users if n.casefold() == email.casefold()]
            name = folded[0] if len(folded) == 1 else None
        user = _user(name, users[name]) if name else None
        return user if user and user.oidc and not user.disabled else None

    def _note_success(self, name: str, password: str) -> None:
        with self._changing() as data:
            record = data["users"].get(name)
            if record is None:
                return
            record["failures"] = 0
            record["last_failure"] = None
            if record.get("hash") and _HASHER.check_needs_rehash(record["hash"]):
                record["hash"] = _HASHER.hash(password)


def authenticate(
    username: str, password: str, *, path: str | os.PathLike[str] | None = None
) -> User | None:
    """Check a user name and password against the users file; see
    :meth:`UserDirectory.authenticate`."""
    return UserDirectory(path).authenticate(username, password)


def _user(name: str, record: dict[str, Any]) -> User:
    return User(
        name=name,
        role=record["role"],
        disabled=bool(record.get("disabled")),
        oidc=bool(record.get("oidc")),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _reason(exc: OSError) -> str:
    """An OS error as a few words for a person (the disk is full, permission denied)."""
    return "the disk is full" if exc.errno == errno.ENOSPC else str(exc.strerror or exc)


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
