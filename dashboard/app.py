"""The moneytrail dashboard: page setup and navigation only (``streamlit run dashboard/app.py``).

Each page is a short view in :mod:`dashboard.views` over :mod:`engine.queries`; shared state,
cached queries and user actions live in :mod:`dashboard.state`. Nothing is shown before
sign-in (:func:`dashboard.auth.require_user` stops the run with the login form), and the
navigation lists only the pages the user's role allows; each page checks its role again.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, state
from dashboard.widgets import address

st.set_page_config(page_title="moneytrail", layout="wide")
state.init_session()
state.start_warm_up()


def page(name: str, title: str, *, default: bool = False) -> tuple[st.Page, str]:
    """The page ``views/<name>.py`` with the action its role must allow."""
    # No page icons: Streamlit fetches icon pictures from the internet, and this app is offline.
    view = st.Page(state.PAGES[name], title=title, url_path=name, default=default)
    return view, auth.PAGE_ACTIONS[name]


sections = {
    "Data": [page("upload", "Upload"), page("overview", "Overview", default=True)],
    "Investigate": [
        page("clusters", "Clusters"),
        page("cluster", "Cluster"),
        page("entity", "Entity"),
        page("follow", "Follow the money"),
        page("export", "Export"),
        page("watchlist", "Watch list"),
    ],
    "Engineering": [page("benchmarks", "Benchmarks")],
    "Admin": [page("admin", "Administration")],
}
# before sign-in, note the page and query asked for (/cluster?id=12), to return there after
address.remember_request([p for pages in sections.values() for p, _ in pages],
                         signed_in=auth.current_user() is not None)  # fmt: skip
user = auth.require_user()
auth.account_box(user)
pages = {name: auth.allowed_pages(user, views) for name, views in sections.items()}
current = st.navigation({k: v for k, v in pages.items() if v})
address.return_after_sign_in(current, [p for views in pages.values() for p in views])
current.run()
