"""The audit trail: an append-only, hash-chained log of who did what, and when.

Every upload, view of a cluster or entity, search, path query, export, sign-in and change of
users is one entry::

    {"seq": 7, "ts": "...", "user": "ana", "action": "view_cluster", "target": "cluster:12",
     "details": {...}, "prev_hash": "<hash of entry 6>", "hash": "<sha256>"}

``hash`` is the SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the entry
without its ``hash`` field, which includes ``prev_hash``; the first entry's ``prev_hash`` is 64
zeros. Editing, deleting or reordering any entry therefore breaks the chain at that entry, and
:meth:`AuditTrail.verify` names it. Truncating the tail is caught by a *head* that holds the
sequence number and hash of the last entry. (An attacker who can rewrite every entry and the
head can forge a new chain: note the head hash that ``moneytrail audit verify`` prints somewhere
else from time to time to pin history.)

The log lives where the data lives, chosen by the store (:func:`open_audit_log`):

* **EmbeddedStore**: :class:`AuditLog`, one JSON line per entry in
  ``$MONEYTRAIL_HOME/audit/audit.jsonl`` (or ``MONEYTRAIL_AUDIT_FILE``) and the head in
  ``audit.head`` beside it, replaced atomically after each append. Appends hold a file lock,
  write one line with ``O_APPEND`` and ``fsync`` it, so concurrent processes append safely and
  an acknowledged entry survives a crash.
* **Neo4jStore**: :class:`engine.security.neo4j_audit.Neo4jAuditLog`, a chain of ``(:AuditEntry)``
  nodes and one ``(:AuditHead)``, each append one write transaction that locks the head first.

Nothing in moneytrail edits or deletes entries.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from filelock import FileLock

from engine.core.config import Settings
from engine.core.errors import StoreError

if TYPE_CHECKING:
    from engine.store.base import Store

from engine.security.chain import (  # noqa: F401  (re-exported: the audit API in one place)
    FIELDS,
    GENESIS,
    MAX_VALUE,
    AuditError,
    AuditTrail,
    VerifyResult,
    canonical,
    entry_hash,
    seal,
)


def audit_file(
    explicit: str | os.PathLike[str] | None = None, settings: Settings | None = None
) -> Path:
    """The log file: ``explicit``, else the settings' ``audit_file``
    (``MONEYTRAIL_AUDIT_FILE``), else ``<home>/audit/audit.jsonl``."""
    if explicit:
        return Path(explicit)
    settings = settings or Settings.from_env()
    return settings.audit_file or store_audit_file(settings.home)


def store_audit_file(home: str | os.PathLike[str]) -> Path:
    """Where an EmbeddedStore in folder ``home`` keeps its audit log."""
    return Path(home) / "audit" / "audit.jsonl"


class AuditLog(AuditTrail):
    """The audit log of the EmbeddedStore: a JSON-lines file at ``path`` and its head file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = audit_file(path)
        self.head_path = self.path.with_name(self.path.stem + ".head")
        self._lock = FileLock(str(self.path) + ".lock", timeout=60)

    def describe(self) -> str:
        return str(self.path)

    def _append(self, fields: dict[str, Any]) -> dict[str, Any]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock:
                seq, prev = self._tail()
                entry = seal(fields, seq + 1, prev)
                line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
                _append_whole_line(self.path, line.encode())
                self._write_head(entry["seq"], entry["hash"])
                return entry
        except OSError as exc:
            raise AuditError(
                f"{self.path}: cannot record {fields['action']}: {exc.strerror or exc}"
            ) from exc

    def _tail(self) -> tuple[int, str]:
        """Sequence number and hash of the last entry (0 and GENESIS for an empty log)."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return 0, GENESIS
        if size == 0:
            return 0, GENESIS
        with open(self.path, "rb") as handle:
            block = 4096
            data = b""
            pos = size
            while pos > 0:
                step = min(block, pos)
                pos -= step
                handle.seek(pos)
                data = handle.read(step) + data
                if data.count(b"\n") >= 2 or pos == 0:
                    break
        if not data.endswith(b"\n"):
            raise AuditError(
                f"{self.path}: the last entry is incomplete; run moneytrail audit verify"
            )
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            entry = json.loads(last)
            return int(entry["seq"]), str(entry["hash"])
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(f"{self.path}: the last entry is unreadable: {exc}") from exc

    def _write_head(self, seq: int, digest: str) -> None:
        tmp = self.head_path.with_name(f".{self.head_path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump({"seq": seq, "hash": digest}, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.head_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _scan(self) -> Iterator[tuple[int, dict[str, Any] | str]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.endswith("\n"):
                    yield number, "incomplete last line"
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    yield number, "not valid JSON"
                    continue
                yield number, entry if isinstance(entry, dict) else "fields missing or added"

    def _head(self) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = json.loads(self.head_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return head


def _append_whole_line(path: Path, data: bytes) -> None:
    """Append ``data`` and fsync it, or leave the file as it was (a full disk can accept part
    of a write: the part is cut off again so the log never ends in half an entry)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        try:
            done = 0
            while done < len(data):
                done += os.write(fd, data[done:])
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


