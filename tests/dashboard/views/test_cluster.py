"""Cluster page: figures, evidence cards, members and the way to an entity."""

from tests.dashboard.conftest import page


def test_cluster_page_shows_evidence_and_members(app):
    at = page(app, "cluster")
    assert [t.value for t in at.title] == ["Cluster 1"]
    assert {m.label: m.value for m in at.metric}["Score"] == "0.91"
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # values are escaped
    assert "fan_in" in text and "FinCEN" in text
    members = at.dataframe[0].value
    assert "TR01COLLECT" in members["entity_id"].tolist()
    # the network, the Sankey, the timeline and the map are drawn
    assert len(at.get("plotly_chart")) == 3


def test_open_member_goes_to_entity(app):
    at = page(app, "cluster")
    at.selectbox(key="member_pick").select("TR01COLLECT")
    at.button(key="open-member").click().run()
    assert not at.exception
    assert any("Mehmet Kaya" in h.value for h in at.header)


def test_colour_by_role_redraws_the_picture(app):
    at = page(app, "cluster")
    at.toggle(key="colour_by_role").set_value(True).run()
    assert not at.exception
    assert any("roles the analysis suggests" in c.value for c in at.caption)
