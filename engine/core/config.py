"""Configuration: one :class:`Settings` object, built from CLI flags, then environment
variables, then defaults, and passed down.

This module is the only place that reads the process environment for moneytrail's own
settings, and it does so when :meth:`Settings.from_env` is called, never at import time.
Nothing in the project writes ``os.environ``: a command that takes ``--home`` builds a
``Settings`` with that home and hands it to the functions it calls.

Secrets (the Neo4j password, the pseudonymisation key) come only from the environment or a
secrets file outside the repository, and are never printed: both are hidden from ``repr``.

=================================  ===============================================
environment variable               setting
=================================  ===============================================
``MONEYTRAIL_STORE``               :attr:`Settings.store` (``embedded`` | ``neo4j``)
``MONEYTRAIL_HOME``                :attr:`Settings.home` (the EmbeddedStore folder)
``MONEYTRAIL_USERS_FILE``          :attr:`Settings.users_file`
``MONEYTRAIL_AUDIT_FILE``          :attr:`Settings.audit_file` (else kept with the store)
``MONEYTRAIL_AUDIT_ANCHOR``        :attr:`Settings.audit_anchor` (signing key, checkpoints)
``MONEYTRAIL_AUDIT_KEY``           :attr:`Settings.audit_key` (hex Ed25519 seed, optional)
``MONEYTRAIL_PSEUDONYM_KEY``       :attr:`Settings.pseudonym_key`
``MONEYTRAIL_LOCK_TIMEOUT``        :attr:`Settings.lock_timeout` (seconds)
``MONEYTRAIL_NEO4J_TIMEOUT``       :attr:`Settings.neo4j_timeout` (seconds)
``MONEYTRAIL_SESSION_IDLE_MINUTES`` :attr:`Settings.session_idle_minutes`
``MONEYTRAIL_SESSION_HOURS``       :attr:`Settings.session_hours` (sign-in kept over reloads)
``MONEYTRAIL_SESSION_SECRET``      :attr:`Settings.session_secret` (signs session tokens)
``MONEYTRAIL_BENCH_RESULTS``       :attr:`Settings.bench_results`
``NEO4J_URI``, ``NEO4J_USER``,     :attr:`Settings.neo4j`
``NEO4J_PASSWORD`` (or
``NEO4J_PASSWORD_FILE``),
``NEO4J_DATABASE``
=================================  ===============================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.core.errors import ConfigError

DEFAULT_HOME = "./moneytrail-data"
DEFAULT_BASE_CURRENCY = "EUR"
STORE_BACKENDS = ("embedded", "neo4j")


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def data_home(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The EmbeddedStore folder: ``explicit``, else ``MONEYTRAIL_HOME``, else ``./moneytrail-data``."""
    return Path(explicit or _environ(environ).get("MONEYTRAIL_HOME") or DEFAULT_HOME)


