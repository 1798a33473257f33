"""Administration: users (list, add, disable, enable, change role) and the audit log
(verify status, filtered view, CSV export) of the configured store (the file, or the chain
in Neo4j). Admins only; nothing here edits the log."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from dashboard.auth import audit, guard
from dashboard.widgets.text import md
from engine.core.errors import ConfigError
from engine.security import auth
from engine.security.audit import open_audit_log


def users_tab(admin: auth.User) -> None:
    directory = auth.UserDirectory()
    users = directory.list()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "user": u.name,
                    "role": u.role,
                    "sign-in": "OpenID Connect" if u.oidc else "password",
                    "state": "disabled" if u.disabled else "active",
                }
                for u in users
            ],
            columns=["user", "role", "sign-in", "state"],
        ),
        hide_index=True,
        width="stretch",
    )

    st.subheader("Add a user")
    with st.form("admin_add_user", clear_on_submit=True):
        name = st.text_input("User name (the e-mail address for OpenID Connect users)")
        role = st.selectbox("Role", auth.ROLES)
        oidc = st.checkbox("Signs in through OpenID Connect (no password here)")
        password = st.text_input("Password", type="password")
        again = st.text_input("Password again", type="password")
        if st.form_submit_button("Add user"):
            try:
                if not oidc and password != again:
                    raise ConfigError("the two passwords differ")
                directory.add(name.strip(), role, None if oidc else password, oidc=oidc)
            except ConfigError as exc:
                st.error(md(exc))
            else:
                audit("manage_users", f"user:{name.strip()}", change="add", role=role, oidc=oidc)
                st.success(f"Added {md(name.strip())} ({role}).")
                st.rerun()

    if not users:
        return
    st.subheader("Change a user")
    names = [u.name for u in users]
    chosen = st.selectbox("User", names, key="admin_user")
    target = next(u for u in users if u.name == chosen)
    own = target.name == admin.name
    cols = st.columns(3)
    new_role = cols[0].selectbox(
        "Role", auth.ROLES, index=auth.ROLES.index(target.role), key="admin_role"
    )
    if cols[0].button("Set role", key="admin_set_role", disabled=own or new_role == target.role):
        directory.set_role(target.name, new_role)
        audit("manage_users", f"user:{target.name}", change="set_role", role=new_role)
        st.rerun()
    if target.disabled:
        if cols[1].button("Enable", key="admin_enable"):
            directory.enable(target.name)
            audit("manage_users", f"user:{target.name}", change="enable")
            st.rerun()
    elif cols[1].button("Disable", key="admin_disable", disabled=own):
        directory.disable(target.name)
        audit("manage_users", f"user:{target.name}", change="disable")
        st.rerun()
    if own:
        cols[2].caption("You cannot disable yourself or change your own role.")


def audit_tab() -> None:
    log = open_audit_log()
    result = log.verify()
    if result.ok:
        st.success(f"Chain intact: {result.entries:,} entries. Head `{result.head_hash[:16]}…`")
    else:
        st.error(f"Tampering or damage detected. {md(result)}")
    cols = st.columns(4)
    user = cols[0].text_input("User", key="audit_user").strip() or None
    action = cols[1].text_input("Action", key="audit_action").strip() or None
    since_day = cols[2].date_input("Since", value=None, key="audit_since")
    limit = int(cols[3].number_input("Show last", 10, 100_000, 500, step=100, key="audit_limit"))
    since = datetime.combine(since_day, time.min, tzinfo=UTC) if since_day else None
    filters = {"user": user, "action": action, "since": since}
    rows = log.entries(**filters, limit=limit)
    audit("view_audit", "audit log", once=True, **{k: str(v) for k, v in filters.items() if v})
    frame = pd.DataFrame(rows, columns=["seq", "ts", "user", "action", "target", "details"])
    st.dataframe(frame.iloc[::-1], hide_index=True, width="stretch")
    buffer = io.StringIO()
    count = log.export_csv(buffer, **filters)
    st.download_button(
        f"Export {count:,} entries as CSV",
        buffer.getvalue().encode("utf-8"),
        file_name=f"moneytrail-audit-{datetime.now(UTC):%Y%m%d-%H%M%S}.csv",
        mime="text/csv",
        key="audit_export",
        on_click=audit,
        args=("export_audit", "audit log"),
        kwargs={"entries": count},
    )


def render() -> None:
    """The admin page: guards both admin actions, then a tab each."""
    admin = guard("manage_users")
    guard("view_audit")
    st.title("Administration")
    users, log = st.tabs(["Users", "Audit log"])
    with users:
        users_tab(admin)
    with log:
        audit_tab()


render()
