"""The embedded store is readable by its owner only: it holds names and passport numbers.

Parquet files with every party's name and document were created 0644 in a 0755 folder
(issue 17, item 10): any local account could read them.
"""

from __future__ import annotations

import os
import stat

from engine.core import schema
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from tests.store.test_contract import ROWS, batch


def _modes(home) -> dict[str, int]:
    out = {".": stat.S_IMODE(os.stat(home).st_mode)}
    for folder, dirs, files in os.walk(home):
        for name in dirs + files:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, home)] = stat.S_IMODE(os.stat(path).st_mode)
    return out


def test_store_folder_and_every_file_are_owner_only(tmp_path) -> None:
    old = os.umask(0o022)  # the usual umask, under which files came out world-readable
    try:
        store = EmbeddedStore(tmp_path / "store")
        store.write_batch(batch("b1", ROWS, accounts=["A"]))
        parties = schema.conform(
            schema.empty("parties").from_pylist([{"party_id": "P1", "name": "Ana Lima"}]),
            "parties",
        )
        store.write_batch(Batch("k1", "k1.csv", "kyc", "csv", {"parties": parties}))
        store.write_results({})
    finally:
        os.umask(old)
    modes = _modes(tmp_path / "store")
    assert any(name.endswith("parties.parquet") for name in modes)
    assert "manifest.json" in modes
    exposed = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
    assert exposed == {}


def test_an_older_world_readable_store_is_tightened_when_opened(tmp_path) -> None:
    home = tmp_path / "store"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    EmbeddedStore(home)
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
