"""UTF-8 checks on the bytes of a CSV file before Arrow parses them.

Arrow's CSV reader does not validate UTF-8 while splitting rows, and when a malformed row (wrong
number of fields) holds bytes that are not UTF-8 pyarrow fails to decode it *before* calling
the invalid-row handler: the error is swallowed ("Exception ignored in ...") and the row is
never quarantined. :class:`CheckedUTF8` sits between the file and the reader and raises
:class:`NotUTF8` at the first block that is not UTF-8, so the reader never meets such a row;
the loader then reads the file again in a mode that handles it (as Latin-1, or with bytes
checked row by row). The check is Arrow's own UTF-8 validation: several GB/s on ASCII text.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyarrow as pa


class NotUTF8(Exception):
    """Raised inside a read when the file is not UTF-8 and the encoding was ``auto``."""


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def valid_utf8(data: bytes | memoryview) -> bool:
    """Whether ``data`` is well-formed UTF-8 (Arrow's validation, O(n), no Python loop)."""
    if not len(data):
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _incomplete_tail(data: bytes) -> int:
    """How many bytes at the end of ``data`` start a character that the next block completes."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a lead byte (or ASCII)
            need = 2 if byte >= 0xC0 else 1
            need = 3 if byte >= 0xE0 else need
            need = 4 if byte >= 0xF0 else need
            return back if need > back else 0
    return 0


class CheckedUTF8:
    """A read-only stream over ``raw`` that raises :class:`NotUTF8` on bytes that are not UTF-8.

    A character split between two reads is checked once both halves are in.
    """

    def __init__(self, raw: _Readable) -> None:
        self._raw = raw
        self._tail = b""
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        block = self._tail + data if self._tail else data
        keep = _incomplete_tail(block) if data else 0
        if not valid_utf8(memoryview(block)[: len(block) - keep]):
            raise NotUTF8()
        self._tail = bytes(block[len(block) - keep :]) if keep else b""
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
