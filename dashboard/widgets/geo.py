"""The offline travel map: country outlines shipped with the package, drawn with plotly.

No tiles, topojson, scripts or fonts are fetched: the outlines are Natural Earth's 1:110m
countries (public domain, via the ``world-atlas`` package, ISC) in ``countries.json`` beside
this module, drawn as filled lines on an equirectangular plot.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pandas as pd
import plotly.graph_objects as go


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


def route_map(routes: pd.DataFrame, height: int = 460) -> go.Figure:
    """Draw travel legs over the country outlines.

    Parameters
    ----------
    routes : DataFrame
        One row per leg with ``origin``, ``destination``, ``o_lat``, ``o_lon``, ``d_lat``,
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
    for r in routes.itertuples(index=False):
        fig.add_trace(
            go.Scatter(
                x=[r.o_lon, r.d_lon],
                y=[r.o_lat, r.d_lat],
                mode="lines+markers+text",
                textposition="top center",
                textfont={"size": 11, "color": "#1e3a8a"},
                line={"color": "#ea580c", "width": 1.5 + 4 * r.legs / top},
                marker={"size": 7, "color": "#1e3a8a"},
                text=[r.origin, r.destination],
                hovertemplate=f"{r.origin} → {r.destination}: {r.legs} legs<br>"
                f"{str(r.travellers)[:120]}<extra></extra>",
                showlegend=False,
            )
        )
    if not routes.empty:
        xs = pd.concat([routes["o_lon"], routes["d_lon"]])
        ys = pd.concat([routes["o_lat"], routes["d_lat"]])
        pad_x = max(8.0, (xs.max() - xs.min()) * 0.25)
        pad_y = max(6.0, (ys.max() - ys.min()) * 0.25)
        fig.update_xaxes(range=[xs.min() - pad_x, xs.max() + pad_x])
        fig.update_yaxes(range=[ys.min() - pad_y, ys.max() + pad_y])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.25)
    fig.update_layout(
        height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, plot_bgcolor="#dbeafe"
    )
    return fig
