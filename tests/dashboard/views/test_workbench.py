"""The workbench views: a laid-out, folded network that expands in place and draws a path;
one time range and filters shared by every tab and kept across pages; a travel map of arcs."""

from __future__ import annotations

import datetime as dt
import json

from tests.dashboard.conftest import page

SENDERS = ["SY01SEND1", "IQ01SEND2", "AF01SEND3", "IQ01SEND4", "SY01SEND5"]


def picture(at) -> dict:
    """The elements, layout and style the network component was given."""
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def transfers(args: dict) -> set[tuple[str, str]]:
    return {
        (e["data"]["source"], e["data"]["target"])
        for e in args["elements"]["edges"]
        if e["data"]["label"] == "TRANSFER"
    }


def chart(at, title_word: str) -> dict:
    """The first plotly figure whose traces carry ``title_word`` in a name, text or type."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if title_word in json.dumps(spec["data"])[:200_000]:
            return spec
    raise AssertionError(f"no chart with {title_word!r}")


def test_the_network_is_laid_out_in_python_and_the_same_at_every_load(app):
    first = picture(page(app, "cluster"))
    assert first["layout"]["name"] == "preset"
    nodes = first["elements"]["nodes"]
    assert nodes and all("position" in n for n in nodes)
    again = picture(page(app, "cluster"))
    assert [(n["data"]["id"], n["position"]) for n in again["elements"]["nodes"]] == [
        (n["data"]["id"], n["position"]) for n in nodes
    ]
    # one edge per pair, labelled with its number of transfers when more than one
    assert transfers(first) == {(s, "TR01COLLECT") for s in SENDERS} | {
        ("TR01COLLECT", "AE01HAWALA")
    }
    assert len(nodes) + len(first["elements"]["edges"]) <= 300
    # the style rules for faded context and the red path are sent
    selectors = [rule["selector"] for rule in first["style"]]
    assert "node[_faded = 1]" in selectors and "edge[_path = 1]" in selectors


def test_expand_grows_the_picture_in_place_and_collapse_takes_it_back(app):
    at = page(app, "cluster")
    before = {n["data"]["id"]: n["position"] for n in picture(at)["elements"]["nodes"]}
    assert "CASH" not in before
    at.session_state["cluster:1-tapped"] = "SY01SEND1"
    at.run()
    at.button(key="net-1-False-expand").click().run()
    assert not at.exception
    assert at.session_state["expanded"] == {"cluster:1": ["SY01SEND1"]}
    grown = {n["data"]["id"]: n for n in picture(at)["elements"]["nodes"]}
    assert "CASH" in grown and grown["SY01SEND1"]["data"]["_expanded"] == 1
    # nothing already on screen moved
    assert all(grown[k]["position"] == p for k, p in before.items() if k in grown)
    assert ("CASH", "SY01SEND1") in transfers(picture(at))
    assert any("Expanded: SY01SEND1" in c.value.replace("\\", "") for c in at.caption)
    at.button(key="net-1-False-collapse").click().run()
    assert not at.exception
    assert "CASH" not in {n["data"]["id"] for n in picture(at)["elements"]["nodes"]}


def test_a_path_from_follow_the_money_is_drawn_in_red(app):
    at = page(app, "cluster")  # a cluster is open: the path goes onto its network
    at.switch_page("views/follow.py").run()
    at.session_state["source_id"], at.session_state["target_id"] = "P1", "P7"
    at.run()
    at.button(key="draw-shortest").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Cluster 1"]
    args = picture(at)
    red = {(e["data"]["source"], e["data"]["target"]) for e in args["elements"]["edges"]
           if e["data"]["_path"] == 1}  # fmt: skip
    assert red == {("SY01SEND1", "TR01COLLECT"), ("TR01COLLECT", "AE01HAWALA")}
    on_path = {n["data"]["id"] for n in args["elements"]["nodes"] if n["data"]["_path"] == 1}
    assert on_path == {"SY01SEND1", "TR01COLLECT", "AE01HAWALA"}
    assert any(c.value.startswith("In red:") for c in at.caption)
    at.switch_page("views/cluster.py").run()  # AppTest follows the app's switch_page itself
    at.button(key="net-1-False-clear-path").click().run()
    assert not any(e["data"]["_path"] for e in picture(at)["elements"]["edges"])


def test_one_time_range_narrows_every_tab(app):
    at = page(app, "cluster")
    slider = at.slider(key="flt_days")
    assert slider.value == (dt.date(2024, 2, 24), dt.date(2024, 3, 13))
    slider.set_range(dt.date(2024, 3, 1), dt.date(2024, 3, 3)).run()
    assert not at.exception
    assert any(c.value == "Showing from 2024\\-03\\-01 to 2024\\-03\\-03." or
               c.value == "Showing from 2024-03-01 to 2024-03-03." for c in at.caption)  # fmt: skip
    # network: the three senders who paid on 1-3 March, nothing else
    assert transfers(picture(at)) == {(s, "TR01COLLECT") for s in SENDERS[:3]}
    # Sankey: the same three flows; timeline: three points; no trips in the range
    sankey = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                  if json.loads(c.proto.spec)["data"][0]["type"] == "sankey")  # fmt: skip
    assert sorted(sankey["data"][0]["link"]["value"]) == [3000, 3100, 3200]
    timeline = chart(at, "money_transfer")
    assert sum(len(t["x"]) for t in timeline["data"] if t.get("mode") == "markers") == 3
    assert any("No travel records" in i.value for i in at.info)
    # members: the three senders, their holders and the collector and his holder
    members = at.dataframe[0].value
    assert set(members["Id"]) <= {*SENDERS[:3], "TR01COLLECT", "P1", "P2", "P3", "P6"}
    assert any("members have a transfer or a trip" in c.value for c in at.caption)


def test_channel_filter_is_kept_on_the_entity_page(app):
    at = page(app, "cluster")
    at.multiselect(key="flt_channels").select("cash").run()
    assert not at.exception
    assert transfers(picture(at)) == set()  # nothing inside the case moved in cash
    at.session_state["entity_id"] = "SY01SEND1"
    at.switch_page("views/entity.py").run()
    assert not at.exception
    assert at.multiselect(key="flt_channels").value == ["cash"]
    shown = at.dataframe[-1].value  # the Transactions tab
    assert set(shown["channel"]) == {"cash"}
    assert transfers(picture(at)) == {("CASH", "SY01SEND1")}
    at.button(key="flt-SY01SEND1-reset").click().run()
    assert at.multiselect(key="flt_channels").value == []


def test_a_box_on_the_timeline_sets_the_range(app):
    from dashboard.widgets.filters import PENDING

    at = page(app, "cluster")
    at.session_state[PENDING] = (dt.date(2024, 3, 8), dt.date(2024, 3, 9))
    at.run()
    assert at.slider(key="flt_days").value == (dt.date(2024, 3, 8), dt.date(2024, 3, 9))
    assert transfers(picture(at)) == {("TR01COLLECT", "AE01HAWALA")}


def test_travel_map_draws_arcs_and_highlights_a_traveller(app):
    at = page(app, "cluster")
    spec = chart(at, "triangle-up")
    arrows = next(t for t in spec["data"] if t.get("marker", {}).get("symbol") == "triangle-up")
    assert "5×" in arrows["text"]  # five trips Istanbul -> Izmir
    labels = next(t for t in spec["data"] if t.get("text") and "IST" in t["text"])
    assert sorted(labels["text"]) == sorted(set(labels["text"]))  # each airport once
    at.selectbox(key="map_who").select("Amina Yusuf").run()
    spec = chart(at, "triangle-up")
    assert any(t.get("line", {}).get("color") == "#dc2626" for t in spec["data"])
