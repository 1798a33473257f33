"""Signing in through OpenID Connect, in a real headless Chromium against a real provider.

The provider (:mod:`tests.security.oidc_provider`) and the dashboard both run on 127.0.0.1;
the browser is refused every other address. The dashboard is ``moneytrail dashboard`` started
in a folder whose ``.streamlit/secrets.toml`` names the provider, so Streamlit's own
``st.login`` does the Authorization Code flow: the browser goes to the provider, signs in
there, comes back with a code, and the dashboard exchanges it for an RS256-signed ID token
that it checks against the provider's JWKS.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.security.audit import AuditLog
from engine.security.auth import UserDirectory
from tests.browser import dashboard_server, free_port
from tests.security.oidc_provider import PROVIDER, running_provider, secrets_toml

pytestmark = pytest.mark.browser

#: Subjects the provider knows, with the claims of their ID tokens.
IDENTITIES = {
    "ivo": {"email": "Ivo@FIU.example", "email_verified": True, "name": "Ivo Petrov"},
    "mallory": {"email": "mallory@elsewhere.example", "email_verified": True},
}


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    with running_provider(IDENTITIES) as issuer:
        yield issuer


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, idp: str) -> Iterator[tuple[str, Path]]:
    """``moneytrail dashboard`` over an empty store, configured for the provider; yields its
    URL and audit log. The users file makes ivo@fiu.example an investigator."""
    folder = tmp_path_factory.mktemp("oidc")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (folder / ".streamlit").mkdir()
    (folder / ".streamlit" / "secrets.toml").write_text(secrets_toml(idp, url))
    env = {
        **os.environ,
        "MONEYTRAIL_STORE": "embedded",
        "MONEYTRAIL_USERS_FILE": str(folder / "users.json"),
        "MONEYTRAIL_AUDIT_FILE": str(folder / "audit.jsonl"),
    }
    UserDirectory(env["MONEYTRAIL_USERS_FILE"]).add("ivo@fiu.example", "investigator", oidc=True)
    with dashboard_server(folder / "store", env, folder / "streamlit.log", cwd=folder, port=port):
        yield url, Path(env["MONEYTRAIL_AUDIT_FILE"])


@pytest.fixture
def page(browser, dashboard, idp):
    """A fresh browser (no cookies) that may reach only the dashboard and the provider."""
    url, _ = dashboard
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    blocked: list[str] = []

    def only_local(route) -> None:
        if route.request.url.startswith((url, idp, "data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()
    # The provider's pages link one stylesheet from a CDN; nothing else may try to leave.
    assert all("pico" in u and u.endswith(".css") for u in blocked), blocked


def _sign_in_at_provider(page, idp: str, subject: str) -> None:
    """From the sign-in page: the provider's button, its form, and back."""
    page.get_by_role("button", name=f"Sign in with {PROVIDER}").click()
    page.wait_for_url(f"{idp}/oauth2/authorize*")
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()


def test_oidc_sign_in_maps_the_role_is_audited_and_signs_out(page, dashboard, idp):
    url, audit_file = dashboard
    started = time.perf_counter()
    # Unsigned: only the sign-in page, no navigation.
    page.goto(url)
    page.get_by_role("button", name=f"Sign in with {PROVIDER}").wait_for()
    assert page.get_by_role("link", name="Overview").count() == 0
    assert page.get_by_text("Signed in as").count() == 0

    _sign_in_at_provider(page, idp, "ivo")
    # Back in the dashboard as the investigator the users file names (e-mail matched
    # ignoring case): the investigation pages, not the analyst's upload or the admin's page.
    page.get_by_text("Signed in as ivo@fiu.example (investigator)").wait_for()
    assert page.url.startswith(url)
    page.get_by_role("link", name="Clusters").first.wait_for()
    assert page.get_by_role("link", name="Follow the money").count() == 1
    assert page.get_by_role("link", name="Upload").count() == 0
    assert page.get_by_role("link", name="Administration").count() == 0

    signed_in = AuditLog(audit_file).entries(action="sign_in")
    assert [(e["user"], e["target"]) for e in signed_in] == [("ivo@fiu.example", "Ivo@FIU.example")]
    assert signed_in[0]["details"] == {"method": "oidc", "iss": idp, "sub": "ivo"}

    # Sign out: moneytrail forgets the session, the provider ends its own, and the visitor is
    # back at the sign-in page; a reload does not bring the session back.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{idp}/oauth2/end_session*")
    page.get_by_role("button", name="End session").click()
    page.get_by_role("button", name=f"Sign in with {PROVIDER}").wait_for()
    page.reload()
    page.get_by_role("button", name=f"Sign in with {PROVIDER}").wait_for()
    assert page.get_by_text("Signed in as").count() == 0
    trail = AuditLog(audit_file)
    assert [(e["user"], e["action"]) for e in trail.entries(action="sign_out")] == [
        ("ivo@fiu.example", "sign_out")
    ]
    assert trail.verify().ok
    print(f"OIDC journey {time.perf_counter() - started:.1f} s wall")


def test_an_identity_without_a_moneytrail_role_gets_no_pages(page, dashboard, idp):
    url, audit_file = dashboard
    page.goto(url)
    _sign_in_at_provider(page, idp, "mallory")
    page.get_by_text("has no moneytrail account").wait_for()
    assert page.get_by_text("Signed in as").count() == 0
    for name in ("Overview", "Clusters", "Upload", "Administration"):
        assert page.get_by_role("link", name=name).count() == 0
    refused = AuditLog(audit_file).entries(action="sign_in_refused")
    assert [(e["user"], e["target"]) for e in refused] == [
        ("anonymous", "mallory@elsewhere.example")
    ]
    assert refused[0]["details"]["sub"] == "mallory"
