"""Clusters: ranked, filterable by score, pattern and country; each row with its red flags."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.auth import guard
from dashboard.widgets.case_summary import flag_label
from dashboard.widgets.casework import case_table
from dashboard.widgets.lineage import runs_by_case
from dashboard.widgets.watchlist import WATCH_COLUMN, with_watch_closeness
from engine.core.config import DEFAULT_BASE_CURRENCY
from engine.queries.case_facts import case_facts

#: Sort orders of the list (label → column, largest first).
SORTS = {"Case score": "score", "Model score": "model_score", "Money moved": "volume",
         "Accounts": "n_accounts", "Transfers": "n_transactions",
         "Watch-list closeness": "watch_closeness"}  # fmt: skip
#: Currency of the amounts shown (the store's base currency).
CURRENCY = DEFAULT_BASE_CURRENCY


def human_flags(flags: object) -> str:
    """The red flags (a ``", "``-joined string or a list of pattern names) by human name."""
    names = flags.split(", ") if isinstance(flags, str) else list(flags or [])  # type: ignore[call-overload]
    return ", ".join(flag_label(str(f)) for f in names if f)


@st.cache_data(ttl=600, show_spinner=False)
def _facts(v: str) -> pd.DataFrame:
    """First and last day and best model score per case (cached per data version)."""
    return case_facts(state.workbench())


guard("view_cluster")
st.title("Clusters")
v = state.version()
patterns, countries = state.cluster_options(v)
c1, c2, c3 = st.columns([1, 2, 2])
min_score = c1.slider("Minimum score", 0.0, 1.0, 0.0, 0.05, key="min_score")
chosen_patterns = c2.multiselect("Red flags", patterns, key="patterns")
chosen_countries = c3.multiselect("Countries", countries, key="countries")

frame = state.cluster_list(v, min_score, tuple(chosen_patterns), tuple(chosen_countries))
if frame.empty:
    st.info("No clusters match. Run `moneytrail analyze` after uploading data.")
    st.stop()

facts = _facts(v)
frame = frame.merge(facts, on="cluster_id", how="left")
runs = runs_by_case(dict(zip(frame["cluster_id"], frame["run_id"], strict=True)))
frame = frame.merge(case_table(frame["cluster_id"], runs), on="cluster_id", how="left")
frame = with_watch_closeness(frame)
order = st.radio(
    "Sort by",
    list(SORTS),
    horizontal=True,
    key="cluster_sort",
    help="Case score: how strongly the evidence points to an organised operation (0 to 1).",
)
frame = frame.sort_values(
    SORTS[order], ascending=False, kind="stable", na_position="last"
).reset_index(drop=True)
frame["flags"] = frame["flags"].map(human_flags)
st.caption(f"{len(frame):,} clusters, sorted by {order.lower()}. Select a row to open it.")
shown = frame[
    [
        "rank",
        "cluster_id",
        "score",
        "status",
        "assignee",
        "flags",
        "n_accounts",
        "n_parties",
        "n_transactions",
        "volume",
        "first_seen",
        "last_seen",
        "model_score",
        "watch_closeness",
        "countries",
        "summary",
    ]
]
event = st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="cluster_table",
    column_config={
        "rank": st.column_config.NumberColumn("Rank", help="1 = most suspicious"),
        "cluster_id": st.column_config.NumberColumn("Case"),
        "score": st.column_config.ProgressColumn(
            "Case score",
            min_value=0.0,
            max_value=1.0,
            format="%.2f",
            help="0 to 1: summed evidence mapped as sum / (sum + 20); ranks cases, not a probability.",
        ),
        "volume": st.column_config.NumberColumn(
            "Moved inside", format=f"%.0f {CURRENCY}", help="Money moved between members"
        ),
        "flags": st.column_config.TextColumn("Red flags"),
        "status": st.column_config.TextColumn("Status", help="New, in review, or the decision"),
        "assignee": st.column_config.TextColumn("Assigned to"),
        "n_accounts": st.column_config.NumberColumn("Accounts"),
        "n_parties": st.column_config.NumberColumn("People"),
        "n_transactions": st.column_config.NumberColumn("Transfers"),
        "first_seen": st.column_config.DateColumn("From", format="YYYY-MM-DD"),
        "last_seen": st.column_config.DateColumn("To", format="YYYY-MM-DD"),
        "model_score": st.column_config.NumberColumn(
            "Model score",
            format="%.2f",
            help="Highest triage-model score of a core account (0 to 1; empty without a model)",
        ),
        "watch_closeness": WATCH_COLUMN,
        "countries": st.column_config.ListColumn("Countries"),
        "summary": st.column_config.TextColumn("Summary"),
    },
)
rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
if rows:
    state.open_cluster(int(frame.iloc[rows[0]]["cluster_id"]))

c1, c2 = st.columns([3, 1])
pick = c1.selectbox(
    "Cluster",
    frame["cluster_id"].tolist(),
    format_func=lambda cid: (
        f"cluster {cid} · "
        + (frame.loc[frame["cluster_id"] == cid, "flags"].iloc[0] or "no red flags")
    ),
    key="cluster_pick",
)
c2.write("")
if c2.button("Open cluster", type="primary", key="open_cluster"):
    state.open_cluster(int(pick))
