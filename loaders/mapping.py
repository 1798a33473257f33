"""Column-mapping files: how a bank's export maps onto the canonical tables.

A mapping is a TOML or YAML file (see ``docs/formats.md`` for the full reference)::

    kind = "transactions"          # transactions | travel | parties | accounts | holdings | kyc
    delimiter = ";"                # default: sniffed from the header line
    encoding = "latin-1"           # utf-8 | latin-1 | cp1252 | auto (utf-8, else latin-1)
    decimal = ","                  # decimal comma
    thousands = "."
    date_format = "%d.%m.%Y"       # or date_formats = [...]; default: ISO 8601 and common forms
    timezone = "Europe/Berlin"     # zone of timestamps written without an offset (default UTC)
    currency = "EUR"               # currency of amounts when there is no currency column

    [columns]                      # canonical field = source column
    tx_id = "Reference"
    ts = ["Date", "Time"]          # several columns joined with a space
    src_account = { columns = ["Bank", "Account"], sep = ":" }
    own_account = { value = "DE89370400440532013000" }   # a constant
    counterparty = "Counterparty IBAN"
    amount = "Amount"              # signed: negative = money leaving own_account
    direction = "Debit/Credit"     # optional D/C indicator instead of a sign

    [rates]                        # units of the base currency per unit, overriding the table
    USD = 0.91

For ``kind = "kyc"`` the columns are given per table: ``[columns.parties]``,
``[columns.accounts]``, ``[columns.holdings]``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engine.core import schema
from engine.core.errors import InputError

KINDS = ("transactions", "travel", "parties", "accounts", "holdings", "kyc")
#: Extra, non-canonical fields a transactions mapping may use (signed single-account exports).
PSEUDO_FIELDS = {"transactions": ("own_account", "counterparty", "direction")}
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "latin-1", "iso-8859-1", "cp1252", "iso-8859-15")
MAX_MAPPING_BYTES = 1 << 20
_TOP_KEYS = {
    "kind",
    "format",
    "delimiter",
    "encoding",
    "decimal",
    "thousands",
    "date_format",
    "date_formats",
    "timezone",
    "currency",
    "base_currency",
    "columns",
    "rates",
    "skip_rows",
    "step_start",
    "step_unit",
}


@dataclass(frozen=True)
class Source:
    """Where one canonical field comes from: source columns (joined by ``sep``) or a constant."""

    columns: tuple[str, ...] = ()
    sep: str = " "
    value: str | None = None


@dataclass(frozen=True)
class Mapping:
    """Parsed mapping: per canonical table, the source of each field, plus parsing options."""

    kind: str | None = None
    columns: dict[str, dict[str, Source]] = field(default_factory=dict)
    format: str | None = None
    delimiter: str | None = None
    encoding: str = "auto"
    decimal: str = "."
    thousands: str = ""
    date_formats: tuple[str, ...] = ()
    timezone: str = "UTC"
    currency: str | None = None
    base_currency: str = "EUR"
    rates: dict[str, float] = field(default_factory=dict)
    skip_rows: int = 0
    step_start: str | None = None
    step_unit: str = "day"
    name: str = "mapping"

    def with_columns(self, columns: dict[str, dict[str, Source]]) -> Mapping:
        return replace(self, columns=columns)

    def source_columns(self) -> set[str]:
        """Every source column the mapping reads."""
        return {c for fields in self.columns.values() for s in fields.values() for c in s.columns}


def _source(value: Any, where: str, file: str) -> Source:
    if isinstance(value, str):
        return Source(columns=(value,))
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return Source(columns=tuple(value))
    if isinstance(value, dict):
        if "value" in value and isinstance(value["value"], str | int | float):
            return Source(value=str(value["value"]))
        cols = value.get("columns")
        if isinstance(cols, list) and cols and all(isinstance(v, str) for v in cols):
            return Source(columns=tuple(cols), sep=str(value.get("sep", " ")))
    raise InputError(
        "a column must be a name, a list of names, {columns = [...], sep = ...} or {value = ...}",
        file=file,
        field=where,
    )


def _fields(table: str, raw: Any, file: str) -> dict[str, Source]:
    if not isinstance(raw, dict):
        raise InputError("expected a table of field = column", file=file, field=f"columns.{table}")
    allowed = set(schema.INPUT_TABLES[table].names) - {"batch_id"}
    allowed |= set(PSEUDO_FIELDS.get(table, ()))
    out = {}
    for key, value in raw.items():
        if key not in allowed:
            raise InputError(
                f"{key!r} is not a field of {table}; fields: {', '.join(sorted(allowed))}",
                file=file,
                field=f"columns.{key}",
            )
        out[key] = _source(value, f"columns.{key}", file)
    return out


def parse_mapping(data: dict[str, Any], name: str = "mapping") -> Mapping:
    """Build a :class:`Mapping` from the parsed TOML/YAML document ``data``.

    Raises
    ------
    InputError
        Naming the mapping file and the key that is wrong.
    """
    if not isinstance(data, dict):
        raise InputError("a mapping file must be a table of settings", file=name)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError(f"unknown settings {sorted(unknown)}", file=name)
    kind = data.get("kind")
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}", file=name, field="kind")
    raw_columns = data.get("columns", {}) or {}
    columns: dict[str, dict[str, Source]] = {}
    if isinstance(raw_columns, dict) and any(k in schema.INPUT_TABLES for k in raw_columns):
        for table, fields in raw_columns.items():
            if table not in schema.INPUT_TABLES:
                raise InputError(f"unknown table {table!r}", file=name, field="columns")
            columns[table] = _fields(table, fields, name)
    elif raw_columns:
        table = kind if kind in schema.INPUT_TABLES else None
        if table is None:
            raise InputError(
                "flat [columns] need kind = transactions, travel, parties, accounts or holdings",
                file=name,
                field="kind",
            )
        columns[table] = _fields(table, raw_columns, name)
    formats = data.get("date_formats", [])
    if "date_format" in data:
        formats = [data["date_format"], *formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise InputError("date_formats must be a list of strings", file=name, field="date_formats")
    encoding = str(data.get("encoding", "auto")).lower()
    if encoding not in ENCODINGS:
        raise InputError(f"encoding must be one of {', '.join(ENCODINGS)}", file=name)
    delimiter = data.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise InputError("delimiter must be one character", file=name, field="delimiter")
    rates = data.get("rates", {}) or {}
    if not isinstance(rates, dict) or not all(
        isinstance(v, int | float) and v > 0 for v in rates.values()
    ):
        raise InputError("rates must map currency codes to positive numbers", file=name)
    try:
        skip_rows = int(data.get("skip_rows", 0))
    except (TypeError, ValueError) as exc:
        raise InputError("skip_rows must be a number", file=name) from exc
    return Mapping(
        kind=kind,
        columns=columns,
        format=data.get("format"),
        delimiter=delimiter,
        encoding=encoding,
        decimal=str(data.get("decimal", ".")),
        thousands=str(data.get("thousands", "")),
        date_formats=tuple(formats),
        timezone=str(data.get("timezone", "UTC")),
        currency=(str(data["currency"]).upper() if data.get("currency") else None),
        base_currency=str(data.get("base_currency", "EUR")).upper(),
        rates={str(k).upper(): float(v) for k, v in rates.items()},
        skip_rows=max(0, skip_rows),
        step_start=data.get("step_start"),
        step_unit=str(data.get("step_unit", "day")),
        name=name,
    )


def read_mapping(path: str | os.PathLike[str]) -> Mapping:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) mapping file.

    Raises
    ------
    InputError
        If the file is missing, too large, not valid TOML/YAML, or not a valid mapping.
    """
    path = Path(path)
    name = path.name
    try:
        if path.stat().st_size > MAX_MAPPING_BYTES:
            raise InputError("mapping file is larger than 1 MiB", file=name)
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the mapping file: {exc.strerror}", file=name) from exc
    except UnicodeDecodeError as exc:
        raise InputError("the mapping file is not UTF-8 text", file=name) from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # type: ignore[import-untyped]

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML: {exc}", file=name) from exc
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"not valid TOML: {exc}", file=name) from exc
    return parse_mapping(data, name)


def as_mapping(mapping: Mapping | dict[str, Any] | str | os.PathLike[str] | None) -> Mapping | None:
    """Accept a :class:`Mapping`, a parsed document, or a path to a mapping file."""
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, dict):
        return parse_mapping(mapping)
    return read_mapping(mapping)
