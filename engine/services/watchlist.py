"""The watch list as an investigator uses it: add known suspects (typed, or a CSV file), take
them off, see the list; every change role-checked (``manage_watchlist``) and audited.

What is kept is the store's log (:mod:`engine.store.watchlist`); what is shown next to cases
and entities is their closeness to the list (:mod:`engine.queries.watchlist`).

A CSV file of suspects has a header. The id column is ``entity_id`` (or ``id``), or
``account_id`` / ``account`` (all rows accounts), or ``party_id`` / ``party`` / ``person`` (all
rows people); optional columns ``kind`` (``account`` or ``party``; ``person`` is read as
``party``) and ``note`` (or ``reason``, ``comment``). A row that cannot be used stops the
upload with an error naming the file, the row and the field, and nothing is added.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from engine.core.errors import InputError
from engine.security import auth
from engine.store import watchlist

if TYPE_CHECKING:
    from engine.services.audited import AuditedSession
    from engine.store.base import Store

#: Largest suspects file read (bytes) and most entries added at once.
MAX_FILE_BYTES = 5 << 20
MAX_ENTRIES = 50_000
#: Entity ids named in one audit entry (the store's log keeps every one).
AUDIT_IDS = 100

_ID_COLUMNS = {"entity_id": None, "id": None, "account_id": "account", "account": "account",
               "party_id": "party", "party": "party", "person": "party"}  # fmt: skip
_NOTE_COLUMNS = ("note", "reason", "comment")
_KINDS = {"account": "account", "party": "party", "person": "party"}


@dataclass(frozen=True)
class Suspect:
    """One entry to add: an id, its kind (``None``: decided from the data) and a note."""

    entity_id: str
    kind: str | None = None
    note: str | None = None


def parse_text(text: str, kind: str | None = None) -> list[Suspect]:
    """Entries typed in a text box: one id per line (commas and semicolons also separate);
    blank lines are skipped. ``kind`` applies to all (``None``: decided from the data)."""
    if kind is not None and kind not in _KINDS:
        raise InputError(f"kind {kind!r}: choose account or party")
    ids = [p.strip() for line in text.splitlines() for p in line.replace(";", ",").split(",")]
    seen: dict[str, Suspect] = {}
    for entity_id in ids:
        if entity_id and entity_id not in seen:
            seen[entity_id] = Suspect(entity_id, _KINDS[kind] if kind else None)
    return list(seen.values())


def read_csv(data: bytes, name: str) -> list[Suspect]:
    """The suspects of a CSV file's bytes (module docstring for the columns).

    Raises
    ------
    InputError
        Naming ``name``, the row (1-based, data rows) and the field, for a file that is too
        large, not text, without an id column, or with an empty id or an unknown kind.
    """
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"larger than {MAX_FILE_BYTES >> 20} MB", file=name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = {(h or "").strip().casefold(): h for h in reader.fieldnames or []}
    id_column = next((c for c in _ID_COLUMNS if c in header), None)
    if id_column is None:
        raise InputError(
            "no id column: name one entity_id, account_id or party_id", file=name, row=0
        )
    column_kind = _ID_COLUMNS[id_column]
    kind_column = header.get("kind") or header.get("entity_kind")
    note_column = next((header[c] for c in _NOTE_COLUMNS if c in header), None)
    out: dict[tuple[str | None, str], Suspect] = {}
    for row_number, row in enumerate(reader, start=1):
        entity_id = (row.get(header[id_column]) or "").strip()
        if not entity_id:
            raise InputError("empty id", file=name, row=row_number, field=header[id_column])
        if len(entity_id) > watchlist.MAX_ID_LENGTH:
            raise InputError(f"id longer than {watchlist.MAX_ID_LENGTH} characters",
                             file=name, row=row_number, field=header[id_column])  # fmt: skip
        kind = column_kind
        given = (row.get(kind_column) or "").strip().casefold() if kind_column else ""
        if given:
            if given not in _KINDS:
                raise InputError(f"kind {given!r}: use account or party", file=name,
                                 row=row_number, field=kind_column)  # fmt: skip
            kind = _KINDS[given]
        note = (row.get(note_column) or "").strip() if note_column else ""
        if len(note) > watchlist.MAX_NOTE_LENGTH:
            raise InputError(f"note longer than {watchlist.MAX_NOTE_LENGTH} characters",
                             file=name, row=row_number, field=note_column)  # fmt: skip
        out.setdefault((kind, entity_id), Suspect(entity_id, kind, note or None))
        if len(out) > MAX_ENTRIES:
            raise InputError(f"more than {MAX_ENTRIES:,} suspects", file=name, row=row_number)
    if not out:
        raise InputError("no suspects in the file", file=name)
    return list(out.values())


def current(store: Store) -> pa.Table:
    """The list in force (:func:`engine.store.watchlist.current`)."""
    return watchlist.current(store.read_watchlist())


def show(session: AuditedSession) -> pa.Table:
    """The list in force for ``session``'s user (``view_cluster``); one audit entry."""
    session.record("view_cluster", "watchlist")
    return current(session.store)


