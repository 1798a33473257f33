"""The worlds case's scoring: core accounts, precision@k, the naive baseline, instance recall,
AMLGentex pattern instances, and the report's summary of every world."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks import report
from benchmarks.cases.detection import (
    Truth,
    amlgentex_truth,
    core_accounts,
    naive_ranking,
    precision_at,
    score_world,
    world_measurements,
)


def _member(account: str, role: str = "member") -> dict:
    return {"entity_id": account, "entity_kind": "account", "role": role, "score": 0.0}


def test_core_accounts_leave_context_out():
    row = {"members": [_member("a"), _member("b", "context"), _member("c"),
                       {"entity_id": "p1", "entity_kind": "party", "role": "x", "score": 0}]}  # fmt: skip
    assert core_accounts(row) == {"a", "c"}
    assert core_accounts({**row, "context_accounts": ["c"]}) == {"a"}
    assert core_accounts({**row, "accounts": ["z"]}) == {"z"}


def test_precision_at_k_and_naive_ranking():
    assert precision_at(["a", "b", "c", "d"], {"a", "d"}, 2) == 0.5
    assert precision_at([], {"a"}, 3) == 0.0
    tx = pd.DataFrame({"src_account": ["h", "h", "h", "a", "b", "a", "x"],
                       "dst_account": ["a", "b", "c", "h", "a", "b", "x"]})  # fmt: skip
    # h: a, b, c; a: h, b; b: h, a; c: h; a self-transfer counts for nobody
    assert naive_ranking(tx) == ["h", "a", "b", "c"]


def _run(rows: list[dict], risk: dict[str, float], tx: pd.DataFrame) -> dict:
    scores = pd.DataFrame({"entity_id": list(risk), "entity_kind": "account",
                           "risk": list(risk.values())})  # fmt: skip
    return {"rows": rows, "scores": scores, "tx": tx, "ingest_s": 1.0, "analysis_s": 2.0,
            "accounts": 6, "transactions": len(tx)}  # fmt: skip


def test_score_world_by_hand():
    rows = [
        {"rank": 2, "members": [_member("c"), _member("x")]},
        {"rank": 1, "members": [_member("a"), _member("b"), _member("y", "context")]},
    ]
    truth = Truth({"a", "b", "c", "d"}, {"p1": ("cycle", {"a", "b"}), "p2": ("fan_in", {"c", "d", "e"}),
                                         "p3": ("cycle", {"d", "e"})}, operations=1)  # fmt: skip
    tx = pd.DataFrame({"src_account": ["x", "x", "x", "a"], "dst_account": ["a", "b", "y", "b"]})
    res = score_world(_run(rows, {"a": 0.9, "x": 0.8, "b": 0.1, "c": 0.0}, tx), truth)
    c = res["clusters"]
    assert (c["topN_accounts"], c["topN_precision"], c["topN_recall"]) == (2, 1.0, 0.5)
    assert c["top100_accounts"] == 4 and c["top100_precision"] == 0.75
    assert abs(c["top100_f1"] - 0.75) < 1e-9
    a = res["accounts"]
    assert a["risk_precision_at_k"] == 2 / 3  # a, x, b (c has no risk)
    assert a["naive_precision_at_k"] == 0.5  # x, a, b, y
    assert res["typologies"]["cycle"] == {"planted": 2, "in_top100": 1, "in_topN": 1,
                                          "recall_top100": 0.5, "recall_topN": 0.5}  # fmt: skip
    assert res["typologies"]["fan_in"]["in_top100"] == 0  # c of c, d, e: below half


def test_amlgentex_instances_from_pattern_ids(tmp_path):
    path = tmp_path / "tx_log.parquet"
    pq.write_table(pa.table({
        "step": [0, 1, 2, 3], "type": ["TRANSFER"] * 4, "amount": [1.0, 2.0, 3.0, 4.0],
        "nameOrig": [1, 2, 3, 7], "nameDest": [2, 3, 1, 8], "isSAR": [1, 1, 1, 0],
        "patternID": [5, 5, 5, -1], "modelType": [3, 3, 3, 0],
    }), path)  # fmt: skip
    truth = amlgentex_truth(path)
    assert truth.accounts == {"1", "2", "3"}
    assert truth.instances == {"p5": ("cycle", {"1", "2", "3"})}  # AMLSim's typology 3
    assert truth.operations == 1


def test_report_summarises_every_world():
    rows = []
    for world in ("lookalike (tiny)", "random seed 1 (tiny)"):
        run = _run([{"rank": 1, "members": [_member("a")]}], {"a": 1.0},
                   pd.DataFrame({"src_account": ["a"], "dst_account": ["b"]}))  # fmt: skip
        res = score_world(run, Truth({"a", "b"}, {"p": ("cycle", {"a", "b"})}, 1))
        rows += world_measurements(world, run, res, f"note of {world}")
    lines = "\n".join(report.worlds_summary(rows))
    assert "lookalike (tiny)" in lines and "random seed 1 (tiny)" in lines
    assert "note of random seed 1 (tiny)" in lines and "(cycle)" in lines
    assert report._section_of(rows[0]).startswith("4.")
