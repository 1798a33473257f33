"""The audit chain: entries, their hashes and links, and the interface both backends share.

An entry is ``{"seq", "ts", "user", "action", "target", "details", "prev_hash", "hash"}``;
``hash`` is the SHA-256 of the canonical JSON of the entry without ``hash``, so editing,
deleting or reordering any entry breaks the chain at that entry. :class:`AuditTrail` is the
interface of a log; :mod:`engine.security.audit` holds the JSON-lines file backend and the
factory, :mod:`engine.security.neo4j_audit` the Neo4j backend. Both import this module and
neither imports the other.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from engine.core.errors import StoreError

if TYPE_CHECKING:
    pass

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
