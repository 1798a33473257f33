"""dashboard.auth and the admin page, run as small Streamlit apps with AppTest."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth as dash_auth
from engine.security.audit import AuditLog
from engine.security.auth import User, UserDirectory

PASSWORD = "correct horse battery"


def guarded_app() -> None:
    import streamlit as st

    from dashboard.auth import account_box, audit, guard, require_user

    user = require_user()
    account_box(user)
    action = st.session_state.get("action", "view_cluster")
    guard(action)
    audit("view_cluster", "cluster:7", once=True, rank=1)
    st.markdown(f"secret page for {user.name}")


def app(**session) -> AppTest:
    at = AppTest.from_function(guarded_app, default_timeout=30)
    for key, value in session.items():
        at.session_state[key] = value
    return at


def signed_in(name: str, **session) -> AppTest:
    return app(**{dash_auth.SESSION_USER: name, dash_auth.SESSION_SEEN: time.time(), **session})


def shown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def actions() -> list[tuple[str, str, str]]:
    return [(e["user"], e["action"], e["target"]) for e in AuditLog().entries()]


@pytest.fixture
def users(fast_hashing) -> UserDirectory:
    directory = UserDirectory()
    directory.add("ana", "analyst", PASSWORD)
    directory.add("ivo", "investigator", PASSWORD)
    directory.add("adm", "admin", PASSWORD)
    return directory


def test_nothing_is_shown_without_signing_in(users):
    at = app().run()
    assert not at.exception
    assert "secret page" not in shown(at)
    assert at.text_input(key="auth_username") is not None
    assert at.title[0].value == "moneytrail"


def test_sign_in_with_the_form_then_sign_out(users):
    at = app().run()
    at.text_input(key="auth_username").input("ivo")
    at.text_input(key="auth_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert "secret page for ivo" in shown(at)
    assert ("ivo", "sign_in", "ivo") in actions()
    assert ("ivo", "view_cluster", "cluster:7") in actions()
    at.sidebar.button(key="auth_sign_out").click().run()
    assert "secret page" not in shown(at)
    assert ("ivo", "sign_out", "ivo") in actions()


def test_wrong_password_is_refused_and_recorded(users):
    at = app().run()
    at.text_input(key="auth_username").input("ivo")
    at.text_input(key="auth_password").input("not the password")
    at.button[0].click().run()
    assert "secret page" not in shown(at)
    assert "wrong password" in at.error[0].value
    assert ("anonymous", "sign_in_failed", "ivo") in actions()
    assert not any("not the password" in str(e) for e in AuditLog().entries())


@pytest.mark.parametrize(
    ("name", "action", "ok"),
    [
        ("ana", "view_cluster", False),
        ("ana", "upload", True),
        ("ivo", "view_cluster", True),
        ("ivo", "upload", False),
        ("ivo", "manage_users", False),
        ("adm", "manage_users", True),
        ("adm", "view_cluster", True),
    ],
)
def test_guard_allows_and_refuses_by_role(users, name, action, ok):
    at = signed_in(name, action=action).run()
    assert not at.exception
    assert ("secret page" in shown(at)) is ok
    if not ok:
        assert "does not allow" in at.error[0].value
        assert (name, "access_denied", action) in actions()


def test_views_are_recorded_once_per_view_not_per_rerun(users):
    at = signed_in("ivo").run()
    at.run()
    at.run()
    assert actions().count(("ivo", "view_cluster", "cluster:7")) == 1


def test_disabling_a_user_ends_their_session_at_the_next_click(users):
    at = signed_in("ivo").run()
    assert "secret page" in shown(at)
    users.disable("ivo")
    at.run()
    assert "secret page" not in shown(at)
    assert ("ivo", "sign_out", "ivo") in actions()


def test_role_changes_apply_at_the_next_click(users):
    at = signed_in("ivo").run()
    users.set_role("ivo", "analyst")
    at.run()
    assert "secret page" not in shown(at) and "does not allow" in at.error[0].value


def test_idle_sessions_end(users, monkeypatch):
    at = signed_in("ivo", **{dash_auth.SESSION_SEEN: time.time() - 3600}).run()
    assert "secret page" not in shown(at)
    assert AuditLog().entries(action="sign_out")[0]["details"] == {"reason": "idle"}


def test_a_forged_session_name_gets_nothing(users):
    at = signed_in("ghost").run()
    assert "secret page" not in shown(at)


OIDC = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "moneytrail",
        "client_secret": "s",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
}


def test_oidc_user_known_to_moneytrail_gets_their_role(users):
    users.add("ivo@fiu.example", "investigator", oidc=True)
    at = app()
    at.secrets = OIDC
    at.user = {"is_logged_in": True, "email": "ivo@fiu.example"}
    at.run()
    assert not at.exception
    assert "secret page for ivo@fiu.example" in shown(at)
    assert ("ivo@fiu.example", "sign_in", "ivo@fiu.example") in actions()


def test_oidc_user_unknown_to_moneytrail_is_refused(users):
    at = app()
    at.secrets = OIDC
    at.user = {"is_logged_in": True, "email": "mallory@elsewhere.example"}
    at.run()
    assert "secret page" not in shown(at)
    assert "no moneytrail account" in at.error[0].value
    assert ("anonymous", "sign_in_refused", "mallory@elsewhere.example") in actions()


def test_oidc_button_shown_when_configured(users):
    at = app()
    at.secrets = OIDC
    at.user = {"is_logged_in": False}
    at.run()
    assert at.button(key="auth_oidc_default").label == "Sign in with your organisation"


def test_allowed_pages_filters_navigation():
    pages = [(name, action) for name, action in dash_auth.PAGE_ACTIONS.items()]
    assert dash_auth.allowed_pages(User("a", "analyst"), pages) == [
        "upload",
        "overview",
        "benchmarks",
    ]
    assert "admin" not in dash_auth.allowed_pages(User("i", "investigator"), pages)
    assert dash_auth.allowed_pages(None, pages) == []


def admin_page(name: str) -> AppTest:
    at = AppTest.from_file("../../dashboard/views/admin.py", default_timeout=30)
    at.session_state[dash_auth.SESSION_USER] = name
    at.session_state[dash_auth.SESSION_SEEN] = time.time()
    return at


def test_admin_page_refuses_non_admins(users):
    at = admin_page("ivo").run()
    assert not at.exception
    assert "does not allow" in at.error[0].value
    assert not at.title


def test_admin_adds_and_disables_users_and_sees_the_verified_log(users):
    at = admin_page("adm").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Administration"
    assert "Chain intact" in at.success[0].value
    form = at.get("form")[0]
    form.text_input[0].input("newbie")
    form.selectbox[0].select("investigator")
    form.text_input[1].input(PASSWORD)
    form.text_input[2].input(PASSWORD)
    form.button[0].click()
    at.run()
    assert not at.exception, at.exception
    assert users.get("newbie") == User("newbie", "investigator")
    at.selectbox(key="admin_user").select("newbie").run()
    at.button(key="admin_disable").click().run()
    assert users.get("newbie").disabled
    changes = [e["details"]["change"] for e in AuditLog().entries(action="manage_users")]
    assert changes == ["add", "disable"]
    assert AuditLog().entries(action="view_audit")[0]["user"] == "adm"


def test_admin_page_shows_a_broken_chain(users):
    log = AuditLog()
    log.record("ivo", "search", "smith")
    log.record("ivo", "search", "jones")
    log.path.write_text(log.path.read_text().replace("smith", "smyth"))
    at = admin_page("adm").run()
    assert "Tampering" in at.error[0].value and "line 1" in at.error[0].value
