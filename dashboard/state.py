"""Shared state of the dashboard: the store, cached queries, session keys and actions.

* The store and its :class:`~engine.queries.Workbench` are opened once per process
  (``st.cache_resource``), from ``MONEYTRAIL_STORE`` and ``MONEYTRAIL_HOME``.
* Query results are cached with a ttl (``st.cache_data``) and keyed on the data's version
  (batch count and latest run), so an upload or a new analysis shows at once.
* Everything a user *does* (upload, export) goes through a small function here, so access
  control can wrap each action in one place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from engine.queries import ClusterDetail, EntityDetail, Network, Workbench

#: Seconds a cached query result stays valid (the version key catches new data sooner).
TTL = 300

#: Session keys and their defaults, initialised once per session.
DEFAULTS: dict[str, Any] = {
    "user": None,
    "cluster_id": None,
    "entity_id": None,
    "source_id": None,
    "target_id": None,
    "last_upload": None,
}

PAGES = {
    "upload": "views/upload.py",
    "overview": "views/overview.py",
    "clusters": "views/clusters.py",
    "cluster": "views/cluster.py",
    "entity": "views/entity.py",
    "follow": "views/follow.py",
    "benchmarks": "views/benchmarks.py",
    "export": "views/export.py",
}


def init_session() -> None:
    """Give every session key its default once."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def current_user() -> str:
    """Who is using the dashboard. Access control (dashboard/auth.py) replaces this."""
    if not st.session_state.get("user"):
        st.session_state["user"] = os.environ.get("MONEYTRAIL_USER", "analyst")
    return str(st.session_state["user"])


@st.cache_resource(show_spinner=False)
def _workbench(backend: str, home: str) -> Workbench:
    from engine.store import open_store

    return Workbench(open_store(backend or None, home=home or None))


def workbench() -> Workbench:
    """The workbench over the configured store, refreshed when the data changed."""
    wb = _workbench(os.environ.get("MONEYTRAIL_STORE", ""), os.environ.get("MONEYTRAIL_HOME", ""))
    version = wb.version()
    if wb.seen_version != version:
        wb.refresh()
        wb.seen_version = version
    return wb


def version() -> str:
    return str(workbench().seen_version)


# -- cached queries (the first argument, v, is the data version: new data misses the cache) ---


@st.cache_data(ttl=TTL, show_spinner=False)
def overview(v: str) -> dict[str, Any]:
    return workbench().overview()


@st.cache_data(ttl=TTL, show_spinner=False)
def money_over_time(v: str, freq: str) -> pd.DataFrame:
    return workbench().money_over_time(freq)


@st.cache_data(ttl=TTL, show_spinner=False)
def corridors(v: str) -> pd.DataFrame:
    return workbench().corridors()


@st.cache_data(ttl=TTL, show_spinner=False)
def cluster_list(
    v: str, min_score: float, patterns: tuple[str, ...], countries: tuple[str, ...]
) -> pd.DataFrame:
    return workbench().cluster_list(min_score, list(patterns), list(countries))


@st.cache_data(ttl=TTL, show_spinner=False)
def cluster_options(v: str) -> tuple[list[str], list[str]]:
    return workbench().cluster_options()


@st.cache_data(ttl=TTL, show_spinner=False)
def cluster_detail(v: str, cluster_id: int) -> ClusterDetail:
    return workbench().cluster_detail(cluster_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def routes(v: str, trips: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    return workbench().routes(trips)


@st.cache_data(ttl=TTL, show_spinner=False)
def entity_detail(v: str, entity_id: str) -> EntityDetail:
    return workbench().entity_detail(entity_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def neighbourhood(v: str, account_id: str) -> Network:
    return workbench().neighbourhood(account_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def search(v: str, text: str) -> pd.DataFrame:
    return workbench().search(text)


@st.cache_data(ttl=TTL, show_spinner=False)
def paths(v: str, source: str, target: str) -> dict[str, pd.DataFrame]:
    wb = workbench()
    return {
        "shortest": wb.shortest_path(source, target),
        "time_respecting": wb.time_respecting_path(source, target),
    }


@st.cache_data(ttl=TTL, show_spinner=False)
def trace(v: str, entity_id: str, direction: str, hops: int) -> pd.DataFrame:
    return workbench().trace(entity_id, direction, hops)


# -- navigation --------------------------------------------------------------------------------


def open_cluster(cluster_id: int) -> None:
    st.session_state["cluster_id"] = int(cluster_id)
    st.switch_page(PAGES["cluster"])


def open_entity(entity_id: str) -> None:
    st.session_state["entity_id"] = entity_id
    st.switch_page(PAGES["entity"])


def follow(source: str | None, target: str | None = None) -> None:
    st.session_state["source_id"] = source
    st.session_state["target_id"] = target
    st.switch_page(PAGES["follow"])


# -- actions -----------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> dict[str, Any]:
    """Ingest one uploaded file into the store; returns the ingest report as a plain dict.

    The bytes go to a private temporary file named like the upload (loaders sniff the format
    from the name and content); the file is removed afterwards. The rejected rows come back as
    a spreadsheet-safe CSV under ``rejected_csv``.
    """
    from engine.export import safe_csv
    from engine.ingest import ingest_file

    safe = Path(name).name or "upload"
    with tempfile.TemporaryDirectory(prefix="moneytrail-upload-") as folder:
        path = Path(folder) / safe
        path.write_bytes(data)
        report = ingest_file(workbench().store, path, source_name=safe, uploaded_by=current_user())
    workbench().refresh()
    summary = {k: v for k, v in vars(report).items() if k != "rejected_rows"}
    summary["rejected_csv"] = safe_csv(report.rejected_rows.to_pandas()) if report.rejected else b""
    return summary


def analyze() -> Any:
    """Run the analysis pipeline over the store (after uploads)."""
    from engine.pipeline import analyze as run_analysis

    summary = run_analysis(workbench().store)
    workbench().refresh()
    return summary


def case_file(cluster_id: int | None = None, entity_id: str | None = None) -> bytes:
    """Build the case-file ZIP for a cluster or an entity."""
    from engine.export import case_file as build

    return build(workbench(), cluster_id=cluster_id, entity_id=entity_id)
