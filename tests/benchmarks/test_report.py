"""The benchmark report: one section per item of the benchmark issue, its plots with the
command behind each, and every case's status, so nothing that failed or was skipped vanishes."""

from __future__ import annotations

import json

import pytest

from benchmarks import machine, report, run
from benchmarks.harness import CASES, BenchContext, Case, Measurement

STAMP = "2026-01-01"


def _status(name: str, status: str = "ok", reason: str = "", plots=()) -> dict:
    return {"status": status, "reason": reason, "wall_s": 2.0, "cpu_s": 1.5, "load_before": 0.5,
            "load_after": 0.7, "measurements": 1, "plots": list(plots),
            "command": f"moneytrail bench --case {name}"}  # fmt: skip


def _measurement(case, subject, size, seconds, metrics=None, source=""):
    return Measurement(case, subject, size, seconds, metrics or {}, source=source)


@pytest.fixture
def written(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    fig.savefig(tmp_path / "scaling.png")
    plt.close(fig)
    run_info = {
        "started_at": "2026-01-01T10:00:00+00:00", "finished_at": "2026-01-01T10:20:00+00:00",
        "quick": False, "scale": "standard", "command": "moneytrail bench",
        "machine": machine.describe(), "load_average_at_end": [1.0, 1.0, 1.0],
        "errors": {"neo4j": "ServiceUnavailable: 127.0.0.1:7687 refused"},
        "cases": {
            "louvain": _status("louvain"),
            "scaling": _status("scaling", plots=[("scaling curves", "scaling.png")]),
            "generator": _status("generator", plots=[("generation", "generator.png")]),
            "load_csv": _status("load_csv"),
            "neo4j": _status("neo4j", "failed", "ServiceUnavailable: 127.0.0.1:7687 refused"),
            "detection": _status("detection"),
            "external": _status("external", "skipped", "no external data given"),
            "jit_cache": {"status": "not run", "reason": "full runs only (not --quick)",
                          "command": "moneytrail bench --case jit_cache"},
        },
        "plots": [],
    }  # fmt: skip
    # fmt: off
    measurements = [
        _measurement("louvain", "moneytrail", "1M tx", 2.0, {"modularity": 0.7}, "louvain"),
        _measurement("louvain", "igraph", "1M tx", 6.0, {"modularity": 0.69}, "louvain"),
        _measurement("scaling:analyze", "moneytrail", "growth", None, {"log_log_slope": 1.07},
                     source="scaling"),
        _measurement("load_csv", "pyarrow", "1M tx", 4.0, {"rows_per_s": 250_000}, "load_csv"),
        _measurement("load_csv", "moneytrail", "1M tx", 10.0, {"rows_per_s": 100_000}, "load_csv"),
        _measurement("detection/temporal_cycle", "moneytrail", "2.2M tx (medium)", None,
                     {"planted": 55, "recall": 1.0, "precision": 0.61}, source="detection"),
        _measurement("detection/funnel", "moneytrail", "2.2M tx (medium)", None,
                     {"planted": 30, "recall": 0.27, "precision": 1.0}, source="detection"),
    ]
    # fmt: on
    path = report.write(run_info, measurements, tmp_path, STAMP)
    return tmp_path, path.read_text(encoding="utf-8")


def _section(text: str, number: int) -> str:
    return text.split(f"\n## {number}.")[1].split("\n## ")[0]


def test_every_item_of_the_issue_has_its_section(written):
    _, text = written
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert [h[3:5] for h in headings] == ["1.", "2.", "3.", "4.", "5.", "6."]
    assert "moneytrail bench --case external --external amlworld=" in _section(text, 5)
    assert "Is_laundering" in _section(text, 5)
    machine_text = _section(text, 6)
    assert "cores" in machine_text and "numba" in machine_text and "Load average" in machine_text


def test_failed_skipped_and_not_run_cases_are_visible(written):
    _, text = written
    assert "**Cases that FAILED: neo4j**" in text
    assert "**neo4j** FAILED" in _section(text, 3)
    assert "127.0.0.1:7687 refused" in _section(text, 3)
    assert "**external** SKIPPED" in _section(text, 5)
    assert "no external data given" in _section(text, 5)
    assert "**jit_cache** NOT RUN" in _section(text, 1)
    assert "generation — MISSING: generator.png was not written" in _section(text, 2)


def test_plots_are_drawn_referenced_and_reproducible(written):
    folder, text = written
    for number, name in ((1, "ratios"), (2, "scaling"), (3, "loading"), (4, "detection")):
        picture = f"{STAMP}-{name}.png"
        assert (folder / picture).stat().st_size > 1000, picture
        section = _section(text, number)
        assert f"]({picture})" in section
        assert section.split(f"]({picture})")[1].split("\n\n")[1].startswith("*")
        assert "Reproduce: `moneytrail bench" in section.split(f"]({picture})")[1]
    assert not (folder / "scaling.png").exists()  # moved next to its dated report
    saved = json.loads((folder / f"{STAMP}.json").read_text())
    assert saved["cases"]["neo4j"]["status"] == "failed"
    assert (folder / "latest.md").read_text() == text  # a full run is the latest report


def test_a_plot_without_figures_says_so(tmp_path):
    run_info = {
        "started_at": "2026-01-01T10:00:00+00:00", "finished_at": "2026-01-01T10:01:00+00:00",
        "quick": True, "scale": "standard", "command": "moneytrail bench --quick",
        "machine": machine.describe(), "errors": {}, "plots": [],
        "cases": {"detection": _status("detection")},
    }  # fmt: skip
    renamed = Measurement("detection/fan_in", "moneytrail", "tiny", None, {"hit_rate": 0.5})
    text = report.write(run_info, [renamed], tmp_path, STAMP).read_text(encoding="utf-8")
    assert "MISSING: no detection/<pattern> rows with recall and precision" in _section(text, 4)
    assert not list(tmp_path.glob("*-detection.png"))


def test_figures_are_in_their_sections(written):
    _, text = written
    algorithms = _section(text, 1)
    assert "| 1M tx | igraph | 6.00 | 3.00 |" in algorithms  # ratio = 6 s / 2 s
    assert "| scaling:analyze | 1.07 |" in _section(text, 2)
    detection = _section(text, 4)
    assert "| temporal_cycle | 55 | 1.00 | 0.61 |" in detection
    assert "| funnel | 30 | 0.27 | 1.00 |" in detection


def test_runner_records_failures_skips_and_cases_left_out(tmp_path, monkeypatch):
    def boom(ctx: BenchContext) -> list[Measurement]:
        raise RuntimeError("disk on fire")

    def later(ctx: BenchContext) -> list[Measurement]:
        raise AssertionError("a full-runs-only case must not run in a quick run")

    run.discover()
    monkeypatch.setitem(CASES, "boom", Case("boom", boom, True, "always fails"))
    monkeypatch.setitem(CASES, "later", Case("later", later, False, "full runs only"))
    path = run.run(quick=True, only=["boom", "later", "external"], results_dir=tmp_path,
                   log=lambda _: None)  # fmt: skip
    text = path.read_text(encoding="utf-8")
    cases = json.loads(path.with_suffix(".json").read_text())["cases"]
    assert {n: c["status"] for n, c in cases.items()} == {
        "boom": "failed", "later": "not run", "external": "skipped"
    }  # fmt: skip
    assert cases["boom"]["reason"] == "RuntimeError: disk on fire"
    other = text.split("## Other cases")[1].split("\n## ")[0]
    assert "**boom** FAILED" in other and "disk on fire" in other
    assert "**later** NOT RUN" in other
    assert cases["boom"]["cpu_s"] >= 0 and "load_before" in cases["boom"]
    assert path.name.endswith("-quick-boom-later-external.md")
    assert not (tmp_path / "latest.md").exists()  # a partial smoke run is not the latest report


def test_long_cases_are_opt_in_for_a_standard_full_run(monkeypatch):
    def nothing(ctx: BenchContext) -> list[Measurement]:
        return []

    fake = {name: Case(name, nothing, quick, "") for name, quick in
            (("louvain", True), ("jit_cache", False), ("fuzz_loaders", True))}  # fmt: skip
    monkeypatch.setattr(run, "CASES", fake)

    def chosen(**options):
        return [c.name for c in run.select(**options)]

    assert "fuzz_loaders" in run.OPT_IN
    assert chosen(quick=False, scale="standard", only=None) == ["louvain", "jit_cache"]
    assert chosen(quick=False, scale="large", only=None) == ["louvain", "jit_cache", "fuzz_loaders"]
    assert chosen(quick=True, scale="standard", only=None) == ["louvain", "fuzz_loaders"]
    assert chosen(quick=False, scale="standard", only=["fuzz_loaders"]) == ["fuzz_loaders"]
    assert chosen(quick=True, scale="standard", only=["jit_cache"]) == []


def test_sizes_grow_only_when_asked():
    assert BenchContext(quick=True, scale="large").sizes([1], [2], [3]) == [1]
    assert BenchContext().sizes([1], [2], [3]) == [2]
    assert BenchContext(scale="large").sizes([1], [2], [3]) == [2, 3]
    with pytest.raises(ValueError, match="unknown scale"):
        run.run(scale="huge", only=["external"], log=lambda _: None)