def add(session: AuditedSession, suspects: list[Suspect], *, source: str = "manual") -> int:
    """Put ``suspects`` on the list (``manage_watchlist``); returns how many were new.

    Entries on the list already are left as they are. The audit entry is written first, so
    nothing changes when it cannot be; the store's log keeps every row with who and when.
    """
    if not suspects:
        raise InputError("no suspects given")
    if len(suspects) > MAX_ENTRIES:
        raise InputError(f"more than {MAX_ENTRIES:,} suspects at once")
    listed = current(session.store)
    have = set(zip(listed["entity_kind"].to_pylist(), listed["entity_id"].to_pylist(),
                   strict=True))  # fmt: skip
    fresh: list[Suspect] = []
    parties: set[str] | None = None
    for s in suspects:
        kind = s.kind
        if kind is None:
            if parties is None:  # read once, only when some kind is to be decided
                table = session.store.read_table("parties", columns=["party_id"])
                parties = set(table["party_id"].to_pylist())
            kind = "party" if s.entity_id in parties else "account"
        if (kind, s.entity_id) not in have:
            have.add((kind, s.entity_id))
            fresh.append(Suspect(s.entity_id, kind, s.note))
    session.record("manage_watchlist", "watchlist", change="add", source=source,
                   count=len(fresh), entities=[s.entity_id for s in fresh[:AUDIT_IDS]])  # fmt: skip
    if not fresh:
        return 0
    try:
        rows = watchlist.build([s.entity_id for s in fresh], [str(s.kind) for s in fresh],
                               "add", by=session.user.name, notes=[s.note for s in fresh],
                               source=source)  # fmt: skip
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return session.store.write_watchlist(rows)


def add_file(session: AuditedSession, data: bytes, name: str) -> int:
    """Add the suspects of a CSV file (:func:`read_csv`); the source names the file and the
    first 12 hex digits of its SHA-256."""
    suspects = read_csv(data, name)
    source = f"{name[:100]}:{hashlib.sha256(data).hexdigest()[:12]}"
    return add(session, suspects, source=source)


def remove(session: AuditedSession, entity_ids: list[str], note: str | None = None) -> int:
    """Take ``entity_ids`` off the list (``manage_watchlist``); returns how many were on it.

    Raises
    ------
    InputError
        Naming the ids that are not on the list (nothing is removed then).
    """
    if not auth.allowed(session.user, "manage_watchlist"):
        session.record("manage_watchlist", "watchlist")  # records the refusal and raises
    listed = current(session.store)
    on = dict(zip(listed["entity_id"].to_pylist(), listed["entity_kind"].to_pylist(),
                  strict=True))  # fmt: skip
    wanted = list(dict.fromkeys(e.strip() for e in entity_ids if e.strip()))
    absent = [e for e in wanted if e not in on]
    if absent:
        raise InputError(f"not on the watch list: {', '.join(absent[:10])}")
    if not wanted:
        raise InputError("no ids given")
    session.record("manage_watchlist", "watchlist", change="remove", count=len(wanted),
                   entities=wanted[:AUDIT_IDS])  # fmt: skip
    rows = watchlist.build(wanted, [on[e] for e in wanted], "remove", by=session.user.name,
                           notes=[note] * len(wanted))  # fmt: skip
    return session.store.write_watchlist(rows)
