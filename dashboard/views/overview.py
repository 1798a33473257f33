"""Overview: headline figures, money over time and money by corridor."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.auth import allowed, guard
from dashboard.widgets import charts

user = guard("view_overview")
st.title("Overview")
v = state.version()
figures = state.overview(v)
if not figures["transactions"] and not figures["batches"]:
    st.info("The store is empty: upload files on the Upload page, or run `moneytrail demo`.")
    st.stop()

cols = st.columns(5)
cols[0].metric("Accounts", f"{figures['accounts']:,}")
cols[1].metric("Transactions", f"{figures['transactions']:,}")
cols[2].metric("Volume", f"{figures['volume']:,.0f}")
cols[3].metric("Trips", f"{figures['trips']:,}")
cols[4].metric("Flagged clusters", f"{figures['flagged_clusters']:,} of {figures['clusters']:,}")
if figures["first"]:
    st.caption(
        f"{figures['parties']:,} people and organisations · {figures['batches']:,} batches · "
        f"transactions from {figures['first']:%Y-%m-%d} to {figures['last']:%Y-%m-%d}"
    )

left, right = st.columns([3, 2])
with left:
    st.subheader("Money over time")
    freq = st.segmented_control("Period", ["day", "week", "month"], default="month", key="freq")
    st.plotly_chart(charts.money_over_time(state.money_over_time(v, freq or "month")))
with right:
    st.subheader("By corridor")
    frame = state.corridors(v)
    if frame.empty:
        st.info("No transactions yet.")
    else:
        st.plotly_chart(charts.corridors(frame))

top = state.cluster_list(v, 0.0, (), ())
if not top.empty and allowed(user, "view_cluster"):
    st.subheader("Most suspicious clusters")
    for row in top.head(3).itertuples():
        c1, c2 = st.columns([5, 1])
        c1.markdown(
            f"**#{row.rank} · cluster {row.cluster_id}** · score {row.score:.2f} · "
            f"{row.flags or 'no red flags'}  \n{row.summary or ''}"
        )
        if c2.button("Open", key=f"ov-open-{row.cluster_id}"):
            state.open_cluster(row.cluster_id)
