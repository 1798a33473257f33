"""dashboard.widgets.case_summary: the summary sentence and the merged evidence cards."""

from __future__ import annotations

import pandas as pd

from dashboard.widgets.case_summary import merge_cards, summary_sentence

TX = pd.DataFrame(
    {
        "ts": pd.to_datetime(
            ["2024-03-01 09:00", "2024-03-04 10:00", "2024-03-10 11:00"], utc=True
        ),
        "src_account": ["A", "B", "C"],
        "dst_account": ["C", "C", "D"],
        "src_name": ["Ann", "Ben", "Cem"],
        "dst_name": ["Cem", "Cem", "Dan"],
        "amount_base": [1000.0, 500.0, 1400.0],
    }
)


def test_summary_names_the_main_receiver_money_places_and_period():
    text = summary_sentence({"countries": ["SY", "TR"]}, TX, currency="EUR")
    assert text.startswith("2 accounts paid Cem 1,500 EUR in 2 transfers")
    assert "3 transfers move 2,900 EUR among 4 accounts" in text
    assert "in SY, TR" in text
    assert "between 01 Mar 2024 and 10 Mar 2024 (10 days)" in text and text.endswith(".")


def test_summary_of_an_empty_case_says_so():
    text = summary_sentence({}, TX.iloc[0:0])
    assert text == "No transfers inside the case."


def test_cards_merge_per_pattern_and_count_each_entity_and_transaction_once():
    evidence = pd.DataFrame(
        {
            "pattern": ["fan_in", "fan_in", "fan_in", "temporal_cycle"],
            "source": ["FinCEN"] * 3 + ["AMLSim"],
            "description": ["a", "b", "c", "d"],
            "weight": [1.0, 3.0, 0.5, 2.0],
            "entity_ids": [["C", "A"], ["C", "B"], ["C"], ["X"]],
            "tx_ids": [["t1"], ["t1", "t2"], None, ["t9"]],
            "record_ids": [None, None, None, ["r1"]],
        }
    )
    cards = merge_cards(evidence)
    assert cards["pattern"].tolist() == ["fan_in", "temporal_cycle"]
    fan = cards.iloc[0]
    assert fan["findings"] == 3 and fan["weight"] == 4.5
    assert fan["description"] == "b"  # the strongest finding
    assert fan["entities"] == ["C", "A", "B"] and fan["n_tx"] == 2 and fan["n_records"] == 0
    assert fan["label"] == "Many senders, one collector" and fan["reason"].endswith(".")
    assert cards.iloc[1]["n_records"] == 1
    assert merge_cards(evidence.iloc[0:0]).empty


def test_summary_takes_the_case_totals_over_a_capped_frame():
    info = {"volume": 99000.0, "n_transactions": 40, "n_accounts": 12}
    text = summary_sentence(info, TX)
    assert "40 transfers move 99,000 EUR among 12 accounts" in text
