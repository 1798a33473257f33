"""Suite-wide fixtures."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Restore ``sys.modules['__main__']`` after each test.

    Streamlit's script runner (used by AppTest) installs the page script as ``__main__`` and
    leaves it there; a later test that starts a process with multiprocessing's ``spawn`` would
    then re-run that page script in the child.
    """
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _audit_anchor_per_test(tmp_path_factory, monkeypatch) -> None:
    """Each test signs its audit entries with a key (and keeps checkpoints) in a folder of its
    own, never in the real ``~/.config/moneytrail``."""
    monkeypatch.setenv("MONEYTRAIL_AUDIT_ANCHOR", str(tmp_path_factory.mktemp("anchor")))
    monkeypatch.delenv("MONEYTRAIL_AUDIT_KEY", raising=False)


@pytest.fixture(autouse=True)
def _pseudonym_key_per_test(monkeypatch) -> None:
    """A pseudonym key from the environment, so that loading a goAML or ISO 20022 file (whose
    derived party ids are keyed with it) never creates a key file in the working folder's
    default data home. Tests of the key file itself use ``isolated_home``, which unsets it."""
    import os

    if not os.environ.get("MONEYTRAIL_PSEUDONYM_KEY"):
        monkeypatch.setenv("MONEYTRAIL_PSEUDONYM_KEY", "suite-wide-test-pseudonym-key")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium under Playwright, one per test module (see :mod:`tests.browser`)."""
    from tests.browser import chromium

    with chromium() as launched:
        yield launched
