"""The moneytrail dashboard: page setup and navigation only (``streamlit run dashboard/app.py``).

Each page is a short view in :mod:`dashboard.views` over :mod:`engine.queries`; shared state,
cached queries and user actions live in :mod:`dashboard.state`.
"""

from __future__ import annotations

import streamlit as st

from dashboard import state

st.set_page_config(page_title="moneytrail", layout="wide")
state.init_session()

# Access control hooks in here: sign-in and role check before any page is shown.
user = state.current_user()


def page(name: str, title: str, *, default: bool = False) -> st.Page:
    # No page icons: Streamlit fetches icon pictures from the internet, and this app is offline.
    return st.Page(state.PAGES[name], title=title, url_path=name, default=default)


pages = {
    "Data": [page("upload", "Upload"), page("overview", "Overview", default=True)],
    "Investigate": [
        page("clusters", "Clusters"),
        page("cluster", "Cluster"),
        page("entity", "Entity"),
        page("follow", "Follow the money"),
        page("export", "Export"),
    ],
    "Engineering": [page("benchmarks", "Benchmarks")],
}
st.sidebar.caption(f"Signed in as **{user}**")
st.navigation(pages).run()
