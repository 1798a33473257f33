"""The kept sign-in in a real headless Chromium: a reload and a new tab stay signed in, sign-out
in one tab ends it in the others, and a forged or revoked cookie gets the sign-in form."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import pytest

from engine.security.auth import UserDirectory
from tests.browser import dashboard_server

pytestmark = pytest.mark.browser

USER, PASSWORD = "keeper", "a long keeper password"
SHOTS = Path(tempfile.mkdtemp(prefix="mt-kept-"))  # a picture of each sign-in form seen


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("kept")
    env = {
        **os.environ,
        "MONEYTRAIL_USERS_FILE": str(root / "users.json"),
        "MONEYTRAIL_AUDIT_FILE": str(root / "audit.jsonl"),
    }
    UserDirectory(env["MONEYTRAIL_USERS_FILE"]).add(USER, "admin", PASSWORD)
    with dashboard_server(root / "home", env, root / "streamlit.log") as url:
        yield url, root


def _settle(tab) -> None:
    tab.wait_for_timeout(300)
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


def _signed_in(tab) -> bool:
    """Wait for either the sidebar's sign-out button or the sign-in form; which one came."""
    tab.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"] button') ||"
        " document.querySelector('input[aria-label=\"User name\"]')",
        timeout=60_000,
    )
    _settle(tab)
    ok = tab.get_by_role("button", name="Sign out").count() > 0
    if not ok:
        tab.screenshot(path=str(SHOTS / f"not-signed-in-{time.monotonic():.0f}.png"))
    return ok


def _sign_in(tab, url: str) -> None:
    tab.goto(f"{url}/")
    tab.get_by_label("User name").fill(USER)
    tab.get_by_label("Password", exact=True).fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("button", name="Sign out").wait_for()
    # the page redeems its ticket for the cookie right after the sign-in
    for _ in range(50):
        if any(c["name"] == "moneytrail_session" for c in tab.context.cookies()):
            return
        tab.wait_for_timeout(100)
    pytest.fail("no session cookie was set after signing in")


def _audit(root) -> list[dict]:
    path = root / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_reload_and_new_tab_stay_signed_in_and_sign_out_ends_it_everywhere(browser, server):
    url, root = server
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        first = context.new_page()
        first.set_default_timeout(60_000)
        _sign_in(first, url)
        (cookie,) = [c for c in context.cookies() if c["name"] == "moneytrail_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert cookie["expires"] > 0  # a bounded lifetime, not a browser-session cookie
        assert first.evaluate("document.cookie").find("moneytrail_session") < 0  # no script sees it

        first.reload()
        assert _signed_in(first), "a reload signed the user out"
        second = context.new_page()
        second.set_default_timeout(60_000)
        second.goto(f"{url}/")
        assert _signed_in(second), "a new tab was not signed in"
        methods = [e.get("details", {}).get("method") for e in _audit(root)
                   if e["action"] == "sign_in"]  # fmt: skip
        assert methods.count("session") >= 2, methods

        # sign out in the second tab: the cookie goes, and the first tab's session ends too
        second.get_by_role("button", name="Sign out").click()
        second.get_by_label("User name").wait_for()
        _settle(second)
        for _ in range(50):
            if not any(c["name"] == "moneytrail_session" for c in context.cookies()):
                break
            second.wait_for_timeout(100)
        else:
            pytest.fail("sign-out left the cookie")
        first.get_by_role("link", name="Upload").click()  # the next click in the open tab
        first.get_by_label("User name").wait_for(timeout=30_000)  # the form, not the page
        assert not _signed_in(first), "sign-out in one tab left another signed in"
        first.reload()
        assert not _signed_in(first)
    finally:
        context.close()


def test_a_revoked_or_forged_cookie_gets_the_sign_in_form(browser, server):
    url, root = server
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        _sign_in(tab, url)
        (cookie,) = [c for c in context.cookies() if c["name"] == "moneytrail_session"]
        saved = dict(cookie)
        # the same token replayed after the user signed out elsewhere (revoked server-side)
        UserDirectory(root / "users.json").revoke_sessions(USER)
        tab.reload()
        assert not _signed_in(tab)
        # a token with its payload changed (another name), signature kept: refused
        version, body, signature = saved["value"].split(".")
        import base64

        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        forged = payload.replace(USER, "admin", 1).encode()
        saved["value"] = ".".join(
            [version, base64.urlsafe_b64encode(forged).rstrip(b"=").decode(), signature]
        )
        context.add_cookies([{k: saved[k] for k in ("name", "value", "domain", "path")}])
        tab.reload()
        assert not _signed_in(tab)
        refused = [e for e in _audit(root) if e["action"] == "sign_in_refused"]
        reasons = {e.get("details", {}).get("reason") for e in refused}
        assert {"signed out", "malformed or forged"} <= reasons, reasons
    finally:
        context.close()
