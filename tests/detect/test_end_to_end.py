"""End to end on the generator's ``tiny`` world: recall and precision floors against the truth.

The detectors never see the truth; only these assertions do.
"""

from __future__ import annotations

import pytest

from benchmarks.cases.detection import er_quality, pattern_quality, ranking_quality
from engine.services.pipeline import analyze_tables
from engine.synth import generate

#: Patterns whose planted instances the detectors must find (recall floor 0.9 on tiny).
EXACT = ("fan_in", "fan_out", "temporal_cycle", "scatter_gather", "gather_scatter", "bipartite",
         "stack", "layering_chain", "pass_through", "structuring", "border_collector",
         "co_travel_group", "out_of_area", "funnel", "cash_in_wire_out",
         "unrelated_senders_abroad", "controller", "victim_expenses", "revenue_without_payroll",
         "hawala", "stage_payments", "pay_on_arrival", "third_party_payer",
         "payment_trip_alignment", "courier_round_trips")  # fmt: skip
#: Precision floors on tiny for the detectors that were noisy before they were tightened.
PRECISE = {"temporal_cycle": 0.8, "scatter_gather": 0.8, "layering_chain": 0.8,
           "structuring": 0.8, "out_of_area": 0.8, "funnel": 0.8, "cash_in_wire_out": 0.8,
           "payment_trip_alignment": 0.8, "courier_round_trips": 0.8, "facilitator": 0.8,
           "pay_on_arrival": 0.6, "unrelated_senders_abroad": 0.7}  # fmt: skip


@pytest.fixture(scope="module")
def run():
    world = generate("tiny", 0)
    return world, analyze_tables(world.tables, seed=0)


def test_generic_and_smuggling_patterns_are_recalled(run):
    world, analysis = run
    quality = pattern_quality(analysis, world)
    for name in EXACT:
        assert quality[name]["recall"] >= 0.9, (name, quality[name])
    assert quality["facilitator"]["recall"] >= 0.8, quality["facilitator"]
    for name, floor in PRECISE.items():
        assert quality[name]["precision"] >= floor, (name, quality[name])


def test_entity_resolution_floors(run):
    world, analysis = run
    er = er_quality(analysis, world)
    assert er["precision"] >= 0.95 and er["recall"] >= 0.95, er


def test_operations_rank_in_the_top_clusters(run):
    world, analysis = run
    ranking = ranking_quality(analysis, world, 20)
    assert ranking["share_operations_in_top"] >= 0.8, ranking
    # Cases hold their findings' own accounts, not whole communities: findings join by what
    # they share, small ones and those of a community where money and travel evidence agree
    # join their community's case (engine/detect/cases.py). Measured at tiny: account
    # precision 0.85, recall 0.81, 18 of the top 20 planted; joining every finding of a
    # community, as before, gave 0.83 / 0.85 and 17 of 20, and made cases of 400 accounts on
    # the random worlds.
    assert ranking["account_recall"] >= 0.78, ranking  # ~25 planted operations, 20 clusters
    assert ranking["account_precision"] >= 0.82, ranking
    assert ranking["share_top_planted"] >= 0.85, ranking
    clusters = analysis.results["clusters"].to_pylist()
    assert [c["rank"] for c in clusters] == list(range(1, len(clusters) + 1))
    assert all(0.0 <= c["score"] <= 1.0 for c in clusters)
    evidence = analysis.results["evidence"].to_pylist()
    top = [e for e in evidence if e["cluster_id"] == 1]
    assert top and all(e["tx_ids"] or e["record_ids"] or e["entity_ids"] for e in top)
    assert all(e["source"] and e["parameters"] for e in top)


#: Floors on a tiny world of every profile, through ingest, analyze and the ranked clusters
#: (benchmarks.cases.detection.evaluate_generated, the worlds benchmark's path). Measured on
#: main's detection before issue 15 parts 2-5 (top-N F1 / risk precision@k): default 0.66 /
#: 0.84, lookalike 0.19 / 0.31, random seed 1 0.12 / 0.22, seed 2 0.12 / 0.15, seed 3 0.10 /
#: 0.15; each floor is set below its measured value so that a regression fails, not to say
#: the figures are good (chance is the laundering share, 6-11 %). Tiny worlds hold about
#: 1,000 accounts, so the top 100 clusters cover most of them: their recall is a floor only.
#: With calibrated findings and pattern-centred cases (parts 2-4) the measured figures are:
#: default 0.88 / 0.86, lookalike 0.12 / 0.21 (risk worse than main: in that world nearly
#: every transfer is one-off, so the one-off-counterparty null says little, and launderers are
#: drawn in proportion to activity, which counting findings rewarded), random 0.17 / 0.17,
#: 0.14 / 0.19, 0.14 / 0.19.
WORLD_FLOORS = {
    ("default", 0): {"topN_f1": 0.75, "risk_precision_at_k": 0.75, "top100_recall": 0.85},
    ("lookalike", 0): {"topN_f1": 0.1, "risk_precision_at_k": 0.18, "top100_recall": 0.8},
    ("random", 1): {"topN_f1": 0.12, "risk_precision_at_k": 0.14, "top100_recall": 0.7},
    ("random", 2): {"topN_f1": 0.11, "risk_precision_at_k": 0.15, "top100_recall": 0.75},
    ("random", 3): {"topN_f1": 0.11, "risk_precision_at_k": 0.15, "top100_recall": 0.85},
}


@pytest.mark.parametrize(("profile", "seed"), list(WORLD_FLOORS))
def test_every_profile_meets_its_floors_through_the_user_path(profile, seed, tmp_path):
    from benchmarks.cases.detection import evaluate_generated

    _, _, res = evaluate_generated(profile, "tiny", seed, tmp_path)
    figures = {**res["clusters"], **res["accounts"]}
    for name, floor in WORLD_FLOORS[(profile, seed)].items():
        assert figures[name] >= floor, (profile, seed, name, figures)
    if profile != "default":  # every generic typology planted, and each instance ranked
        assert len(res["typologies"]) == 8, res["typologies"]
        assert all(t["recall_top100"] >= 0.5 for t in res["typologies"].values()), res
