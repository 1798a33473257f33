"""Pseudonymised case files: every identifier and personal value of a case's data replaced by
its keyed pseudonym (:func:`engine.security.pseudonymise.pseudonym`) before the files are
written, free text and the report's picture included.

This is a service (it reads the workbench's tables and folds names with the detectors' name
rules), so it lives above both :mod:`engine.security` and :mod:`engine.detect`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from engine.security.pseudonymise import PERSONAL_COLUMNS, pseudonym, pseudonym_key

if TYPE_CHECKING:
    import pandas as pd

    from engine.queries import Workbench


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
            return [self.text(v) if isinstance(v, str) else v for v in value]  # type: ignore[attr-defined]  # a list, tuple or array (_is_list)
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
