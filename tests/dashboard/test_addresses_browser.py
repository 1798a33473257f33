"""Addresses in a real headless Chromium: a case's address opens that case after sign-in, the
address bar follows the case shown, and a note typed with Markdown and HTML shows as text."""

from __future__ import annotations

import os

import pytest

from tests.browser import dashboard_server
from tests.dashboard import world

pytestmark = pytest.mark.browser

USER, PASSWORD = "addresses", "a long addresses password"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    from engine.security.auth import UserDirectory

    home = world.build(tmp_path_factory.mktemp("addresses") / "store")
    env = {
        **os.environ,
        "MONEYTRAIL_USERS_FILE": str(home.parent / "users.json"),
        "MONEYTRAIL_AUDIT_FILE": str(home.parent / "audit.jsonl"),
    }
    UserDirectory(env["MONEYTRAIL_USERS_FILE"]).add(USER, "investigator", PASSWORD)
    with dashboard_server(home, env, home.parent / "streamlit.log") as url:
        yield url


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def _settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )
    page.wait_for_timeout(300)


def _sign_in(page) -> None:
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    _settle(page)


def test_sign_in_returns_to_the_case_the_address_names(tab, server) -> None:
    tab.goto(f"{server}/cluster?id=2")
    _sign_in(tab)
    tab.get_by_role("heading", name="Cluster 2").wait_for()
    assert tab.url.endswith("/cluster?id=2"), tab.url


def test_an_entity_address_opens_the_entity_and_notes_show_as_text(tab, server) -> None:
    tab.goto(f"{server}/entity?id=DE01BERG")
    _sign_in(tab)
    tab.get_by_role("heading", name="Anna Berg").wait_for()
    assert tab.url.endswith("/entity?id=DE01BERG"), tab.url
    note = "**not bold** <img src=x onerror=\"document.title='owned'\"> [x](javascript:alert(1))"
    tab.get_by_label("Note").fill(note)
    tab.get_by_role("button", name="Save").click()
    tab.get_by_text("Saved for this entry").wait_for()
    _settle(tab)
    shown = tab.get_by_text("**not bold**", exact=False)
    assert shown.count() >= 1  # the asterisks are text, not emphasis
    assert tab.locator("img[src=x]").count() == 0
    assert tab.title() != "owned"
