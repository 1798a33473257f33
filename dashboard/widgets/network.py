"""The interactive network picture: Cytoscape.js through ``streamlit-cytoscape`` (MIT).

The component's JavaScript (Cytoscape.js and its layouts) ships inside the wheel and loads from
the Streamlit server, so the picture works offline. A tap on a node comes back to Python as the
component's value; :func:`network_picture` returns the tapped entity id.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_cytoscape import EdgeStyle, NodeStyle, streamlit_cytoscape
from streamlit_cytoscape.events import Event

from engine.queries import Network

#: Colour and Material icon per node kind (icons are bundled with the component).
NODE_KINDS = {
    "account": ("#2563eb", "account_balance"),
    "party": ("#ea580c", "person"),
    "trip": ("#16a34a", "flight"),
    "other": ("#9ca3af", "group"),
}
EDGE_KINDS = {
    "transfer": "#334155",
    "owner": "#f59e0b",
    "signatory": "#f59e0b",
    "beneficiary": "#f59e0b",
    "holds": "#f59e0b",
    "paid_ticket": "#16a34a",
    "co_travelled": "#a855f7",
    "same_as": "#ef4444",
    "shared_identifier": "#ef4444",
}


#: Colours for member roles when the picture is coloured by role.
ROLE_PALETTE = ("#dc2626", "#7c3aed", "#0891b2", "#ca8a04", "#db2777", "#059669", "#4b5563")


def elements(net: Network, roles: dict[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape elements for a capped network; node size grows with the money moved.

    The node ``label`` (which picks the style) is its kind, or its role when ``roles`` is given.
    """
    top = max((n["amount"] for n in net.nodes), default=0.0) or 1.0
    nodes = [
        {
            "data": {
                "id": n["id"],
                "label": (roles.get(n["id"]) or n["kind"]).upper() if roles else n["kind"].upper(),
                "kind": n["kind"],
                "name": n["label"][:40],
                "amount": round(n["amount"], 2),
                "_size": 24 + 36 * (n["amount"] / top) ** 0.5,
            }
        }
        for n in net.nodes
    ]
    edges = [
        {
            "data": {
                "id": f"e{i}",
                "label": e["kind"].upper(),
                "source": e["source"],
                "target": e["target"],
                "amount": round(e["amount"], 2),
                "transfers": e["count"],
                "_w": 1 + 5 * (e["amount"] / top) ** 0.5 if e["amount"] else 1.5,
            }
        }
        for i, e in enumerate(net.edges)
    ]
    return {"nodes": nodes, "edges": edges}


def network_picture(
    net: Network, key: str, height: int = 520, roles: dict[str, str] | None = None
) -> str | None:
    """Draw ``net`` and return the id of the node tapped last (None before any tap).

    With ``roles`` (entity id → role) nodes are coloured by role instead of by kind.
    """
    if not net.nodes:
        st.info("Nothing to draw.")
        return None
    if net.note:
        st.caption(f"Capped picture: {net.note}")
    node_styles = [
        NodeStyle(
            kind.upper(),
            colour,
            "name",
            icon,
            custom_styles={
                "width": "data(_size)",
                "height": "data(_size)",
                "font-size": 10,
                "min-zoomed-font-size": 5,
                "text-margin-y": 4,
            },
        )
        for kind, (colour, icon) in _node_colours(roles).items()
    ]
    edge_styles = [
        EdgeStyle(
            kind.upper(),
            colour,
            directed=kind
            in ("transfer", "paid_ticket", "owner", "signatory", "beneficiary", "holds"),
            custom_styles={"width": "data(_w)", "opacity": 0.8},
        )
        for kind, colour in EDGE_KINDS.items()
    ]
    value = streamlit_cytoscape(
        elements(net, roles),
        layout="fcose" if len(net.nodes) > 40 else "cose",
        node_styles=node_styles,
        edge_styles=edge_styles,
        height=height,
        key=key,
        events=[Event("open", "tap", "node")],
    )
    if isinstance(value, dict) and value.get("action") == "open":
        target = value.get("data", {}).get("target_id")
        return target if target != "__other__" else None
    return None


def _node_colours(roles: dict[str, str] | None) -> dict[str, tuple[str, str]]:
    """Colour and icon per style label: the kinds, plus one colour per role when given."""
    colours = dict(NODE_KINDS)
    for i, role in enumerate(sorted({r for r in (roles or {}).values() if r})):
        colours[role] = (ROLE_PALETTE[i % len(ROLE_PALETTE)], "flag")
    return colours
