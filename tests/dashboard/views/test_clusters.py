"""Clusters page: ranking, filters and opening a cluster."""

from tests.dashboard.conftest import page


def test_clusters_are_ranked_with_their_flags(app):
    at = page(app, "clusters")
    table = at.dataframe[0].value
    assert table["cluster_id"].tolist() == [1, 2]
    assert "Many senders, one collector" in table.loc[0, "flags"]
    assert not any("_" in flags for flags in table["flags"])


def test_the_list_sorts_by_money_moved(app):
    at = page(app, "clusters")
    at.radio(key="cluster_sort").set_value("Money moved").run()
    volume = at.dataframe[0].value["volume"].tolist()
    assert volume == sorted(volume, reverse=True)
    assert "sorted by money moved" in " ".join(c.value for c in at.caption)


def test_filters_narrow_the_list(app):
    at = page(app, "clusters")
    at.slider(key="min_score").set_value(0.5).run()
    assert at.dataframe[0].value["cluster_id"].tolist() == [1]
    at.slider(key="min_score").set_value(0.0).run()
    at.multiselect(key="countries").select("DE").run()
    assert at.dataframe[0].value["cluster_id"].tolist() == [2]


def test_open_cluster(app):
    at = page(app, "clusters")
    at.selectbox(key="cluster_pick").select(2)
    at.button(key="open_cluster").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Cluster 2"]


def test_the_list_shows_each_case_period_and_sorts_by_model_score(app):
    at = page(app, "clusters")
    table = at.dataframe[0].value
    first = table.set_index("cluster_id").loc[1]
    assert first["first_seen"].date().isoformat() == "2024-03-01"
    assert first["last_seen"] >= first["first_seen"]
    at.radio(key="cluster_sort").set_value("Model score").run()
    assert not at.exception
    scores = at.dataframe[0].value["model_score"].dropna().tolist()
    assert scores == sorted(scores, reverse=True)
