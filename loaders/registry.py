"""Pick the loader for a file and run it: the one entry point the CLI and the dashboard use.

Detection, in order: an explicit ``format``; XML by its root element and namespace (goAML
``report``, ISO 20022 ``Document`` of camt.053 or pacs.008); tabular files (CSV, Parquet,
JSON Lines) by extension or first bytes, then by their columns: a mapping file if given, a
public benchmark layout, moneytrail's canonical tables, then recognised column names.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from engine.core.errors import InputError
from loaders.base import LoadResult, Progress
from loaders.mapping import Mapping, as_mapping
from loaders.stream import LoadStream, collect

XML_FORMATS = ("goaml", "camt053", "pacs008")
TABULAR_FORMATS = ("canonical", "csv", "parquet", "jsonl", "amlworld", "samld", "amlsim",
                   "amlgentex")  # fmt: skip
FORMATS = ("auto", *TABULAR_FORMATS, *XML_FORMATS)
KINDS = ("transactions", "travel", "kyc", "parties", "accounts", "holdings")
_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)[\s/>]")


def sniff_xml(head: bytes) -> str | None:
    """``goaml``, ``camt053`` or ``pacs008`` from the first bytes of an XML file, else None."""
    text = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", b"", head, flags=re.S)
    match = _ROOT.search(text)
    if match is None:
        return None
    root = match.group(2)
    if root == b"report":
        return "goaml"
    if root == b"Document":
        if b"camt.053" in text[:4096]:
            return "camt053"
        if b"pacs.008" in text[:4096]:
            return "pacs008"
    return None


def detect_container(path: Path, head: bytes) -> str:
    """``xml``, ``csv``, ``parquet`` or ``jsonl`` from the extension, else from the bytes."""
    from loaders.tabular import file_format

    if path.suffix.lower() == ".xml":
        return "xml"
    by_ext = file_format(path)
    if by_ext:
        return by_ext
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "xml"
    if head.startswith(b"PAR1"):
        return "parquet"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


def _head(path: Path, name: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(65536)
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=name) from exc


def _stream_xml(fmt: str, path: Path, name: str, batch_id: str, mapping: Mapping | None,
                progress: Progress | None, id_key: bytes | None) -> LoadStream:  # fmt: skip
    if fmt == "goaml":
        from loaders.goaml import stream_goaml

        return stream_goaml(path, name=name, batch_id=batch_id, mapping=mapping, progress=progress,
                            id_key=id_key)  # fmt: skip
    from loaders.iso20022 import stream_iso20022

    return stream_iso20022(path, fmt, name=name, batch_id=batch_id, mapping=mapping,
                           progress=progress, id_key=id_key)  # fmt: skip


def load_file(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    kind: str | None = None,
    mapping: Mapping | dict[str, Any] | str | os.PathLike[str] | None = None,
    batch_id: str,
    source: str | None = None,
    progress: Progress | None = None,
    id_key: bytes | None = None,
) -> LoadResult:
    """Load one file into canonical tables and a quarantine of rejected rows, in memory.

    :func:`open_stream` with the same arguments, collected; see it for the parameters. For
    files larger than memory use :func:`open_stream` and a store's ``write_stream``.

    Raises
    ------
    InputError
        If the file cannot be read at all, or its columns match no known layout; nothing was
        loaded.
    """
    stream = open_stream(
        path,
        format=format,
        kind=kind,
        mapping=mapping,
        batch_id=batch_id,
        source=source,
        progress=progress,
        id_key=id_key,
    )
    return collect(stream)


def open_stream(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    kind: str | None = None,
    mapping: Mapping | dict[str, Any] | str | os.PathLike[str] | None = None,
    batch_id: str,
    source: str | None = None,
    progress: Progress | None = None,
    id_key: bytes | None = None,
) -> LoadStream:
    """Detect one file's format and return its rows as a stream of chunks.

    Only the head of the file is read here (the header, the Parquet schema, the XML root);
    iterating the stream reads the rows (see :mod:`loaders.stream`), XML included: goAML and
    ISO 20022 files are parsed as the stream is iterated and yielded in chunks.

    Parameters
    ----------
    path:
        The file (``.gz``, ``.bz2`` and ``.zst`` CSV/JSON Lines are read compressed).
    format:
        ``auto`` or one of :data:`FORMATS`.
    kind:
        ``transactions``, ``travel``, ``kyc`` (or a single table name) when the file's columns
        alone do not say; also picks the canonical table of a file not named after it.
    mapping:
        A mapping file path, a parsed mapping, or a :class:`loaders.mapping.Mapping`.
    batch_id:
        Stamped on every quarantined row.
    source:
        The name to report the file under (default: its base name).
    progress:
        ``progress(done_bytes, total_bytes)``, called as the file is read.
    id_key:
        The HMAC key of the party ids goAML and ISO 20022 loaders derive from names
        (:mod:`loaders.partyid`); default the pseudonym key (``MONEYTRAIL_PSEUDONYM_KEY`` or
        the data home's key file), read only for those formats.

    Returns
    -------
    LoadStream

    Raises
    ------
    InputError
        If the file cannot be read at all, or its columns match no known layout (here, or
        while the stream is iterated).
    """
    from loaders.canonical import canonical_plan
    from loaders.chunked import stream_plan
    from loaders.mapped import explain_missing, mapped_plan
    from loaders.public import public_plan
    from loaders.tabular import open_tabular

    path = Path(path)
    name = source or path.name
    if format not in FORMATS:
        raise InputError(
            f"unknown format {format!r}; choose one of {', '.join(FORMATS)}", file=name
        )
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}", file=name)
    options = as_mapping(mapping)
    if not path.is_file():
        raise InputError("no such file", file=name)
    head = _head(path, name)
    if format in XML_FORMATS:
        return _stream_xml(format, path, name, batch_id, options, progress, id_key)
    container = detect_container(path, head)
    if format in ("csv", "parquet", "jsonl"):
        container = format
    elif options is not None and options.format in ("csv", "parquet", "jsonl"):
        container = options.format
    if container == "xml":
        from loaders.xmlsafe import check_prolog

        check_prolog(path, name)  # a DOCTYPE is refused as such, wherever the prolog ends
        xml_format = sniff_xml(head)
        if xml_format is None:
            raise InputError(
                "XML that is neither a goAML report nor an ISO 20022 camt.053/pacs.008 Document",
                file=name,
            )
        return _stream_xml(xml_format, path, name, batch_id, options, progress, id_key)
    tf = open_tabular(
        path,
        container,
        name,
        encoding=options.encoding if options else "auto",
        delimiter=options.delimiter if options else None,
        skip_rows=options.skip_rows if options else 0,
    )
    plan = None
    if options is not None and options.columns:
        plan = mapped_plan(tf.columns, container, kind, options, name)
    if plan is None and format in ("auto", "amlworld", "samld", "amlsim", "amlgentex"):
        plan = public_plan(tf.columns, None if format == "auto" else format)
    if plan is None and format in ("auto", "canonical"):
        plan = canonical_plan(path, tf.columns, kind, options)
    if plan is None and format in ("auto", "csv", "parquet", "jsonl"):
        plan = mapped_plan(tf.columns, container, kind, options, name)
    if plan is None:
        raise InputError(
            f"the columns ({', '.join(tf.columns[:20])}) match no known layout: "
            f"{explain_missing(tf.columns, kind)}; give a mapping file (--mapping)",
            file=name,
        )
    return stream_plan(tf, plan, batch_id, progress)
