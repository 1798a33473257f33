"""Overview page: headline figures from the tiny world and the top clusters."""

from tests.dashboard.conftest import page


def test_overview_shows_headline_figures(app):
    at = page(app, "overview")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Transactions"] == "24"
    assert metrics["Accounts"] == "10"
    assert metrics["Flagged clusters"] == "1 of 2"
    assert any("cluster 1" in m.value for m in at.markdown)


def test_overview_open_button_goes_to_the_cluster(app):
    at = page(app, "overview")
    at.button(key="ov-open-1").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Cluster 1"]
