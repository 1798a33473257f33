"""engine.services.export: case files with safe CSVs, a GraphML graph and a self-contained report."""

from __future__ import annotations

import csv
import io
import zipfile

import networkx as nx
import pandas as pd
import pytest

from engine.queries import Workbench
from engine.services.export import case_file, neutralise, safe_csv
from engine.store import open_store
from tests.dashboard import world


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    home = world.build(tmp_path_factory.mktemp("x") / "store")
    return Workbench(open_store("embedded", home=home))


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formulas_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_plain_values_and_numbers_are_kept():
    assert neutralise("Amina") == "Amina"
    assert neutralise(-5.0) == -5.0
    rows = list(
        csv.reader(io.StringIO(safe_csv(pd.DataFrame({"a": [-5.0], "b": [["x", "=y"]]})).decode()))
    )
    assert rows == [["a", "b"], ["-5.0", "x; =y"]]


def test_cluster_case_file(wb):
    archive = zipfile.ZipFile(io.BytesIO(case_file(wb, cluster_id=1)))
    names = set(archive.namelist())
    assert names == {
        "members.csv",
        "transactions.csv",
        "trips.csv",
        "evidence.csv",
        "network.graphml",
        "case.anx",
        "report.html",
    }
    transactions = list(csv.DictReader(io.StringIO(archive.read("transactions.csv").decode())))
    assert len(transactions) == 6
    assert transactions[0]["reference"] == '\'=HYPERLINK("x")'
    graph = nx.read_graphml(io.BytesIO(archive.read("network.graphml")))
    assert graph.has_edge("SY01SEND1", "TR01COLLECT")
    assert graph.nodes["TR01COLLECT"]["kind"] == "account"
    report = archive.read("report.html").decode()
    assert "<svg" in report and "FinCEN" in report and "TK2410" not in report.split("<svg")[0]
    assert "<script" not in report and "http" not in report.replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_entity_case_file(wb):
    archive = zipfile.ZipFile(io.BytesIO(case_file(wb, entity_id="P6")))
    assert {"counterparties.csv", "clusters.csv", "report.html"} <= set(archive.namelist())
    evidence = archive.read("evidence.csv").decode()
    assert "fan_in" in evidence  # the collector's account is named in the fan-in card


def test_case_file_needs_one_target(wb):
    with pytest.raises(ValueError):
        case_file(wb)
    with pytest.raises(KeyError):
        case_file(wb, entity_id="nobody")
