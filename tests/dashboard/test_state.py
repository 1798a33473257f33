"""dashboard.state's actions: uploads and downloads of rejected rows are checked and audited."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from engine.security.audit import AuditLog
from tests.dashboard.conftest import sign_in

UPLOAD = (
    "tx_id,ts,src_account,dst_account,amount,currency,channel\n"
    "U1,2024-04-01T10:00:00Z,SY01SEND1,TR01COLLECT,2500,EUR,money_transfer\n"
    "U2,=HYPERLINK(1),IQ01SEND2,TR01COLLECT,2600,EUR,money_transfer\n"
)


def upload_app() -> None:
    import streamlit as st

    from dashboard import state
    from engine.core.errors import AccessDenied

    calls: list[tuple[int, int]] = []
    st.session_state["progress"] = calls
    try:
        report = state.upload(
            st.session_state["upload_name"],
            st.session_state["upload_data"],
            progress=lambda done, total: calls.append((done, total)),
        )
    except AccessDenied as exc:
        st.error(str(exc))
        st.stop()
    st.session_state["report"] = report
    state.rejected_downloaded(report["batch_id"])


@pytest.fixture
def empty_store(tmp_path, users, monkeypatch):
    """An empty embedded store of its own (uploads must not change the shared tiny world)."""
    monkeypatch.setenv("MONEYTRAIL_STORE", "embedded")
    monkeypatch.setenv("MONEYTRAIL_HOME", str(tmp_path / "store"))


def run_upload(user: str, name: str) -> AppTest:
    at = sign_in(AppTest.from_function(upload_app, default_timeout=30), user)
    at.session_state["upload_name"] = name
    at.session_state["upload_data"] = UPLOAD.encode()
    return at.run()


@pytest.mark.parametrize("name", ["..", "../../etc/x.csv"])
def test_upload_names_cannot_leave_the_temporary_folder(empty_store, name):
    at = run_upload("ana", name)
    assert not at.exception, [e.value for e in at.exception]
    report = at.session_state["report"]
    assert report["source"] == ("upload" if name == ".." else "x.csv")
    assert report["accepted"] == 1 and report["rejected"] == 1
    assert "'=HYPERLINK(1)" in report["rejected_csv"].decode()  # spreadsheet-safe
    trail = [(e["user"], e["action"], e["target"]) for e in AuditLog().entries()]
    batch = f"batch:{report['batch_id']}"
    assert ("ana", "upload", batch) in trail
    assert ("ana", "download_rejected", batch) in trail
    progress = at.session_state["progress"]  # the page's bar: moves forward and ends full
    assert len(progress) > 1 and progress[-1][0] == progress[-1][1]
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


def test_an_investigator_cannot_upload(empty_store):
    at = run_upload("ivo", "april.csv")
    assert not at.exception
    assert any("upload" in e.value for e in at.error)
    assert "report" not in at.session_state
    assert [e["target"] for e in AuditLog().entries(action="access_denied")] == ["upload"]
