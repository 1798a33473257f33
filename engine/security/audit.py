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

import contextlib
import csv
import hashlib
import json
import os
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from filelock import FileLock

from engine.core import config
from engine.core.errors import StoreError

if TYPE_CHECKING:
    from engine.store.base import Store

GENESIS = "0" * 64
FIELDS = ("seq", "ts", "user", "action", "target", "details", "prev_hash", "hash")
#: Longest target and detail value kept, in characters (a log is not a data store).
MAX_VALUE = 1000


class AuditError(StoreError):
    """The audit log cannot be written or read; the audited action must not go ahead."""


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of :meth:`AuditTrail.verify`.

    ``ok`` is true when every entry chains to the previous one and the head matches.
    ``first_bad`` is the 1-based position (line of the file, or entry in ``seq`` order in the
    store; ``unit`` says which) of the first broken entry (``None`` when ok, or when entries
    are missing at the end), ``reason`` says what is wrong there.
    """

    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str = ""
    head_hash: str = GENESIS
    unit: str = "line"

    def __str__(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries, head {self.head_hash}"
        where = f"{self.unit} {self.first_bad}: " if self.first_bad is not None else ""
        return f"audit log broken: {where}{self.reason}"


def audit_file(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The log: ``explicit``, else ``MONEYTRAIL_AUDIT_FILE``, else ``<home>/audit/audit.jsonl``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("MONEYTRAIL_AUDIT_FILE")
    return Path(env) if env else config.data_home() / "audit" / "audit.jsonl"


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of an entry without its ``hash`` (what the hash covers)."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def _clip(value: Any) -> Any:
    """JSON-safe, length-capped copy of a detail value."""
    if isinstance(value, str):
        return value[:MAX_VALUE]
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k)[:100]: _clip(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clip(v) for v in list(value)[:100]]
    return str(value)[:MAX_VALUE]


def seal(fields: Mapping[str, Any], seq: int, prev: str) -> dict[str, Any]:
    """The complete entry for ``fields`` (user, action, target, details) appended after an
    entry numbered ``seq - 1`` with hash ``prev``; stamped now, so time follows ``seq``."""
    entry: dict[str, Any] = {
        "seq": seq,
        "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
        **fields,
        "prev_hash": prev,
    }
    entry["hash"] = entry_hash(entry)
    return entry


class AuditTrail(ABC):
    """What every audit log offers; a backend supplies appending, scanning and the head."""

    #: What :class:`VerifyResult` calls a position in this log.
    unit = "line"
    #: Whether the head may name an entry before the last (a crash between the two writes).
    head_may_lag = True

    @abstractmethod
    def describe(self) -> str:
        """Where the log is (a path, or a server and database), for messages."""

    @abstractmethod
    def _append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Atomically append ``seal(fields, last seq + 1, last hash)``, serialised against
        every other writer, and update the head; return the entry."""

    @abstractmethod
    def _scan(self) -> Iterator[tuple[int, dict[str, Any] | str]]:
        """Every entry in order, as ``(position, entry)``, or ``(position, problem)`` for one
        that cannot be read."""

    @abstractmethod
    def _head(self) -> dict[str, Any] | None:
        """The head (``{"seq", "hash"}``), ``None`` if there is none, ``{}`` if unreadable."""

    def record(self, user: Any, action: str, target: str = "", **details: Any) -> dict[str, Any]:
        """Append one entry and return it. ``user`` is a :class:`engine.security.auth.User` or a name.

        Raises
        ------
        AuditError
            If the entry cannot be written (full disk, unreachable store, damaged tail); the
            caller must not go on with the action it was about to record.
        """
        fields = {
            "user": str(getattr(user, "name", user) or "anonymous")[:200],
            "action": str(action)[:100],
            "target": str(target)[:MAX_VALUE],
            "details": _clip(dict(details)),
        }
        return self._append(fields)

    def entries(
        self,
        *,
        user: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        target: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Entries matching every filter given, oldest first (the last ``limit`` if given).

        ``since``/``until`` are inclusive/exclusive bounds on ``ts`` (naive means UTC).
        Unreadable entries are skipped here; :meth:`verify` reports them.
        """
        lo = _aware(since)
        hi = _aware(until)
        out: list[dict[str, Any]] = []
        for _, entry in self._scan():
            if isinstance(entry, str):
                continue
            try:
                ts = datetime.fromisoformat(entry["ts"])
            except (ValueError, KeyError, TypeError):
                continue
            if user is not None and entry.get("user") != user:
                continue
            if action is not None and entry.get("action") != action:
                continue
            if target is not None and entry.get("target") != target:
                continue
            if (lo is not None and ts < lo) or (hi is not None and ts >= hi):
                continue
            out.append(entry)
        return out[-limit:] if limit else out

    def verify(self) -> VerifyResult:
        """Check the whole chain and the head; name the first broken entry. O(n) in the log.

        Where :attr:`head_may_lag` (the file), a head that lags behind the log (a crash between
        appending an entry and replacing the head) is fine as long as the entry it names is in
        the chain with that hash; in the store both are one transaction and must agree.
        """
        return self._verify(self._head(), self._scan())

    def _verify(
        self, head: dict[str, Any] | None, scan: Iterator[tuple[int, dict[str, Any] | str]]
    ) -> VerifyResult:
        """Check the entries of ``scan`` against each other and against ``head``."""
        head_seq = head.get("seq") if head else None
        head_seen = False
        prev = GENESIS
        count = 0
        for position, entry in scan:
            problem = entry if isinstance(entry, str) else _check_entry(entry, count, prev)
            if problem:
                return VerifyResult(False, count, position, problem, prev, self.unit)
            assert isinstance(entry, dict)
            prev = entry["hash"]
            count += 1
            if head and count == head_seq:
                if head.get("hash") != prev:
                    reason = "does not match the hash in the head"
                    return VerifyResult(False, count, position, reason, prev, self.unit)
                head_seen = True
        if head is None:
            if count:
                return VerifyResult(False, count, None, "the head is missing", prev, self.unit)
        elif not head_seen and not (head_seq == 0 and count == 0):
            if isinstance(head_seq, int) and head_seq > count:
                reason = f"entries {count + 1} to {head_seq} are missing (log truncated)"
            else:
                reason = "the head is unreadable"
            return VerifyResult(False, count, None, reason, prev, self.unit)
        elif not self.head_may_lag and head_seq != count:
            reason = f"entries after {head_seq} were added without moving the head"
            return VerifyResult(False, count, None, reason, prev, self.unit)
        return VerifyResult(True, count, None, "", prev, self.unit)

    def export_csv(self, out: str | os.PathLike[str] | IO[str], **filters: Any) -> int:
        """Write the (filtered) entries as CSV, formula-like cells neutralised; return the count.

        ``details`` becomes one JSON column. The CSV keeps ``prev_hash`` and ``hash`` so a copy
        can be checked against the log.
        """
        from engine.security.pseudonymise import neutralise_cell

        rows = self.entries(**filters)
        with contextlib.ExitStack() as stack:
            handle: IO[str] = (
                stack.enter_context(open(out, "w", encoding="utf-8", newline=""))
                if isinstance(out, str | os.PathLike)
                else out
            )
            writer = csv.writer(handle)
            writer.writerow(FIELDS)
            for entry in rows:
                values = [
                    json.dumps(entry[f], sort_keys=True, ensure_ascii=False)
                    if f == "details"
                    else entry[f]
                    for f in FIELDS
                ]
                writer.writerow([neutralise_cell(v) if isinstance(v, str) else v for v in values])
        return len(rows)


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


def _check_entry(entry: dict[str, Any], count: int, prev: str) -> str:
    """What is wrong with the next entry of the log (``count`` came before it), or ``""``."""
    if set(entry) != set(FIELDS):
        return "fields missing or added"
    if entry["seq"] != count + 1:
        return (
            f"sequence number {entry['seq']} where {count + 1} was expected "
            "(an entry was deleted, inserted or moved)"
        )
    if entry["prev_hash"] != prev:
        return "does not chain to the previous entry"
    if entry_hash(entry) != entry["hash"]:
        return "content does not match its hash (edited)"
    return ""


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# -- the configured log --------------------------------------------------------------------------

_SHARED_STORES: dict[Any, Store] = {}
_SHARED_LOCK = threading.Lock()


def open_audit_log(store: Store | None = None, *, backend: str | None = None) -> AuditTrail:
    """The audit log that belongs with ``store`` (or with the configured store).

    A Neo4j store keeps its log in the same database; the EmbeddedStore (and no store) uses
    the JSON-lines file. Without ``store``, the backend comes from ``backend`` or
    ``MONEYTRAIL_STORE``; a Neo4j connection is then opened once per process and settings and
    shared, so recording an entry does not open a new driver each time.

    Raises
    ------
    ConfigError
        For an unknown backend.
    AuditError
        If the Neo4j server holding the log cannot be reached.
    """
    kind = store.backend if store is not None else config.store_backend(backend)
    if kind != "neo4j":
        return AuditLog()
    from engine.security.neo4j_audit import Neo4jAuditLog
    from engine.store.neo4j import Neo4jStore

    if store is None:
        store = _shared_neo4j_store()
    if not isinstance(store, Neo4jStore):
        raise TypeError(f"a store of backend 'neo4j' must be a Neo4jStore, not {type(store)}")
    return Neo4jAuditLog(store)


def _shared_neo4j_store() -> Store:
    from engine.store.neo4j import Neo4jStore

    settings = config.Neo4jSettings.from_env()
    with _SHARED_LOCK:
        store = _SHARED_STORES.get(settings)
        if store is None:
            try:
                store = _SHARED_STORES[settings] = Neo4jStore(settings)
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