def store_backend(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The store backend: ``explicit``, else ``MONEYTRAIL_STORE``, else ``embedded``."""
    backend = (explicit or _environ(environ).get("MONEYTRAIL_STORE") or "embedded").lower()
    if backend not in STORE_BACKENDS:
        raise ConfigError(f"unknown store {backend!r}; choose one of {', '.join(STORE_BACKENDS)}")
    return backend


def _seconds(name: str, value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: give a number of seconds or minutes") from None
    if not number > 0:
        raise ConfigError(f"{name}={value!r}: must be positive")
    return number


def _hours(name: str, value: str | None, default: float = 8.0) -> float:
    """A number of hours from 0 (off) to 720 (30 days)."""
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: give a number of hours") from None
    if not 0 <= number <= 720:
        raise ConfigError(f"{name}={value!r}: must be between 0 and 720 hours")
    return number


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and how to reach Neo4j. The password never appears in ``repr`` or messages."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: str = field(default="", repr=False)
    database: str = "neo4j"

    @classmethod
    def from_env(
        cls,
        uri: str | None = None,
        database: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Neo4jSettings:
        """Read ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD`` (or ``NEO4J_PASSWORD_FILE``)
        and ``NEO4J_DATABASE``; explicit arguments win."""
        env = _environ(environ)
        password = env.get("NEO4J_PASSWORD", "")
        password_file = env.get("NEO4J_PASSWORD_FILE")
        if not password and password_file:
            try:
                password = Path(password_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"NEO4J_PASSWORD_FILE {password_file}: {exc.strerror}") from exc
        return cls(
            uri=uri or env.get("NEO4J_URI", cls.uri),
            user=env.get("NEO4J_USER", cls.user),
            password=password,
            database=database or env.get("NEO4J_DATABASE", cls.database),
        )


@dataclass(frozen=True)
class Settings:
    """Everything moneytrail is configured with, in one immutable object.

    Build it once where the program starts (:meth:`from_env` with the command's flags) and pass
    it down; :meth:`with_` derives a copy with other values. Library callers that pass nothing
    get ``Settings.from_env()`` from the functions that need one.
    """

    store: str = "embedded"
    home: Path = Path(DEFAULT_HOME)
    neo4j: Neo4jSettings = field(default_factory=Neo4jSettings)
    users_file: Path | None = None
    audit_file: Path | None = None
    audit_anchor: Path | None = None
    audit_key: str | None = field(default=None, repr=False)
    pseudonym_key: str | None = field(default=None, repr=False)
    lock_timeout: float = 600.0
    neo4j_timeout: float = 600.0
    session_idle_minutes: float = 30.0
    bench_results: Path | None = None
    #: Longest a dashboard sign-in is kept over page reloads and new tabs (0: never kept).
    session_hours: float = 8.0
    session_secret: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.store not in STORE_BACKENDS:
            raise ConfigError(
                f"unknown store {self.store!r}; choose one of {', '.join(STORE_BACKENDS)}"
            )

    @classmethod
    def from_env(
        cls,
        *,
        store: str | None = None,
        home: str | os.PathLike[str] | None = None,
        uri: str | None = None,
        database: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Flags (the keyword arguments) first, then the environment, then the defaults.

        Raises
        ------
        ConfigError
            For an unknown store, an unreadable password file or a malformed number.
        """
        env = _environ(environ)

        def path(name: str) -> Path | None:
            value = env.get(name)
            return Path(value) if value else None

        return cls(
            store=store_backend(store, env),
            home=data_home(home, env),
            neo4j=Neo4jSettings.from_env(uri=uri, database=database, environ=env),
            users_file=path("MONEYTRAIL_USERS_FILE"),
            audit_file=path("MONEYTRAIL_AUDIT_FILE"),
            audit_anchor=path("MONEYTRAIL_AUDIT_ANCHOR"),
            audit_key=env.get("MONEYTRAIL_AUDIT_KEY") or None,
            pseudonym_key=env.get("MONEYTRAIL_PSEUDONYM_KEY"),
            lock_timeout=_seconds(
                "MONEYTRAIL_LOCK_TIMEOUT", env.get("MONEYTRAIL_LOCK_TIMEOUT"), 600.0
            ),
            neo4j_timeout=_seconds(
                "MONEYTRAIL_NEO4J_TIMEOUT", env.get("MONEYTRAIL_NEO4J_TIMEOUT"), 600.0
            ),
            session_idle_minutes=_seconds(
                "MONEYTRAIL_SESSION_IDLE_MINUTES",
                env.get("MONEYTRAIL_SESSION_IDLE_MINUTES"),
                30.0,
            ),
            bench_results=path("MONEYTRAIL_BENCH_RESULTS"),
            session_hours=_hours("MONEYTRAIL_SESSION_HOURS", env.get("MONEYTRAIL_SESSION_HOURS")),
            session_secret=env.get("MONEYTRAIL_SESSION_SECRET") or None,
        )

    def with_(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied (``None`` values are ignored, as an unset flag)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "home" in given:
            given["home"] = Path(given["home"])  # type: ignore[arg-type]
        if "store" in given:
            given["store"] = store_backend(str(given["store"]), {})
        return replace(self, **given)  # type: ignore[arg-type]

    @property
    def anchor_folder(self) -> Path:
        """The audit anchor's folder (:mod:`engine.security.anchor`): :attr:`audit_anchor`,
        else ``~/.config/moneytrail/audit-anchor``, outside any store folder."""
        return self.audit_anchor or Path.home() / ".config" / "moneytrail" / "audit-anchor"

    @property
    def users_path(self) -> Path:
        """The users file: :attr:`users_file`, else ``<home>/users.json``."""
        return self.users_file or self.home / "users.json"

    def child_environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment for a child process (the dashboard server) that must see these
        settings; ``base`` (default: this process's environment) is copied, not changed."""
        env = dict(_environ(base))
        env["MONEYTRAIL_STORE"] = self.store
        env["MONEYTRAIL_HOME"] = str(self.home.resolve())
        if self.users_file is not None:
            env["MONEYTRAIL_USERS_FILE"] = str(self.users_file.resolve())
        if self.audit_file is not None:
            env["MONEYTRAIL_AUDIT_FILE"] = str(self.audit_file.resolve())
        if self.audit_anchor is not None:
            env["MONEYTRAIL_AUDIT_ANCHOR"] = str(self.audit_anchor.resolve())
        return env
