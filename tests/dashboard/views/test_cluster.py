"""Cluster page: figures, evidence cards, members and the way to an entity."""

from tests.dashboard.conftest import page


def test_cluster_page_shows_evidence_and_members(app):
    at = page(app, "cluster")
    assert [t.value for t in at.title] == ["Cluster 1"]
    assert {m.label: m.value for m in at.metric}["Case score"] == "0.91"
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # values are escaped
    # red flags by their human names with the registry's reasons, no snake_case
    assert "Many senders, one collector" in text and "fan_in" not in text and "FinCEN" in text
    assert "Many accounts pay into one account" in text
    # the summary sentence: who is paid, how much with its currency, where, when
    assert "paid Mehmet Kaya" in text and " EUR " in text and "Mar 2024" in text
    assert "How to read the scores" in text
    # one merged card per pattern; entities are buttons to the entity page
    cards = [m.value for m in at.markdown if "finding" in m.value and "evidence weight" in m.value]
    patterns = [
        m.value for m in at.markdown if m.value.startswith("**") and "evidence weight" in m.value
    ]
    assert len(cards) == len(set(cards)) == len(patterns)
    assert any(b.label == "Mehmet Kaya · TR01COLLECT" for b in at.button)
    members = at.dataframe[0].value
    assert "TR01COLLECT" in members["Id"].tolist()
    assert {"Name", "Kind", "Role", "Risk"} <= set(members.columns)
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


def test_an_evidence_entity_opens_its_page(app):
    at = page(app, "cluster")
    button = next(b for b in at.button if b.label == "Mehmet Kaya · TR01COLLECT")
    button.click().run()
    assert not at.exception
    assert any("Mehmet Kaya" in h.value for h in at.header)
