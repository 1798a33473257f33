"""The offline travel map: country outlines shipped with the package, drawn with plotly.

No tiles, topojson, scripts or fonts are fetched: the outlines are Natural Earth's 1:110m
countries (public domain, via the ``world-atlas`` package, ISC) in ``countries.json`` beside
this module, drawn as filled lines on an equirectangular plot.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources

import pandas as pd
import plotly.graph_objects as go

from engine.queries.routes import label_spots, route_arc

ROUTE, HIGHLIGHT, FADED_ROUTE = "#ea580c", "#dc2626", "rgba(234, 88, 12, 0.25)"


@cache
def outlines() -> tuple[list[float | None], list[float | None]]:
    """Longitudes and latitudes of every country ring, separated by ``None``."""
    data = json.loads(resources.files("dashboard.widgets").joinpath("countries.json").read_text())
    lons: list[float | None] = []
    lats: list[float | None] = []
    for country in data["countries"]:
        for ring in country["rings"]:
            lons.extend(p[0] for p in ring)
            lats.extend(p[1] for p in ring)
            lons.append(None)
            lats.append(None)
    return lons, lats


def route_map(
    routes: pd.DataFrame,
    height: int = 460,
    highlight: set[tuple[str, str]] | None = None,
) -> go.Figure:
    """Draw routes as arcs over the country outlines.

    Each route (origin → destination) is one arc bowing to its left, with an arrow for its
    direction and the number of trips at the arrow; routes over the date line are cut there
    (:func:`engine.queries.routes.route_arc`). Each airport is marked and labelled once,
    labels of close airports moved apart (:func:`engine.queries.routes.label_spots`). The
    routes in ``highlight`` (the selected traveller's) are drawn in red and the
    others faded.

    Parameters
    ----------
    routes : DataFrame
        One row per route with ``origin``, ``destination``, ``o_lat``, ``o_lon``, ``d_lat``,
        ``d_lon``, ``legs`` (how many travel records) and ``travellers`` (names).
    """
    lons, lats = outlines()
    fig = go.Figure(
        go.Scatter(
            x=lons,
            y=lats,
            mode="lines",
            line={"color": "#94a3b8", "width": 0.6},
            fill="toself",
            fillcolor="#f1f5f9",
            hoverinfo="skip",
            showlegend=False,
        )
    )
    top = max(routes["legs"].max(), 1) if not routes.empty else 1
    highlight = highlight or set()
    arrows: dict[bool, list[tuple[float, float, float, str, str]]] = {False: [], True: []}
    for r in routes.itertuples(index=False):
        mine = (r.origin, r.destination) in highlight
        xs, ys, (ax, ay, angle) = route_arc(r.o_lon, r.o_lat, r.d_lon, r.d_lat)
        colour = HIGHLIGHT if mine else (ROUTE if not highlight else FADED_ROUTE)
        hover = (f"{r.origin} → {r.destination}: {r.legs} trip{'s' if r.legs != 1 else ''}<br>"
                 f"{html.escape(str(r.travellers)[:120])}")  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": colour, "width": 1.5 + 4 * r.legs / top + (1.5 if mine else 0)},
                hovertemplate=hover + "<extra></extra>",
                showlegend=False,
            )
        )
        arrows[mine].append((ax, ay, angle, f"{r.legs}×", hover))
    for mine, marks in arrows.items():
        if marks:
            colour = HIGHLIGHT if mine else (ROUTE if not highlight else FADED_ROUTE)
            fig.add_trace(
                go.Scatter(
                    x=[m[0] for m in marks],
                    y=[m[1] for m in marks],
                    mode="markers+text",
                    marker={
                        "symbol": "triangle-up",
                        "size": 11,
                        "color": colour,
                        "angle": [m[2] for m in marks],
                    },
                    text=[m[3] for m in marks],
                    textposition="middle right",
                    textfont={"size": 10, "color": colour},
                    hovertemplate=[m[4] + "<extra></extra>" for m in marks],
                    showlegend=False,
                )
            )
    if not routes.empty:
        places: dict[str, tuple[float, float]] = {}
        for r in routes.itertuples(index=False):
            places.setdefault(r.origin, (r.o_lat, r.o_lon))
            places.setdefault(r.destination, (r.d_lat, r.d_lon))
        spots = label_spots(places)
        codes = sorted(places)
        fig.add_trace(
            go.Scatter(
                x=[places[c][1] for c in codes],
                y=[places[c][0] for c in codes],
                mode="markers+text",
                marker={"size": 7, "color": "#1e3a8a"},
                text=codes,
                textposition=[spots[c] for c in codes],
                textfont={"size": 11, "color": "#1e3a8a"},
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
            )
        )
        xs = pd.Series([p[1] for p in places.values()])
        ys = pd.Series([p[0] for p in places.values()])
        pad_x = max(8.0, (xs.max() - xs.min()) * 0.25)
        pad_y = max(6.0, (ys.max() - ys.min()) * 0.25)
        fig.update_xaxes(range=[max(xs.min() - pad_x, -180), min(xs.max() + pad_x, 180)])
        fig.update_yaxes(range=[max(ys.min() - pad_y, -90), min(ys.max() + pad_y, 90)])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.25)
    fig.update_layout(
        height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, plot_bgcolor="#dbeafe"
    )
    return fig


def map_legend(who: str = "") -> str:
    """Markdown naming the map's colours (``who`` escaped by the caller)."""
    words = "Orange arcs: routes (arrow: direction; number: trips; width: how many)."
    if who:
        words += f" Red: the trips of {who}; others faded."
    return words
