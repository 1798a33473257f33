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
import secrets
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from engine.core.config import Settings
from engine.core.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from engine.queries import Workbench

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
MIN_KEY_LENGTH = 16
KEY_FILE = Path("secrets") / "pseudonym.key"


def pseudonym_key(
    home: str | os.PathLike[str] | None = None, settings: Settings | None = None
) -> bytes:
    """The pseudonymisation key: ``MONEYTRAIL_PSEUDONYM_KEY``, else the data home's key file.

    The key file is created on first use with 32 random bytes (hex) and mode 0600; a key file
    that others can read is refused, as ssh refuses a readable private key.

    Raises
    ------
    ConfigError
        For a key that is too short or a key file with loose permissions.
    """
    settings = settings or Settings.from_env(home=home)
    env = settings.pseudonym_key
    if env is not None:
        if len(env) < MIN_KEY_LENGTH:
            raise ConfigError(
                f"MONEYTRAIL_PSEUDONYM_KEY is too short: use at least {MIN_KEY_LENGTH} characters"
            )
        return env.encode()
    path = (Path(home) if home else settings.home) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path}: the pseudonym key is readable by others; chmod 600 it")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_KEY_LENGTH:
        # Another process is still writing it (created, not yet filled): read again once.
        key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(f"{path}: the pseudonym key is too short")
    return key.encode()


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
_ID_SOURCES = (
    ("parties", "party_id", "party"),
    ("holdings", "party_id", "party"),
    ("accounts", "account_id", "account"),
    ("holdings", "account_id", "account"),
    ("transactions", "src_account", "account"),
    ("transactions", "dst_account", "account"),
    ("travel", "payer_account", "account"),
    ("transactions", "tx_id", "transaction"),
    ("travel", "record_id", "record"),
    ("travel", "booking_ref", "booking"),
)
#: Columns left out of a pseudonymised case file: with a name pseudonym they narrow a person
#: down to a few candidates.
DROPPED_COLUMNS = frozenset({"nationality", "traveller_nationality", "city"})
#: Dates a pseudonymised case file gives as the year only.
YEAR_COLUMNS = frozenset({"birth_date", "traveller_birth_date"})
#: Shortest word of a name replaced on its own in free text.
MIN_TOKEN_LENGTH = 3
MIN_VALUE_LENGTH = 3
_WORD = re.compile(r"[^\W_]+")
_ID_TOKEN = re.compile(r"[\w.:@+/-]+")


def _is_list(value: object) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str | bytes | dict)


def _is_text(series: pd.Series) -> bool:
    """Whether a column holds text or lists (object or string dtype)."""
    import pandas as pd

    return series.dtype == object or pd.api.types.is_string_dtype(series)


