"""What ``moneytrail dashboard`` and ``moneytrail demo`` share to serve the dashboard: a check
that the port is free before anything is set up, and a child server that stops with its parent.

* :func:`check_port` binds the address and port the way the server will (``SO_REUSEADDR``, so
  a port left in ``TIME_WAIT`` by a server that just stopped counts as free) and, when someone
  listens there already, raises a :class:`~engine.core.errors.ConfigError` that names the port
  and says how to pick another (``--port``, or ``PORT=`` for ``make demo``), with a port that
  is free right now. ``moneytrail demo`` checks before it generates data, creates the demo user
  or prints its one-time password, so a busy port never costs the password.
* :func:`run_child` runs the server as a child in a process group of its own and forwards
  ``SIGTERM``, ``SIGINT`` and ``SIGHUP`` to that whole group, then waits for it: ``kill -TERM``
  of the parent (or Ctrl+C) stops the server too, and no Streamlit is left serving. On Linux
  the child also gets ``PR_SET_PDEATHSIG``, so it is told to stop even when the parent is
  killed with ``SIGKILL`` (which no handler sees).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from types import FrameType

from engine.core.errors import ConfigError

#: Signals forwarded to the child's process group.
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
#: Seconds the child may take to stop after the forwarded signal before it is killed.
STOP_GRACE_SECONDS = 10.0


def port_is_free(address: str, port: int) -> bool:
    """Whether a server could listen on ``address:port`` now (nobody listens there)."""
    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return True  # an unknown address is the server's error to report, not a busy port
    for family, kind, proto, _, where in infos[:1]:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(where)
            except OSError:
                return False
    return True


def free_port_near(address: str, port: int, tries: int = 50) -> int | None:
    """The first free port after ``port`` (up to ``tries`` of them), or ``None``."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        if port_is_free(address, candidate):
            return candidate
    return None


def check_port(address: str, port: int, *, make_target: str | None = None) -> None:
    """Raise :class:`ConfigError` when ``address:port`` is taken, saying how to pick another.

    ``make_target`` names the make target that sets the port with ``PORT=`` (``demo``), so the
    message gives both ways.
    """
    if not 0 < port < 65536:
        raise ConfigError(f"port {port} is not a TCP port (1-65535)")
    if port_is_free(address, port):
        return
    other = free_port_near(address, port) or port + 1
    ways = f"--port {other}"
    if make_target:
        ways = f"`make {make_target} PORT={other}` or `moneytrail {make_target} --port {other}`"
    raise ConfigError(
        f"port {port} on {address} is in use (another dashboard or program listens there); "
        f"pick another with {ways}"
    )


def run_child(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``command`` in its own process group until it ends; forward stop signals to it.

    Returns the child's exit code (negative: killed by that signal, as :mod:`subprocess`).
    """
    process = subprocess.Popen(
        list(command),
        env=dict(env),
        start_new_session=True,  # its own group: Ctrl+C reaches it only through us
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    previous = {}

    def forward(signum: int, frame: FrameType | None) -> None:
        _signal_group(process, signum)

    for signum in FORWARDED:
        previous[signum] = signal.signal(signum, forward)
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:  # pragma: no cover - SIGINT is forwarded, not raised
                _signal_group(process, signal.SIGINT)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended already
        os.killpg(process.pid, signum)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: ask for SIGTERM when the parent dies (``prctl(PR_SET_PDEATHSIG)``)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
