"""``moneytrail demo`` and ``moneytrail dashboard``: a busy port is refused before anything is
set up, and ``kill -TERM`` of the command stops its Streamlit server (real subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.commands.serving import check_port, port_is_free
from engine.core.errors import ConfigError
from tests.browser import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port():
    """A port someone listens on (a plain socket)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_check_port_names_the_port_and_both_ways_to_pick_another(busy_port) -> None:
    assert not port_is_free("127.0.0.1", busy_port)
    with pytest.raises(ConfigError) as caught:
        check_port("127.0.0.1", busy_port, make_target="demo")
    text = str(caught.value)
    assert f"port {busy_port}" in text and "in use" in text
    assert "make demo PORT=" in text and "moneytrail demo --port" in text
    suggested = int(text.rsplit("--port ", 1)[1].rstrip("`"))
    assert suggested != busy_port and port_is_free("127.0.0.1", suggested)
    check_port("127.0.0.1", free_port())  # a free one passes


def test_demo_on_a_busy_port_creates_no_user_and_prints_no_password(
    busy_port, tmp_path, monkeypatch
) -> None:
    users = tmp_path / "users.json"
    monkeypatch.setenv("MONEYTRAIL_USERS_FILE", str(users))
    out = CliRunner().invoke(
        app,
        ["demo", "--scale", "tiny", "--out", str(tmp_path / "world"),
         "--home", str(tmp_path / "home"), "--port", str(busy_port)],
    )  # fmt: skip
    assert out.exit_code != 0
    assert isinstance(out.exception, ConfigError) and "PORT=" in str(out.exception)
    assert not users.exists()  # no demo user was created, so no password was shown
    assert "password" not in out.output
    assert not (tmp_path / "world").exists()  # nor was a world generated for nothing


def test_dashboard_on_a_busy_port_says_so(busy_port, tmp_path) -> None:
    out = CliRunner().invoke(
        app, ["dashboard", "--port", str(busy_port), "--home", str(tmp_path / "home")]
    )
    assert isinstance(out.exception, ConfigError)
    assert "in use" in str(out.exception) and "--port" in str(out.exception)


def test_readme_mentions_port() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo PORT=" in readme


# -- stopping -----------------------------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    """Every process whose ancestry leads to ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the command ended early: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"no dashboard at {url}: {log.read_text()[-3000:]}")


def _term_stops_everything(args: list[str], tmp_path: Path, seconds: float) -> None:
    """Start ``moneytrail ARGS`` in a session of its own, wait for its dashboard, send SIGTERM
    to that one process (not its group), and check the dashboard and every child are gone."""
    port = free_port()
    log = tmp_path / "command.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONEYTRAIL_USERS_FILE": str(tmp_path / "u.json")}
    with open(log, "w") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", *args, "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    children: set[int] = set()
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process, log, seconds)
        children = _descendants(process.pid)
        process.send_signal(signal.SIGTERM)  # the command only, as `kill -TERM <pid>` does
        process.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            time.sleep(0.2)
        assert not [c for c in children if _alive(c)], f"left running: {children}"
        assert port_is_free("127.0.0.1", port)
    finally:
        for pid in {process.pid, *children}:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.slow
def test_kill_term_of_dashboard_stops_streamlit(tmp_path) -> None:
    _term_stops_everything(["dashboard", "--home", str(tmp_path / "home")], tmp_path, 90)


@pytest.mark.slow
def test_kill_term_of_demo_stops_its_streamlit_child(tmp_path) -> None:
    args = ["demo", "--scale", "tiny", "--out", str(tmp_path / "w"), "--home", str(tmp_path / "h")]
    _term_stops_everything(args, tmp_path, 300)
    users = json.loads((tmp_path / "u.json").read_text())["users"]
    assert list(users) == ["demo"]
