"""Overview page figures: headline counts, money over time, corridors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.queries.data import WorkbenchData


class OverviewQueries(WorkbenchData):
    """Headline figures over all the data."""

    def overview(self) -> dict[str, Any]:
        """Headline figures: counts, volume, clusters and how many carry red flags."""
        tx = self.table("transactions")
        clusters = self.table("clusters")
        flagged = 0
        if clusters.num_rows:
            flagged = int(
                pc.sum(pc.greater(pc.list_value_length(clusters["flags"]), 0)).as_py() or 0
            )
        span = (None, None)
        if tx.num_rows:
            bounds = pc.min_max(tx["ts"])
            span = (bounds["min"].as_py(), bounds["max"].as_py())
        return {
            "accounts": self.graph.n_nodes if tx.num_rows else self.table("accounts").num_rows,
            "parties": self.table("parties").num_rows,
            "transactions": tx.num_rows,
            "volume": float(pc.sum(tx["amount_base"]).as_py() or 0.0),
            "trips": self.table("travel").num_rows,
            "clusters": clusters.num_rows,
            "flagged_clusters": flagged,
            "first": span[0],
            "last": span[1],
            "batches": self.table("batches").num_rows,
        }

    def money_over_time(self, freq: str = "month") -> pd.DataFrame:
        """Volume and count per period (``day``, ``week`` or ``month``) and channel."""
        tx = self.table("transactions")
        if not tx.num_rows:
            return pd.DataFrame(columns=["period", "channel", "amount", "count"])
        units = {"day": "datetime64[D]", "week": "datetime64[W]", "month": "datetime64[M]"}
        if freq not in units:
            raise ValueError(f"freq must be day, week or month, not {freq!r}")
        micros = pc.cast(tx["ts"], pa.int64()).to_numpy()
        if freq == "week":  # numpy weeks start on Thursday (1970-01-01); ours on Monday
            micros = micros + 3 * 86_400_000_000
        stamps = micros.astype("datetime64[us]").astype(units[freq]).astype(np.int64)
        first = int(stamps.min())
        period_code = stamps - first
        periods = (np.arange(int(period_code.max()) + 1) + first).astype(units[freq])
        channel = pc.fill_null(tx["channel"].combine_chunks(), "other").dictionary_encode()
        names = channel.dictionary.to_pylist()
        key = period_code * len(names) + channel.indices.to_numpy(zero_copy_only=False)
        size = len(periods) * len(names)
        amount = np.bincount(key, weights=tx["amount_base"].to_numpy(), minlength=size)
        count = np.bincount(key, minlength=size)
        used = np.flatnonzero(count)
        starts = periods.astype("datetime64[D]")
        if freq == "week":
            starts = starts - np.timedelta64(3, "D")
        return pd.DataFrame(
            {
                "period": pd.to_datetime(starts[used // len(names)]).tz_localize("UTC"),
                "channel": [names[i] for i in used % len(names)],
                "amount": amount[used],
                "count": count[used],
            }
        )

    def corridors(self, top: int = 15) -> pd.DataFrame:
        """Money by sending country → receiving country (accounts' countries), largest first.

        Notes: countries are looked up once per account node, then every transaction's pair of
        country codes is one integer key summed with ``bincount``: O(m).
        """
        tx = self.table("transactions")
        if not tx.num_rows:
            return pd.DataFrame(columns=["corridor", "amount", "count"])
        accounts = self.table("accounts")
        graph = self.graph
        position = pc.index_in(graph.node_ids, value_set=accounts["account_id"])
        country = pc.fill_null(pc.take(accounts["country"].combine_chunks(), position), "??")
        country = country.dictionary_encode()
        names = country.dictionary.to_pylist()
        code = country.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        k = len(names)
        key = code[graph.src] * k + code[graph.dst]
        amount = np.bincount(key, weights=tx["amount_base"].to_numpy(), minlength=k * k)
        count = np.bincount(key, minlength=k * k)
        order = np.argsort(-amount)[:top]
        order = order[count[order] > 0]
        return pd.DataFrame(
            {
                "corridor": [f"{names[i // k]} → {names[i % k]}" for i in order],
                "amount": amount[order],
                "count": count[order],
            }
        )
