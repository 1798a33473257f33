"""Shared state of the dashboard: the store, cached queries, session keys and actions.

* The store and its :class:`~engine.queries.Workbench` are opened once per process
  (``st.cache_resource``), from ``MONEYTRAIL_STORE`` and ``MONEYTRAIL_HOME``.
* Query results are cached with a ttl (``st.cache_data``) and keyed on the data's version
  (batch count and latest run), so an upload or a new analysis shows at once.
* Everything a user *does* (upload, export) goes through a small function here, and each goes
  through :class:`~engine.services.audited.AuditedSession`: the role is checked and the action recorded
  in the audit log in one place.
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from dashboard import auth
from engine.queries import ClusterDetail, EntityDetail, Network, Workbench
from engine.queries.filters import Filters

if TYPE_CHECKING:
    from engine.core.config import Settings
    from engine.services.audited import AuditedSession

#: Seconds a cached query result stays valid (the version key catches new data sooner).
TTL = 300

#: Session keys and their defaults, initialised once per session.
DEFAULTS: dict[str, Any] = {
    "cluster_id": None,
    "entity_id": None,
    "source_id": None,
    "target_id": None,
    "last_upload": None,
    # nodes whose neighbourhood is drawn, per picture ("cluster:12", "entity:DE01"): a list
    "expanded": {},
    # the Follow-the-money path drawn on the network: {"hops": [(from, to, amount)], "title"}
    "drawn_path": None,
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
    "watchlist": "views/watchlist.py",
    "admin": "views/admin.py",
}


def init_session() -> None:
    """Give every session key its default once."""
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)


def current_user() -> str:
    """The name of the signed-in user, or ``"anonymous"``."""
    u = auth.current_user()
    return u.name if u else "anonymous"


def settings() -> Settings:
    """The dashboard's settings: the environment the ``moneytrail dashboard`` command gave this
    server process (:meth:`Settings.child_environment`), read on each call (cheap)."""
    from engine.core.config import Settings

    return Settings.from_env()


@st.cache_resource(show_spinner=False)
def _workbench(configured: Settings) -> Workbench:
    from engine.store import open_store

    wb = Workbench(open_store(settings=configured))
    threading.Thread(target=_warm_up, args=(wb,), name="workbench-warm-up", daemon=True).start()
    return wb


def _warm_up(wb: Workbench) -> None:
    """Load the data in the background (see :meth:`Workbench.warm_up`); a failure here only
    means the first page does the work itself, so it is logged, not raised."""
    try:
        wb.warm_up()
    except Exception:  # the page that needs the data reports the real error
        logging.getLogger(__name__).warning("dashboard warm-up failed", exc_info=True)


def workbench() -> Workbench:
    """The workbench over the configured store, refreshed when the data changed."""
    wb = _workbench(settings())
    wb.sync()
    return wb


def start_warm_up() -> None:
    """Open the workbench now, which starts loading the data in the background.

    Called before sign-in, so the loading overlaps with the user typing their password. No data
    is shown here; a store that cannot be opened is reported by the first page after sign-in.
    """
    try:
        _workbench(settings())
    except Exception:  # the first page after sign-in shows the real error
        logging.getLogger(__name__).warning("could not open the store for warm-up", exc_info=True)


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
def cluster_detail(v: str, cluster_id: int, filters: Filters | None = None) -> ClusterDetail:
    return workbench().cluster_detail(cluster_id, filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def case_picture(
    v: str,
    cluster_id: int,
    filters: Filters | None,
    expanded: tuple[str, ...],
    path: tuple[tuple[str, str, float], ...],
) -> Network:
    """The Cluster page's network: the case filtered, grown, folded and laid out."""
    wb = workbench()
    detail = cluster_detail(v, cluster_id, filters)
    m = detail.members
    is_account = m["entity_kind"] == "account"
    return wb.picture(
        m.loc[is_account & m["core"], "entity_id"].tolist(),
        m.loc[m["entity_kind"] == "party", "entity_id"].tolist(),
        detail.trips,
        context=m.loc[is_account & ~m["core"], "entity_id"].tolist(),
        expanded=list(expanded),
        path=list(path),
        filters=filters,
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def entity_picture(
    v: str,
    account_id: str,
    filters: Filters | None,
    expanded: tuple[str, ...],
    path: tuple[tuple[str, str, float], ...],
) -> Network:
    """The Entity page's network: an account's largest counterparties, grown and laid out."""
    return workbench().entity_picture(
        account_id, expanded=list(expanded), path=list(path), filters=filters
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def time_span(v: str, accounts: tuple[str, ...]) -> tuple[int, int] | None:
    return workbench().time_span(list(accounts))


@st.cache_data(ttl=TTL, show_spinner=False)
def routes(v: str, trips: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    return workbench().routes(trips)


@st.cache_data(ttl=TTL, show_spinner=False)
def entity_detail(v: str, entity_id: str, filters: Filters | None = None) -> EntityDetail:
    return workbench().entity_detail(entity_id, filters)


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
    """Go to the Cluster page of ``cluster_id`` (its address: ``/cluster?id=...``)."""
    st.session_state["cluster_id"] = int(cluster_id)
    st.switch_page(PAGES["cluster"], query_params={"id": str(int(cluster_id))})


def open_entity(entity_id: str) -> None:
    """Go to the Entity page of ``entity_id`` (its address: ``/entity?id=...``)."""
    st.session_state["entity_id"] = entity_id
    st.switch_page(PAGES["entity"], query_params={"id": str(entity_id)})


def expanded(picture: str) -> list[str]:
    """The nodes expanded in one picture (``cluster:12``, ``entity:DE01``), kept per session."""
    return list(st.session_state.setdefault("expanded", {}).get(picture, []))


def set_expanded(picture: str, nodes: list[str]) -> None:
    st.session_state.setdefault("expanded", {})[picture] = list(dict.fromkeys(nodes))


def drawn_path() -> tuple[tuple[str, str, float], ...]:
    """The hops of the path Follow the money asked to draw (empty when none)."""
    chosen = st.session_state.get("drawn_path") or {}
    return tuple((str(a), str(b), float(x)) for a, b, x in chosen.get("hops", []))


def draw_path(hops: pd.DataFrame, title: str) -> None:
    """Draw a Follow-the-money path on the network: on the current cluster's when one is
    open, else on the first account's Entity page."""
    st.session_state["drawn_path"] = {
        "hops": list(zip(hops["from"], hops["to"], hops["amount"].astype(float), strict=True)),
        "title": title,
    }
    if st.session_state.get("cluster_id") is not None:
        open_cluster(int(st.session_state["cluster_id"]))
    else:
        open_entity(str(hops["from"].iloc[0]))


def follow(source: str | None, target: str | None = None) -> None:
    st.session_state["source_id"] = source
    st.session_state["target_id"] = target
    st.switch_page(PAGES["follow"])


# -- actions -----------------------------------------------------------------------------------


def session() -> AuditedSession:
    """The signed-in user's audited access to the store (role checks and audit entries)."""
    from engine.services.audited import AuditedSession

    wb = workbench()
    return AuditedSession(auth.require_user(), wb.store, workbench=wb, settings=settings())


def upload(
    name: str,
    data: bytes,
    progress: Callable[[int, int], None] | None = None,
    mapping: Any = None,
) -> dict[str, Any]:
    """Ingest one uploaded file into the store; returns the ingest report as a plain dict.

    The bytes go to a private temporary file named like the upload (loaders sniff the format
    from the name and content), under a sanitised name (no folders, no ``..``); the file is
    removed afterwards. The upload is role-checked and audited. The rejected rows come back
    as a spreadsheet-safe CSV under ``rejected_csv``. ``progress(done, total)`` is called as the
    file is hashed, parsed and written (see :func:`engine.services.ingest.ingest_file`).
    ``mapping`` (a :class:`loaders.mapping.Mapping`) says which column is which, as ``--mapping``.
    """
    from engine.services.ingest import export_rejected, sanitise_source_name

    safe = sanitise_source_name(name)
    with tempfile.TemporaryDirectory(prefix="moneytrail-upload-") as folder:
        path = Path(folder) / safe
        path.write_bytes(data)
        options: dict[str, Any] = {"mapping": mapping} if mapping is not None else {}
        report = session().ingest(path, source_name=safe, progress=progress, **options)
    summary = {k: v for k, v in vars(report).items() if k != "rejected_rows"}
    summary["rejected_csv"] = b""
    if report.rejected:
        buffer = io.BytesIO()
        export_rejected(report.rejected_rows, buffer)
        summary["rejected_csv"] = buffer.getvalue()
    return summary


def rejected_downloaded(batch_id: str) -> None:
    """Record that the user downloaded a batch's rejected rows (the download button's callback)."""
    auth.audit("download_rejected", f"batch:{batch_id}")


def analyze() -> Any:
    """Run the analysis pipeline over the store (after uploads)."""
    from engine.services.pipeline import analyze as run_analysis

    summary = run_analysis(workbench().store)
    workbench().refresh()
    return summary


def case_file(
    cluster_id: int | None = None, entity_id: str | None = None, *, identified: bool = False
) -> bytes:
    """Build the case-file ZIP for a cluster or an entity: pseudonymised unless ``identified``
    (which needs the ``export_identified`` permission); role-checked and audited."""
    return session().export(cluster_id=cluster_id, entity_id=entity_id, identified=identified)
