"""Tabular files (CSV, Parquet, JSON Lines) read as a stream of raw chunks.

:func:`open_tabular` reads only the header (or Parquet schema); :func:`iter_chunks` then yields
``(raw_chunk, row_numbers)`` for the columns a loader needs, so a 5 GB file is never in memory
at once. CSV goes through Arrow's streaming reader: its bytes are checked as UTF-8 before Arrow
parses them (:mod:`loaders.utf8`); a file that is not UTF-8 is read again as Latin-1 or, with an
explicit UTF-8 encoding, with each row's bytes checked (the bad rows quarantined); a row with
the wrong number of fields is quarantined by the parser's invalid-row handler; compressed
``.gz``/``.bz2``/``.zst`` files are decompressed on the fly. Parquet: :mod:`loaders.parquetio`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engine.core.errors import InputError
from loaders.base import CHUNK_ROWS, CSV_BLOCK_BYTES, Progress, Rejects
from loaders.parquetio import parquet_chunks, parquet_columns
from loaders.prefetch import prefetch
from loaders.utf8 import CheckedUTF8, NotUTF8

COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}
HEADER_BYTES = 1 << 20
#: JSON Lines: longest line accepted; longer lines are quarantined unread.
MAX_JSON_LINE = 1 << 20


class Retype(Exception):
    """A typed CSV read met a value it cannot convert: read again with text columns."""


@dataclass
class TabularFile:
    """An opened tabular file: where it is, how to read it, and its column names."""

    path: Path
    format: str  # csv | parquet | jsonl
    columns: list[str]
    name: str
    encoding: str = "utf-8"
    delimiter: str = ","
    skip_rows: int = 0
    notes: list[str] = field(default_factory=list)
    #: Read CSV text columns as bytes and check UTF-8 per row (slower; after a bad byte).
    binary: bool = False
    #: Quoted CSV values may contain line breaks (memo fields of bank exports); slower.
    multiline: bool = False

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _compression(path: Path) -> str | None:
    return COMPRESSION.get(path.suffix.lower())


def _raw_stream(path: Path) -> pa.NativeFile:
    stream = pa.input_stream(str(path), compression=None)
    codec = _compression(path)
    return pa.CompressedInputStream(stream, codec) if codec else stream


def _python_encoding(encoding: str) -> str:
    return "utf-8-sig" if encoding in ("auto", "utf-8") else encoding


def _dedupe(names: Sequence[str]) -> list[str]:
    """Strip names and make repeats unique (``Account``, ``Account.1``) as pandas does."""
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = raw.strip() or "column"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


def _csv_header(path: Path, name: str, encoding: str, delimiter: str | None, skip: int):
    with _raw_stream(path) as stream:
        head = stream.read(HEADER_BYTES)
    if not head.strip():
        raise InputError("the file is empty", file=name)
    if b"\x00" in head[:4096]:
        raise InputError("this is a binary file, not CSV text", file=name)
    lines = head.splitlines()
    if len(lines) <= skip or (len(lines) == skip + 1 and len(head) == HEADER_BYTES):
        raise InputError("no header line found in the first 1 MiB", file=name)
    try:
        header_line = lines[skip].decode(_python_encoding(encoding))
    except UnicodeDecodeError:
        if encoding != "auto":
            raise InputError(f"the header is not {encoding} text", file=name) from None
        encoding = "latin-1"
        header_line = lines[skip].decode(encoding)
    if delimiter is None:
        counts = {d: header_line.count(d) for d in ",;\t|"}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    header = next(csv.reader([header_line], delimiter=delimiter))
    return _dedupe(header), encoding, delimiter


def csv_header(path: Path, name: str) -> tuple[list[str], str]:
    """Column names and delimiter of a delimited file, read exactly as the loader reads them
    (compressed files opened, Latin-1 fallback, repeated names numbered ``name.1``)."""
    header, _, delimiter = _csv_header(path, name, "auto", None, 0)
    return header, delimiter


def unreadable(exc: OSError, path: Path, name: str) -> InputError:
    """An InputError for a file the OS or a decompressor cannot read (a truncated or fake
    ``.gz``), naming the file as the user gave it and never the server's path."""
    message = exc.strerror or str(exc) or type(exc).__name__
    message = message.replace(str(path), name)
    codec = _compression(path)
    what = f"cannot read as a {codec} file" if codec else "cannot read"
    return InputError(f"{what}: {message}", file=name)


