"""The decision box: the investigator's current decision about an account or a case, and a
small form to record a new one (suspicious, cleared or escalated, with a reason).

Recording goes through :meth:`engine.services.audited.AuditedSession.decide` (role check and one
audit entry); decisions are read from the store on every run, not cached, so a decision shows at
once, for every user.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from dashboard import state
from dashboard.auth import current_user
from engine.core.errors import MoneytrailError
from engine.security.auth import allowed
from engine.store import dispositions

WORDS = {"suspicious": "Confirmed suspicious", "cleared": "Cleared", "escalated": "Escalated"}
COLOURS = {"suspicious": "red", "cleared": "green", "escalated": "orange"}


def current_decision(entity_id: str, kind: str, run_id: str | None) -> dict[str, Any] | None:
    """The decision in force about ``entity_id`` (a case: only one made on a run in which the
    case had this id, :func:`dashboard.widgets.lineage.runs_of`; ids were once reused from run
    to run), or ``None``."""
    from dashboard.widgets.lineage import runs_of

    table = state.workbench().store.read_dispositions()
    if table.num_rows == 0:
        return None
    if kind == "case":
        runs = pa.array(sorted(runs_of(int(entity_id), run_id)), pa.string())
        table = table.filter(pc.is_in(table["run_id"], value_set=runs))
    table = dispositions.latest(table.filter(pc.equal(table["entity_id"], str(entity_id))), kind)
    return table.to_pylist()[-1] if table.num_rows else None


def decision_box(
    entity_id: str,
    *,
    kind: str = "account",
    members: Sequence[str] = (),
    run_id: str | None = None,
    key: str,
) -> None:
    """Show the current decision and, for users who may decide, the form to record one."""
    user = current_user()
    with st.container(border=True):
        done = None
        if allowed(user, "record_decision"):
            done = _form(entity_id, kind, list(members), run_id, key)
        now = current_decision(entity_id, kind, run_id)
        if now is None:
            st.caption("Decision: none recorded yet.")
        else:
            when = f"{now['decided_at']:%Y-%m-%d %H:%M} UTC" if now["decided_at"] else ""
            case = f" (case {now['case_id']})" if kind == "account" and now["case_id"] else ""
            st.markdown(
                f"Decision: :{COLOURS[now['decision']]}-badge[{WORDS[now['decision']]}]{case} "
                f"by **{now['decided_by']}** {when}: {now['reason'] or ''}"
            )
        if done:
            st.success(done)


def _form(entity_id: str, kind: str, members: list[str], run_id: str | None, key: str) -> str:
    """The form; returns a confirmation once a decision was recorded ("" otherwise)."""
    what = "case" if kind == "case" else "account"
    with st.form(f"decide-{key}", clear_on_submit=True, border=False):
        cols = st.columns([2, 3, 1])
        decision = cols[0].selectbox(
            f"Decision on this {what}", list(WORDS), format_func=WORDS.get, key=f"{key}-decision"
        )
        reason = cols[1].text_input("Reason", key=f"{key}-reason")
        cols[2].write("")
        submitted = cols[2].form_submit_button("Record")
    if not submitted:
        return ""
    try:
        rows = state.session().decide(
            str(entity_id), decision, reason, kind=kind, members=members, run_id=run_id
        )
    except MoneytrailError as exc:
        st.error(str(exc))
        return ""
    extra = f" and its {rows - 1} accounts" if kind == "case" else ""
    return f"Recorded: {WORDS[decision].lower()} for this {what}{extra}."
