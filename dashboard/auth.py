"""Sign-in, roles and the audit trail for the dashboard.

Two ways in:

* **Password**: a form checked against :mod:`engine.security.auth` (argon2 hashes in the users file).
  The signed-in user's name is kept in ``st.session_state`` (server-side), and the record is read again on every run, so disabling a user or changing a
  role takes effect at their next click. An idle session ends after
  ``MONEYTRAIL_SESSION_IDLE_MINUTES`` (default 30). The sign-in survives a page reload or a new
  tab for at most ``MONEYTRAIL_SESSION_HOURS`` (default 8) through a signed, expiring token in
  an ``HttpOnly`` cookie (:mod:`dashboard.session_cookie`); signing out revokes every token of
  the user and ends their other open sessions at their next click.
* **OpenID Connect**, when ``.streamlit/secrets.toml`` has an ``[auth]`` section: Streamlit's
  own ``st.login()`` / ``st.user`` do the protocol (Authorization Code flow; the ID token's
  signature, issuer, audience and nonce are checked by Authlib). The identity provider says
  who the user is, the users file says what they may do: the ID token's ``email`` claim (not
  marked ``email_verified: false``) names an OpenID Connect user added by an administrator
  with ``moneytrail users add EMAIL --role R --oidc`` (matched ignoring case). An identity
  with no such enabled user, or with no usable e-mail, is refused and gets no pages; the
  refusal is audited like every sign-in and sign-out.

What a page calls:

* :func:`require_user` first thing (the app does it once before navigation);
* :func:`guard` with the page's action (see :data:`PAGE_ACTIONS`): refusals are audited and
  stop the page with an error;
* :func:`audit` for what the user looks at or does (``once=True`` for views, so a rerun
  doesn't repeat the entry).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import streamlit as st

from dashboard import session_cookie
from engine.core.errors import ConfigError
from engine.security import audit as audit_log
from engine.security.auth import User, UserDirectory, allowed

SESSION_USER = "moneytrail_user"
SESSION_SEEN = "moneytrail_seen"
SESSION_LAST_AUDIT = "moneytrail_last_audit"
SESSION_OIDC_NOTED = "moneytrail_oidc_noted"

#: The action each dashboard page needs (the app filters its navigation with these).
PAGE_ACTIONS: dict[str, str] = {
    "upload": "upload",
    "overview": "view_overview",
    "clusters": "view_cluster",
    "cluster": "view_cluster",
    "entity": "view_entity",
    "follow": "follow_money",
    "export": "export",
    "watchlist": "view_cluster",
    "benchmarks": "view_benchmarks",
    "admin": "manage_users",
}

T = TypeVar("T")


def idle_limit_seconds() -> float:
    """Idle time after which a password session ends (``MONEYTRAIL_SESSION_IDLE_MINUTES``)."""
    from engine.core.config import Settings
    from engine.core.errors import ConfigError

    try:
        return Settings.from_env().session_idle_minutes * 60
    except ConfigError:
        return 1800.0


def oidc_settings() -> Mapping[str, Any] | None:
    """The ``[auth]`` section of Streamlit's secrets, or ``None`` when OIDC is not set up."""
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets.toml at all
        return None
    return section or None


def oidc_providers() -> list[str | None]:
    """Named providers (``[auth.microsoft]``, ...), or ``[None]`` for the default one."""
    section = oidc_settings() or {}
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return list(named) or [None]


def _oidc_claims() -> dict[str, Any] | None:
    """The ID-token claims of the visitor signed in through OIDC, or ``None``."""
    if oidc_settings() is None:
        return None
    info = st.user.to_dict()
    return info if info.get("is_logged_in") else None


def oidc_email(claims: Mapping[str, Any]) -> str | None:
    """The e-mail that names the moneytrail user: the ``email`` claim, unless the provider
    says it is not verified (``email_verified`` false), since anyone could then claim any."""
    if claims.get("email_verified") in (False, "false"):
        return None
    return str(claims.get("email") or "").strip() or None


