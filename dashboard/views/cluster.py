"""Cluster: network picture, money flows, timeline, travel map, evidence and members.

One time range and filters (:mod:`dashboard.widgets.filters`) narrow every tab together; the
header figures stay those of the whole case.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.auth import audit, guard
from dashboard.widgets import address, charts, geo
from dashboard.widgets.case_summary import money, summary_sentence
from dashboard.widgets.casework import casework_box
from dashboard.widgets.decision import decision_box
from dashboard.widgets.evidence_cards import evidence_cards, member_tables, red_flags
from dashboard.widgets.filters import brush, day_bounds, filter_bar
from dashboard.widgets.lineage import lineage_caption, missing_case, runs_of
from dashboard.widgets.network import network_panel
from dashboard.widgets.text import md
from dashboard.widgets.watchlist import case_badge
from engine.queries.filters import Filters

guard("view_cluster")
v = state.version()
clusters = state.cluster_list(v, 0.0, (), ())
if clusters.empty:
    st.title("Cluster")
    st.info("No clusters yet: upload data and run the analysis.")
    st.stop()
ids = clusters["cluster_id"].tolist()
# the address names the case (/cluster?id=12) when this session has not chosen one yet
asked = None if st.session_state.get("cluster_id") else address.requested_id()
current = int(asked) if asked and asked.isdigit() else st.session_state.get("cluster_id")
if asked and current not in ids:
    missing_case(int(asked)) if asked.isdigit() else st.warning(f"No case {md(asked)}.")
if current not in ids:
    current = ids[0]
cluster_id = st.sidebar.selectbox(
    "Cluster",
    ids,
    index=ids.index(current),
    key="cluster_select",
    format_func=lambda cid: (
        f"cluster {cid} (rank {clusters.loc[clusters['cluster_id'] == cid, 'rank'].iloc[0]})"
    ),
)
st.session_state["cluster_id"] = cluster_id
address.show_id(cluster_id)
audit("view_cluster", f"cluster:{cluster_id}", once=True)
detail = state.cluster_detail(v, int(cluster_id))
info = detail.info

st.title(f"Cluster {cluster_id}")
lineage_caption(int(cluster_id))
red_flags(list(info.get("flags") or []))
st.markdown(md(summary_sentence(info, detail.transactions, detail.trips)))
if info.get("summary"):
    st.caption(md(info["summary"]))
cols = st.columns(6)
cols[0].metric("Rank", info.get("rank"))
cols[1].metric(
    "Case score",
    f"{info.get('score') or 0:.2f}",
    help="0 to 1: the evidence of the case's red flags, summed and mapped as sum / (sum + 20); "
    "it ranks cases, it is not a probability. See the Evidence tab.",
)
cols[2].metric("Accounts", info.get("n_accounts"))
cols[3].metric("People", info.get("n_parties"))
cols[4].metric("Moved inside", money(info.get("volume")))
cols[5].metric("Money in", money(info.get("inflow")))
st.caption(f"Money out of the case: {money(info.get('outflow'))}")
case_badge(detail.members)
accounts = detail.members.loc[detail.members["entity_kind"] == "account", "entity_id"].tolist()
decision_box(str(cluster_id), kind="case", members=accounts, run_id=info.get("run_id"),
             key=f"case-{cluster_id}")  # fmt: skip
casework_box("case", str(cluster_id), key=f"work-case-{cluster_id}",
             case_runs=runs_of(int(cluster_id), info.get("run_id")))  # fmt: skip
if not detail.reasons.empty:
    with st.expander("Why the model ranks these accounts", expanded=False):
        st.caption(
            "Per account, highest triage-model score first: the features that moved its score "
            "most (▲ pushed up, ▼ pushed down; contribution in log-odds) and the account's value."
        )
        for _, why in detail.reasons.groupby("entity_id", sort=False):
            parts = [
                f"{'▲' if r.contribution > 0 else '▼'} {md(r.feature_label)} "
                f"{md(f'{r.value:,.0f}' if abs(r.value) >= 100 else f'{r.value:.2f}')} "
                f"({md(f'{r.contribution:+.2f}')})"
                for r in why.itertuples()
            ]
            head = f"**{md(why['label'].iloc[0])}** · model score {why['model_score'].iloc[0]:.2f}"
            st.markdown(head + "  \n" + " · ".join(parts))

core_accounts = detail.members.loc[
    detail.members["core"] & (detail.members["entity_kind"] == "account"), "entity_id"
]
span = state.time_span(v, tuple(core_accounts))
bounds = day_bounds(
    pd.Series(pd.to_datetime(list(span or ()), unit="us", utc=True)), detail.trips["departure"]
)
filters = filter_bar(bounds, sorted(info.get("countries") or []), key=f"flt-{cluster_id}")
whole = detail
if filters.active:
    detail = state.cluster_detail(v, int(cluster_id), filters)

tabs = st.tabs(["Network", "Money flow", "Timeline", "Travel map", "Evidence", "Members"])


@st.fragment
def network_tab(version: str, case: int, narrowed: Filters | None, members: pd.DataFrame) -> None:
    """The network, its legend and node actions: a fragment, so a tap, an expand or a
    collapse reruns only this part of the page, not the charts and the map."""
    by_role = st.toggle("Colour by role", key="colour_by_role")
    st.caption(
        "Colours: roles the analysis suggests."
        if by_role
        else "Size: money moved. Tap a node to select it, then expand or collapse it here."
    )
    roles = dict(zip(members["entity_id"], members["role"], strict=True))
    picture = f"cluster:{case}"
    net = state.case_picture(
        version, case, narrowed, tuple(state.expanded(picture)), state.drawn_path()
    )
    network_panel(net, picture, key=f"net-{case}-{by_role}", roles=roles if by_role else None)


with tabs[0]:
    network_tab(v, int(cluster_id), filters if filters.active else None, detail.members)
with tabs[1]:
    if detail.flows.empty:
        st.info("No transfers.")
    else:
        st.caption("Largest sender → receiver flows touching the cluster (senders left).")
        st.plotly_chart(charts.sankey(detail.flows))
with tabs[2]:
    st.caption("Draw a box on the timeline (box select, top right) to set the time range.")
    brush(
        st.plotly_chart(
            charts.timeline(detail.transactions, detail.trips),
            on_select="rerun",
            selection_mode="box",
            key=f"timeline-{cluster_id}",
        )
    )
with tabs[3]:
    routes, missing = state.routes(v, detail.trips)
    if routes.empty:
        st.info("No travel records linked to this cluster (in the time range and filters).")
    else:
        names = sorted(detail.trips["traveller_name"].dropna().unique().tolist())
        who = st.selectbox("Highlight the trips of", ["(nobody)", *names], key="map_who")
        mine = detail.trips[detail.trips["traveller_name"] == who] if who != "(nobody)" else None
        highlight = (
            set(zip(mine["origin"], mine["destination"], strict=True))
            if mine is not None
            else set()
        )
        st.caption(md(geo.map_legend(who if mine is not None else "")))
        st.plotly_chart(geo.route_map(routes, highlight=highlight))
    if missing:
        st.caption(f"Places without coordinates: {md(', '.join(missing))}")
with tabs[4]:
    labels = dict(zip(detail.members["entity_id"], detail.members["label"], strict=True))
    evidence_cards(detail.evidence, labels, key=f"ev-{cluster_id}")
with tabs[5]:
    shown = detail.members
    if filters.active:
        shown = detail.members[detail.members["entity_id"].isin(detail.active)]
        st.caption(f"{len(shown):,} of {len(detail.members):,} members have a transfer or a "
                   "trip in the time range and filters.")  # fmt: skip
    member_tables(shown)
    members = whole.members[["entity_id", "label"]]
    c1, c2 = st.columns([3, 1])
    member = c1.selectbox(
        "Member",
        members["entity_id"].tolist(),
        key="member_pick",
        format_func=lambda e: members.loc[members["entity_id"] == e, "label"].iloc[0],
    )
    c2.write("")
    if c2.button("Open member", key="open-member"):
        state.open_entity(member)
    st.subheader("Transactions inside the cluster")
    st.dataframe(
        detail.transactions[["ts", "src_name", "dst_name", "amount_base", "channel", "tx_id"]],
        hide_index=True,
        width="stretch",
    )
    if not detail.trips.empty:
        st.subheader("Trips")
        st.dataframe(
            detail.trips[
                [
                    "departure",
                    "traveller_name",
                    "origin",
                    "destination",
                    "carrier",
                    "route_number",
                    "payer_account",
                ]
            ],
            hide_index=True,
            width="stretch",
        )
if st.button("Export this cluster", key="export-cluster"):
    st.session_state["export_target"] = ("cluster", int(cluster_id))
    st.switch_page(state.PAGES["export"])
