"""Kept sign-ins (engine.security.sessions, dashboard.session_cookie): the token's rules, the
cookie endpoint, and the dashboard's sign-in and sign-out through AppTest."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from dashboard import session_cookie
from engine.core.config import Settings
from engine.core.errors import ConfigError
from engine.security import sessions
from engine.security.auth import MAX_FAILURES, UserDirectory

SECRET = b"s" * 32
APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def directory(tmp_path, monkeypatch) -> UserDirectory:
    from argon2 import PasswordHasher

    from engine.security import auth

    monkeypatch.setattr(
        auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setenv("MONEYTRAIL_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("MONEYTRAIL_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("MONEYTRAIL_SESSION_SECRET", raising=False)
    users = UserDirectory()
    users.add("ivo", "investigator", PASSWORD)
    users.add("sso@fiu.example", "investigator", oidc=True)
    return users


def _check(token: str, directory: UserDirectory, **kw):
    kw.setdefault("idle_seconds", 1800.0)
    kw.setdefault("last_seen", sessions.LastSeen())
    return sessions.check(token, SECRET, directory, **kw)


def test_a_fresh_token_signs_its_user_in(directory) -> None:
    user, claims, reason = _check(sessions.issue("ivo", SECRET, 3600), directory)
    assert reason == "ok" and user is not None and user.name == "ivo"
    assert claims is not None and claims.expires - claims.issued == pytest.approx(3600)


def test_forged_tokens_are_refused(directory) -> None:
    token = sessions.issue("ivo", SECRET, 3600)
    version, body, signature = token.split(".")
    assert _check(f"{version}.{body}.{'0' * 64}", directory)[2] == "malformed or forged"
    assert _check(sessions.issue("ivo", b"t" * 32, 3600), directory)[2] == "malformed or forged"
    assert _check("v1.garbage", directory)[2] == "malformed or forged"
    assert _check("", directory)[2] == "malformed or forged"
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    assert _check(f"{version}.{flipped}.{signature}", directory)[0] is None


def test_expired_and_idle_tokens_are_refused(directory) -> None:
    old = sessions.issue("ivo", SECRET, 60, now=time.time() - 120)
    assert _check(old, directory)[2] == "expired"
    # issued an hour ago, valid for 8 hours, never used since: past the 30-minute idle limit
    quiet = sessions.issue("ivo", SECRET, 8 * 3600, now=time.time() - 3600)
    assert _check(quiet, directory)[2] == "idle"
    seen = sessions.LastSeen()
    claims = sessions.read(quiet, SECRET)
    assert claims is not None
    seen.touch(claims.token_id)  # used a moment ago in this server
    assert _check(quiet, directory, last_seen=seen)[2] == "ok"


def test_sign_out_disable_password_change_and_lockout_refuse_the_token(directory) -> None:
    token = sessions.issue("ivo", SECRET, 3600)
    directory.revoke_sessions("ivo")
    assert _check(token, directory)[2] == "signed out"
    assert _check(sessions.issue("ivo", SECRET, 3600), directory)[2] == "ok"  # a new sign-in
    token = sessions.issue("ivo", SECRET, 3600)
    directory.set_password("ivo", "another long password")
    assert _check(token, directory)[2] == "signed out"
    token = sessions.issue("ivo", SECRET, 3600)
    for _ in range(MAX_FAILURES):
        assert directory.authenticate("ivo", "wrong password!!") is None
    assert _check(token, directory)[2] == "locked out"
    directory.enable("ivo")
    assert _check(token, directory)[2] == "ok"
    directory.disable("ivo")
    assert _check(token, directory)[2] == "disabled"


def test_unknown_and_identity_provider_users_are_refused(directory) -> None:
    assert _check(sessions.issue("nobody", SECRET, 3600), directory)[2] == "unknown user"
    token = sessions.issue("sso@fiu.example", SECRET, 3600)
    assert _check(token, directory)[2] == "identity provider user"


def test_the_secret_is_kept_owner_only_or_taken_from_the_environment(directory, tmp_path):
    settings = Settings.from_env()
    first = sessions.session_secret(settings)
    assert len(first) == 32 and sessions.session_secret(settings) == first
    key = tmp_path / "session.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    given = settings.with_(session_secret="x" * 40)
    assert sessions.session_secret(given) == b"x" * 40
    with pytest.raises(ConfigError, match="too short"):
        sessions.session_secret(settings.with_(session_secret="short"))


def test_session_hours_setting(monkeypatch) -> None:
    monkeypatch.setenv("MONEYTRAIL_SESSION_HOURS", "0")
    assert sessions.lifetime_seconds(Settings.from_env()) == 0
    monkeypatch.setenv("MONEYTRAIL_SESSION_HOURS", "forever")
    with pytest.raises(ConfigError, match="MONEYTRAIL_SESSION_HOURS"):
        Settings.from_env()


# -- the endpoint -------------------------------------------------------------------------------


@pytest.fixture
def client() -> TestClient:
    app = Starlette(routes=[Route(session_cookie.ENDPOINT, session_cookie.endpoint,
                                  methods=["POST"])])  # fmt: skip
    return TestClient(app, base_url="http://dash.example")


def test_endpoint_sets_an_httponly_strict_cookie_once_per_ticket(client) -> None:
    ticket = sessions.TICKETS.issue(sessions.Ticket("v1.token.sig", 3600))
    response = client.post(session_cookie.ENDPOINT, json={"ticket": ticket})
    assert response.status_code == 204
    header = response.headers["set-cookie"]
    assert header.startswith("moneytrail_session=v1.token.sig;")
    assert "HttpOnly" in header and "SameSite=strict" in header and "Max-Age=3600" in header
    assert "Secure" not in header  # plain HTTP here; over HTTPS the cookie is Secure
    again = client.post(session_cookie.ENDPOINT, json={"ticket": ticket})
    assert again.status_code == 403 and "set-cookie" not in again.headers


def test_endpoint_refuses_unknown_tickets_and_other_origins(client) -> None:
    assert client.post(session_cookie.ENDPOINT, json={"ticket": "made-up"}).status_code == 403
    assert client.post(session_cookie.ENDPOINT, content=b"not json").status_code == 403
    ticket = sessions.TICKETS.issue(sessions.Ticket("v1.token.sig", 3600))
    response = client.post(session_cookie.ENDPOINT, json={"ticket": ticket},
                           headers={"origin": "https://evil.example"})  # fmt: skip
    assert response.status_code == 403


def test_endpoint_clears_the_cookie_for_a_sign_out_ticket(client) -> None:
    ticket = sessions.TICKETS.issue(sessions.Ticket(None, 0))
    response = client.post(session_cookie.ENDPOINT, json={"ticket": ticket})
    assert response.status_code == 204
    header = response.headers["set-cookie"]
    assert header.startswith('moneytrail_session="";') and "Max-Age=0" in header


def test_https_makes_the_cookie_secure() -> None:
    app = Starlette(routes=[Route(session_cookie.ENDPOINT, session_cookie.endpoint,
                                  methods=["POST"])])  # fmt: skip
    secure = TestClient(app, base_url="https://dash.example")
    ticket = sessions.TICKETS.issue(sessions.Ticket("v1.token.sig", 60))
    response = secure.post(session_cookie.ENDPOINT, json={"ticket": ticket})
    assert "Secure" in response.headers["set-cookie"]


def test_tickets_expire(monkeypatch) -> None:
    book = sessions.Tickets()
    key = book.issue(sessions.Ticket("t", 1))
    later = time.time() + sessions.TICKET_SECONDS + 1
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    assert book.redeem(key) is None


# -- the dashboard (AppTest) --------------------------------------------------------------------


def _ticket_in_page(at: AppTest) -> str | None:
    """The ticket in the page's cookie script (an ``st.html`` element), if there is one."""
    import re

    for element in at.get("html"):
        found = re.search(r'ticket\\": \\"([A-Za-z0-9_-]+)', str(element.proto.body))
        if found:
            return found.group(1)
    return None


