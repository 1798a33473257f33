"""Vectorised value parsing: text columns to strings, numbers, timestamps and dates.

Every function takes an Arrow array of any type and returns the converted array plus a boolean
numpy mask of the rows whose (non-null) value could not be converted, so the caller can
quarantine exactly those rows. The fast path is one Arrow cast over the whole chunk; only when
it fails are the slower fallbacks (a list of ``strptime`` formats, then Python's ISO parser for
the few rows left) used, so clean files pay almost nothing for validation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core.schema import TS

NAIVE = pa.timestamp("us")
NUMBER_RE = r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|(?i:nan|inf|infinity))$"

#: Tried in order when no ``date_formats`` are given and ISO 8601 fails. Day before month.
DEFAULT_TS_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)


def nulls_mask(arr: pa.Array) -> np.ndarray:
    """Boolean numpy mask of the null entries."""
    if arr.null_count == 0:
        return np.zeros(len(arr), dtype=bool)
    return np.asarray(pc.is_null(arr).to_numpy(zero_copy_only=False), dtype=bool)


def _failed(original: pa.Array, converted: pa.Array) -> np.ndarray:
    """Rows non-null before and null after a conversion."""
    if converted.null_count == original.null_count:
        return np.zeros(len(original), dtype=bool)
    return nulls_mask(converted) & ~nulls_mask(original)


def to_text(arr: pa.Array) -> pa.Array:
    """Any array as ``string`` (binary decoded as UTF-8 with replacement characters)."""
    t = arr.type
    if pa.types.is_string(t):
        return arr
    if pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_null(t):
        return arr.cast(pa.string())
    if pa.types.is_dictionary(t):
        return to_text(arr.dictionary_decode())
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return pa.array(
            [None if v is None else v.decode("utf-8", "replace") for v in arr.to_pylist()],
            pa.string(),
        )
    try:
        return arr.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], pa.string())


def clean_text(arr: pa.Array, trim: bool = True, limit: int | None = None):  # type: ignore[no-untyped-def]
    """Strings (trimmed of surrounding white space if ``trim``), empty strings as null.

    With ``limit``, returns ``(strings, too_long_mask)``: one pass over the lengths serves both.
    """
    s = to_text(arr)
    if trim:
        s = pc.utf8_trim_whitespace(s)
    lengths = pc.binary_length(s)
    bounds = pc.min_max(lengths)
    if (bounds["min"].as_py() or 1) == 0:
        s = pc.if_else(pc.equal(lengths, 0), pa.scalar(None, pa.string()), s)
    if limit is None:
        return s
    if (bounds["max"].as_py() or 0) <= limit:
        return s, np.zeros(len(s), dtype=bool)
    over = pc.fill_null(pc.greater(lengths, limit), False).to_numpy(zero_copy_only=False)
    return s, np.asarray(over, dtype=bool)


def all_match(arr: pa.Array, pattern: str) -> bool:
    """Whether every non-null value matches the regular expression ``pattern``."""
    if arr.null_count == len(arr):
        return True
    return bool(pc.all(pc.match_substring_regex(arr, pattern)).as_py())


def any_in(arr: pa.Array, candidates: pa.Array) -> bool:
    """Whether any value is one of ``candidates``."""
    return bool(pc.any(pc.is_in(arr, value_set=candidates)).as_py())


def in_vocabulary(arr: pa.Array, allowed: pa.Array) -> bool:
    """Whether every non-null value is one of ``allowed`` (cheap check before normalising)."""
    if arr.null_count == len(arr):
        return True
    hits = pc.is_in(arr, value_set=allowed, skip_nulls=True)
    return bool(pc.all(pc.or_(hits, pc.is_null(arr))).as_py())


def to_float(arr: pa.Array, decimal: str = ".", thousands: str = "") -> tuple[pa.Array, np.ndarray]:
    """Parse numbers (decimal comma and thousands separators allowed); mask of failures."""
    t = arr.type
    if pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_decimal(t):
        return arr.cast(pa.float64()), np.zeros(len(arr), dtype=bool)
    s = clean_text(arr)
    if thousands:
        s = pc.replace_substring(s, thousands, "")
    if decimal != ".":
        s = pc.replace_substring(s, decimal, ".")
    try:
        out = s.cast(pa.float64())
        return out, _failed(s, out)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    ok = pc.fill_null(pc.match_substring_regex(s, NUMBER_RE), True)
    kept = pc.if_else(ok, s, pa.scalar(None, pa.string()))
    out = kept.cast(pa.float64())
    return out, _failed(s, out)


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


def localise(naive: pa.Array, timezone: str) -> pa.Array:
    """Naive timestamps read as wall time in ``timezone``, as UTC ``TS``."""
    naive = naive.cast(NAIVE)
    if timezone.upper() == "UTC":
        return naive.cast(TS)
    out = pc.assume_timezone(
        naive, timezone=_zone(timezone), ambiguous="earliest", nonexistent="earliest"
    )
    return out.cast(TS)


def _strptime(s: pa.Array, fmt: str, timezone: str) -> pa.Array:
    parsed = pc.strptime(s, format=fmt, unit="us", error_is_null=True)
    if parsed.type.tz is None:
        return localise(parsed, timezone)
    return parsed.cast(TS)


def _python_ts(value: str, timezone: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=ZoneInfo(_zone(timezone)))
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # 9999-12-31T23:59-10:00 is past year 9999 in UTC
        return None


def _coalesce_formats(
    s: pa.Array,
    formats: Sequence[str],
    parse: Callable[[pa.Array, str], pa.Array],
    out_type: pa.DataType,
) -> pa.Array:
    """Try ``formats`` in order on the rows still unparsed; stop once every row is parsed."""
    out = pa.nulls(len(s), out_type)
    wanted = pc.is_valid(s)
    for fmt in formats:
        todo = pc.and_(wanted, pc.is_null(out))
        if not pc.any(todo).as_py():
            break
        out = pc.coalesce(out, parse(s, fmt))
    return out


def _python_fallback(
    s: pa.Array, out: pa.Array, convert: Callable[[str], object], out_type: pa.DataType
) -> pa.Array:
    missing = np.flatnonzero(nulls_mask(out) & ~nulls_mask(s))
    if len(missing) == 0:
        return out
    texts = s.take(pa.array(missing)).to_pylist()
    filled = pa.array([convert(text) for text in texts], out_type)
    mask = np.zeros(len(out), dtype=bool)
    mask[missing] = True
    # no to_pylist of ``out``: it may hold times Python's datetime cannot represent
    return pc.replace_with_mask(out, pa.array(mask), filled)


#: Times Python can represent (year 1 to 9999, UTC): later or earlier ones are refused, so no
#: consumer of the canonical tables meets a value ``to_pylist`` cannot convert.
_TS_BOUNDS = (
    pa.scalar(dt.datetime(1, 1, 2, tzinfo=dt.UTC), TS),
    pa.scalar(dt.datetime(9999, 12, 30, tzinfo=dt.UTC), TS),
)


def _bounded(out: pa.Array) -> pa.Array:
    """``out`` with times outside :data:`_TS_BOUNDS` set to null (vectorised)."""
    inside = pc.and_(pc.greater_equal(out, _TS_BOUNDS[0]), pc.less_equal(out, _TS_BOUNDS[1]))
    if pc.all(inside).as_py() is not False:
        return out
    return pc.if_else(inside, out, pa.scalar(None, TS))


def to_timestamp(
    arr: pa.Array,
    formats: Sequence[str] = (),
    timezone: str = "UTC",
    step_start: str | None = None,
    step_unit: str = "day",
) -> tuple[pa.Array, np.ndarray]:
    """Parse timestamps to UTC ``timestamp[us]``; mask of values that are not timestamps.

    Text with an offset (``Z``, ``+02:00``) is converted to UTC; text without one is wall time
    in ``timezone``. Numbers are simulation steps when ``step_start`` is given. Times outside
    years 1-9999 are failures.
    """
    out, source = _to_timestamp(arr, formats, timezone, step_start, step_unit)
    bounded = _bounded(out)
    return bounded, _failed(source, bounded)


def _to_timestamp(
    arr: pa.Array, formats: Sequence[str], timezone: str, step_start: str | None, step_unit: str
) -> tuple[pa.Array, pa.Array]:
    """The parsed times, and the values they came from (text cleaned: blanks are missing)."""
    t = arr.type
    if pa.types.is_timestamp(t):
        return (arr.cast(TS) if t.tz is not None else localise(arr, timezone)), arr
    if pa.types.is_date(t):
        return localise(arr.cast(NAIVE), timezone), arr
    if step_start is not None and (pa.types.is_integer(t) or pa.types.is_floating(t)):
        unit_us = {"day": 86_400_000_000, "hour": 3_600_000_000, "second": 1_000_000}
        start = dt.datetime.fromisoformat(step_start)
        start_us = int(start.replace(tzinfo=start.tzinfo or dt.UTC).timestamp() * 1_000_000)
        steps = arr.cast(pa.float64()).to_numpy(zero_copy_only=False)
        unit = unit_us.get(step_unit, unit_us["day"])
        finite = np.isfinite(steps) & (np.abs(steps) < 2**62 / unit)  # no overflow warnings
        us = start_us + np.where(finite, steps, 0.0) * unit
        valid = finite & (np.abs(us) < 2**62)
        out = pa.array(np.where(valid, us, 0.0).astype(np.int64), pa.int64(), mask=~valid)
        return out.cast(TS), arr
    s = clean_text(arr)
    if not formats:
        try:
            return s.cast(TS), s
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        try:
            return localise(s.cast(NAIVE), timezone), s
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    out = _coalesce_formats(
        s, formats or DEFAULT_TS_FORMATS, lambda x, f: _strptime(x, f, timezone), TS
    )
    if not formats:
        out = _python_fallback(s, out, lambda v: _python_ts(v, timezone), TS)
    return out, s


def _python_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def to_date(arr: pa.Array, formats: Sequence[str] = ()) -> tuple[pa.Array, np.ndarray]:
    """Parse dates to ``date32``; mask of values that are not dates."""
    t = arr.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        days = arr.cast(pa.date32()) if pa.types.is_date(t) else arr.cast(NAIVE).cast(pa.date32())
        out = _bounded_date(days)
        return out, _failed(days, out)
    s = clean_text(arr)
    try:
        out = _bounded_date(s.cast(pa.date32()))
        return out, _failed(s, out)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass

    def parse(x: pa.Array, fmt: str) -> pa.Array:
        return pc.strptime(x, format=fmt, unit="us", error_is_null=True).cast(NAIVE)

    naive = _coalesce_formats(s, [*formats, *DEFAULT_TS_FORMATS], parse, NAIVE)
    out = naive.cast(pa.date32())
    out = _python_fallback(s, out, _python_date, pa.date32())
    out = _bounded_date(out)
    return out, _failed(s, out)


#: Dates Python can represent (years 1-9999): ``0000-01-01`` is not a birth date, and a
#: stored one would stop every consumer that converts it (entity view, export, Neo4j ingest).
_DATE_BOUNDS = (
    pa.scalar(dt.date(1, 1, 1), pa.date32()),
    pa.scalar(dt.date(9999, 12, 31), pa.date32()),
)


def _bounded_date(out: pa.Array) -> pa.Array:
    """``out`` with dates outside :data:`_DATE_BOUNDS` set to null (vectorised)."""
    inside = pc.and_(pc.greater_equal(out, _DATE_BOUNDS[0]), pc.less_equal(out, _DATE_BOUNDS[1]))
    if pc.all(inside).as_py() is not False:
        return out
    return pc.if_else(inside, out, pa.scalar(None, pa.date32()))


#: Year-first dates (ISO 8601 and ``2025/02/28``) and the day-first ones of the default formats.
_YEAR_FIRST = r"^[+-]?(?P<y>\d{4,6})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
_DAY_FIRST = r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})"
#: A UTC offset after a time of day (``10:00+02:00``, ``10:00:00.5-0530``).
_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?P<sign>[+-])(?P<h>\d{2}):?(?P<mi>\d{2})?$"
OFFSET_REASON = "UTC offset out of range (hours 00-23, minutes 00-59)"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_FIELD_RE = {"Y": r"(?P<y>\d{4})", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})"}


def _format_pattern(fmt: str) -> str | None:
    """A regular expression capturing year, month and day of text written with ``fmt``.

    None when ``fmt`` lacks one of ``%Y``, ``%m`` and ``%d`` (nothing to check).
    """
    out, seen, i = ["^"], set[str](), 0
    while i < len(fmt) and len(seen) < 3:
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code in _FIELD_RE and code not in seen:
                out.append(_FIELD_RE[code])
                seen.add(code)
            else:
                out.append(".*?")
            i += 2
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    return "".join(out) if len(seen) == 3 else None


def _ints(parts: pa.StructArray, name: str) -> np.ndarray:
    """Group ``name`` of an ``extract_regex`` result as int64, 0 where absent.

    An optional group that did not take part in the match (the minutes of ``10:00+05``) comes
    back as an empty string, not a null: it is made null before the cast, which would
    otherwise raise ``ArrowInvalid`` (found by the fuzz case).
    """
    column = pc.struct_field(parts, name)
    column = pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)
    return np.asarray(pc.fill_null(column.cast(pa.int64()), 0).to_numpy(zero_copy_only=False))


def _no_such_day(s: pa.Array, pattern: str) -> np.ndarray:
    """Rows whose text matches ``pattern`` with a real month but a day that month lacks."""
    if not pc.any(pc.match_substring_regex(s, pattern)).as_py():
        return np.zeros(len(s), dtype=bool)
    parts = pc.extract_regex(s, pattern)
    year, month, day = _ints(parts, "y"), _ints(parts, "m"), _ints(parts, "d")
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    real_month = (month >= 1) & (month <= 12)
    last = _DAYS_IN_MONTH[np.where(real_month, month, 0)] + (leap & (month == 2))
    matched = ~nulls_mask(parts)
    return matched & real_month & ((day < 1) | (day > last))


def impossible_times(arr: pa.Array, formats: Sequence[str] = ()) -> list[tuple[np.ndarray, str]]:
    """Masks of text dates that the parsers would silently move, each with its reason.

    Arrow's parsers carry an overflowing day into the next month (``2025-02-30`` becomes
    2 March, ``2025-02-29`` 1 March) and accept any two-digit offset (``+25:00``); such a
    value is a typing error, not a time, so the row must be refused rather than moved.
    """
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return []
    s = clean_text(arr)
    if s.null_count == len(s):
        return []
    patterns = [p for p in (_format_pattern(f) for f in formats) if p]
    bad_day = np.zeros(len(s), dtype=bool)
    for pattern in (*patterns, _YEAR_FIRST, _DAY_FIRST):
        bad_day |= _no_such_day(s, pattern)
    out = [(bad_day, "no such day in that month")]
    if pc.any(pc.match_substring_regex(s, _OFFSET)).as_py():
        parts = pc.extract_regex(s, _OFFSET)
        hours, minutes = _ints(parts, "h"), _ints(parts, "mi")
        wrong = (minutes >= 60) | (hours >= 24)  # what ISO 8601 allows, and Arrow's CSV reader
        out.append((~nulls_mask(parts) & wrong, OFFSET_REASON))
    return out


def map_values(arr: pa.Array, fn: Callable[[str], str | None]) -> pa.Array:
    """Apply ``fn`` to each distinct string (not each row): cheap for categorical columns."""
    if len(arr) == 0:
        return arr.cast(pa.string())
    encoded = pc.dictionary_encode(arr)
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)
