"""Closeness to the watch list on the dashboard: cached per data and list version, a per-case
frame for the Clusters list, and a one-line badge for the Cluster and Entity pages.

The numbers come from :mod:`engine.queries.watchlist` (personalised PageRank from the watched
accounts and people); :data:`HELP` says in words what they mean.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import state
from engine.queries.watchlist import Closeness, case_closeness, closeness, entity_closeness
from engine.services import watchlist as service

#: What closeness means, for help texts.
HELP = (
    "Closeness to the watch list: the share of a random walk that starts at the watched "
    "accounts and people, follows transfers in either direction in proportion to the money and "
    "keeps going back to the list, spent in these accounts (personalised PageRank). All "
    "accounts together hold 100 %; 0 means the money never connects them to the list."
)


def listed() -> pa.Table:
    """The list in force, read from the store on each run (a change shows at once)."""
    return service.current(state.workbench().store)


def list_version(table: pa.Table) -> str:
    """A key that changes when the list changes (for the caches below)."""
    ids = table["entity_id"].to_pylist() if table.num_rows else []
    kinds = table["entity_kind"].to_pylist() if table.num_rows else []
    return "|".join(f"{k}:{i}" for k, i in zip(kinds, ids, strict=True))


@st.cache_data(ttl=state.TTL, show_spinner=False, max_entries=8)
def _closeness(v: str, wv: str, _table: pa.Table) -> Closeness:
    return closeness(state.workbench(), _table)


@st.cache_data(ttl=state.TTL, show_spinner=False, max_entries=8)
def _cases(v: str, wv: str, _table: pa.Table) -> pd.DataFrame:
    return case_closeness(state.workbench(), _closeness(v, wv, _table))


def current_closeness() -> Closeness:
    """Closeness of every account to the list in force (cached)."""
    table = listed()
    return _closeness(state.version(), list_version(table), table)


def cases_frame() -> pd.DataFrame:
    """``cluster_id``, ``watch_closeness`` (0-1) and ``watched`` per case (cached)."""
    table = listed()
    return _cases(state.version(), list_version(table), table)


#: The Clusters list's column for :func:`with_watch_closeness`.
WATCH_COLUMN = st.column_config.NumberColumn("Watch list", format="%.2f %%", help=HELP)


def with_watch_closeness(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (one row per ``cluster_id``) with ``watch_closeness`` in per cent (0 for a
    case the list does not reach, and for every case when the list is empty)."""
    near = cases_frame()[["cluster_id", "watch_closeness"]]
    out = frame.drop(columns=["watch_closeness"], errors="ignore").merge(
        near, on="cluster_id", how="left"
    )
    out["watch_closeness"] = 100.0 * out["watch_closeness"].fillna(0.0)
    return out


def case_badge(members: pd.DataFrame) -> None:
    """The badge of a case: over its core accounts (``members`` of a cluster detail)."""
    accounts = members["entity_kind"] == "account"
    if "core" in members:
        accounts &= members["core"].fillna(True).astype(bool)
    closeness_badge(accounts=members.loc[accounts, "entity_id"].astype(str).tolist())


def closeness_badge(entity_id: str | None = None, accounts: list[str] | None = None) -> None:
    """One line: how close an entity (or a case's core ``accounts``) is to the watch list."""
    table = listed()
    if not table.num_rows:
        return
    near = _closeness(state.version(), list_version(table), table)
    if near.empty:
        st.caption("Watch list: none of its entries is in the data yet.")
        return
    if accounts is not None:
        share = near.of_accounts(accounts)
        watched = len(set(accounts) & set(near.seeds))
        percentile = near.percentile(share) if share > 0 else 0.0
    else:
        facts = entity_closeness(state.workbench(), near, str(entity_id))
        share, percentile = float(facts["share"]), float(facts["percentile"])  # type: ignore[arg-type]
        watched = int(bool(facts["watched"]))
    if watched:
        text = f":red-badge[On the watch list] closeness {100 * share:.2f} %"
    elif share > 0:
        text = (
            f":orange-badge[Near the watch list] closeness {100 * share:.3f} %, closer than "
            f"{percentile:.0f} % of accounts"
        )
    else:
        text = ":gray-badge[Not connected to the watch list]"
    st.markdown(text, help=HELP)
