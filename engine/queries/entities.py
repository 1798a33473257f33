"""One account or party in detail, and search."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.queries.filters import Filters, filter_trips
from engine.queries.models import MAX_ROWS, EntityDetail
from engine.queries.networks import NetworkQueries
from engine.queries.routes import place_countries


class EntityQueries(NetworkQueries):
    """The Entity page and the search box."""

    def entity_detail(self, entity_id: str, filters: Filters | None = None) -> EntityDetail:
        """Holdings, counterparties, trips, linked identities and clusters of an entity.

        With ``filters`` (:mod:`engine.queries.filters`) the counterparties, transactions
        and trips keep only what passes them.

        Raises
        ------
        KeyError
            If the id is neither an account nor a party.
        """
        kind = self.kind_of(entity_id)
        if kind not in ("account", "party"):
            raise KeyError(f"no account or party {entity_id!r}")
        holdings = self.frame("holdings")
        column = "account_id" if kind == "account" else "party_id"
        holdings = holdings[holdings[column] == entity_id].copy()
        holdings["party"] = holdings["party_id"].map(self.label)
        if kind == "account":
            attrs = self.frame_row("accounts", "account_id", entity_id)
            accounts, parties = [entity_id], holdings["party_id"].tolist()
        else:
            attrs = self.frame_row("parties", "party_id", entity_id)
            accounts, parties = holdings["account_id"].tolist(), [entity_id]
        counterparties = pd.concat(
            [self._filtered_counterparties(a, filters) for a in accounts] or [pd.DataFrame()]
        )
        links = self.frame("links")
        if not links.empty:
            links = links[(links["left_id"] == entity_id) | (links["right_id"] == entity_id)].copy()
            links["other"] = np.where(
                links["left_id"] == entity_id, links["right_id"], links["left_id"]
            )
            links["other_label"] = links["other"].map(self.label)
        members = self.frame("cluster_members")
        clusters = self.frame("clusters")
        mine = members[members["entity_id"].isin([entity_id, *accounts])]
        clusters = clusters[clusters["cluster_id"].isin(mine["cluster_id"])]
        return EntityDetail(
            entity_id=entity_id,
            kind=kind,
            label=self.label(entity_id),
            attributes=attrs,
            holdings=holdings.reset_index(drop=True),
            counterparties=counterparties.reset_index(drop=True),
            transactions=self.transactions_where(self.filtered_rows(self._rows(accounts), filters)),
            trips=filter_trips(
                self.trips_of(parties, accounts), filters or Filters(), place_countries()
            ),
            links=links.reset_index(drop=True),
            clusters=clusters.reset_index(drop=True),
        )

    def _filtered_counterparties(self, account_id: str, filters: Filters | None) -> pd.DataFrame:
        """:meth:`counterparties`, or the same sums over the transactions that pass
        ``filters``."""
        if filters is None or not filters.active:
            return self.counterparties(account_id)
        frame = self._counterparty_sums(account_id, filters).head(MAX_ROWS)
        frame.insert(1, "label", frame["counterparty"].map(self.label))
        return frame

    def search(self, text: str, limit: int = 20) -> pd.DataFrame:
        """Accounts and parties whose id, name, document or phone contains ``text``."""
        text = text.strip()
        hits: list[dict[str, str]] = []
        if not text:
            return pd.DataFrame(columns=["entity_id", "kind", "label"])
        parties = self.table("parties")
        mask = None
        for column in ("party_id", "name", "id_document_number", "phone"):
            m = pc.fill_null(pc.match_substring(parties[column], text, ignore_case=True), False)
            mask = m if mask is None else pc.or_(mask, m)
        for pid in parties.filter(mask)["party_id"].to_pylist()[:limit]:
            hits.append({"entity_id": pid, "kind": "party", "label": self.label(pid)})
        node_ids = (
            self.graph.node_ids
            if self.table("transactions").num_rows
            else pa.array([], pa.string())
        )
        ids = pa.concat_arrays([node_ids, self.table("accounts")["account_id"].combine_chunks()])
        matched = pc.unique(ids.filter(pc.match_substring(ids, text, ignore_case=True)))
        for aid in matched.to_pylist()[:limit]:
            hits.append({"entity_id": aid, "kind": "account", "label": self.label(aid)})
        # accounts of matching holders
        holdings = self.table("holdings")
        held = holdings.filter(
            pc.is_in(holdings["party_id"], value_set=parties.filter(mask)["party_id"])
        )
        for aid in held["account_id"].to_pylist()[:limit]:
            hits.append({"entity_id": aid, "kind": "account", "label": self.label(aid)})
        frame = pd.DataFrame(hits).drop_duplicates("entity_id").head(limit)
        return frame.reset_index(drop=True)
