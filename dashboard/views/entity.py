"""Entity: an account or a person with holdings, counterparties, trips, links and clusters.

The time range and filters of the Cluster page (:mod:`dashboard.widgets.filters`) narrow the
counterparties, their network, the transactions and the trips here too.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.auth import audit, guard
from dashboard.widgets import address
from dashboard.widgets.attributes import attribute_fields
from dashboard.widgets.casework import casework_box
from dashboard.widgets.decision import decision_box
from dashboard.widgets.entity_picker import entity_picker
from dashboard.widgets.filters import day_bounds, filter_bar
from dashboard.widgets.network import network_panel
from dashboard.widgets.text import md
from dashboard.widgets.watchlist import closeness_badge
from engine.queries.filters import Filters

guard("view_entity")
st.title("Entity")
v = state.version()
# the address names the entity (/entity?id=DE01BERG) when this session has not chosen one yet
chosen = st.session_state.get("entity_id") or address.requested_id()
entity_id = entity_picker("Find an account or a person", key="entity", default=chosen)
if not entity_id:
    address.show_id(None)
    st.info("Search by name, account number, document or phone.")
    st.stop()
st.session_state["entity_id"] = entity_id
address.show_id(entity_id)
audit("view_entity", f"entity:{entity_id}", once=True)
try:
    detail = state.entity_detail(v, entity_id)
except KeyError as exc:
    st.error(md(exc))
    st.stop()

st.header(md(detail.label))
st.caption(f"{md(detail.kind)} · {md(detail.entity_id)}")
closeness_badge(entity_id)
attribute_fields(detail.attributes)

c1, c2, c3 = st.columns(3)
c1.metric("Counterparties", f"{len(detail.counterparties):,}")
c2.metric("Trips", f"{len(detail.trips):,}")
c3.metric("Clusters", f"{len(detail.clusters):,}")
if detail.kind == "account":
    decision_box(entity_id, key=f"account-{entity_id}")
casework_box(detail.kind, entity_id, key=f"work-{entity_id}")
if st.button("Follow the money from here", key="follow-entity"):
    state.follow(entity_id)

held = [entity_id] if detail.kind == "account" else detail.holdings["account_id"].tolist()
span = state.time_span(v, tuple(held))
bounds = day_bounds(
    pd.Series(pd.to_datetime(list(span or ()), unit="us", utc=True)), detail.trips["departure"]
)
countries = sorted({c for c in (detail.attributes.get("country"), detail.attributes.get(
    "nationality")) if c} | set(detail.counterparties.get("counterparty", pd.Series()).map(
    lambda a: state.workbench().account_country.get(a)).dropna()))  # fmt: skip
filters = filter_bar(bounds, countries, key=f"flt-{entity_id}")
if filters.active:
    detail = state.entity_detail(v, entity_id, filters)

tabs = st.tabs(
    ["Counterparties", "Holdings", "Trips", "Linked identities", "Clusters", "Transactions"]
)


@st.fragment
def network_tab(version: str, entity: str, narrowed: Filters | None) -> None:
    """The counterparty network and its node actions, rerun alone on a tap or an expand."""
    picture = f"entity:{entity}"
    net = state.entity_picture(
        version, entity, narrowed, tuple(state.expanded(picture)), state.drawn_path()
    )
    network_panel(net, picture, key=f"ego-{entity}", height=460)


with tabs[0]:
    network_tab(v, entity_id, filters if filters.active else None)
    st.dataframe(detail.counterparties, hide_index=True, width="stretch")
with tabs[1]:
    st.dataframe(detail.holdings, hide_index=True, width="stretch")
with tabs[2]:
    st.dataframe(detail.trips, hide_index=True, width="stretch")
with tabs[3]:
    st.dataframe(detail.links, hide_index=True, width="stretch")
with tabs[4]:
    st.dataframe(detail.clusters, hide_index=True, width="stretch")
    for cid in detail.clusters.get("cluster_id", []):
        if st.button(f"Open cluster {cid}", key=f"ent-cl-{cid}"):
            state.open_cluster(int(cid))
with tabs[5]:
    st.dataframe(detail.transactions, hide_index=True, width="stretch")
if st.button("Export this entity", key="export-entity"):
    st.session_state["export_target"] = ("entity", entity_id)
    st.switch_page(state.PAGES["export"])
