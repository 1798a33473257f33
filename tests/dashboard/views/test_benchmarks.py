"""Benchmarks page: shows the latest report and its plots, or says there is none."""

from tests.dashboard.conftest import page


def test_missing_report_is_explained(app, tmp_path, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_BENCH_RESULTS", str(tmp_path))
    at = page(app, "benchmarks")
    assert any("No benchmark report" in i.value for i in at.info)


def test_report_is_shown(app, tmp_path, monkeypatch):
    (tmp_path / "latest.md").write_text(
        "# Results\n\n| case | ratio |\n|---|---|\n| louvain | 3.1 |\n"
    )
    monkeypatch.setenv("MONEYTRAIL_BENCH_RESULTS", str(tmp_path))
    at = page(app, "benchmarks")
    assert any("louvain" in m.value for m in at.markdown)
