"""Page addresses: a case or an entity has its own address (``/cluster?id=12``,
``/entity?id=DE01BERG``), and signing in returns to the address asked for.

Streamlit keeps the query of the browser's address in ``st.query_params``. The Cluster and
Entity pages read the id from it (:func:`requested_id`) when the session has not chosen one
yet (an address opened, bookmarked or sent: a new session), and write the one shown back
(:func:`show_id`), so the address bar can be bookmarked or sent; the pages open each other
with the id in the query (:func:`dashboard.state.open_cluster`).

Before sign-in nothing but the sign-in form runs. :func:`remember_request` notes which page and
query the visitor asked for (the page is resolved by ``st.navigation`` without being run), and
after sign-in :func:`return_after_sign_in` switches there, once, if the user's role allows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

#: Session key of the address asked for before sign-in.
RETURN_TO = "moneytrail_return_to"
#: Query parameter naming the case or entity shown.
ID = "id"


def requested_id() -> str | None:
    """The ``id`` of the page's address, or ``None``."""
    value = st.query_params.get(ID)
    return str(value).strip() or None if value is not None else None


def show_id(value: object) -> None:
    """Put ``value`` in the address as ``?id=`` (unchanged if it is there already); ``None``
    takes the id out."""
    if value is None:
        if ID in st.query_params:
            del st.query_params[ID]
        return
    text = str(value)
    if st.query_params.get(ID) != text:
        st.query_params[ID] = text


def remember_request(pages: Sequence[Any], signed_in: bool) -> None:
    """Before sign-in: note the page (``url_path``) and query the visitor asked for.

    ``pages`` are every ``st.Page`` of the app; the one the address names is resolved by
    ``st.navigation`` (hidden, not run). The first request of the session is the one kept:
    the sign-in form's own reruns do not replace it.
    """
    if signed_in or not pages:
        return
    asked = st.navigation(list(pages), position="hidden")
    if RETURN_TO not in st.session_state:
        st.session_state[RETURN_TO] = {
            "url_path": asked.url_path,
            "query": st.query_params.to_dict(),
        }


def return_after_sign_in(current: Any, allowed: Sequence[Any]) -> None:
    """After sign-in: go to the page and query noted by :func:`remember_request`, once.

    ``current`` is the page ``st.navigation`` chose for this run, ``allowed`` the pages the
    user may open; a page the role does not allow is not opened (the navigation's default is).
    """
    target = st.session_state.pop(RETURN_TO, None)
    if not target:
        return
    query = {k: v for k, v in (target.get("query") or {}).items() if isinstance(v, str)}
    if target["url_path"] == current.url_path:
        for key, value in query.items():
            if st.query_params.get(key) != value:
                st.query_params[key] = value
        return
    for page in allowed:
        if page.url_path == target["url_path"]:
            st.switch_page(page, query_params=query)
