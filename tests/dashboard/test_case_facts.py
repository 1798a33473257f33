"""engine.queries.case_facts: each case's period of money inside and its best model score."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from engine.queries import Workbench
from engine.queries.case_facts import case_facts
from engine.store import open_store
from tests.dashboard import world


class Tables:
    """Just the two reads case_facts makes, over given frames."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def frame(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    def table(self, name: str) -> pa.Table:
        return pa.Table.from_pandas(self.frames[name], preserve_index=False)


def test_period_counts_only_transfers_between_core_accounts_and_takes_the_best_model_score():
    ts = pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-01", "2024-03-01"], utc=True)
    data = Tables({
        "cluster_members": pd.DataFrame({
            "cluster_id": [1, 1, 1, 2], "entity_id": ["A", "B", "X", "B"],
            "entity_kind": ["account"] * 4, "role": ["member", "member", "context", "member"],
        }),
        "transactions": pd.DataFrame({
            "src_account": ["A", "B", "A", "X"], "dst_account": ["B", "A", "X", "A"], "ts": ts,
        }),
        "triage": pd.DataFrame({"entity_id": ["A", "B"], "model_score": [0.2, 0.7]}),
    })  # fmt: skip
    facts = case_facts(data).set_index("cluster_id")  # type: ignore[arg-type]
    assert facts.loc[1, "first_seen"] == ts[0] and facts.loc[1, "last_seen"] == ts[1]
    assert facts.loc[1, "model_score"] == 0.7 and facts.loc[2, "model_score"] == 0.7
    assert pd.isna(facts.loc[2, "first_seen"])  # one core account: nothing inside


def test_matches_the_cluster_page_on_the_tiny_world(tmp_path):
    wb = Workbench(open_store("embedded", home=world.build(tmp_path / "store")))
    facts = case_facts(wb).set_index("cluster_id")
    for cid in facts.index:
        tx = wb.cluster_detail(int(cid)).transactions
        assert facts.loc[cid, "first_seen"] == pd.to_datetime(tx["ts"]).min()
        assert facts.loc[cid, "last_seen"] == pd.to_datetime(tx["ts"]).max()
