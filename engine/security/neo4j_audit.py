"""The audit log of a Neo4j store: a hash chain of ``(:AuditEntry)`` nodes in its database.

Each entry is one node ``(:AuditEntry {seq, ts, user, action, target, details, prev, hash})``
(``details`` as canonical JSON text, ``prev`` the previous entry's hash: the same entry and the
same hash as the file log of :mod:`engine.security.audit`, so one :meth:`~engine.security.audit.AuditTrail.verify`
checks both). ``seq`` is unique (a constraint), and one ``(:AuditHead {log, seq, hash})`` names
the last entry.

**Appending** is one managed write transaction that first *writes* to the head (which takes
Neo4j's exclusive lock on that node until commit), then reads the head's ``seq`` and ``hash``,
creates the next entry and moves the head. A second writer, in this process or another,
blocks on the head's lock until the first commits and then reads the new head, so the chain
never forks; a transaction that dies half-way leaves neither the entry nor the moved head.

**Verifying** reads the head first, then walks the entries up to it in ``seq`` order, so
entries appended meanwhile are not mistaken for damage; at the end it takes the head's lock
for a moment to look for entries beyond the head or without a valid ``seq`` (planted nodes).
An edited, deleted, inserted or reordered entry, a truncated tail and a stray node all fail.
"""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from engine.core.errors import StoreError
from engine.security.chain import GENESIS, AuditError, AuditTrail, VerifyResult, seal
from engine.store import cypher
from engine.store.neo4j import Neo4jStore

#: The ``log`` key of this log's head node (one chain per database).
LOG = "audit"
#: Entries read per transaction when walking the chain.
PAGE = 5_000
#: Node properties of an entry; ``prev`` is the entry's ``prev_hash``.
NODE_FIELDS = frozenset({"seq", "ts", "user", "action", "target", "details", "prev", "hash"})

_PREPARED: weakref.WeakSet[Neo4jStore] = weakref.WeakSet()


class Neo4jAuditLog(AuditTrail):
    """The audit log kept in ``store``'s database (see the module docstring).

    Raises
    ------
    AuditError
        If the schema (the ``seq`` and head constraints) cannot be set up.
    """

    unit = "entry"
    head_may_lag = False

    def __init__(self, store: Neo4jStore) -> None:
        self.store = store
        if store not in _PREPARED:
            try:
                for statement in cypher.AUDIT_SCHEMA:
                    store.run_transaction("setting up the audit log", _runner(statement))
            except StoreError as exc:
                raise AuditError(f"cannot set up the audit log: {exc}") from exc
            _PREPARED.add(store)

    def describe(self) -> str:
        return self.store.describe()

    # -- writing -----------------------------------------------------------------------------

    def _append(self, fields: dict[str, Any]) -> dict[str, Any]:
        token = uuid.uuid4().hex

        def work(tx: Any) -> dict[str, Any]:
            tx.run(cypher.AUDIT_LOCK_HEAD, log=LOG, genesis=GENESIS, token=token).consume()
            head = tx.run(cypher.AUDIT_READ_HEAD, log=LOG).single(strict=True)
            entry = seal(fields, int(head["seq"]) + 1, str(head["hash"]))
            tx.run(cypher.AUDIT_APPEND, log=LOG, **_node(entry)).consume()
            return entry

        try:
            result: dict[str, Any] = self.store.run_transaction("recording an audit entry", work)
        except StoreError as exc:
            raise AuditError(f"cannot record {fields['action']}: {exc}") from exc
        return result

    # -- reading -----------------------------------------------------------------------------

    def _read(self, what: str, text: str, **params: Any) -> list[Any]:
        def work(tx: Any) -> list[Any]:
            return list(tx.run(text, **params).value())

        try:
            rows: list[Any] = self.store.run_transaction(what, work, write=False)
        except StoreError as exc:
            raise AuditError(f"cannot read the audit log: {exc}") from exc
        return rows

    def _head(self) -> dict[str, Any] | None:
        rows = self._read("reading the audit head", cypher.AUDIT_READ_HEAD_MAP, log=LOG)
        if not rows:
            return None
        head = rows[0]
        if not isinstance(head.get("seq"), int) or not isinstance(head.get("hash"), str):
            return {}
        return {"seq": head["seq"], "hash": head["hash"]}

    def _scan(self, upto: int | None = None) -> Iterator[tuple[int, dict[str, Any] | str]]:
        """Entries in ``seq`` order (those up to ``upto`` if given), a page per transaction."""
        after, position = -(2**63), 0
        while True:
            page = self._read(
                "reading the audit log",
                cypher.AUDIT_PAGE,
                after=after,
                upto=upto if upto is not None else 2**63 - 1,
                limit=PAGE,
            )
            for props in page:
                position += 1
                after = props["seq"]
                yield position, _entry(props)
            if len(page) < PAGE:
                return

    def verify(self) -> VerifyResult:
        """Check the chain up to the head read first, then look for planted entries."""
        head = self._head()
        upto = head.get("seq") if head else None
        result = self._verify(head, self._scan(upto if isinstance(upto, int) else None))
        if not result.ok:
            return result
        strays = self._strays()
        if strays:
            reason = f"{strays} entries lie beyond the head or have no valid sequence number"
            return VerifyResult(False, result.entries, None, reason, result.head_hash, self.unit)
        return result

    def _strays(self) -> int:
        """Entries with a ``seq`` beyond the head, or none that is an integer, counted while
        holding the head's lock (so no append is half-way)."""

        def work(tx: Any) -> int:
            tx.run(cypher.AUDIT_LOCK_HEAD, log=LOG, genesis=GENESIS, token="verify").consume()
            return int(tx.run(cypher.AUDIT_STRAYS, log=LOG).single(strict=True)[0])

        try:
            count: int = self.store.run_transaction("checking the audit head", work)
        except StoreError as exc:
            raise AuditError(f"cannot read the audit log: {exc}") from exc
        return count


def _runner(statement: str) -> Callable[[Any], None]:
    """A transaction function that runs one parameterless statement."""

    def work(tx: Any) -> None:
        tx.run(statement).consume()

    return work


def _node(entry: dict[str, Any]) -> dict[str, Any]:
    """Parameters of the entry's node: ``details`` as canonical JSON, ``prev_hash`` as ``prev``."""
    return {
        "seq": entry["seq"],
        "ts": entry["ts"],
        "user": entry["user"],
        "action": entry["action"],
        "target": entry["target"],
        "details": json.dumps(entry["details"], sort_keys=True, ensure_ascii=False),
        "prev": entry["prev_hash"],
        "hash": entry["hash"],
    }


def _entry(props: dict[str, Any]) -> dict[str, Any] | str:
    """The entry a node holds, or what is wrong with it."""
    if set(props) != NODE_FIELDS:
        return "fields missing or added"
    try:
        details = json.loads(props["details"])
    except (TypeError, ValueError):
        return "details are not valid JSON"
    entry = {k: v for k, v in props.items() if k != "prev"}
    entry["prev_hash"] = props["prev"]
    entry["details"] = details
    return entry