def open_tabular(
    path: Path, fmt: str, name: str, *, encoding: str = "auto", delimiter: str | None = None,
    skip_rows: int = 0,
) -> TabularFile:  # fmt: skip
    """Read the header (CSV), schema (Parquet) or first object (JSON Lines) of ``path``.

    Raises
    ------
    InputError
        If the file is empty, not of that format, or cannot be read (decompressed).
    """
    try:
        return _open_tabular(path, fmt, name, encoding, delimiter, skip_rows)
    except OSError as exc:
        raise unreadable(exc, path, name) from exc


def _open_tabular(
    path: Path, fmt: str, name: str, encoding: str, delimiter: str | None, skip_rows: int
) -> TabularFile:
    if fmt == "csv":
        header, encoding, delimiter = _csv_header(path, name, encoding, delimiter, skip_rows)
        return TabularFile(path, fmt, header, name, encoding, delimiter, skip_rows)
    if fmt == "parquet":
        return TabularFile(path, fmt, parquet_columns(path, name), name)
    if fmt == "jsonl":
        columns: list[str] = []
        with _raw_stream(path) as stream:
            first = stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if first == b"[":
            raise InputError(
                "a JSON array, not JSON Lines: write one JSON object per line", file=name
            )
        with _raw_stream(path) as stream, io.BufferedReader(stream) as lines:  # type: ignore[arg-type]
            for _ in range(1000):
                line = lines.readline(MAX_JSON_LINE)
                if not line:
                    break
                try:
                    obj = json.loads(line)
                except (ValueError, UnicodeDecodeError, RecursionError):
                    continue
                if isinstance(obj, dict):
                    columns.extend(k for k in obj if k not in columns)
        if not columns:
            raise InputError("no JSON object found in the first lines", file=name)
        return TabularFile(path, fmt, columns, name, encoding)
    raise InputError(f"unknown tabular format {fmt!r}", file=name)


