"""Benchmarks page: shows the latest report with its plots where the report places them, lets
the reader pick an earlier report, and says when there is none or a plot is missing."""

import pytest

from tests.dashboard.conftest import page


@pytest.fixture
def results(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 10], [1, 10])
    fig.savefig(tmp_path / "2026-01-02-scaling.png")
    plt.close(fig)
    (tmp_path / "latest.md").write_text(
        "# Results\n\n## 1. Algorithms\n\n| case | ratio |\n|---|---|\n| louvain | 3.1 |\n\n"
        "## 2. Scaling curves\n\n![scaling curves](2026-01-02-scaling.png)\n\n"
        "*scaling curves.* Reproduce: `moneytrail bench --case scaling`\n\n"
        "![speed ratios](2026-01-02-ratios.png)\n\n## 6. Machine\n"
    )
    (tmp_path / "2026-01-01.md").write_text(
        "# Older\n\n| case | ratio |\n|---|---|\n| leiden | 2 |\n"
    )
    monkeypatch.setenv("MONEYTRAIL_BENCH_RESULTS", str(tmp_path))
    return tmp_path


def test_missing_report_is_explained(app, tmp_path, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_BENCH_RESULTS", str(tmp_path))
    at = page(app, "benchmarks")
    assert any("No benchmark report" in i.value for i in at.info)


def test_report_is_shown_with_its_plots_in_place(app, results):
    at = page(app, "benchmarks")
    text = [m.value for m in at.markdown]
    assert any("louvain" in t for t in text)
    (image,) = at.image
    assert image.captions == ["scaling curves"]
    # the picture sits between the text before it and the text after it
    before = next(i for i, t in enumerate(text) if "Scaling curves" in t)
    after = next(
        i for i, t in enumerate(text) if "Reproduce: `moneytrail bench --case scaling`" in t
    )
    assert before < after
    assert any("2026-01-02-ratios.png" in w.value for w in at.warning)  # missing: said so


def test_an_earlier_report_can_be_chosen(app, results):
    at = page(app, "benchmarks")
    assert at.selectbox[0].options == ["latest.md", "2026-01-01.md"]
    at.selectbox[0].set_value(results / "2026-01-01.md").run()
    assert not at.exception
    assert any("leiden" in m.value for m in at.markdown)
    assert not any("louvain" in m.value for m in at.markdown)
