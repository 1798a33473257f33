"""The moneytrail dashboard: page setup and navigation only (``streamlit run dashboard/app.py``).

Each page is a short view in :mod:`dashboard.views` over :mod:`engine.queries`; shared state,
cached queries and user actions live in :mod:`dashboard.state`.
"""

from __future__ import annotations

import streamlit as st

from dashboard import state

st.set_page_config(page_title="moneytrail", page_icon="🧭", layout="wide")
state.init_session()

# Access control hooks in here: sign-in and role check before any page is shown.
user = state.current_user()

pages = {
    "Data": [
        st.Page(state.PAGES["upload"], title="Upload", icon="📤", url_path="upload"),
        st.Page(
            state.PAGES["overview"], title="Overview", icon="📊", url_path="overview", default=True
        ),
    ],
    "Investigate": [
        st.Page(state.PAGES["clusters"], title="Clusters", icon="🕸️", url_path="clusters"),
        st.Page(state.PAGES["cluster"], title="Cluster", icon="🔎", url_path="cluster"),
        st.Page(state.PAGES["entity"], title="Entity", icon="👤", url_path="entity"),
        st.Page(state.PAGES["follow"], title="Follow the money", icon="💸", url_path="follow"),
        st.Page(state.PAGES["export"], title="Export", icon="🗂️", url_path="export"),
    ],
    "Engineering": [
        st.Page(state.PAGES["benchmarks"], title="Benchmarks", icon="⏱️", url_path="benchmarks"),
    ],
}
st.sidebar.caption(f"Signed in as **{user}**")
st.navigation(pages).run()
