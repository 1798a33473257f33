"""Upload page: the batch history (uploads themselves are driven in the browser journey)."""

from tests.dashboard.conftest import page


def test_batch_history_lists_the_tiny_world(app):
    at = page(app, "upload")
    history = at.dataframe[0].value
    assert history["source"].tolist() == ["tiny-world.parquet"]
    assert history["uploaded_by"].tolist() == ["tests"]
