"""Plotly figures: money over time, corridors, the money-flow Sankey and the timeline.

Plotly's JavaScript comes with Streamlit, so these draw offline.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

#: Colour per transaction channel, shared by every chart.
CHANNEL_COLOURS = {
    "wire": "#2563eb",
    "cash": "#dc2626",
    "card": "#64748b",
    "mobile": "#0891b2",
    "money_transfer": "#ea580c",
    "crypto": "#7c3aed",
    "other": "#a3a3a3",
}


def money_over_time(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars of volume per period and channel."""
    fig = px.bar(
        frame,
        x="period",
        y="amount",
        color="channel",
        color_discrete_map=CHANNEL_COLOURS,
        labels={"amount": "amount (base currency)", "period": ""},
    )
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend_title="")
    return fig


def corridors(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars of money per sending → receiving country."""
    fig = px.bar(
        frame.iloc[::-1],
        x="amount",
        y="corridor",
        orientation="h",
        hover_data=["count"],
        labels={"amount": "amount (base currency)", "corridor": ""},
    )
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def sankey(flows: pd.DataFrame) -> go.Figure:
    """Who pays whom: senders on the left, receivers on the right (largest flows)."""
    left = list(dict.fromkeys(flows["source_label"]))
    right = list(dict.fromkeys(flows["target_label"]))
    labels = [f"{name} ›" for name in left] + [f"› {name}" for name in right]
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 12, "thickness": 14, "color": "#93c5fd"},
            link={
                "source": [left.index(s) for s in flows["source_label"]],
                "target": [len(left) + right.index(t) for t in flows["target_label"]],
                "value": flows["amount"].tolist(),
                "customdata": flows["count"].tolist(),
                "hovertemplate": "%{source.label} %{target.label}<br>%{value:,.0f} in "
                "%{customdata} transfers<extra></extra>",
            },
        )
    )
    fig.update_layout(
        height=max(320, 22 * len(labels) // 2), margin={"l": 5, "r": 5, "t": 5, "b": 5}
    )
    return fig


def timeline(transactions: pd.DataFrame, trips: pd.DataFrame) -> go.Figure:
    """Transactions (amount over time, by channel) with trips as vertical markers."""
    fig = go.Figure()
    for channel, part in transactions.groupby(transactions["channel"].fillna("other")):
        fig.add_trace(
            go.Scatter(
                x=part["ts"],
                y=part["amount_base"],
                mode="markers",
                name=str(channel),
                marker={"color": CHANNEL_COLOURS.get(str(channel), "#a3a3a3"), "size": 8},
                text=part["src_name"] + " → " + part["dst_name"],
                hovertemplate="%{x}<br>%{y:,.0f}<br>%{text}<extra></extra>",
            )
        )
    if not trips.empty:
        top = float(transactions["amount_base"].max()) if not transactions.empty else 1.0
        fig.add_trace(
            go.Scatter(
                x=trips["departure"],
                y=[top * 1.08] * len(trips),
                mode="markers",
                name="trip",
                marker={"symbol": "triangle-down", "size": 11, "color": "#16a34a"},
                text=trips["traveller_name"].fillna("")
                + ": "
                + trips["origin"].fillna("?")
                + " → "
                + trips["destination"].fillna("?"),
                hovertemplate="%{x}<br>%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis_title="amount (base currency)",
        legend_title="",
    )
    return fig
