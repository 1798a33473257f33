"""The time range and filters (amount, channel, country) every view of a case shares.

One bar at the top of the Cluster and Entity pages; what it holds is a
:class:`engine.queries.filters.Filters` the pages pass to every query, so the network, Sankey,
timeline, map, members and evidence narrow together. The choice lives in ``st.session_state``
under :data:`STORE` (not only in the widgets' keys, which Streamlit forgets on a page switch),
so it survives switching tabs and pages. The timeline's box selection (:func:`brush`) sets the
range too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from engine.core.schema import CHANNELS
from engine.queries.filters import Filters

#: Session key of the chosen filters (a plain dict, see :func:`_stored`).
STORE = "shared_filters"
#: Session key of a range the timeline's brush asked for, applied on the next run.
PENDING = "shared_filters_pending"
_KEYS = {"days": "flt_days", "min": "flt_min", "max": "flt_max",
         "channels": "flt_channels", "countries": "flt_countries"}  # fmt: skip
DAY_US = 86_400_000_000


def _stored() -> dict[str, Any]:
    return st.session_state.setdefault(
        STORE, {"days": None, "min": 0.0, "max": 0.0, "channels": [], "countries": []}
    )


def to_filters(stored: dict[str, Any], bounds: tuple[dt.date, dt.date] | None) -> Filters:
    """The :class:`Filters` a stored choice means; a range covering all of ``bounds`` (the
    page's first and last day) is no range at all."""
    start = end = None
    days = stored.get("days")
    if days and bounds and (days[0] > bounds[0] or days[1] < bounds[1]):
        start = _micros(days[0])
        end = _micros(days[1]) + DAY_US
    return Filters(
        start=start,
        end=end,
        min_amount=float(stored["min"]) if stored.get("min") else None,
        max_amount=float(stored["max"]) if stored.get("max") else None,
        channels=tuple(sorted(stored.get("channels") or ())),
        countries=tuple(sorted(stored.get("countries") or ())),
    )


def _micros(day: dt.date) -> int:
    return int(pd.Timestamp(day, tz="UTC").value // 1000)


def filter_bar(
    bounds: tuple[dt.date, dt.date] | None, countries: list[str], key: str = "flt"
) -> Filters:
    """Draw the bar and return the filters chosen.

    Parameters
    ----------
    bounds : (first day, last day), optional
        The page's time span (its transactions and trips); no range slider without one.
    countries : list of str
        The countries offered (the case's or entity's accounts and places).
    """
    stored = _stored()
    pending = st.session_state.pop(PENDING, None)
    if pending is not None:
        stored["days"] = pending
        st.session_state.pop(_KEYS["days"], None)
    if bounds and bounds[0] == bounds[1]:
        bounds = (bounds[0], bounds[0] + dt.timedelta(days=1))
    days = stored.get("days")
    if bounds:
        days = _clamp(days, bounds)
    # seed the widgets from the stored choice (Streamlit forgets widget keys between pages)
    seeds = {"days": days, "min": stored["min"], "max": stored["max"],
             "channels": [c for c in stored["channels"] if c in CHANNELS],
             "countries": [c for c in stored["countries"] if c in countries]}  # fmt: skip
    # The widgets show the stored choice on every run: Streamlit forgets a widget's value when
    # another page runs, so the stored dict is the truth and each change is copied into it by
    # the widget's callback (callbacks run before the page, so nothing is lost).
    for name, widget in _KEYS.items():
        if name != "days" or bounds:
            st.session_state[widget] = seeds[name]
    with st.container(border=True):
        top = st.columns([5, 1.3, 1.3, 2.2, 2.2, 1])
        if bounds:
            chosen = top[0].slider(
                "Time range", min_value=bounds[0], max_value=bounds[1], key=_KEYS["days"],
                format="YYYY-MM-DD", on_change=_keep, args=("days",),
                help="Shared by the network, money flow, timeline, map, members and evidence; "
                "a box drawn on the timeline sets it too.",
            )  # fmt: skip
            stored["days"] = tuple(chosen)
        stored["min"] = top[1].number_input(
            "Min amount",
            min_value=0.0,
            step=100.0,
            key=_KEYS["min"],
            help="0: no minimum",
            on_change=_keep,
            args=("min",),
        )
        stored["max"] = top[2].number_input(
            "Max amount",
            min_value=0.0,
            step=100.0,
            key=_KEYS["max"],
            help="0: no maximum",
            on_change=_keep,
            args=("max",),
        )
        stored["channels"] = top[3].multiselect(
            "Channel",
            list(CHANNELS),
            key=_KEYS["channels"],
            placeholder="all channels",
            on_change=_keep,
            args=("channels",),
        )
        stored["countries"] = top[4].multiselect(
            "Country", countries, key=_KEYS["countries"], placeholder="all countries",
            on_change=_keep, args=("countries",),
            help="Transfers with either account in these countries; trips from or to them.",
        )  # fmt: skip
        top[5].write("")
        if top[5].button("Reset", key=f"{key}-reset", help="Show all time, every amount"):
            reset()
            st.rerun()
        filters = to_filters(stored, bounds)
        words = filters.describe()
        st.caption(f"Showing {words}." if words else "Showing everything: no filter.")
    return filters


def _keep(name: str) -> None:
    """A widget's callback: copy its new value into the stored choice."""
    value = st.session_state[_KEYS[name]]
    _stored()[name] = tuple(value) if name == "days" else value


def reset() -> None:
    """Forget the chosen filters (and the widgets' values)."""
    st.session_state[STORE] = {"days": None, "min": 0.0, "max": 0.0, "channels": [],
                               "countries": []}  # fmt: skip
    for widget in _KEYS.values():
        st.session_state.pop(widget, None)


def brush(selection: Any) -> None:
    """Take a box drawn on the timeline (``st.plotly_chart`` selection) as the time range.

    The range is applied on the next run (a widget's value cannot change once drawn in
    this one), so this asks for a rerun when the box is new.
    """
    boxes = (selection or {}).get("selection", {}).get("box") or []
    if not boxes:
        return
    xs = boxes[-1].get("x") or []
    if len(xs) != 2:
        return
    first, last = sorted(pd.to_datetime(x, utc=True).date() for x in xs)
    seen = st.session_state.get("shared_filters_brushed")
    if seen == (first, last):
        return
    st.session_state["shared_filters_brushed"] = (first, last)
    st.session_state[PENDING] = (first, last)
    st.rerun()


def day_bounds(*columns: pd.Series) -> tuple[dt.date, dt.date] | None:
    """The first and last day over timestamp columns (None when all are empty)."""
    values = pd.concat([pd.to_datetime(c, utc=True) for c in columns if len(c)] or [pd.Series()])
    values = values.dropna()
    if values.empty:
        return None
    return values.min().date(), values.max().date()


def _clamp(days: Any, bounds: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """A stored range inside the page's bounds (all of them when none or disjoint)."""
    if not days:
        return bounds
    first, last = max(days[0], bounds[0]), min(days[1], bounds[1])
    return (first, last) if first <= last else bounds
