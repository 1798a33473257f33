"""Ingestion: file → loader → batch → store, once per file content, streamed.

The batch id is the SHA-256 of the file's bytes, read in a first pass in blocks. A file whose
batch is already in the store is reported as a duplicate without being parsed; otherwise the
loader's chunks (accepted rows and quarantined ones, as the file is read) go straight to
:meth:`engine.store.base.Store.write_stream`, which lands all of it or nothing and skips rows
whose key the store already holds; so a file larger than memory can be ingested into the
EmbeddedStore. The CLI, the dashboard's upload page and the demo all come through here.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from engine.core import schema
from engine.core.errors import InputError
from engine.store.base import REJECTED, RESTART, BatchInfo, Chunk, Store

MAX_SOURCE_NAME = 200
_HASH_BLOCK = 4 << 20
#: Share of the progress bar given to the hashing pass: hashing a byte costs roughly a tenth
#: of parsing and storing it, so the bar moves at about the same speed through both passes.
HASH_SHARE = 0.1


@dataclass
class IngestReport:
    """What happened to one file.

    ``status`` is ``written`` (a new batch), ``duplicate`` (the same file was loaded before;
    nothing parsed, nothing changed) or ``refused`` (the file could not be read; ``error``
    says why; nothing written). ``accepted`` counts rows stored, ``duplicate`` rows skipped
    because their key was known with the same content, ``conflicts`` rows whose key was known
    with other content (quarantined by the store with both versions: the store's
    ``conflicts`` table), ``rejected`` rows the loader quarantined; ``reasons`` counts
    rejects by reason and ``rejected_rows`` holds them.
    """

    source: str
    batch_id: str
    status: str
    format: str = ""
    kind: str = ""
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    rejected_rows: pa.Table = field(default_factory=lambda: schema.empty("rejected"))
    tables: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    conflicts: int = 0

    def __str__(self) -> str:
        return self.summary()

    def summary(self, *, reasons: bool = True) -> str:
        """One line for people; with ``reasons`` every rejection reason and its count."""
        if self.status == "refused":
            return f"{self.source}: refused: {self.error}"
        if self.status == "duplicate":
            return f"{self.source}: already loaded (batch {self.batch_id[:12]}), nothing changed"
        text = (
            f"{self.source} ({self.format}, {self.kind}): {self.accepted:,} rows accepted, "
            f"{self.duplicate:,} duplicate, {self.rejected:,} rejected"
        )
        if self.conflicts:
            text += (
                f", {self.conflicts:,} conflicting duplicate{'s' if self.conflicts != 1 else ''}"
                " quarantined (known key, other content: `moneytrail batches show "
                f"{self.batch_id[:12]} --conflicts`)"
            )
        if reasons and self.reasons:  # every reason, the most frequent first (none is left out)
            ranked = sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            text += " (" + "; ".join(f"{reason}: {count:,}" for reason, count in ranked) + ")"
        return text


def sanitise_source_name(name: str) -> str:
    """A safe display name for an uploaded file: no folders, ``..``, or control characters."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = base.strip().lstrip(".").strip()
    return base[:MAX_SOURCE_NAME] or "upload"