class CaseScrubber:
    """Replaces every identifier and personal value of the world in one case file's data.

    Built from the store's input tables and the text the case file will show: only the world's
    values that can occur in that text are looked at, so the cost is O(text + parties +
    travel records), with the (possibly millions of) ids filtered by Arrow.

    * Identifiers (party, account, transaction, travel record, booking reference), names,
      documents, phones, e-mails and addresses become keyed pseudonyms wherever they appear,
      whole words, case-insensitive: in their columns and inside labels, references and
      evidence sentences. Placeholder accounts (``CASH``) stay.
    * Names are also found transliterated (:func:`engine.detect.frame.fold`: ``Huynh`` for
      ``Huỳnh``), and each word of a name (at least :data:`MIN_TOKEN_LENGTH` letters, not a
      particle) is replaced on its own when written as in the name, in upper or title case.
    * Birth dates are cut to the year; nationality and city are dropped.

    Parameters
    ----------
    tables:
        ``accounts``, ``parties``, ``holdings``, ``transactions``, ``travel`` (missing ones are
        treated as empty).
    text:
        Everything the case file will show, joined (used to choose the relevant values).
    key:
        The HMAC key; default :func:`pseudonym_key`.
    """

    def __init__(
        self, tables: Mapping[str, pa.Table], text: str, *, key: bytes | None = None
    ) -> None:
        from engine.detect.frame import fold
        from engine.detect.names import PARTICLES

        self.key = key if key is not None else pseudonym_key()
        tokens = set(_ID_TOKEN.findall(text))
        tokens |= {t.rstrip(".:/-+") for t in tokens}
        words = {w.casefold() for w in _WORD.findall(text)}
        words |= {fold(w) for w in words}
        folded: dict[str, str] = {}  # casefolded spelling → pseudonym
        exact: dict[str, str] = {}  # spelling of one word of a name → pseudonym
        placeholders: set[str] = set()
        accounts = tables.get("accounts")
        if accounts is not None and accounts.num_rows:
            placeholders = set(
                accounts.filter(pc.equal(accounts["kind"], "placeholder"))["account_id"].to_pylist()
            )
        value_set = pa.array(sorted(tokens), pa.string())
        word_set = pa.array(sorted(words), pa.string())
        for table_name, column, kind in _ID_SOURCES:
            table = tables.get(table_name)
            if table is None or column not in table.column_names or not table.num_rows:
                continue
            values = table[column]
            hits = pc.unique(values.filter(pc.is_in(values, value_set=value_set)))
            for value in hits.drop_null().to_pylist():
                if value not in placeholders and value.strip():
                    folded.setdefault(value.casefold(), pseudonym(value, kind, self.key))
        for table_name in ("parties", "travel"):
            table = tables.get(table_name)
            if table is None:
                continue
            for column, kind in PERSONAL_COLUMNS.items():
                if column not in table.column_names:
                    continue
                for value in _candidates(table[column], word_set):
                    if len(value.strip()) < MIN_VALUE_LENGTH:
                        continue
                    parts = [w.casefold() for w in _WORD.findall(value)]
                    if parts and all(p in words or fold(p) in words for p in parts):
                        alias = pseudonym(value, kind, self.key)
                        folded.setdefault(value.casefold(), alias)
                        if kind == "name" and fold(value):
                            folded.setdefault(fold(value), alias)
                    if kind != "name":
                        continue
                    for token in _WORD.findall(value):
                        key_word = token.casefold()
                        if len(token) < MIN_TOKEN_LENGTH or key_word in PARTICLES:
                            continue
                        if key_word not in words and fold(token) not in words:
                            continue
                        token_alias = pseudonym(token, "name", self.key)
                        ascii_token = fold(token)
                        for spelling in (token, token.upper(), token.title(),
                                         ascii_token.title(), ascii_token.upper()):  # fmt: skip
                            if spelling:
                                exact.setdefault(spelling, token_alias)
        self._folded, self._exact = folded, exact
        self._whole = _alternation(folded, re.IGNORECASE)
        self._tokens = _alternation(exact, 0)

    def text(self, value: str) -> str:
        """``value`` with every known identifier, personal value and name word replaced."""
        if self._whole is not None:
            value = self._whole.sub(lambda m: self._folded[m.group(0).casefold()], value)
        if self._tokens is not None:
            value = self._tokens.sub(lambda m: self._exact[m.group(0)], value)
        return value

    def cell(self, column: str, value: object) -> object:
        """One value of ``column``: a pseudonym, a year, or text with identifiers replaced."""
        if value is None or (isinstance(value, float) and value != value):
            return value
        if column in YEAR_COLUMNS:
            year = getattr(value, "year", None)
            return str(year) if year is not None else None
        if column in PERSONAL_COLUMNS and isinstance(value, str):
            return pseudonym(value, PERSONAL_COLUMNS[column], self.key) if value else value
        if isinstance(value, str):
            return self.text(value)
        if _is_list(value):
            return [self.text(v) if isinstance(v, str) else v for v in value]
        return value

    def record(self, values: Mapping[str, object]) -> dict[str, object]:
        """A mapping (a case's summary, an entity's attributes) scrubbed key by key."""
        return {k: self.cell(k, v) for k, v in values.items() if k not in DROPPED_COLUMNS}

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A table of the case file scrubbed column by column (text columns only)."""
        out = frame.drop(columns=[c for c in frame.columns if c in DROPPED_COLUMNS])
        for column in out.columns:
            if _is_text(out[column]) or column in YEAR_COLUMNS:
                out[column] = out[column].map(lambda v, c=column: self.cell(c, v))
        return out


def _candidates(column: pa.ChunkedArray, words: pa.Array) -> list[str]:
    """Distinct values of ``column`` that may occur in a text whose (case-folded, also
    transliterated) words are ``words``: every value outside ASCII, and the ASCII values with at
    least one word among them. Vectorised, so a store's million names cost little."""

    distinct = pc.unique(column).drop_null()
    if not len(distinct):
        return []
    split = pc.split_pattern_regex(pc.utf8_lower(distinct), r"[^0-9a-z]+")
    parents = pc.list_parent_indices(split).to_numpy()
    hit = pc.is_in(pc.list_flatten(split), value_set=words).to_numpy(zero_copy_only=False)
    keep = ~pc.string_is_ascii(distinct).to_numpy(zero_copy_only=False)
    keep[parents[hit]] = True
    return distinct.filter(pa.array(keep)).to_pylist()


def _alternation(spellings: Mapping[str, str], flags: int) -> re.Pattern[str] | None:
    if not spellings:
        return None
    ordered = sorted(spellings, key=len, reverse=True)
    body = "|".join(map(re.escape, ordered))
    return re.compile(r"(?<!\w)(?:" + body + r")(?!\w)", flags)


def pseudonymised_case_file(
    workbench: Workbench,
    *,
    cluster_id: int | None = None,
    entity_id: str | None = None,
    key: bytes | None = None,
) -> bytes:
    """The case-file ZIP of :func:`engine.services.export.case_file` with every identifier and
    personal value of the world replaced by keyed pseudonyms (see :class:`CaseScrubber`).

    The data is scrubbed before anything is drawn or cut, so the report's picture, whose
    labels are shortened, shows only pseudonyms.
    """
    from engine.services.export import case_file

    names = ("accounts", "parties", "holdings", "transactions", "travel")
    tables = {name: workbench.table(name) for name in names}
    return case_file(
        workbench,
        cluster_id=cluster_id,
        entity_id=entity_id,
        scrubber_for=lambda text: CaseScrubber(tables, text, key=key),
    )
