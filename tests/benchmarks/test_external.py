"""External datasets: the benchmark ingests them with the project's loaders, analyses them
without their labels, and scores against labels it reads itself from the original files."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from benchmarks.cases import external
from tests.benchmarks import samples

TYPOLOGIES = {
    "amlworld": {"FAN-IN", "CYCLE"},
    "samld": {"Fan_In", "Cycle"},
    "amlsim": {"fan_in", "cycle"},
    "amlgentex": set(),  # tx_log.parquet names no typology, only a pattern id
}


def _expected(fmt: str, sample: list[samples.Row]) -> set[str]:
    accounts = samples.laundering_accounts(sample)
    if fmt == "amlworld":
        return {f"{samples.bank(a)}:{a}" for a in accounts}
    return accounts


@pytest.mark.parametrize("fmt", external.FORMATS)
def test_each_layout_is_scored_against_its_own_labels(fmt, tmp_path):
    sample = samples.rows()
    path = samples.WRITERS[fmt](tmp_path, sample)
    data = external.locate(fmt, path)
    labels = external.read_labels(data)
    assert labels.accounts == _expected(fmt, sample)
    assert labels.n_tx == len(sample)
    assert labels.n_laundering_tx == sum(r.laundering for r in sample)
    assert set(labels.typologies) == TYPOLOGIES[fmt]

    res = external.evaluate(fmt, path, tmp_path / "work")
    acc = res["accounts"]
    assert res["figures"]["rejected"] == 0
    assert res["figures"]["transactions"] == len(sample)
    assert acc["laundering_accounts"] == len(labels.accounts)
    assert acc["labelled_not_loaded"] == 0
    # the planted fan-in and cycle are strong: most laundering accounts are flagged and at
    # least one top cluster is made of them (how high each ranks is the detectors' business,
    # tested in tests/detect; this checks the benchmark finds and scores them)
    assert acc["flagged_recall"] >= 0.5
    assert acc["top_recall"] > 0
    assert acc["top_clusters_laundering"] >= 1
    for name, figures in res["typologies"].items():
        assert figures["accounts"] == len(labels.typologies[name])
        assert 0.0 <= figures["flagged_recall"] <= 1.0


def _flip_labels(path: Path, column: str) -> None:
    """Rewrite a CSV with every label inverted (the position of ``column``)."""
    with open(path, newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    i = table[0].index(column)
    for row in table[1:]:
        row[i] = "0" if row[i] in ("1", "True") else "1"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)


@pytest.mark.parametrize(("fmt", "column"), [("samld", "Is_laundering"), ("amlsim", "is_sar")])
def test_detectors_never_see_the_labels(fmt, column, tmp_path):
    """Inverting every label changes the scores but not one flagged account or cluster."""
    sample = samples.rows()
    runs = []
    for variant in ("as-published", "flipped"):
        folder = tmp_path / variant
        folder.mkdir()
        path = samples.WRITERS[fmt](folder, sample)
        data = external.locate(fmt, path)
        if variant == "flipped":
            _flip_labels(data.labelled, column)
        analysis, _ = external.analyse(data, folder / "work")
        for name, table in analysis.frame.__dict__.items():
            if hasattr(table, "column_names"):
                assert column not in table.column_names, name
        runs.append((external.predictions(analysis.results), external.read_labels(data)))
    (pred, labels), (pred_flipped, labels_flipped) = runs
    assert pred["flagged"] == pred_flipped["flagged"]
    assert sorted(map(sorted, pred["clusters"].values())) == sorted(
        map(sorted, pred_flipped["clusters"].values())
    )
    assert labels.accounts != labels_flipped.accounts


def test_score_by_hand():
    labels = external.Labels(10, 3, {"a", "b", "d", "e"}, {"T": {"a", "d"}})
    predicted = {"flagged": {"a", "b", "c"}, "clusters": {1: {"a", "b", "x"}, 2: {"x", "y"}}}
    got = external.score(predicted, labels, known={"a", "b", "c", "x", "y"})
    acc = got["accounts"]
    assert acc["flagged_precision"] == pytest.approx(2 / 3)
    assert acc["flagged_recall"] == pytest.approx(1 / 2)
    assert acc["flagged_f1"] == pytest.approx(4 / 7)
    assert (acc["top_precision"], acc["top_recall"]) == (pytest.approx(0.5), pytest.approx(0.5))
    assert acc["top_clusters_laundering"] == 1  # {a, b, x}: 2 of 3 laundering; {x, y}: none
    assert acc["top_cluster_precision"] == pytest.approx(0.5)
    assert acc["labelled_not_loaded"] == 2  # d and e never reached the analysis
    assert got["typologies"]["T"] == {"accounts": 2, "flagged_recall": 0.5, "top_recall": 0.5}


def test_amlgentex_typology_column_is_used_when_present(tmp_path):
    sample = samples.rows()
    path = samples.amlgentex(tmp_path, sample)
    table = pq.read_table(path)
    kinds = ["fan_in" if r.typology == "Fan_In" else r.typology.lower() for r in sample]
    pq.write_table(table.append_column("typology", [kinds]), path)
    labels = external.read_labels(external.locate("amlgentex", path))
    assert set(labels.typologies) == {"fan_in", "cycle"}
    assert labels.typologies["cycle"] == {f"L{i}" for i in range(5)}


def test_locate_names_what_is_missing(tmp_path):
    for name in ("HI-Small_Trans.csv", "LI-Small_Trans.csv"):
        (tmp_path / name).write_text("x\n")
    with pytest.raises(FileNotFoundError, match=r"HI-Small_Trans\.csv, LI-Small_Trans\.csv"):
        external.locate("amlworld", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"transactions\.csv"):
        external.locate("amlsim", tmp_path)
    with pytest.raises(ValueError, match="unknown external format"):
        external.locate("paysim", tmp_path)


def test_bench_command_scores_external_data_and_reports_it(tmp_path):
    from typer.testing import CliRunner

    from engine.cli import app

    path = samples.samld(tmp_path, samples.rows())
    results = tmp_path / "results"
    runner = CliRunner()
    done = runner.invoke(
        app, ["bench", "--quick", "--case", "external", "--external", f"samld={path}",
              "--results", str(results)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    (written,) = results.glob("*.md")  # a partial run: dated, not latest.md
    assert written.name.endswith("-quick-external.md")
    report = written.read_text()
    section = report.split("## 5. External data")[1].split("## 6.")[0]
    assert "external/accounts" in section or "#### external" in section
    assert f"--external samld={path}" in section
    assert "flagged_recall" in section and "Fan_In" in section
    assert any(p.name.endswith("-external.png") for p in results.iterdir())

    wrong = runner.invoke(app, ["bench", "--external", f"paysim={path}", "--results", str(results)])
    assert wrong.exit_code != 0
    assert "FORMAT one of amlworld" in str(wrong.exception)  # main() prints it as one line


def test_predictions_count_core_members_only():
    import pyarrow as pa

    clusters = pa.table({"cluster_id": [1, 2], "rank": [1, 2],
                         "context_accounts": [["c"], []]})  # fmt: skip
    members = pa.table({
        "cluster_id": [1, 1, 1, 1, 2], "entity_id": ["a", "b", "c", "p", "d"],
        "entity_kind": ["account", "account", "account", "party", "account"],
        "role": ["hub", "context", "member", "x", "member"],
    })  # fmt: skip
    scores = pa.table({"entity_id": ["a", "d"], "entity_kind": ["account", "account"],
                       "risk": [0.5, 0.0]})  # fmt: skip
    got = external.predictions({"clusters": clusters, "cluster_members": members,
                                "scores": scores}, top=2)  # fmt: skip
    assert got["clusters"] == {1: {"a"}, 2: {"d"}} and got["flagged"] == {"a"}
