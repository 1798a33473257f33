"""Small fixture files for the loader tests, written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

CANONICAL_TX = (
    "tx_id,ts,src_account,dst_account,amount,currency,amount_base,channel,reference\n"
    "t1,2024-01-01T10:00:00Z,A,B,100.5,EUR,100.5,wire,rent\n"
    "t2,2024-01-02T11:00:00+02:00,B,C,20,USD,,cash,\n"
    "t3,2024-01-03T12:00:00Z,C,A,7,GBP,8.19,Card,\n"
)


@pytest.fixture
def write(tmp_path: Path):
    """``write(name, text_or_bytes)`` creates a file in a temporary folder and returns its path."""

    def make(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return make
