"""Pick an account or a person by searching names, account numbers, documents and phones."""

from __future__ import annotations

import streamlit as st

from dashboard import state
from dashboard.auth import audit, guard
from dashboard.widgets.text import md


def entity_picker(label: str, key: str, default: str | None = None) -> str | None:
    """A search box and a list of matches; returns the chosen entity id (or ``default``)."""
    if default and default != st.session_state.get(f"{key}-value"):
        # Another page chose this entity: show it in the search box.
        st.session_state[f"{key}-search"] = default
    st.session_state[f"{key}-value"] = None
    text = st.text_input(label, key=f"{key}-search")
    if not text:
        return None
    guard("search")
    hits = state.search(state.version(), text)
    audit("search", text, once=f"search:{key}", hits=len(hits))
    if hits.empty:
        st.warning(f"Nothing matches {md(repr(text))}.")
        return None
    ids = hits["entity_id"].tolist()
    labels = dict(zip(ids, hits["kind"] + ": " + hits["label"], strict=True))
    index = ids.index(default) if default in ids else 0
    choice = st.selectbox(
        "Match",
        ids,
        index=index,
        format_func=labels.get,
        key=f"{key}-pick-{text}",
        label_visibility="collapsed",
    )
    st.session_state[f"{key}-value"] = choice
    return choice
