"""One tiny world per test session: generation takes about a second."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.synth import World, generate


@pytest.fixture(scope="session")
def world() -> World:
    return generate("tiny", seed=3)


@pytest.fixture(scope="session")
def frames(world: World) -> dict[str, pd.DataFrame]:
    """Input and truth tables as pandas frames (truth tables prefixed ``truth_``)."""
    out = {name: t.to_pandas() for name, t in world.tables.items()}
    out.update({f"truth_{name}": t.to_pandas() for name, t in world.truth.items()})
    return out


def pattern_transactions(frames: dict[str, pd.DataFrame], pattern: str) -> dict[str, pd.DataFrame]:
    """Transactions of every instance of ``pattern``, keyed by pattern_id, in time order."""
    pats = frames["truth_patterns"]
    ids = pats.loc[pats.pattern == pattern, "pattern_id"]
    tt = frames["truth_transactions"]
    tx = frames["transactions"].set_index("tx_id")
    out = {}
    for pid in ids:
        rows = tt[tt.pattern_id == pid]
        sub = tx.loc[rows.tx_id].assign(role=rows.role.to_numpy()).reset_index()
        out[pid] = sub.sort_values(["ts", "tx_id"]).reset_index(drop=True)
    return out
