"""Clusters: ranked, filterable by score, pattern and country; each row with its red flags."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.auth import guard

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

st.caption(f"{len(frame):,} clusters, most suspicious first. Select a row to open it.")
shown = frame[
    [
        "rank",
        "cluster_id",
        "score",
        "flags",
        "n_accounts",
        "n_parties",
        "n_transactions",
        "volume",
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
        "score": st.column_config.ProgressColumn(
            "score", min_value=0.0, max_value=1.0, format="%.2f"
        ),
        "volume": st.column_config.NumberColumn("volume", format="%.0f"),
        "flags": st.column_config.TextColumn("red flags"),
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
        + str(frame.loc[frame["cluster_id"] == cid, "flags"].iloc[0] or "no red flags")
    ),
    key="cluster_pick",
)
c2.write("")
if c2.button("Open cluster", type="primary", key="open_cluster"):
    state.open_cluster(int(pick))