# -- the configured log --------------------------------------------------------------------------

_SHARED_STORES: dict[Any, Store] = {}
_SHARED_LOCK = threading.Lock()


def open_audit_log(
    store: Store | None = None,
    *,
    backend: str | None = None,
    settings: Settings | None = None,
) -> AuditTrail:
    """The audit log that belongs with ``store`` (or with the configured store).

    A Neo4j store keeps its log in the same database; an EmbeddedStore keeps its JSON-lines
    file in its own folder (``<store home>/audit/audit.jsonl``), unless the settings name an
    ``audit_file`` explicitly. Without ``store``, the backend comes from ``backend``, else
    ``settings`` (default :meth:`Settings.from_env`); a Neo4j connection is then opened once
    per process and settings and shared, so recording an entry does not open a new driver
    each time.

    Raises
    ------
    ConfigError
        For an unknown backend.
    AuditError
        If the Neo4j server holding the log cannot be reached.
    """
    settings = settings or Settings.from_env()
    kind = store.backend if store is not None else settings.with_(store=backend).store
    if kind != "neo4j":
        home = getattr(store, "home", None)
        if settings.audit_file is None and home is not None:
            return AuditLog(store_audit_file(home))
        return AuditLog(audit_file(settings=settings))
    from engine.security.neo4j_audit import Neo4jAuditLog
    from engine.store.neo4j import Neo4jStore

    if store is None:
        store = _shared_neo4j_store(settings)
    if not isinstance(store, Neo4jStore):
        raise TypeError(f"a store of backend 'neo4j' must be a Neo4jStore, not {type(store)}")
    return Neo4jAuditLog(store)


def _shared_neo4j_store(settings: Settings) -> Store:
    from engine.store.neo4j import Neo4jStore

    with _SHARED_LOCK:
        store = _SHARED_STORES.get(settings.neo4j)
        if store is None:
            try:
                store = _SHARED_STORES[settings.neo4j] = Neo4jStore(
                    settings.neo4j, timeout=settings.neo4j_timeout
                )
            except StoreError as exc:  # fail closed: the action being recorded must not go on
                raise AuditError(f"the audit log in Neo4j cannot be reached: {exc}") from exc
        return store


def record(user: Any, action: str, target: str = "", **details: Any) -> dict[str, Any]:
    """Append one entry to the configured audit log (see :meth:`AuditTrail.record`)."""
    return open_audit_log().record(user, action, target, **details)


def entries(**filters: Any) -> list[dict[str, Any]]:
    """Entries of the configured audit log (see :meth:`AuditTrail.entries`)."""
    return open_audit_log().entries(**filters)


def verify() -> VerifyResult:
    """Verify the configured audit log (see :meth:`AuditTrail.verify`)."""
    return open_audit_log().verify()


def export_csv(out: str | os.PathLike[str] | IO[str], **filters: Any) -> int:
    """Export the configured audit log as CSV (see :meth:`AuditTrail.export_csv`)."""
    return open_audit_log().export_csv(out, **filters)
