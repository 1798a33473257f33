"""Who may upload through the server's upload endpoint (dashboard/server.py), session by session.

The real server test (test_upload_guard.py) proves an anonymous session is refused; these
check the rule on sessions in each state, with the session table stood in for by a dict.
"""

from __future__ import annotations

import time
from typing import ClassVar

import pytest

from dashboard import server
from dashboard.auth import SESSION_OIDC_NOTED, SESSION_SEEN, SESSION_USER
from dashboard.session_cookie import SESSION_STARTED


class _Session:
    def __init__(self, state: dict, user_info: dict | None = None) -> None:
        self.session_state = state
        self._user_info = user_info or {}


class _Runtime:
    sessions: ClassVar[dict[str, _Session]] = {}

    @classmethod
    def exists(cls) -> bool:
        return True

    @classmethod
    def instance(cls) -> _Runtime:
        return cls()

    def get_app_session(self, session_id: str) -> _Session | None:
        return self.sessions.get(session_id)


@pytest.fixture
def sessions(users, monkeypatch):
    import streamlit.runtime

    users.add("olga", "analyst", oidc=True)
    users.add("off", "analyst", "correct horse battery")
    users.disable("off")
    monkeypatch.setattr(streamlit.runtime, "Runtime", _Runtime)
    now = time.time()
    _Runtime.sessions = {
        "analyst": _Session({SESSION_USER: "ana", SESSION_SEEN: now}),
        "admin": _Session({SESSION_USER: "adm", SESSION_SEEN: now}),
        "investigator": _Session({SESSION_USER: "ivo", SESSION_SEEN: now}),
        "idle": _Session({SESSION_USER: "ana", SESSION_SEEN: now - 10 * 3600}),
        "disabled": _Session({SESSION_USER: "off", SESSION_SEEN: now}),
        "anonymous": _Session({}),
        "oidc": _Session({SESSION_OIDC_NOTED: "olga"}, {"is_logged_in": True}),
        "oidc-out": _Session({SESSION_OIDC_NOTED: "olga"}, {}),
        # signed in before the user signed out elsewhere (every kept sign-in revoked)
        "revoked": _Session({SESSION_USER: "adm", SESSION_SEEN: now, SESSION_STARTED: now - 60}),
    }
    users.revoke_sessions("adm")
    _Runtime.sessions["admin"].session_state[SESSION_STARTED] = time.time() + 1
    return _Runtime.sessions


def test_only_signed_in_uploaders_may_upload(sessions):
    allowed = {sid for sid in sessions if server.may_upload(sid)}
    # investigators upload files of suspects (the Watch list page), analysts data
    assert allowed == {"analyst", "admin", "investigator", "oidc"}
    assert not server.may_upload("no-such-session")
