"""Upload page: the batch history (uploads themselves are driven in the browser journey)."""

from tests.dashboard.conftest import page


def test_batch_history_lists_the_tiny_world(app):
    at = page(app, "upload")
    history = at.dataframe[0].value
    assert history["source"].tolist() == ["tiny-world.parquet"]
    assert history["uploaded_by"].tolist() == ["tests"]


def test_the_page_offers_a_mapping_file_or_picked_columns(app):
    at = page(app, "upload")
    assert at.radio(key="mapping_how").options == [
        "Recognise automatically",
        "Mapping file",
        "Pick the columns",
    ]
    at.radio(key="mapping_how").set_value("Pick the columns").run()
    assert not at.exception
    assert any("Choose a file first" in c.value for c in at.caption)
    at.radio(key="mapping_how").set_value("Mapping file").run()
    assert not at.exception
