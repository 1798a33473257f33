"""The interactive network picture: Cytoscape.js through ``streamlit-cytoscape`` (MIT).

The component's JavaScript (Cytoscape.js and its layouts) ships inside the wheel and loads from
the Streamlit server, so the picture works offline. A tap on a node comes back to Python as the
component's value; :func:`network_picture` returns the tapped entity id.

Positions come from the server (:mod:`engine.queries.layout`, a preset layout), so a case looks
the same at every load and grows in place when a node is expanded. Context members are drawn
faded, a Follow-the-money path in red, and :func:`legend` names every colour.
"""

from __future__ import annotations

import html
from typing import Any

import streamlit as st
from streamlit_cytoscape import EdgeStyle, NodeStyle, streamlit_cytoscape
from streamlit_cytoscape.events import Event

from dashboard.widgets.text import md
from engine.queries import Network

#: Colour and Material icon per node kind (icons are bundled with the component).
NODE_KINDS = {
    "account": ("#2563eb", "account_balance"),
    "party": ("#ea580c", "person"),
    "trip": ("#16a34a", "flight"),
    "other": ("#9ca3af", "group"),
    "folded": ("#94a3b8", "unfold_more"),
}
#: Words for each node kind in the legend.
KIND_WORDS = {"account": "account", "party": "person", "trip": "trip",
              "other": "folded: the least relevant", "folded": "folded: a hub's one-off links"}  # fmt: skip
#: Words for each edge colour in the legend.
EDGE_WORDS = {"#334155": "money (width: amount; label: transfers)", "#f59e0b": "holds the account",
              "#16a34a": "paid the ticket", "#a855f7": "travelled together",
              "#ef4444": "same person or shared identifier"}  # fmt: skip
#: The colour of a Follow-the-money path.
PATH_COLOUR = "#dc2626"
#: Opacity of context members (first-hop counterparties, not part of the case).
FADED = 0.35
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
ROLE_PALETTE = ("#be185d", "#7c3aed", "#0891b2", "#ca8a04", "#db2777", "#059669", "#4b5563")