def file_digest(
    path: str | os.PathLike[str], progress: Callable[[int, int], None] | None = None
) -> str:
    """SHA-256 hex digest of the file's bytes, read in blocks (constant memory).

    ``progress(done_bytes, total_bytes)`` is called after each block.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            total = os.fstat(handle.fileno()).st_size
            done = 0
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=Path(path).name) from exc
    return digest.hexdigest()


def _reason_counts(rejected: pa.Table) -> dict[str, int]:
    if rejected.num_rows == 0:
        return {}
    counts = rejected.group_by("reason").aggregate([("reason", "count")])
    return dict(zip(counts["reason"].to_pylist(), counts["reason_count"].to_pylist(), strict=True))


def ingest_file(
    store: Store,
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    kind: str | None = None,
    mapping: Any = None,
    uploaded_by: str = "cli",
    source_name: str | None = None,
    progress: Any = None,
    id_key: bytes | None = None,
) -> IngestReport:
    """Load one file and write it to ``store`` as one atomic, idempotent batch, streamed.

    Parameters
    ----------
    store:
        Where the batch goes.
    path:
        The file to read.
    format, kind, mapping:
        Passed to :func:`loaders.registry.open_stream`.
    uploaded_by:
        Recorded with the batch (user name, or ``cli``).
    source_name:
        The name the user gave the file (an upload's original name); sanitised.
    id_key:
        Keys the party ids derived from names (goAML, ISO 20022); default the pseudonym key
        (see :mod:`loaders.partyid`).
    progress:
        ``progress(done, total)`` over the whole work: the hashing pass, then parsing and
        writing (see :data:`HASH_SHARE`); ``total`` is constant, ``done`` reaches it at the end.

    Raises
    ------
    InputError
        If the file cannot be read at all; nothing is written.
    StoreError
        If the store could not write the batch; the store is unchanged.
    """
    from loaders.registry import open_stream

    started = time.perf_counter()
    source = sanitise_source_name(source_name or Path(path).name)
    hashing, parsing = _progress_phases(progress)
    batch_id = file_digest(path, hashing)
    if store.has_batch(batch_id):
        if progress is not None:
            parsing(1, 1)
        return IngestReport(source, batch_id, "duplicate", seconds=time.perf_counter() - started)
    stream = open_stream(
        path,
        format=format,
        kind=kind,
        mapping=mapping,
        batch_id=batch_id,
        source=source,
        progress=parsing,
        id_key=id_key,
    )
    quarantine = _Quarantine()
    info = BatchInfo(batch_id, source, stream.kind, stream.format, uploaded_by)
    receipt = store.write_stream(info, quarantine.watch(stream))
    if progress is not None:
        parsing(1, 1)
    rejected = quarantine.table()
    return IngestReport(
        source=source,
        batch_id=batch_id,
        status=receipt.status,
        format=stream.format,
        kind=stream.kind,
        accepted=receipt.rows_written,
        duplicate=receipt.rows_duplicate,
        conflicts=receipt.rows_conflict,
        rejected=rejected.num_rows,
        reasons=_reason_counts(rejected),
        rejected_rows=rejected,
        tables=dict(receipt.written),
        notes=list(stream.notes),
        seconds=time.perf_counter() - started,
    )


ProgressFn = Callable[[int, int], None]


def _progress_phases(progress: ProgressFn | None) -> tuple[ProgressFn | None, ProgressFn]:
    """Split one ``progress(done, total)`` over the hashing pass and the parsing pass.

    The caller sees one bar on a fixed scale of 10,000 steps: hashing fills the first
    :data:`HASH_SHARE` of it, parsing and writing the rest.
    """
    scale = 10_000
    split = int(scale * HASH_SHARE)

    def hashing(done: int, total: int) -> None:
        if progress is not None:
            progress(int(split * done / max(total, 1)), scale)

    def parsing(done: int, total: int) -> None:
        if progress is not None:
            progress(split + int((scale - split) * min(done, total) / max(total, 1)), scale)

    return (hashing if progress is not None else None), parsing


class _Quarantine:
    """Keeps the rejected chunks of a stream on their way to the store, for the report.

    Bounded: a loader refuses a file with more than
    :data:`loaders.base.MAX_REJECTED_ROWS` rejected rows.
    """

    def __init__(self) -> None:
        self.parts: list[pa.Table] = []

    def watch(self, chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        for name, table in chunks:
            if name == RESTART:
                self.parts.clear()
            elif name == REJECTED and table is not None:
                self.parts.append(table)
            yield name, table

    def table(self) -> pa.Table:
        if not self.parts:
            return schema.empty("rejected")
        table = pa.concat_tables(self.parts)
        return table.sort_by([("row", "ascending")]) if len(self.parts) > 1 else table


#: Sub-folders never loaded when a folder is given: the generator's ground truth is for
#: measuring detectors, never for them to read.
SKIPPED_FOLDERS = {"truth"}


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files named, and the files inside folders named (sorted; hidden files and ``truth/``
    folders skipped)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not any(
                    part.startswith(".") or part in SKIPPED_FOLDERS
                    for part in p.relative_to(path).parts
                )
            )
        else:
            files.append(path)
    return files


def ingest_paths(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    progress_for: Any = None,
    ingest: Any = None,
    **options: Any,
) -> list[IngestReport]:
    """Ingest several files (folders are expanded); a refused file does not stop the others.

    ``progress_for(path)`` may return a progress callback for each file; ``options`` go to
    :func:`ingest_file`, or to ``ingest(path, **options)`` when given (the audited session's
    one-file upload). A file that cannot be read gets a ``refused`` report with the error.
    """
    if ingest is None:

        def ingest(path: Path, **kwargs: Any) -> IngestReport:
            return ingest_file(store, path, **kwargs)

    reports = []
    for path in expand_paths(paths):
        progress = progress_for(path) if progress_for is not None else None
        try:
            reports.append(ingest(path, progress=progress, **options))
        except InputError as exc:
            source = sanitise_source_name(options.get("source_name") or path.name)
            reports.append(IngestReport(source, "", "refused", error=str(exc)))
    return reports


def export_rejected(table: pa.Table, path_or_buffer: Any, *, name: str = "rejected") -> None:
    """The quarantine as spreadsheet-safe CSV (see :func:`loaders.quarantine.export_rejected`;
    ``name="conflicts"`` for conflicting duplicates).

    Offered here so the dashboard reaches it through the engine, not the loaders.
    """
    from loaders.quarantine import export_rejected as export

    export(table, path_or_buffer, name=name)
