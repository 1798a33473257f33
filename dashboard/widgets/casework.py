"""The casework box: status, assignee and notes of a case or an entity, and the forms to change
them (for users whose role may ``annotate``).

Changes go through :class:`engine.services.audited.AuditedSession` (role check, one audit entry
each); the worklog is read from the store on every run, not cached, so a change shows at once
for every user. Decisions (confirmed, cleared, escalated) stay the decision box's
(:mod:`dashboard.widgets.decision`): the status shown here is the latest of the two. Notes are
users' free text: shown through :func:`dashboard.widgets.text.md`, line by line, so no Markdown,
HTML or Streamlit directive in a note is ever rendered.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.auth import current_user
from dashboard.widgets.text import md
from engine.core.errors import MoneytrailError
from engine.security.auth import UserDirectory, allowed
from engine.services import casework

COLOURS = {"new": "blue", "in_review": "violet", "confirmed": "red", "cleared": "green",
           "escalated": "orange"}  # fmt: skip
#: Notes shown before "show all".
NOTES_SHOWN = 5
NOBODY = ""


def note_markdown(text: str) -> str:
    """A note as Markdown that shows it literally, keeping its line breaks."""
    lines = str(text).splitlines() or [""]
    return "  \n".join(md(line) for line in lines)


def status_badge(status: str) -> str:
    """The status as a coloured badge (Markdown)."""
    return f":{COLOURS.get(status, 'gray')}-badge[{casework.STATUS_WORDS.get(status, md(status))}]"


def case_table(case_ids: Iterable[int], runs: dict[str, set[str]]) -> pd.DataFrame:
    """``cluster_id``, ``status`` (words) and ``assignee`` of each case, for the Clusters list."""
    ids = [str(int(c)) for c in case_ids]
    states = casework.work_states(state.workbench().store, "case", ids, case_runs=runs)
    return pd.DataFrame(
        {
            "cluster_id": [int(c) for c in ids],
            "status": [casework.STATUS_WORDS[states[c].status] for c in ids],
            "assignee": [states[c].assignee or "" for c in ids],
        }
    )


def casework_box(kind: str, entity_id: str, *, key: str, case_runs: set[str] | None = None) -> None:
    """Status, assignee and notes of one case (``kind="case"``) or entity, with the forms."""
    user = current_user()
    may = allowed(user, "annotate")
    with st.container(border=True):
        head, notes = st.container(), st.container()  # shown above the form, filled after it
        done = _forms(kind, entity_id, key) if may else ""
        work = casework.work_state(state.workbench().store, kind, entity_id, case_runs=case_runs)
        who = ""
        if work.status_by:
            what = "decided" if work.decided else "set"
            when = f" {work.status_at:%Y-%m-%d %H:%M} UTC" if work.status_at else ""
            who = f" ({what} by **{md(work.status_by)}**{when})"
        assignee = f"**{md(work.assignee)}**" if work.assignee else "nobody"
        head.markdown(f"Status: {status_badge(work.status)}{who} · Assigned to {assignee}")
        if done:
            head.success(done)
        with notes:
            _notes(work.notes, key)


def _notes(notes: list[dict], key: str) -> None:
    if not notes:
        st.caption("No notes yet.")
        return
    shown = notes if st.session_state.get(f"{key}-all-notes") else notes[:NOTES_SHOWN]
    for note in shown:
        when = f"{note['at']:%Y-%m-%d %H:%M} UTC" if note["at"] else ""
        st.markdown(f"**{md(note['author'])}** · {when}  \n{note_markdown(note['text'])}")
    if len(notes) > NOTES_SHOWN:
        st.toggle(f"Show all {len(notes)} notes", key=f"{key}-all-notes")


def _forms(kind: str, entity_id: str, key: str) -> str:
    """The status, assignee and note forms; returns a confirmation of what was changed."""
    what = "case" if kind == "case" else "entry"
    with st.form(f"work-{key}", clear_on_submit=True, border=False):
        cols = st.columns([2, 2, 4])
        status = cols[0].selectbox(
            "Status",
            ["", *casework.WORKFLOW_STATUSES],
            format_func=lambda s: casework.STATUS_WORDS.get(s, "(unchanged)"),
            key=f"{key}-status",
            help="Confirmed, cleared and escalated are decisions: record them with a reason.",
        )
        users = [u.name for u in UserDirectory().list() if allowed(u, "view_cluster")]
        assignee = cols[1].selectbox(
            "Assign to",
            [None, NOBODY, *users],
            format_func=lambda u: "(unchanged)" if u is None else (u or "nobody"),
            key=f"{key}-assignee",
        )
        note = cols[2].text_area(
            "Note", key=f"{key}-note", max_chars=casework.MAX_NOTE_CHARS, height=80
        )
        submitted = st.form_submit_button("Save")
    if not submitted:
        return ""
    session = state.session()
    changed = []
    try:
        if status:
            session.set_status(kind, entity_id, status)
            changed.append(f"status {casework.STATUS_WORDS[status].lower()}")
        if assignee is not None:
            session.assign(kind, entity_id, assignee or None)
            changed.append(f"assigned to {assignee}" if assignee else "unassigned")
        if note.strip():
            session.add_note(kind, entity_id, note)
            changed.append("note added")
    except MoneytrailError as exc:
        st.error(md(exc))
    if not changed:
        return ""
    return f"Saved for this {what}: {md(', '.join(changed))}."