def _oidc_identity() -> str | None:
    """Who is signed in through OIDC, for messages and the log: the e-mail, else the subject."""
    claims = _oidc_claims()
    if claims is None:
        return None
    return oidc_email(claims) or str(claims.get("sub") or "unknown identity")


def _oidc_details(claims: Mapping[str, Any]) -> dict[str, str]:
    """What the audit entry of an OIDC sign-in keeps about the identity."""
    return {k: str(claims[k])[:200] for k in ("iss", "sub") if claims.get(k)}


def _forget() -> None:
    for key in (SESSION_USER, SESSION_SEEN, SESSION_LAST_AUDIT, session_cookie.SESSION_STARTED,
                session_cookie.SESSION_TOKEN_ID):  # fmt: skip
        st.session_state.pop(key, None)


def current_user() -> User | None:
    """The signed-in, enabled user of this session, or ``None``."""
    directory = UserDirectory()
    name = st.session_state.get(SESSION_USER)
    if name:
        user = directory.get(name)
        idle = time.time() - float(st.session_state.get(SESSION_SEEN, 0.0))
        changed = user is None or user.disabled or user.oidc
        # signed out in another tab or browser (every kept sign-in of the user was revoked)
        revoked = not changed and session_cookie.started(
            st.session_state
        ) < directory.sessions_valid_from(name)
        if changed or revoked or idle > idle_limit_seconds():
            reason = "account changed" if changed else "signed out elsewhere" if revoked else "idle"
            audit_log.record(name, "sign_out", name, reason=reason)
            _forget()
            return None
        st.session_state[SESSION_SEEN] = time.time()
        session_cookie.touch()
        return user
    # a reload or a new tab, with a valid kept sign-in
    restored = session_cookie.restore(
        directory, idle_limit_seconds(), user_key=SESSION_USER, seen_key=SESSION_SEEN
    )
    if restored is not None:
        return restored
    claims = _oidc_claims()
    email = oidc_email(claims) if claims else None
    if claims and email:
        user = directory.oidc_user(email)
        if user is not None and st.session_state.get(SESSION_OIDC_NOTED) != user.name:
            audit_log.record(user, "sign_in", email, method="oidc", **_oidc_details(claims))
            st.session_state[SESSION_OIDC_NOTED] = user.name
        return user
    return None


def sign_in(username: str, password: str) -> User | None:
    """Check a name and password; on success start the session. Both outcomes are audited."""
    directory = UserDirectory()
    user = directory.authenticate(username, password)
    if user is None:
        audit_log.record("anonymous", "sign_in_failed", username[:128], method="password")
        return None
    st.session_state[SESSION_USER] = user.name
    st.session_state[SESSION_SEEN] = time.time()
    st.session_state[session_cookie.SESSION_STARTED] = time.time()
    audit_log.record(user, "sign_in", user.name, method="password")
    session_cookie.remember(user)  # kept over reloads and new tabs, for a bounded time
    return user


def sign_out() -> bool:
    """End the session (and the OIDC cookie, if that is how the user came in).

    Returns ``True`` when the browser is being sent to the provider to end its session too
    (the caller must then stop the run rather than rerun it, or the redirect can be lost).
    """
    user = current_user()
    if user is not None:
        audit_log.record(user, "sign_out", user.name, reason="requested")
        # every kept sign-in of the user ends, in every tab and browser (a user removed
        # meanwhile has nothing left to revoke)
        with contextlib.suppress(ConfigError):
            UserDirectory().revoke_sessions(user.name)
        session_cookie.forget()
    _forget()
    st.session_state.pop(SESSION_OIDC_NOTED, None)
    if _oidc_identity():
        st.logout()
        return True
    return False


