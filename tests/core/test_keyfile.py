"""One implementation of key files for the pseudonym key and the audit signing key."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.core.errors import ConfigError
from engine.core.keyfile import secret_file


def _hex(text: str) -> bool:
    return len(text) == 64


def test_created_once_owner_only_in_a_private_folder(tmp_path):
    path = tmp_path / "secrets" / "k.key"
    with ThreadPoolExecutor(8) as pool:  # many first users at once: one key
        keys = set(pool.map(lambda _: secret_file(path, what="k", valid=_hex), range(16)))
    assert len(keys) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_readable_by_others_or_malformed_is_refused(tmp_path):
    path = tmp_path / "k.key"
    secret_file(path, what="the test key", valid=_hex)
    path.chmod(0o640)
    with pytest.raises(ConfigError, match="the test key is readable by others; chmod 600"):
        secret_file(path, what="the test key", valid=_hex)
    path.chmod(0o600)
    path.write_text("short\n")
    with pytest.raises(ConfigError, match="not the test key"):
        secret_file(path, what="the test key", valid=_hex)
