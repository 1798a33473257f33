"""Ranked clusters and one cluster's detail."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.core.schema import CONTEXT_ROLE as CONTEXT
from engine.queries.filters import Filters, filter_evidence, filter_trips
from engine.queries.models import MAX_FLOWS, MAX_REASON_ACCOUNTS, ClusterDetail
from engine.queries.networks import NetworkQueries
from engine.queries.routes import place_countries


class ClusterQueries(NetworkQueries):
    """The Clusters and Cluster pages."""

    def cluster_list(
        self,
        min_score: float = 0.0,
        patterns: list[str] | None = None,
        countries: list[str] | None = None,
    ) -> pd.DataFrame:
        """Ranked clusters filtered by score, red-flag pattern and country (best first)."""
        frame = self.frame("clusters")
        if frame.empty:
            return frame
        frame = frame[frame["score"].fillna(0) >= min_score]
        as_set = lambda v: set(v) if v is not None else set()  # noqa: E731
        if patterns:
            frame = frame[frame["flags"].map(lambda f: bool(as_set(f) & set(patterns)))]
        if countries:
            frame = frame[frame["countries"].map(lambda c: bool(as_set(c) & set(countries)))]
        frame = frame.assign(
            flags=frame["flags"].map(lambda f: ", ".join(f) if f is not None else ""),
            countries=frame["countries"].map(lambda c: ", ".join(c) if c is not None else ""),
        )
        return frame.sort_values(["rank", "cluster_id"]).reset_index(drop=True)

    def cluster_options(self) -> tuple[list[str], list[str]]:
        """All patterns and countries seen in clusters, for the filters."""
        clusters = self.table("clusters")
        if not clusters.num_rows:
            return [], []
        flags = pc.unique(pc.list_flatten(clusters["flags"])).to_pylist()
        countries = pc.unique(pc.list_flatten(clusters["countries"])).to_pylist()
        return sorted(f for f in flags if f), sorted(c for c in countries if c)

    def cluster_detail(self, cluster_id: int, filters: Filters | None = None) -> ClusterDetail:
        """Members, evidence, transactions, trips, network and flows of one cluster (a case).

        ``members`` has a ``core`` column: False for the case's context accounts (role
        ``context``), whose transfers are not counted as inside the case. With ``filters``
        (:mod:`engine.queries.filters`) the transactions, trips, flows, evidence and network
        keep only what passes them; ``members`` stays whole and ``active`` names the members
        with something left.

        Raises
        ------
        KeyError
            If there is no cluster with that id.
        """
        clusters = self.table("clusters")
        row = clusters.filter(pc.equal(clusters["cluster_id"], cluster_id))
        if not row.num_rows:
            raise KeyError(f"no cluster {cluster_id}")
        info = row.to_pylist()[0]
        members = self.table("cluster_members")
        members = members.filter(pc.equal(members["cluster_id"], cluster_id)).to_pandas()
        members["label"] = members["entity_id"].map(self.label)
        members = members.sort_values("score", ascending=False, na_position="last")
        evidence = self.table("evidence")
        evidence = evidence.filter(pc.equal(evidence["cluster_id"], cluster_id)).to_pandas()
        evidence = evidence.sort_values("weight", ascending=False, na_position="last")
        # core members carry the case's findings; context accounts (first-hop counterparties)
        # are shown in the network, not counted as inside
        members["core"] = members["role"].fillna("") != CONTEXT
        is_account = members["entity_kind"] == "account"
        accounts = members.loc[is_account & members["core"], "entity_id"].tolist()
        context = members.loc[is_account & ~members["core"], "entity_id"].tolist()
        parties = members.loc[members["entity_kind"] == "party", "entity_id"].tolist()
        inside = self.filtered_rows(self._rows(accounts, inside=True), filters)
        touching = self.filtered_rows(self._rows(accounts), filters)
        transactions = self.transactions_where(inside)
        trips = self.trips_of(parties, accounts)
        active = set(members["entity_id"])
        if filters is not None and filters.active:
            trips = filter_trips(trips, filters, place_countries())
            tx = self.table("transactions").take(pa.array(touching, pa.int64()))
            evidence = filter_evidence(
                evidence, tx["tx_id"].to_pylist(), trips["record_id"].tolist()
            )
            moving = set(tx["src_account"].to_pylist()) | set(tx["dst_account"].to_pylist())
            moving |= set(trips["payer_account"].dropna())
            holdings = self.frame("holdings")
            holders = set(holdings.loc[holdings["account_id"].isin(moving), "party_id"])
            travellers = self._travellers(trips)
            active = {m for m in active if m in moving or m in holders or m in travellers}
        network = self.network(accounts + context, parties, trips, filters=filters)
        return ClusterDetail(
            info=info,
            members=members.reset_index(drop=True),
            evidence=evidence.reset_index(drop=True),
            transactions=transactions,
            trips=trips,
            network=network,
            flows=self.flows(touching),
            reasons=self.model_reasons(accounts),
            filters=filters,
            active=frozenset(active),
        )

    def _travellers(self, trips: pd.DataFrame) -> set[str]:
        """Parties linked (``links``) to any of ``trips``."""
        links = self.frame("links")
        if links.empty or trips.empty:
            return set()
        ids = set(trips["record_id"])
        left = links.loc[links["right_id"].isin(ids), "left_id"]
        right = links.loc[links["left_id"].isin(ids), "right_id"]
        return set(left) | set(right)

    def model_reasons(self, accounts: list[str], top: int = 5,
                      limit: int = MAX_REASON_ACCOUNTS) -> pd.DataFrame:  # fmt: skip
        """Why the latest run's triage model scored ``accounts`` as it did.

        For the ``limit`` accounts with the highest model score, the ``top`` features with
        the largest signed contribution (:func:`engine.triage.explain.top_contributions`),
        plus ``label`` (the account's readable name) and ``model_score``. Empty when the run
        has no model (too few decisions) or none of ``accounts`` has a model score.
        """
        from engine.triage.explain import REASON_COLUMNS, top_contributions
        from engine.triage.model import TriageModel

        columns = [*REASON_COLUMNS, "label", "model_score"]
        models = self.table("models")
        if not models.num_rows or not accounts:
            return pd.DataFrame(columns=columns)
        triage = self.table("triage")
        scored = triage.filter(
            pc.and_(pc.is_in(triage["entity_id"], pa.array(accounts, pa.string())),
                    pc.is_valid(triage["model_score"]))
        ).sort_by([("model_score", "descending"), ("entity_id", "ascending")])  # fmt: skip
        scored = scored.slice(0, limit)
        if not scored.num_rows:
            return pd.DataFrame(columns=columns)
        model = TriageModel.from_row(models.slice(0, 1).to_pylist()[0])
        features = self.table("account_features")
        rows = pc.index_in(scored["entity_id"], value_set=features["entity_id"])
        keep = pc.is_valid(rows)
        scored, rows = scored.filter(keep), rows.filter(keep)
        picked = features.take(rows)
        matrix = np.column_stack(
            [picked[name].to_numpy(zero_copy_only=False) for name in model.features]
        )
        ids = scored["entity_id"].to_pylist()
        out = top_contributions(model, ids, matrix, top)
        score = dict(zip(ids, scored["model_score"].to_pylist(), strict=True))
        out["label"] = out["entity_id"].map(self.label)
        out["model_score"] = out["entity_id"].map(score)
        return out[columns]

    def flows(self, rows: np.ndarray, top: int = MAX_FLOWS) -> pd.DataFrame:
        """The largest sender → receiver money flows among the transactions at ``rows``."""
        tx = self.table("transactions").take(pa.array(rows, pa.int64()))
        if not tx.num_rows:
            return pd.DataFrame(columns=["source", "target", "amount", "count"])
        grouped = (
            tx.select(["src_account", "dst_account", "amount_base"])
            .group_by(["src_account", "dst_account"])
            .aggregate([("amount_base", "sum"), ("amount_base", "count")])
            .rename_columns(["source", "target", "amount", "count"])
            .sort_by([("amount", "descending")])
        )
        frame = grouped.slice(0, top).to_pandas()
        frame["source_label"] = frame["source"].map(self.label)
        frame["target_label"] = frame["target"].map(self.label)
        return frame

    def summary_json(self, cluster_id: int) -> str:
        """The cluster's row as JSON (for reports)."""
        detail = self.cluster_detail(cluster_id)
        return json.dumps(detail.info, default=str, sort_keys=True)