def elements(net: Network, roles: dict[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Cytoscape elements for a capped network; node size grows with the money moved.

    The node ``label`` (which picks the style) is its kind, or its role when ``roles`` is given.
    """
    top = max((n["amount"] for n in net.nodes), default=0.0) or 1.0
    named = _labelled(net)
    nodes = []
    for n in net.nodes:
        node: dict[str, Any] = {
            "data": {
                "id": n["id"],
                "label": (roles.get(n["id"]) or n["kind"]).upper() if roles else n["kind"].upper(),
                "kind": n["kind"],
                "name": n["label"][:40] if n["id"] in named else "",
                "full_name": n["label"],
                "amount": round(n["amount"], 2),
                "_size": 24 + 36 * (n["amount"] / top) ** 0.5,
                "_faded": int(bool(n.get("faded"))),
                "_path": int(bool(n.get("path"))),
                "_expanded": int(bool(n.get("expanded"))),
            }
        }
        if n["id"] in net.positions:
            x, y = net.positions[n["id"]]
            node["position"] = {"x": x, "y": y}
        nodes.append(node)
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
                "_text": f"{e['count']}×" if e["kind"] == "transfer" and e["count"] > 1 else "",
                "_path": int(bool(e.get("path"))),
            }
        }
        for i, e in enumerate(net.edges)
    ]
    return {"nodes": nodes, "edges": edges}


#: Accounts named on the picture (the most money first); the others show their name when tapped.
NAMED_ACCOUNTS = 40
#: People are named when the picture holds at most this many.
NAMED_PEOPLE = 40


def _labelled(net: Network) -> set[str]:
    """Nodes whose name is drawn: the path, expanded and folded nodes, the accounts moving the
    most money and the people when few, so labels stay legible in a full picture."""
    accounts = sorted((n for n in net.nodes if n["kind"] == "account" and not n.get("faded")),
                      key=lambda n: (-n["amount"], n["id"]))  # fmt: skip
    people = [n for n in net.nodes if n["kind"] == "party"]
    named = {n["id"] for n in accounts[:NAMED_ACCOUNTS]}
    named |= {n["id"] for n in net.nodes if n.get("path") or n.get("expanded")}
    named |= {n["id"] for n in net.nodes if n["kind"] in ("other", "folded")}
    trips = [n["id"] for n in net.nodes if n["kind"] == "trip"]
    if len(trips) <= NAMED_PEOPLE // 2:
        named |= set(trips)
    if len(people) <= NAMED_PEOPLE:
        named |= {n["id"] for n in people}
    return named


class _Rule:
    """A raw Cytoscape style rule (selector and style), drawn after the kind styles."""

    def __init__(self, selector: str, style: dict[str, Any]) -> None:
        self.selector, self.style = selector, style

    def dump(self) -> dict[str, Any]:
        return {"selector": self.selector, "style": self.style}


#: Faded context, the path in red, expanded nodes ringed, transfer counts on the edges.
RULES = [
    _Rule(
        "edge[_text != '']",
        {
            "label": "data(_text)",
            "font-size": 8,
            "color": "#475569",
            "text-background-color": "#ffffff",
            "text-background-opacity": 0.8,
        },
    ),
    _Rule("node[_faded = 1]", {"opacity": FADED}),
    _Rule("node[_expanded = 1]", {"border-width": 3, "border-color": "#0f172a"}),
    _Rule("node[_path = 1]", {"border-width": 4, "border-color": PATH_COLOUR, "opacity": 1}),
    _Rule(
        "edge[_path = 1]",
        {
            "line-color": PATH_COLOUR,
            "target-arrow-color": PATH_COLOUR,
            "width": 5,
            "opacity": 1,
            "z-index": 10,
        },
    ),
]


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
        st.caption(f"Folded to stay readable: {md(net.note)}")
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
    preset = net.positions and all(n["id"] in net.positions for n in net.nodes)
    layout: str | dict[str, Any] = (
        {"name": "preset", "fit": True, "padding": 20, "animate": False}
        if preset
        else ("fcose" if len(net.nodes) > 40 else "cose")
    )
    value = streamlit_cytoscape(
        elements(net, roles),
        layout=layout,
        node_styles=node_styles,
        edge_styles=[*edge_styles, *RULES],  # type: ignore[list-item]
        height=height,
        key=key,
        events=[Event("open", "tap", "node")],
    )
    if isinstance(value, dict) and value.get("action") == "open":
        target = value.get("data", {}).get("target_id")
        return target if not str(target).startswith("__") else None
    return None


def legend(net: Network, roles: dict[str, str] | None = None) -> None:
    """Name every colour the picture uses: node kinds (or roles), links, faded and path."""
    kinds = {n["kind"] for n in net.nodes}
    parts = []
    if roles:
        for role, (colour, _) in _node_colours(roles).items():
            if role not in NODE_KINDS:
                parts.append(_swatch(colour, f"role: {role}"))
        parts.append(_swatch(NODE_KINDS["account"][0], "no role"))
    else:
        parts += [_swatch(NODE_KINDS[k][0], KIND_WORDS[k]) for k in NODE_KINDS if k in kinds]
    colours = {EDGE_KINDS.get(e["kind"], "#334155") for e in net.edges}
    parts += [_swatch(c, words, line=True) for c, words in EDGE_WORDS.items() if c in colours]
    if any(n.get("faded") for n in net.nodes):
        parts.append(_swatch("#64748b", "faded: context, a counterparty outside the case",
                             faded=True))  # fmt: skip
    if any(e.get("path") for e in net.edges):
        parts.append(_swatch(PATH_COLOUR, "the path from Follow the money", line=True))
    if any(n.get("expanded") for n in net.nodes):
        parts.append(_swatch("#0f172a", "expanded (ringed)"))
    st.html('<div class="mt-legend" style="font-size:0.8rem;line-height:1.8">'
            + " &nbsp; ".join(parts) + "</div>")  # fmt: skip


def _swatch(colour: str, words: str, *, line: bool = False, faded: bool = False) -> str:
    """One legend entry: a dot (or a line) in ``colour`` and its words (escaped)."""
    shape = ("display:inline-block;width:18px;height:4px;vertical-align:middle"
             if line else "display:inline-block;width:11px;height:11px;border-radius:50%")  # fmt: skip
    opacity = f";opacity:{FADED}" if faded else ""
    return (f'<span style="{shape};background:{colour}{opacity}"></span> '
            f"{html.escape(words)}")  # fmt: skip


def _node_colours(roles: dict[str, str] | None) -> dict[str, tuple[str, str]]:
    """Colour and icon per style label: the kinds, plus one colour per role when given."""
    colours = dict(NODE_KINDS)
    for i, role in enumerate(sorted({r for r in (roles or {}).values() if r})):
        colours[role] = (ROLE_PALETTE[i % len(ROLE_PALETTE)], "flag")
    return colours


def network_panel(
    net: Network,
    picture: str,
    key: str,
    *,
    roles: dict[str, str] | None = None,
    height: int = 560,
) -> str | None:
    """The picture with its legend and what can be done with the node tapped last.

    Expand draws the node's neighbourhood in place (its largest counterparties, or a
    person's accounts) and Collapse takes it away again; the expanded nodes are kept in the
    session per ``picture`` (:func:`dashboard.state.expanded`). Returns the tapped node id.
    """
    from dashboard import state

    legend(net, roles)
    path = st.session_state.get("drawn_path")
    if path and any(e.get("path") for e in net.edges):
        c1, c2 = st.columns([5, 1])
        c1.caption(f"In red: {md(path.get('title', 'the path'))}.")
        c2.button("Clear path", key=f"{key}-clear-path", on_click=_clear_path)
    tapped = network_picture(net, key=key, roles=roles, height=height)
    if tapped:
        st.session_state[f"{picture}-tapped"] = tapped
    chosen = st.session_state.get(f"{picture}-tapped")
    ids = {n["id"] for n in net.nodes}
    opened = state.expanded(picture)
    if opened:
        st.caption(f"Expanded: {md(', '.join(opened))} (their largest counterparties are drawn).")
    if chosen and chosen in ids:
        cols = st.columns([3, 1, 1, 1])
        cols[0].markdown(f"Selected: **{md(chosen)}**")
        # callbacks run before the next run of the page: one run per click, not two
        if chosen in opened:
            cols[1].button("Collapse", key=f"{key}-collapse", help="Take its neighbours away",
                           on_click=state.set_expanded,
                           args=(picture, [n for n in opened if n != chosen]))  # fmt: skip
        else:
            cols[1].button("Expand", key=f"{key}-expand",
                           help="Draw its largest counterparties here",
                           on_click=state.set_expanded, args=(picture, [*opened, chosen]))  # fmt: skip
        if cols[2].button("Open entity", key="open-tapped"):
            state.open_entity(chosen)
        if cols[3].button("Follow the money", key="follow-tapped"):
            state.follow(chosen)
    elif opened:
        st.button("Collapse all", key=f"{key}-collapse-all", on_click=state.set_expanded,
                  args=(picture, []))  # fmt: skip
    return tapped


def _clear_path() -> None:
    st.session_state["drawn_path"] = None
