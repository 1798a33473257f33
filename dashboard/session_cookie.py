"""The dashboard's kept sign-in: a signed, expiring session token in a cookie, so a page reload
or a new tab does not sign the investigator out (the rules: :mod:`engine.security.sessions`).

The page never handles the token. After a password sign-in the script leaves a one-time
ticket in the server's memory, and a few lines of JavaScript (``st.html``, run in the page
itself) send the ticket to :func:`endpoint` (``POST /moneytrail/session``, a route of the
dashboard's server, ``dashboard/server.py``), which answers with the ``Set-Cookie``:
``HttpOnly`` (no script can read it), ``SameSite=Strict`` (no other site's page sends it),
``Secure`` when the page came over HTTPS, ``Max-Age`` the token's lifetime. Streamlit gives the
cookies of a session's first request in ``st.context.cookies``: a new tab's session finds the
token there and :func:`restore` signs it in, once per session, audited. Sign-out revokes every
token of the user (the users file) and asks the endpoint to clear the cookie.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import streamlit as st

from engine.security import audit as audit_log
from engine.security import sessions
from engine.security.auth import User, UserDirectory

COOKIE = "moneytrail_session"
ENDPOINT = "/moneytrail/session"
#: Session keys: the pending ticket for the page, the token id in use, the cookie tried.
SESSION_TICKET = "moneytrail_cookie_ticket"
SESSION_TOKEN_ID = "moneytrail_token_id"
SESSION_TRIED = "moneytrail_cookie_tried"
SESSION_STARTED = "moneytrail_started"


def _lifetime() -> float:
    from engine.core.config import Settings
    from engine.core.errors import ConfigError

    try:
        return sessions.lifetime_seconds(Settings.from_env())
    except ConfigError:
        return 0.0


def remember(user: User) -> None:
    """After a password sign-in: mint the token and leave the page a ticket to set it."""
    lifetime = _lifetime()
    if lifetime <= 0:
        return
    token = sessions.issue(user.name, sessions.session_secret(), lifetime)
    claims = sessions.read(token, sessions.session_secret())
    assert claims is not None
    sessions.LAST_SEEN.touch(claims.token_id)
    st.session_state[SESSION_TOKEN_ID] = claims.token_id
    st.session_state[SESSION_STARTED] = claims.issued
    ticket = sessions.TICKETS.issue(sessions.Ticket(token, int(lifetime)))
    st.session_state[SESSION_TICKET] = ticket


def forget() -> None:
    """At sign-out: leave the page a ticket that clears the cookie (the token is revoked
    server-side already, so this is tidiness, not the protection)."""
    st.session_state.pop(SESSION_TOKEN_ID, None)
    st.session_state[SESSION_TICKET] = sessions.TICKETS.issue(sessions.Ticket(None, 0))


def flush() -> None:
    """Give the page the pending ticket, if any (called once per run by the auth views)."""
    ticket = st.session_state.pop(SESSION_TICKET, None)
    if not ticket:
        return
    body = json.dumps({"ticket": ticket})  # a random URL-safe string: nothing to escape
    st.html(
        "<script>fetch(" + json.dumps(ENDPOINT) + ", {method: 'POST', credentials: "
        "'same-origin', headers: {'Content-Type': 'application/json'}, body: "
        + json.dumps(body)
        + "});</script>",
        unsafe_allow_javascript=True,
    )


def touch() -> None:
    """Note that this session's token is in use (the idle limit counts from here)."""
    token_id = st.session_state.get(SESSION_TOKEN_ID)
    if token_id:
        sessions.LAST_SEEN.touch(str(token_id))


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no request context (a bare script run)
        return None
    return value if isinstance(value, str) and value else None


def restore(
    directory: UserDirectory, idle_seconds: float, *, user_key: str, seen_key: str
) -> User | None:
    """The user a valid token in this session's cookie signs in, or ``None``; on success the
    session is signed in (``user_key`` and ``seen_key`` of ``st.session_state`` set).

    Tried once per session and cookie (a refused one is not audited again at every click);
    the outcome is audited: ``sign_in`` with ``method=session`` or ``sign_in_refused`` with
    the reason (expired, idle, signed out, disabled, locked out, ...). The cookie is marked
    as tried only after the session state is complete: Streamlit may stop a run part-way
    (a rerun arriving as a page loads), and a half-done restore must be tried again.
    """
    token = _cookie()
    if not token:
        return None
    fingerprint = hashlib.sha256(token.encode()).hexdigest()[:16]
    if st.session_state.get(SESSION_TRIED) == fingerprint:
        return None
    user, claims, reason = sessions.check(
        token,
        sessions.session_secret(),
        directory,
        idle_seconds=idle_seconds,
        last_seen=sessions.LAST_SEEN,
    )
    if user is None or claims is None:
        who = claims.name if claims else "anonymous"
        audit_log.record("anonymous", "sign_in_refused", who[:128], method="session",
                         reason=reason)  # fmt: skip
        st.session_state[SESSION_TRIED] = fingerprint
        return None
    sessions.LAST_SEEN.touch(claims.token_id)
    audit_log.record(user, "sign_in", user.name, method="session", token=claims.token_id[:8])
    st.session_state[SESSION_TOKEN_ID] = claims.token_id
    st.session_state[SESSION_STARTED] = claims.issued
    st.session_state[seen_key] = time.time()
    st.session_state[user_key] = user.name
    st.session_state[SESSION_TRIED] = fingerprint
    return user


def started(state: Any) -> float:
    """When the sign-in of a session's state began (its token's issue time when restored)."""
    if SESSION_STARTED in state:
        return float(state[SESSION_STARTED])
    return 0.0


# -- the endpoint (a route of dashboard/server.py) -------------------------------------------


async def endpoint(request: Any) -> Any:
    """``POST /moneytrail/session`` with ``{"ticket": ...}``: set or clear the cookie.

    Refuses (403) a request from another origin, a missing, used or expired ticket; answers
    204 with the ``Set-Cookie`` otherwise.
    """
    from starlette.responses import Response

    origin = request.headers.get("origin")
    host = request.headers.get("host", "")
    if origin and origin.split("://", 1)[-1] != host:
        return Response("wrong origin", status_code=403)
    try:
        body = json.loads((await request.body())[:4096] or b"{}")
        key = str(body.get("ticket") or "")
    except (ValueError, AttributeError):
        key = ""
    ticket = sessions.TICKETS.redeem(key) if key else None
    if ticket is None:
        return Response("no such ticket", status_code=403)
    response = Response(status_code=204)
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    if ticket.token is None:
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
    else:
        response.set_cookie(COOKIE, ticket.token, max_age=ticket.max_age, path="/",
                            secure=secure, httponly=True, samesite="strict")  # fmt: skip
    response.headers["cache-control"] = "no-store"
    return response