def _decode_chunk(
    batch: pa.RecordBatch, encoding: str, latin: bool
) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """CSV columns read unchecked to strings; per column the mask of rows not valid UTF-8.

    ``latin``: the columns were read through Arrow as Latin-1 (each byte one character, so the
    file's bytes come back exactly); otherwise they are binary columns.
    """
    arrays, invalid = [], {}
    for column_name, arr in zip(batch.schema.names, batch.columns, strict=True):
        if latin:
            if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
                arrays.append(arr)
                continue
            raw = [None if v is None else v.encode("latin-1") for v in arr.to_pylist()]
        else:
            try:
                arrays.append(arr.cast(pa.string()))
                continue
            except pa.ArrowInvalid:
                if encoding == "auto":
                    raise NotUTF8 from None
            raw = arr.to_pylist()
        texts: list[str | None] = []
        bad = np.zeros(len(arr), dtype=bool)
        for i, value in enumerate(raw):
            if value is None:
                texts.append(None)
                continue
            try:
                texts.append(value.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(value.decode("latin-1"))
                bad[i] = True
        arrays.append(pa.array(texts, pa.string()))
        invalid[column_name] = bad
    return pa.Table.from_arrays(arrays, names=batch.schema.names), invalid


def _csv_chunks(
    tf: TabularFile,
    columns: list[str],
    rejects: Rejects,
    progress: Progress | None,
    types: dict[str, pa.DataType] | None = None,
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    header_lines = tf.skip_rows + 1
    skipped: list[int] = []

    refused: list[InputError] = []
    recoded = 0  # rows of an undeclared encoding that are not UTF-8, decoded as Latin-1

    # UTF-8 text read through Arrow as Latin-1 (bytes checked row by row below), else as is.
    utf8 = tf.encoding in ("auto", "utf-8", "utf-8-sig")
    latin = tf.binary and utf8

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # pyarrow swallows an exception raised here: catch everything, stop the read instead
        try:
            data_row = (row.number - header_lines) if row.number is not None else 0
            text = row.text.encode("latin-1").decode("utf-8", "replace") if latin else row.text
            reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
            rejects.add_one(data_row, "(row)", text, reason)
        except InputError as exc:  # too many rejects: stop the reader, re-raised below
            refused.append(exc)
            return "error"
        except Exception as exc:  # re-raised below as a refusal of the file
            refused.append(InputError(f"cannot parse as CSV: {exc}", file=tf.name))
            return "error"
        skipped.append(data_row)
        return "skip"

    total = tf.size
    fh = open(tf.path, "rb")  # noqa: SIM115 - closed in finally; Arrow reads it block by block
    try:
        codec = _compression(tf.path)
        source = pa.CompressedInputStream(pa.PythonFile(fh, mode="r"), codec) if codec else fh
        if utf8 and not latin:  # NotUTF8 before the parser meets a row it cannot decode
            source = CheckedUTF8(source)
        encoding = "latin-1" if latin else "utf8" if utf8 else tf.encoding
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(
                column_names=tf.columns,
                skip_rows=header_lines,
                block_size=CSV_BLOCK_BYTES,
                encoding=encoding,
                use_threads=False,  # as fast when streaming, and gives line numbers
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=tf.delimiter,
                newlines_in_values=tf.multiline,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    c: (types or {}).get(c, pa.binary() if tf.binary and not latin else pa.string())
                    for c in columns
                },
                include_columns=columns,
                strings_can_be_null=True,
                null_values=["", "NULL", "null"],
                quoted_strings_can_be_null=False,
            ),
        )

        def produce() -> Iterator[tuple[pa.RecordBatch, list[int], int]]:
            for batch in reader:  # the handler runs here, in the reading thread
                pending = list(skipped)
                skipped.clear()
                yield batch, pending, fh.tell()

        last = 0
        for batch, skipped_rows, position in prefetch(produce):
            k = batch.num_rows
            pending = {r for r in skipped_rows if r > last}
            candidates = np.arange(last + 1, last + 1 + k + len(pending), dtype=np.int64)
            if pending:
                candidates = candidates[~np.isin(candidates, list(pending))]
            rows = candidates[:k]
            last = int(rows[-1]) if k else last + len(pending)
            if tf.binary:
                table, invalid = _decode_chunk(batch, tf.encoding, latin)
            else:
                table, invalid = pa.Table.from_batches([batch]), {}
            if invalid and tf.encoding == "auto":  # no encoding declared: such rows are Latin-1
                recoded += int(np.logical_or.reduce(list(invalid.values())).sum())
                invalid = {}
            if invalid:
                bad = np.zeros(k, dtype=bool)
                for column_name, mask in invalid.items():
                    new = mask & ~bad
                    idx = np.flatnonzero(new)
                    rejects.add(
                        rows[idx],
                        column_name,
                        table.column(column_name).combine_chunks().take(pa.array(idx)),
                        "not valid UTF-8 text (set encoding in a mapping file, e.g. latin-1)",
                    )
                    bad |= new
                table, rows = table.filter(pa.array(~bad)), rows[~bad]
            if progress is not None:
                progress(min(position, total), total)
            yield table, rows
        if recoded:
            tf.notes.append(
                f"{recoded:,} rows are not UTF-8 text: read as Latin-1 (ISO-8859-1), the rest as "
                "UTF-8 (set encoding in a mapping file if that is wrong)"
            )
    except pa.ArrowInvalid as exc:
        if refused:
            raise refused[0] from exc
        message = str(exc)
        if "Could not skip initial" in message:  # a header line and no data rows
            return
        if "straddling" in message or "block size" in message.lower():
            message = f"a line is longer than {CSV_BLOCK_BYTES >> 20} MiB"
        elif "UTF8" in message or ("\ufffd" in message and tf.encoding == "auto"):
            raise NotUTF8 from exc  # a malformed row that is not UTF-8 either: try Latin-1
        elif types and "conversion error" in message:
            raise Retype from exc
        raise InputError(f"cannot parse as CSV: {message}", file=tf.name) from exc
    except OSError as exc:
        raise unreadable(exc, tf.path, tf.name) from exc
    finally:
        fh.close()


