"""A small world where mules are learnable: ordinary accounts pay each other at random; each
mule collects from several senders and passes the money on to a collector within a day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from engine.core import schema

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
HOUR_US = 3_600_000_000


def mule_world(seed: int = 0, n_normal: int = 400, n_mules: int = 60, n_tx: int = 6000):
    """Transactions table and the set of mule account ids (the truth; tests only)."""
    rng = np.random.default_rng(seed)
    normal = [f"N{i:04d}" for i in range(n_normal)]
    mules = [f"M{i:03d}" for i in range(n_mules)]
    collectors = [f"C{i:02d}" for i in range(6)]
    src, dst, ts, amount = [], [], [], []
    for _ in range(n_tx):
        a, b = rng.choice(n_normal, 2, replace=False)
        src.append(normal[a])
        dst.append(normal[b])
        ts.append(int(rng.integers(0, 90 * 24)) * HOUR_US)
        amount.append(float(round(rng.gamma(2.0, 60.0), 2)))
    for i, mule in enumerate(mules):
        start = int(rng.integers(0, 80 * 24)) * HOUR_US
        total = 0.0
        for s in rng.choice(n_normal, int(rng.integers(5, 9)), replace=False):
            value = float(round(rng.gamma(2.0, 60.0), 2))
            src.append(normal[s])
            dst.append(mule)
            ts.append(start + int(rng.integers(0, 36)) * HOUR_US)
            amount.append(value)
            total += value
        src.append(mule)
        dst.append(collectors[i % len(collectors)])
        ts.append(start + 40 * HOUR_US)
        amount.append(round(total * 0.9, 2))
        # a mule lives an ordinary life too
        for _ in range(int(rng.integers(2, 6))):
            src.append(mule)
            dst.append(normal[int(rng.integers(0, n_normal))])
            ts.append(int(rng.integers(0, 90 * 24)) * HOUR_US)
            amount.append(float(round(rng.gamma(2.0, 60.0), 2)))
    n = len(src)
    table = pa.table(
        {
            "tx_id": [f"t{i}" for i in range(n)],
            "ts": pa.array([T0 + dt.timedelta(microseconds=t) for t in ts], schema.TS),
            "src_account": src,
            "dst_account": dst,
            "amount": amount,
            "currency": ["EUR"] * n,
            "amount_base": amount,
            "channel": ["wire"] * n,
        }
    )
    return schema.conform(table, "transactions"), set(mules)
