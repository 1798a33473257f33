"""Follow the money: paths between two entities, or a trace forward or back from one."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.auth import audit, guard
from dashboard.widgets.entity_picker import entity_picker

guard("follow_money")
st.title("Follow the money")
v = state.version()
c1, c2 = st.columns(2)
with c1:
    source = entity_picker(
        "From (name, account, document)", key="source", default=st.session_state.get("source_id")
    )
with c2:
    target = entity_picker("To (optional)", key="target", default=st.session_state.get("target_id"))
st.session_state["source_id"], st.session_state["target_id"] = source, target

HOP_COLUMNS = ["hop", "from_label", "to_label", "ts", "amount", "transfers", "tx_id"]

if source and target:
    st.subheader("Paths")
    audit("follow_money", f"{source} -> {target}", once=True)
    found = state.paths(v, source, target)
    left, right = st.columns(2)
    for column, name, title, help_text in (
        (left, "shortest", "Shortest path", "Fewest transfers, in any order of time."),
        (
            right,
            "time_respecting",
            "Time-respecting path",
            "Each transfer after the previous one: money that could really have passed.",
        ),
    ):
        with column:
            st.markdown(f"**{title}**")
            st.caption(help_text)
            hops = found[name]
            if hops.empty:
                st.info("No path (placeholders such as CASH are not passed through).")
            else:
                st.dataframe(hops[HOP_COLUMNS], hide_index=True, width="stretch")
                smallest = hops["amount"].min()
                st.markdown(
                    f"{len(hops)} hops; at most **{smallest:,.0f}** can have travelled the whole way."
                )
                where = "cluster" if st.session_state.get("cluster_id") is not None else "entity"
                if st.button(
                    "Draw on the network",
                    key=f"draw-{name}",
                    help=f"Show this path in red on the {where} network",
                ):
                    first, last = hops["from_label"].iloc[0], hops["to_label"].iloc[-1]
                    state.draw_path(hops, f"{title.lower()} from {first} to {last}")
elif source:
    st.caption("Pick a second entity to see the paths between them, or trace from this one.")

if source:
    st.subheader("Trace")
    c1, c2 = st.columns([2, 1])
    direction = c1.radio(
        "Direction",
        ["forward", "backward"],
        horizontal=True,
        key="direction",
        format_func={"forward": "where did the money go", "backward": "where did it come from"}.get,
    )
    hops = c2.slider("Hops", 1, 8, 4, key="hops")
    audit("trace", f"entity:{source}", once=True, direction=direction, hops=hops)
    traced = state.trace(v, source, direction, hops)
    if traced.empty:
        st.info("No money to trace.")
    else:
        st.caption(
            "Money is conserved: a transfer carries at most its own amount, only after the money "
            "arrived, split in proportion to the amounts (pro-rata). 'retained' is what stopped "
            "there; placeholders such as CASH end the trail."
        )
        st.dataframe(
            traced,
            hide_index=True,
            width="stretch",
            column_config={
                "amount": st.column_config.NumberColumn("traced amount", format="%.2f"),
                "retained": st.column_config.NumberColumn(format="%.2f"),
            },
        )
        pick = st.selectbox("Open an account", traced["account"].tolist(), key="trace_pick")
        if st.button("Open", key="trace-open"):
            state.open_entity(pick)