def login_form() -> None:
    """The sign-in page: OIDC buttons when configured, and the password form."""
    session_cookie.flush()  # clears the cookie after a sign-out
    st.title("moneytrail")
    st.caption("Financial intelligence: sign in to continue. Every view is recorded.")
    claims = _oidc_claims()
    if claims:  # authenticated by the provider, but not a moneytrail user
        who = _oidc_identity() or "unknown identity"
        if oidc_email(claims):
            reason = "no enabled moneytrail account"
            st.error(f"{who} has no moneytrail account or it is disabled; ask an administrator.")
        else:
            reason = "no verified e-mail"
            st.error(
                f"{who}: the identity provider gave no verified e-mail address, which moneytrail "
                "needs to find your account; ask an administrator."
            )
        if st.session_state.get(SESSION_OIDC_NOTED) != f"refused:{who}":
            audit_log.record(
                "anonymous",
                "sign_in_refused",
                who,
                method="oidc",
                reason=reason,
                **_oidc_details(claims),
            )
            st.session_state[SESSION_OIDC_NOTED] = f"refused:{who}"
        if st.button("Sign out", key="auth_oidc_out"):
            st.logout()
        return
    if oidc_settings() is not None:
        for provider in oidc_providers():
            label = f"Sign in with {provider}" if provider else "Sign in with your organisation"
            if st.button(label, key=f"auth_oidc_{provider or 'default'}", type="primary"):
                st.login(provider) if provider else st.login()
        st.divider()
    with st.form("auth_sign_in"):
        username = st.text_input("User name", key="auth_username")
        password = st.text_input("Password", type="password", key="auth_password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        if sign_in(username.strip(), password) is not None:
            st.rerun()
        st.error("Unknown user name or wrong password, or the account is disabled or locked.")
    if not UserDirectory().list():
        st.info(
            "No users yet. An administrator adds one with `moneytrail users add NAME --role admin`."
        )


def require_user() -> User:
    """The signed-in user; otherwise show the sign-in page and stop this run."""
    user = current_user()
    if user is None:
        login_form()
        st.stop()
    assert user is not None
    return user


def guard(action: str) -> User:
    """The signed-in user if their role allows ``action``; else record the refusal and stop."""
    user = require_user()
    if not allowed(user, action):
        audit_log.record(user, "access_denied", action, role=user.role)
        st.error(f"Your role ({user.role}) does not allow this: {action.replace('_', ' ')}.")
        st.stop()
    return user


def audit(action: str, target: str = "", *, once: bool | str = False, **details: Any) -> None:
    """Record what the signed-in user did; an audit log that cannot be written stops the page.

    ``once`` skips an entry equal to the last one recorded in the same *slot* (a rerun of the
    same view): ``once=True`` uses the action as the slot; a string names the slot, for a page
    with two widgets recording the same action (two search boxes). Each slot remembers its own
    last entry, so a page recording a search and a view does not repeat both on every rerun.
    """
    user = current_user()
    slot = action if once is True else str(once)
    fingerprint = repr((action, target, sorted(details.items())))
    seen: dict[str, str] = st.session_state.get(SESSION_LAST_AUDIT) or {}
    if once and seen.get(slot) == fingerprint:
        return
    try:
        if user is None:
            audit_log.record("anonymous", action, target, **details)
        else:
            # the signed-in user's session: the same audit path (and the same log, the one kept
            # with the store) as the engine's audited journeys and the CLI
            from dashboard import state

            state.session().log.record(user, action, target, **details)
    except audit_log.AuditError as exc:
        st.error(f"The audit log cannot be written, so this was not done: {exc}")
        st.stop()
    if once:
        st.session_state[SESSION_LAST_AUDIT] = {**seen, slot: fingerprint}


def allowed_pages(user: User | None, pages: Iterable[tuple[T, str]]) -> list[T]:
    """The pages of ``(page, action)`` pairs that ``user`` may open, in order."""
    return [page for page, action in pages if allowed(user, action)]


def account_box(user: User) -> None:
    """Sidebar: who is signed in, their role, and a sign-out button."""
    with st.sidebar:
        session_cookie.flush()  # sets the cookie after a sign-in
    st.sidebar.caption(f"Signed in as **{user.name}** ({user.role})")
    if st.sidebar.button("Sign out", key="auth_sign_out"):
        if sign_out():
            st.stop()
        st.rerun()
