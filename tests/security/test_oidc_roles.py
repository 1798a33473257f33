"""How an OpenID Connect identity gets its moneytrail role, checked with AppTest and directly.

The provider proves who someone is (the ID token's ``email``); the users file says what they
may do (an ``--oidc`` user of that name). These run the real dashboard app (navigation and
all) with ``AppTest.user`` standing in for the ID-token claims Streamlit would hold after a
sign-in; tests/security/test_oidc_browser.py does the protocol itself against a provider.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth as dash_auth
from engine.security.audit import AuditLog
from engine.security.auth import User, UserDirectory

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
ISSUER = "http://127.0.0.1:9400"
OIDC = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "c" * 64,
        "fiu-idp": {
            "client_id": "moneytrail",
            "client_secret": "s",
            "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
        },
    }
}


@pytest.fixture
def directory(fast_hashing, monkeypatch, tmp_path) -> UserDirectory:
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    users = UserDirectory()
    users.add("ana@fiu.example", "analyst", oidc=True)
    users.add("ivo@fiu.example", "investigator", oidc=True)
    users.add("adm@fiu.example", "admin", oidc=True)
    users.add("pat@fiu.example", "admin", "a long password here")  # a password user
    return users


def run_app(claims: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets = OIDC
    at.user = claims
    return at.run()


def claims(email: str | None, sub: str = "subject-1", **extra) -> dict:
    out = {"is_logged_in": True, "iss": ISSUER, "sub": sub, **extra}
    if email is not None:
        out["email"] = email
    return out


def signed_in_as(at: AppTest) -> str:
    captions = [c.value for c in at.sidebar.caption]
    return next((c for c in captions if c.startswith("Signed in as")), "")


@pytest.mark.parametrize("role", ["analyst", "investigator", "admin"])
def test_each_role_comes_from_the_users_file(directory, role):
    email = {"analyst": "ana", "investigator": "ivo", "admin": "adm"}[role] + "@fiu.example"
    at = run_app(claims(email, sub=f"sub-{role}"))
    assert not at.exception, at.exception
    assert signed_in_as(at) == f"Signed in as **{email}** ({role})"
    entry = AuditLog().entries(action="sign_in")[-1]
    assert (entry["user"], entry["target"]) == (email, email)
    assert entry["details"] == {"method": "oidc", "iss": ISSUER, "sub": f"sub-{role}"}


def test_the_role_decides_what_a_page_allows(directory):
    """The guard on each page applies the mapped role (the same table as password users)."""
    for name, role in [("ana", "analyst"), ("ivo", "investigator"), ("adm", "admin")]:
        user = directory.oidc_user(f"{name}@fiu.example")
        assert user == User(f"{name}@fiu.example", role, oidc=True)
        pages = dash_auth.allowed_pages(user, list(dash_auth.PAGE_ACTIONS.items()))
        assert ("admin" in pages) == (role == "admin")
        assert ("upload" in pages) == (role != "investigator")
        assert ("clusters" in pages) == (role != "analyst")


def test_the_email_is_matched_ignoring_case(directory):
    at = run_app(claims("IVO@FIU.Example"))
    assert signed_in_as(at) == "Signed in as **ivo@fiu.example** (investigator)"


def test_sign_in_is_recorded_once_per_session(directory):
    at = run_app(claims("ivo@fiu.example"))
    at.run()
    at.run()
    assert len(AuditLog().entries(action="sign_in")) == 1


@pytest.mark.parametrize(
    ("identity", "shown", "reason"),
    [
        (claims("mallory@elsewhere.example"), "has no moneytrail account", "no enabled"),
        (claims("pat@fiu.example"), "has no moneytrail account", "no enabled"),  # password user
        (claims(None, sub="no-mail"), "no verified e-mail", "no verified e-mail"),
        (
            claims("ivo@fiu.example", email_verified=False),
            "no verified e-mail",
            "no verified e-mail",
        ),
    ],
    ids=["unknown", "password-user", "no-email", "unverified-email"],
)
def test_an_identity_without_a_role_gets_no_pages(directory, identity, shown, reason):
    at = run_app(identity)
    assert not at.exception, at.exception
    assert shown in at.error[0].value
    assert not signed_in_as(at)
    assert not at.title or at.title[0].value == "moneytrail"  # the sign-in page only
    assert at.button(key="auth_oidc_out").label == "Sign out"
    refused = AuditLog().entries(action="sign_in_refused")
    assert len(refused) == 1 and refused[0]["user"] == "anonymous"
    assert refused[0]["details"]["reason"].startswith(reason)
    assert not AuditLog().entries(action="sign_in")


def test_a_disabled_oidc_user_is_refused_at_the_next_click(directory):
    at = run_app(claims("ivo@fiu.example"))
    assert signed_in_as(at)
    directory.disable("ivo@fiu.example")
    at.run()
    assert not signed_in_as(at)
    assert "has no moneytrail account or it is disabled" in at.error[0].value


def test_two_users_differing_only_in_case_match_neither(directory):
    directory.add("Ivo@fiu.example", "admin", oidc=True)
    assert directory.oidc_user("IVO@fiu.example") is None
    assert directory.oidc_user("ivo@fiu.example").role == "investigator"  # exact still wins


def test_unconfigured_oidc_ignores_a_provider_identity(directory):
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = claims("ivo@fiu.example")
    at.run()
    assert not signed_in_as(at)
    assert not [b.key for b in at.button if b.key and b.key.startswith("auth_oidc")]
    assert not AuditLog().entries(action="sign_in")


def test_sign_out_is_recorded_and_ends_the_oidc_session(directory):
    at = run_app(claims("adm@fiu.example"))
    assert signed_in_as(at)
    at.sidebar.button(key="auth_sign_out").click().run()
    assert [e["user"] for e in AuditLog().entries(action="sign_out")] == ["adm@fiu.example"]
    assert at.user.get("is_logged_in") is False  # st.logout() ran (the browser is redirected)
    at.run()  # the next page load
    assert not signed_in_as(at)
    assert at.button(key="auth_oidc_fiu-idp").label == "Sign in with fiu-idp"
