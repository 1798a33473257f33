"""Identifiers: valid IBANs (ISO 13616, mod-97 check digits), institution-qualified numbers,
and opaque sequential ids, all made vectorised.

Account numbers inside one bank come from a bijection of a counter modulo ``10**12`` (an
odd multiplier coprime to 10), so they are unique without a set and look random.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MULT = 7_654_321  # coprime to 10: counter -> number is a bijection modulo 10**12
_SPAN = 10**12


def _letters_value(ch: str) -> int:
    return ord(ch) - 55 if ch.isalpha() else int(ch)


def _mod97_text(r: np.ndarray | int, text: str) -> np.ndarray | int:
    for ch in text:
        v = _letters_value(ch)
        r = (r * (100 if v > 9 else 10) + v) % 97
    return r


def account_numbers(
    country: str,
    iban_length: int,
    bank_code: str,
    bic: str,
    counter: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Account identifiers for one bank: IBANs where the country uses them, else ``BIC-number``.

    ``counter`` holds distinct non-negative integers (per bank); the result is an object array.
    """
    n = len(counter)
    number = (counter.astype(np.int64) * _MULT + 1_234_567) % _SPAN
    if not iban_length:
        text = np.char.zfill(number.astype(str), 12).astype(object)
        return bic + "-" + text
    k = iban_length - 4 - len(bank_code)
    digits = np.zeros((n, k), dtype=np.int64)
    tail = min(k, 12)
    rest = number.copy()
    for j in range(k - 1, k - 1 - tail, -1):
        digits[:, j] = rest % 10
        rest //= 10
    if k > tail:
        digits[:, : k - tail] = rng.integers(0, 10, (n, k - tail))
    r = np.full(n, int(_mod97_text(0, bank_code)), dtype=np.int64)
    for j in range(k):
        r = (r * 10 + digits[:, j]) % 97
    check = 98 - np.asarray(_mod97_text(r, country + "00"))
    chars = np.empty((n, iban_length), dtype=np.uint8)
    chars[:, 0] = ord(country[0])
    chars[:, 1] = ord(country[1])
    chars[:, 2] = 48 + check // 10
    chars[:, 3] = 48 + check % 10
    for j, ch in enumerate(bank_code):
        chars[:, 4 + j] = ord(ch)
    chars[:, 4 + len(bank_code) :] = 48 + digits
    return chars.view(f"S{iban_length}").ravel().astype(str).astype(object)


def iban_valid(iban: str) -> bool:
    """ISO 13616 check: move the first four characters to the end, mod 97 must be 1."""
    return int(_mod97_text(0, iban[4:] + iban[:4])) == 1


def sequential_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` followed by each number zero-padded to ``width`` digits (Arrow strings)."""
    text = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, text, "")
