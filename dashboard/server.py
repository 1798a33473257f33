"""The dashboard's ASGI app: Streamlit's, behind a guard for the endpoints it leaves open.

``moneytrail dashboard`` runs ``streamlit run`` on this file; Streamlit finds :data:`app` (an
``st.App``) and serves it with uvicorn, with the same command-line options as before. The
guard (:class:`UploadGuard`, outermost middleware) answers before Streamlit does:

* ``PUT``/``POST`` ``/_stcore/upload_file/<session>/<file>``: only for a session whose user is
  signed in and may upload (``upload`` permission, or ``manage_watchlist`` for a file of
  suspects). Streamlit accepts a file for any open
  session, the sign-in page's too, so an anonymous visitor could fill the server's memory.
  Sizes are capped by ``server.maxUploadSize``
  (``engine.commands.dashboard.MAX_UPLOAD_MB``).
* ``/_stcore/metrics``: not served (it tells anyone how many sessions are open and how much
  memory they hold).

One route of its own: ``POST /moneytrail/session`` sets or clears the kept sign-in's cookie
for a one-time ticket the page got at sign-in or sign-out (:mod:`dashboard.session_cookie`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import Route
from streamlit.starlette import App

UPLOAD_PREFIX = "/_stcore/upload_file/"
METRICS_SUFFIX = "/_stcore/metrics"


def session_user(session_id: str) -> Any:
    """The signed-in, enabled user of the Streamlit session ``session_id``, else None.

    The same rules as :func:`dashboard.auth.current_user`, read from the session's state
    without running its script: a password user seen within the idle limit, or the user
    an OpenID Connect sign-in of this session was matched to.
    """
    from streamlit.runtime import Runtime

    from dashboard import session_cookie
    from dashboard.auth import SESSION_OIDC_NOTED, SESSION_SEEN, SESSION_USER, idle_limit_seconds
    from engine.security.auth import UserDirectory

    if not Runtime.exists():
        return None
    session = Runtime.instance().get_app_session(session_id)
    if session is None:
        return None
    state = session.session_state  # SessionState: ``in`` and ``[]``, no ``get``
    name = state[SESSION_USER] if SESSION_USER in state else None  # noqa: SIM401
    if name:
        seen = float(state[SESSION_SEEN]) if SESSION_SEEN in state else 0.0
        if time.time() - seen > idle_limit_seconds():
            return None
    else:
        noted = state[SESSION_OIDC_NOTED] if SESSION_OIDC_NOTED in state else None  # noqa: SIM401
        info = getattr(session, "_user_info", None) or {}
        name = noted if noted and info.get("is_logged_in") else None
    if not name:
        return None
    directory = UserDirectory()
    user = directory.get(str(name))
    if user is None or user.disabled:
        return None
    if not user.oidc and session_cookie.started(state) < directory.sessions_valid_from(user.name):
        return None  # signed out elsewhere: every kept sign-in of the user was revoked
    return user


def may_upload(session_id: str) -> bool:
    """Whether session ``session_id`` belongs to a signed-in user allowed to upload."""
    from engine.security.auth import allowed

    try:
        user = session_user(session_id)
        # analysts upload data; investigators upload their suspects (the Watch list page)
        return allowed(user, "upload") or allowed(user, "manage_watchlist")
    except Exception:  # a guard that cannot decide refuses
        return False


class UploadGuard:
    """ASGI middleware: refuses anonymous uploads and hides the metrics (module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            path = str(scope.get("path", ""))
            if path.endswith(METRICS_SUFFIX) or path.endswith(METRICS_SUFFIX + "/"):
                await _refuse(send, 404, b"not found")
                return
            at = path.find(UPLOAD_PREFIX)
            if at >= 0 and scope.get("method") in ("PUT", "POST"):
                session_id = path[at + len(UPLOAD_PREFIX) :].split("/", 1)[0]
                if not may_upload(session_id):
                    await _refuse(send, 403, b"sign in to upload")
                    return
        await self.app(scope, receive, send)


async def _refuse(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _session_route() -> Route:
    from dashboard.session_cookie import ENDPOINT, endpoint

    return Route(ENDPOINT, endpoint, methods=["POST"])


app = App(
    str(Path(__file__).with_name("app.py")),
    middleware=[Middleware(UploadGuard)],
    routes=[_session_route()],
)
