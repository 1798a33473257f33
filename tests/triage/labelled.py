"""A generator world in a store, analysed with or without investigators' decisions.

The decisions are simulated from the generator's truth (tests only: the engine never reads
it): a seeded half of the planted accounts confirmed suspicious and a half of the others
cleared, so the run trains a triage model and its clusters have model scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.services.pipeline import analyze
from engine.store import dispositions
from engine.store.base import Batch
from engine.store.embedded import EmbeddedStore
from engine.synth import generate


def analysed_world(folder: Path, *, labels: bool, seed: int = 1) -> EmbeddedStore:
    """An embedded store at ``folder`` holding the tiny generator world, analysed once."""
    world = generate("tiny", seed=seed)
    store = EmbeddedStore(folder)
    store.write_batch(Batch("w1", "world", "synthetic", "parquet", dict(world.tables)))
    if labels:
        tx = world.tables["transactions"]
        ids = sorted(set(tx["src_account"].to_pylist()) | set(tx["dst_account"].to_pylist()))
        planted = set(world.truth["accounts"]["account_id"].to_pylist())
        rng = np.random.default_rng(seed)
        bad = [i for i in ids if i in planted]
        good = [i for i in ids if i not in planted]
        rows = sorted(rng.permutation(bad)[: len(bad) // 2].tolist()
                      + rng.permutation(good)[: len(good) // 2].tolist())  # fmt: skip
        decisions = ["suspicious" if r in planted else "cleared" for r in rows]
        store.write_dispositions(dispositions.build(rows, decisions, decided_by="test"))
    analyze(store, seed=seed)
    return store
