"""The real dashboard server refuses uploads before sign-in and hides its metrics (issue 17, 9).

Streamlit accepts ``PUT /_stcore/upload_file/<session>/<file>`` for any open session, the
sign-in page's too: an anonymous visitor could hold files (200 MB each) in the server's memory.
This starts ``moneytrail dashboard`` on a free local port, opens a session the way the browser
does (a websocket to ``/_stcore/stream``), and sends the PUT.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from engine.commands.dashboard import MAX_UPLOAD_MB
from tests.browser import dashboard_server
from tests.dashboard import world


async def _open_session(url: str, client: httpx.AsyncClient) -> str:
    """Open a Streamlit session as the browser would and return its id."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    await client.get(f"{url}/")
    await client.get(f"{url}/_stcore/health")  # sets the XSRF cookie, as for the browser
    xsrf = client.cookies.get("_streamlit_xsrf") or ""
    assert xsrf, "no XSRF cookie: the PUT would be refused for that reason alone"
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(
        ws_url,
        subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],
        additional_headers={"Cookie": cookie, "Origin": url},
    ) as ws:
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        rerun.rerun_script.page_script_hash = ""
        await ws.send(rerun.SerializeToString())
        for _ in range(200):
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(ws.recv(), 30))
            if message.WhichOneof("type") == "new_session":
                session_id = message.new_session.initialize.session_id
                return await _put(url, client, session_id, xsrf)
    raise AssertionError("no new_session message")


async def _put(url: str, client: httpx.AsyncClient, session_id: str, xsrf: str) -> str:
    """PUT one small file for ``session_id`` while its websocket is open; the status."""
    response = await client.put(
        f"{url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        files={"file": ("tx.csv", b"tx_id,ts\nt1,2024-01-01\n", "text/csv")},
        headers={"X-Xsrftoken": xsrf},
    )
    return f"{response.status_code} {response.text}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = world.build(tmp_path_factory.mktemp("guard") / "store")
    import os

    env = dict(os.environ)
    env["MONEYTRAIL_STORE"] = "embedded"
    env["MONEYTRAIL_USERS_FILE"] = str(home.parent / "users.json")
    env["MONEYTRAIL_AUDIT_FILE"] = str(home.parent / "audit.jsonl")
    with dashboard_server(home, env, home.parent / "streamlit.log") as url:
        yield url


def test_an_anonymous_session_cannot_upload(server):
    async def run() -> str:
        async with httpx.AsyncClient(timeout=30) as client:
            return await _open_session(server, client)

    assert asyncio.run(run()) == "403 sign in to upload"  # before: 204, the file kept


def test_metrics_are_not_public(server):
    assert httpx.get(f"{server}/_stcore/metrics", timeout=10).status_code == 404
    assert httpx.get(f"{server}/_stcore/health", timeout=10).status_code == 200


def test_uploads_are_capped():
    from engine.commands.dashboard import streamlit_command

    assert f"--server.maxUploadSize={MAX_UPLOAD_MB}" in streamlit_command(8501)
    assert MAX_UPLOAD_MB < 200  # below Streamlit's own default
