"""What the browser tests share: a free port, ``moneytrail dashboard`` in a subprocess, and
Debian's Chromium under Playwright (installed by ``make browser``; nothing is downloaded)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("MONEYTRAIL_CHROMIUM", "/usr/bin/chromium")
#: Headless, and quiet: no background requests of Chromium's own leave the machine.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dashboard_server(
    home: Path,
    env: Mapping[str, str],
    log_path: Path,
    cwd: Path | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """``moneytrail dashboard`` over the EmbeddedStore at ``home``; yields its base URL once it
    answers, and stops its whole process group afterwards. Its output goes to ``log_path``;
    ``port`` is for a caller that must know the address first (an OIDC redirect URI)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "engine.cli", "dashboard", "--port", str(port),
             "--home", str(home)],
            cwd=cwd,  # Streamlit reads .streamlit/secrets.toml from here
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole below
        )  # fmt: skip
        try:
            for _ in range(120):
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            else:
                pytest.fail(f"dashboard did not start: {log_path.read_text()}")
            yield url
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright; a clear failure when it is not installed."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need Debian's chromium. "
            "Install it with `make -f mk/browser.mk browser` (or `make test`)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
