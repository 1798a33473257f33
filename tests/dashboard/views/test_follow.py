"""Follow the money: paths between two members and a trace."""

from tests.dashboard.conftest import page


def test_paths_between_sender_and_broker(app):
    at = page(app, "follow")
    at.text_input(key="source-search").input("Amina").run()
    at.text_input(key="target-search").input("Gulf Exchange").run()
    assert not at.exception
    shortest, timed = at.dataframe[0].value, at.dataframe[1].value
    assert shortest["from_label"].tolist()[0].startswith("Amina Yusuf")
    assert timed["to_label"].tolist()[-1].startswith("Gulf Exchange")
    assert len(timed) == 2


def test_trace_forward_reaches_the_broker(app):
    at = page(app, "follow")
    at.text_input(key="source-search").input("SY01SEND1").run()
    traced = at.dataframe[-1].value
    assert "AE01HAWALA" in traced["account"].tolist()
