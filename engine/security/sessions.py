"""Signed, expiring session tokens: how a dashboard sign-in survives a page reload or a new tab.

A Streamlit session lives as long as its browser tab's connection; a reload opens a new one,
which used to mean a new sign-in. After a password sign-in the dashboard now gives the browser
a token in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` over HTTPS), and a new
session that arrives with it is signed in again, within bounds:

* **Signed**: ``v1.<payload>.<HMAC-SHA256>`` over the user name, the time it was issued, the
  time it expires and a random id, with a server secret (:func:`session_secret`:
  ``MONEYTRAIL_SESSION_SECRET``, else a random key kept owner-only beside the users file).
  A token cannot be made or changed without the secret; checks use ``hmac.compare_digest``.
* **Expiring**: at most ``MONEYTRAIL_SESSION_HOURS`` (default 8) after sign-in, and never
  after the idle limit (``MONEYTRAIL_SESSION_IDLE_MINUTES``) without use: the last use of each
  token is kept in the server process (:class:`LastSeen`); a token with no use recorded (the
  server restarted) counts from the time it was issued.
* **Revocable everywhere**: signing out writes the time into the user's record in the users
  file (:meth:`~engine.security.auth.UserDirectory.revoke_sessions`), the server-side list of
  revocations; every token issued before it is refused, in every tab and browser, and open
  sessions of the user end at their next click. A new password or disabling the user revokes
  too.
* **The rules still apply**: the user's record is read on every check, so a disabled user, an
  OpenID Connect user (they come back through their provider) and a user locked out after
  failed passwords are refused, and the role is whatever the record says now.

The cookie is set by a small endpoint of the dashboard's server (``dashboard/server.py``),
never by the page's script: a sign-in leaves a one-time ticket (:class:`Tickets`, valid for
a minute, in the server's memory) that the page redeems with a same-origin request, and the
endpoint answers with the ``Set-Cookie``. So the token itself never passes through
JavaScript, and a page cannot mint one for a user that did not just sign in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass

from engine.core.config import Settings
from engine.core.errors import ConfigError
from engine.security.auth import User, UserDirectory

VERSION = "v1"
#: What the HMAC covers besides the payload (so a signature means nothing elsewhere).
_DOMAIN = b"moneytrail-session-v1|"
#: Seconds a ticket from a sign-in may wait for the page to redeem it.
TICKET_SECONDS = 60.0
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Claims:
    """What a valid token says: who, when it was issued and expires (epoch seconds), its id."""

    name: str
    issued: float
    expires: float
    token_id: str


def session_secret(settings: Settings | None = None) -> bytes:
    """The server secret tokens are signed with.

    ``MONEYTRAIL_SESSION_SECRET`` (at least 32 characters) when set, so several servers can
    share it; else ``session.key`` beside the users file, made on first use with 32 random
    bytes and owner-only permissions (whoever can read it could also read the users file).
    """
    settings = settings or Settings.from_env()
    given = settings.session_secret
    if given:
        if len(given) < MIN_SECRET_LENGTH:
            raise ConfigError(
                f"MONEYTRAIL_SESSION_SECRET is too short: use at least {MIN_SECRET_LENGTH} "
                "random characters"
            )
        return given.encode()
    path = settings.users_path.with_name("session.key")
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable session key: {exc}") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex())
        handle.flush()
        os.fsync(handle.fileno())
    return key


def lifetime_seconds(settings: Settings | None = None) -> float:
    """How long a token may live at most (``MONEYTRAIL_SESSION_HOURS``, default 8; 0: no
    token, every tab signs in)."""
    hours = (settings or Settings.from_env()).session_hours
    if not 0 <= hours <= 24 * 30:
        raise ConfigError("MONEYTRAIL_SESSION_HOURS must be between 0 and 720")
    return hours * 3600.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(name: str, secret: bytes, lifetime: float, *, now: float | None = None) -> str:
    """A token for user ``name`` valid for ``lifetime`` seconds from ``now``."""
    issued = time.time() if now is None else now
    payload = f"{name}|{issued:.6f}|{issued + lifetime:.6f}|{secrets.token_hex(16)}".encode()
    signature = hmac.new(secret, _DOMAIN + payload, hashlib.sha256).hexdigest()
    return f"{VERSION}.{_b64(payload)}.{signature}"


def read(token: str, secret: bytes) -> Claims | None:
    """The claims of ``token`` if its signature is right (expiry is not checked here)."""
    try:
        version, body, signature = token.split(".")
        payload = _unb64(body)
    except (ValueError, TypeError):
        return None
    if version != VERSION:
        return None
    expected = hmac.new(secret, _DOMAIN + payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        name, issued, expires, token_id = payload.decode().split("|")
        return Claims(name, float(issued), float(expires), token_id)
    except ValueError:
        return None


class LastSeen:
    """When each token was last used, in this server process (for the idle limit)."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def touch(self, token_id: str, when: float | None = None) -> None:
        with self._lock:
            self._seen[token_id] = time.time() if when is None else when

    def get(self, token_id: str) -> float | None:
        with self._lock:
            return self._seen.get(token_id)


def check(
    token: str,
    secret: bytes,
    directory: UserDirectory,
    *,
    idle_seconds: float,
    last_seen: LastSeen,
    now: float | None = None,
) -> tuple[User | None, Claims | None, str]:
    """Who ``token`` signs in, if anyone: ``(user, claims, reason)``.

    ``user`` is ``None`` when the token is refused; ``reason`` then says why (``malformed or
    forged``, ``expired``, ``idle``, ``signed out``, ``unknown user``, ``disabled``, ``locked
    out``, ``identity provider user``); ``ok`` otherwise.
    """
    now = time.time() if now is None else now
    claims = read(token, secret)
    if claims is None:
        return None, None, "malformed or forged"
    if now >= claims.expires:
        return None, claims, "expired"
    last = last_seen.get(claims.token_id) or claims.issued
    if now - last > idle_seconds:
        return None, claims, "idle"
    user = directory.get(claims.name)
    if user is None:
        return None, claims, "unknown user"
    if user.disabled:
        return None, claims, "disabled"
    if user.oidc:
        return None, claims, "identity provider user"
    if claims.issued < directory.sessions_valid_from(claims.name):
        return None, claims, "signed out"
    if directory.locked_out(claims.name):
        return None, claims, "locked out"
    return user, claims, "ok"


@dataclass(frozen=True)
class Ticket:
    """What a redeemed ticket asks the endpoint to do: set ``token`` (or clear the cookie)."""

    token: str | None
    max_age: int


class Tickets:
    """One-time tickets from the page's script to the cookie endpoint (in server memory)."""

    def __init__(self) -> None:
        self._open: dict[str, tuple[float, Ticket]] = {}
        self._lock = threading.Lock()

    def issue(self, ticket: Ticket) -> str:
        key = secrets.token_urlsafe(24)
        with self._lock:
            now = time.time()
            self._open = {k: v for k, v in self._open.items() if v[0] > now}
            self._open[key] = (now + TICKET_SECONDS, ticket)
        return key

    def redeem(self, key: str) -> Ticket | None:
        """The ticket ``key`` names, once, within :data:`TICKET_SECONDS`; else ``None``."""
        with self._lock:
            deadline, ticket = self._open.pop(key, (0.0, None))
        return ticket if ticket is not None and time.time() < deadline else None


#: The server process's tickets and token uses (the dashboard's script and its endpoint run
#: in the same process).
TICKETS = Tickets()
LAST_SEEN = LastSeen()
