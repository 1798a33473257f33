"""Pseudonymised exports and spreadsheet-safe CSV cells.

:func:`pseudonymise` replaces personal data in Arrow tables (names, identity documents, phones,
e-mails, addresses) by keyed pseudonyms, ``NAME-3f9c0a1b2c4d5e6f``: HMAC-SHA-256 under a secret
key of the value after normalisation (case, spaces, punctuation), truncated to 64 bits. The same
person gets the same pseudonym in every table and every export made with the same key, so a
partner can still see that two rows concern one person, but cannot recover who without the key
(a plain hash of a name or passport number could be reversed by hashing a list of candidates).

The key comes from ``MONEYTRAIL_PSEUDONYM_KEY`` (at least 16 characters), else from
``$MONEYTRAIL_HOME/secrets/pseudonym.key``, created with 32 random bytes and mode 0600 on first
use. Keep it out of exports and out of the repository; change it to make new exports unlinkable
to old ones.

:func:`neutralise_formulas` makes a table safe to open in a spreadsheet: a text cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an apostrophe, so
``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` stays text (OWASP "CSV injection").
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from engine.core import keyfile
from engine.core.config import Settings

if TYPE_CHECKING:
    pass

#: Columns of the canonical tables that hold personal data, and the kind of each.
PERSONAL_COLUMNS: dict[str, str] = {
    "name": "name",
    "traveller_name": "name",
    "id_document_number": "document",
    "traveller_document": "document",
    "phone": "phone",
    "email": "email",
    "address": "address",
}
PREFIXES = {
    "party": "PARTY",
    "account": "ACCT",
    "transaction": "TX",
    "record": "TRIP",
    "booking": "BOOK",
    "name": "NAME",
    "document": "DOC",
    "phone": "PHONE",
    "email": "EMAIL",
    "address": "ADDR",
}
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_FORMULA_PATTERN = r"^([=+\-@\t\r])"
MIN_KEY_LENGTH = keyfile.MIN_PSEUDONYM_KEY_LENGTH
KEY_FILE = keyfile.PSEUDONYM_KEY_FILE


def pseudonym_key(
    home: str | os.PathLike[str] | None = None, settings: Settings | None = None
) -> bytes:
    """The pseudonymisation key: ``MONEYTRAIL_PSEUDONYM_KEY``, else the data home's key file.

    The key file is created on first use with 32 random bytes (hex) and mode 0600; a key file
    that others can read is refused, as ssh refuses a readable private key. The same key
    keys the party ids the loaders derive (see :func:`engine.core.keyfile.pseudonym_key`,
    where this lives so that the loaders can reach it).

    Raises
    ------
    ConfigError
        For a key that is too short or a key file with loose permissions.
    """
    return keyfile.pseudonym_key(settings, home)


def normalise(value: str, kind: str) -> str:
    """The form of ``value`` that is hashed: equal for spellings of one identity.

    Names, e-mails and addresses: case-folded, whitespace collapsed. Documents: letters and
    digits only, upper case. Phones: digits only (a leading ``00`` read as ``+``).
    """
    if kind == "document":
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        return digits[2:] if digits.startswith("00") else digits
    return " ".join(value.casefold().split())


def pseudonym(value: str, kind: str, key: bytes) -> str:
    """The pseudonym of one value, e.g. ``NAME-3f9c0a1b2c4d5e6f``."""
    digest = hmac.new(key, f"{kind}\x1f{normalise(value, kind)}".encode(), hashlib.sha256)
    return f"{PREFIXES[kind]}-{digest.hexdigest()[:16]}"


def pseudonymise(
    table: pa.Table,
    columns: Mapping[str, str] | Iterable[str] | None = None,
    *,
    key: bytes | None = None,
) -> pa.Table:
    """Return ``table`` with its personal columns replaced by pseudonyms; nulls stay null.

    Parameters
    ----------
    table:
        Any Arrow table (a canonical table, a query result).
    columns:
        Column → kind (``name``, ``document``, ``phone``, ``email``, ``address``), or column
        names from :data:`PERSONAL_COLUMNS`; default: every column of the table that
        :data:`PERSONAL_COLUMNS` names.
    key:
        The HMAC key; default :func:`pseudonym_key`.

    Notes
    -----
    One HMAC per distinct value, then a vectorised ``take``: O(rows + distinct values).
    """
    if columns is None:
        chosen = {c: k for c, k in PERSONAL_COLUMNS.items() if c in table.column_names}
    elif isinstance(columns, Mapping):
        chosen = dict(columns)
    else:
        chosen = {c: PERSONAL_COLUMNS[c] for c in columns}
    unknown = [k for k in chosen.values() if k not in PREFIXES]
    if unknown:
        raise ValueError(f"unknown personal-data kinds {unknown}; known: {sorted(PREFIXES)}")
    if not chosen:
        return table
    key = key if key is not None else pseudonym_key()
    for name, kind in chosen.items():
        if name not in table.column_names:
            continue
        index = table.schema.get_field_index(name)
        column = table.column(name)
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        distinct = pc.unique(column).drop_null()
        mapped = pa.array([pseudonym(v, kind, key) for v in distinct.to_pylist()], pa.string())
        replaced = pc.take(mapped, pc.index_in(column, value_set=distinct))
        table = table.set_column(index, pa.field(name, pa.string()), replaced)
    return table


def neutralise_cell(value: str) -> str:
    """Prefix one text cell with ``'`` if a spreadsheet would read it as a formula."""
    return "'" + value if FORMULA_START.match(value) else value


def _neutralise_array(array: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
        kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return pc.replace_substring_regex(array, pattern=_FORMULA_PATTERN, replacement=r"'\1")
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        out = []
        for chunk in chunks:
            if chunk.offset:
                chunk = pa.concat_arrays([chunk])  # a copy that starts at offset 0
            values = _neutralise_array(chunk.values)
            out.append(
                type(chunk).from_arrays(
                    chunk.offsets, values, mask=chunk.is_null() if chunk.null_count else None
                )
            )
        return pa.chunked_array(out, type=out[0].type) if out else array
    return array


def neutralise_formulas(table: pa.Table) -> pa.Table:
    """Return ``table`` with every formula-like text cell (also inside lists) made inert."""
    for index, field in enumerate(table.schema):
        column = table.column(index)
        fixed = _neutralise_array(column)
        if fixed is not column:
            table = table.set_column(index, pa.field(field.name, fixed.type), fixed)
    return table


# -- case files ---------------------------------------------------------------------------------

#: Columns that hold one identifier, and its kind (the keyed pseudonym's prefix).
ID_COLUMNS: dict[str, str] = {
    "party_id": "party",
    "account_id": "account",
    "src_account": "account",
    "dst_account": "account",
    "payer_account": "account",
    "tx_id": "transaction",
    "record_id": "record",
    "booking_ref": "booking",
}
#: Where the world's identifiers live: (table, column, kind).