def test_dashboard_sign_in_leaves_a_ticket_and_sign_out_revokes(directory, tmp_path, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="auth_username").input("ivo")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    ticket = _ticket_in_page(at)
    assert ticket, "the page got no ticket for the cookie"
    redeemed = sessions.TICKETS.redeem(ticket)
    assert redeemed is not None and redeemed.token
    user, _, reason = sessions.check(
        redeemed.token,
        sessions.session_secret(),
        directory,
        idle_seconds=1800,
        last_seen=sessions.LAST_SEEN,
    )
    assert reason == "ok" and user is not None and user.name == "ivo"
    sign_out = next(b for b in at.sidebar.button if b.label == "Sign out")
    sign_out.click().run()
    assert at.text_input(key="auth_username") is not None  # the form again
    _, _, reason = sessions.check(
        redeemed.token,
        sessions.session_secret(),
        directory,
        idle_seconds=1800,
        last_seen=sessions.LAST_SEEN,
    )
    assert reason == "signed out"
    cleared = _ticket_in_page(at)
    assert cleared and sessions.TICKETS.redeem(cleared) == sessions.Ticket(None, 0)


def test_a_session_revoked_elsewhere_ends_at_its_next_run(directory, tmp_path, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="auth_username").input("ivo")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert any(b.label == "Sign out" for b in at.sidebar.button)
    directory.revoke_sessions("ivo")  # the user signed out in another tab or browser
    at.run()
    assert not any(b.label == "Sign out" for b in at.sidebar.button)
    assert at.text_input(key="auth_username") is not None
