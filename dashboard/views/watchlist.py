"""Watch list: known suspects typed or uploaded, the list kept in the store, the closest cases.

Changes go through :mod:`engine.services.watchlist` (``manage_watchlist``, one audit entry
each); the closeness numbers through :mod:`dashboard.widgets.watchlist`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.auth import audit, current_user, guard
from dashboard.widgets.watchlist import HELP, cases_frame, current_closeness, listed
from engine.core.errors import MoneytrailError
from engine.security.auth import allowed
from engine.services import watchlist as service

KINDS = {"Decide from the data": None, "Accounts": "account", "People": "party"}

guard("view_cluster")
st.title("Watch list")
st.caption(
    "Known suspects (account numbers or people) to watch. Cases and entities show how close "
    "the money brings them to the list, and the Clusters list can be sorted by it."
)


def _done(message: str) -> None:
    st.session_state["watchlist_done"] = message
    st.rerun()


if allowed(current_user(), "manage_watchlist"):
    typed, uploaded = st.tabs(["Type ids", "Upload a CSV file"])
    with typed, st.form("watchlist_add", clear_on_submit=True, border=False):
        text = st.text_area("Ids, one per line", key="watchlist_text", height=100)
        c1, c2 = st.columns([1, 2])
        kind = c1.radio("They are", list(KINDS), key="watchlist_kind")
        note = c2.text_input("Why they are watched", key="watchlist_note")
        if st.form_submit_button("Add to the watch list", type="primary"):
            suspects = [service.Suspect(s.entity_id, s.kind, note or None)
                        for s in service.parse_text(text, KINDS[kind])]  # fmt: skip
            try:
                added = service.add(state.session(), suspects)
            except MoneytrailError as exc:
                st.error(str(exc))
            else:
                _done(f"{added:,} added to the watch list.")
    with uploaded:
        st.caption(
            "A CSV file with a header: an `entity_id` (or `account_id`, `party_id`) column, "
            "and optionally `kind` (account or party) and `note`."
        )
        file = st.file_uploader("Suspects file", type=["csv", "txt"], key="watchlist_file")
        if file is not None and st.button("Add the file's suspects", key="watchlist_upload"):
            try:
                added = service.add_file(state.session(), file.getvalue(), file.name)
            except MoneytrailError as exc:
                st.error(str(exc))
            else:
                _done(f"{added:,} added to the watch list from {file.name}.")

if message := st.session_state.pop("watchlist_done", None):
    st.success(message)

table = listed()
if not table.num_rows:
    st.info("The watch list is empty.")
    st.stop()
audit("view_watchlist", "watchlist", once=True)  # who looked at the list
near = current_closeness()
frame = table.select(["entity_kind", "entity_id", "note", "by", "at"]).to_pandas()
frame["label"] = frame["entity_id"].map(state.workbench().label)
frame["in_data"] = ~frame["entity_id"].isin(set(near.missing))
st.subheader(f"On the list ({len(frame):,})")
event = st.dataframe(
    frame[["entity_kind", "entity_id", "label", "in_data", "note", "by", "at"]],
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="multi-row",
    key="watchlist_table",
    column_config={
        "entity_kind": st.column_config.TextColumn("Kind"),
        "entity_id": st.column_config.TextColumn("Id"),
        "label": st.column_config.TextColumn("Name"),
        "in_data": st.column_config.CheckboxColumn(
            "In the data", help="Entries not in the data yet count once an upload brings them"
        ),
        "note": st.column_config.TextColumn("Note"),
        "by": st.column_config.TextColumn("Added by"),
        "at": st.column_config.DatetimeColumn("Since", format="YYYY-MM-DD HH:mm"),
    },
)
chosen = event.selection.rows if event is not None and hasattr(event, "selection") else []
if chosen and allowed(current_user(), "manage_watchlist"):
    ids = [str(frame.iloc[i]["entity_id"]) for i in chosen]
    if st.button(f"Take {len(ids)} off the watch list", key="watchlist_remove"):
        try:
            removed = service.remove(state.session(), ids)
        except MoneytrailError as exc:
            st.error(str(exc))
        else:
            _done(f"{removed:,} taken off the watch list.")

st.subheader("Closest cases", help=HELP)
cases = cases_frame()
cases = cases[cases["watch_closeness"] > 0]
if cases.empty:
    st.info("No case is connected to the list by the money (or no analysis has run yet).")
    st.stop()
clusters = state.cluster_list(state.version(), 0.0, (), ())
cases = cases.merge(clusters[["cluster_id", "rank", "score", "n_accounts"]], on="cluster_id")
cases = cases.sort_values("watch_closeness", ascending=False).head(20).reset_index(drop=True)
shown = pd.DataFrame(
    {
        "cluster_id": cases["cluster_id"],
        "watch_closeness": 100 * cases["watch_closeness"],
        "watched": cases["watched"],
        "rank": cases["rank"],
        "score": cases["score"],
        "n_accounts": cases["n_accounts"],
    }
)
picked = st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="watchlist_cases",
    column_config={
        "cluster_id": st.column_config.NumberColumn("Case"),
        "watch_closeness": st.column_config.NumberColumn("Closeness", format="%.2f %%", help=HELP),
        "watched": st.column_config.NumberColumn("Watched accounts in it"),
        "rank": st.column_config.NumberColumn("Rank"),
        "score": st.column_config.NumberColumn("Case score", format="%.2f"),
        "n_accounts": st.column_config.NumberColumn("Accounts"),
    },
)
rows = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
if rows:
    state.open_cluster(int(cases.iloc[rows[0]]["cluster_id"]))