DEEP_JSON = "invalid JSON: nested too deeply"


def _json_value(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _jsonl_chunks(
    tf: TabularFile, columns: list[str], rejects: Rejects, progress: Progress | None
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    encoding = _python_encoding(tf.encoding)
    total = tf.size
    try:
        with _raw_stream(tf.path) as stream, io.BufferedReader(stream) as lines:  # type: ignore[arg-type]
            data: dict[str, list[str | None]] = {c: [] for c in columns}
            rows: list[int] = []
            number = 0
            done = 0
            while True:
                line = lines.readline(MAX_JSON_LINE)
                if not line:
                    break
                done += len(line)
                if len(line) >= MAX_JSON_LINE and not line.endswith(b"\n"):
                    number += 1
                    rejects.add_one(number, "(row)", line[:200], "line longer than 1 MiB")
                    while (rest := lines.readline(MAX_JSON_LINE)) and not rest.endswith(b"\n"):
                        done += len(rest)
                    done += len(rest)
                    continue
                if not line.strip():
                    continue
                number += 1
                try:
                    obj = json.loads(line.decode(encoding))
                except UnicodeDecodeError:
                    rejects.add_one(number, "(row)", line[:200], "not valid UTF-8 text")
                    continue
                except ValueError as exc:
                    rejects.add_one(
                        number, "(row)", line.decode("utf-8", "replace"), f"invalid JSON: {exc}"
                    )
                    continue
                except RecursionError:
                    rejects.add_one(number, "(row)", line.decode("utf-8", "replace"), DEEP_JSON)
                    continue
                if not isinstance(obj, dict):
                    rejects.add_one(
                        number, "(row)", line.decode("utf-8", "replace"), "not a JSON object"
                    )
                    continue
                try:
                    values = [_json_value(obj.get(c)) for c in columns]
                except RecursionError:
                    rejects.add_one(number, "(row)", line.decode("utf-8", "replace"), DEEP_JSON)
                    continue
                for c, value in zip(columns, values, strict=True):
                    data[c].append(value)
                rows.append(number)
                if len(rows) >= CHUNK_ROWS:
                    yield _json_table(data, columns), np.asarray(rows, dtype=np.int64)
                    data, rows = {c: [] for c in columns}, []
                    if progress is not None:
                        progress(min(done, total), total)
            if rows or number == 0:
                yield _json_table(data, columns), np.asarray(rows, dtype=np.int64)
            if progress is not None:
                progress(total, total)
    except OSError as exc:
        raise unreadable(exc, tf.path, tf.name) from exc


def _json_table(data: dict[str, list[str | None]], columns: list[str]) -> pa.Table:
    return pa.table({c: pa.array(data[c], pa.string()) for c in columns})


def iter_chunks(
    tf: TabularFile,
    columns: Sequence[str],
    rejects: Rejects,
    progress: Progress | None = None,
    types: dict[str, pa.DataType] | None = None,
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """Yield ``(raw_chunk, row_numbers)`` with only ``columns``, streaming the file.

    ``types`` asks the CSV reader to convert some columns itself (in its own thread); a value
    it cannot convert raises :class:`Retype` and the caller reads again without ``types``.

    Raises
    ------
    InputError
        If the file cannot be parsed at all.
    NotUTF8
        CSV with encoding ``auto`` that turns out not to be UTF-8 (the caller re-reads it).
    Retype
        A value the typed CSV read cannot convert (the caller re-reads it as text).
    """
    wanted = list(dict.fromkeys(columns))
    if tf.format == "csv":
        return _csv_chunks(tf, wanted, rejects, progress, types)
    if tf.format == "parquet":
        return parquet_chunks(tf.path, tf.name, wanted, rejects, progress)
    return _jsonl_chunks(tf, wanted, rejects, progress)


def file_format(path: Path) -> str | None:
    """Tabular format from the extension (ignoring a compression suffix), else None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSION:
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    return {
        ".csv": "csv", ".tsv": "csv", ".txt": "csv",
        ".parquet": "parquet", ".pq": "parquet",
        ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    }.get(ext)  # fmt: skip
