"""Network pictures capped around hubs, and an account's counterparties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.graph import CSRGraph
from engine.queries.data import WorkbenchData
from engine.queries.models import MAX_NODES, MAX_ROWS, Network


class NetworkQueries(WorkbenchData):
    """Pictures of sets of accounts and of one account's neighbourhood."""

    def network(
        self,
        accounts: list[str],
        parties: list[str],
        trips: pd.DataFrame | None = None,
        max_nodes: int = MAX_NODES,
    ) -> Network:
        """Accounts, their holders, transfers among them and the trips, capped at MAX_NODES.

        Accounts are ranked by the money they move inside the set; the least relevant beyond
        the cap are folded into one ``other`` node carrying their count and amount.
        """
        tx = self.table("transactions")
        inside = tx.take(pa.array(self._rows(accounts, inside=True), pa.int64()))
        pairs = (
            inside.select(["src_account", "dst_account", "amount_base"])
            .group_by(["src_account", "dst_account"])
            .aggregate([("amount_base", "sum"), ("amount_base", "count")])
            .to_pandas()
        )
        pairs.columns = ["source", "target", "amount", "count"]
        moved = (
            pd.concat(
                [pairs.groupby("source")["amount"].sum(), pairs.groupby("target")["amount"].sum()]
            )
            .groupby(level=0)
            .sum()
        )
        ranked = sorted(accounts, key=lambda a: -float(moved.get(a, 0.0)))
        budget = max(max_nodes - min(len(parties), max_nodes // 3), 10)
        kept, dropped = set(ranked[:budget]), set(ranked[budget:])
        net = Network()
        for aid in ranked[:budget]:
            net.nodes.append(
                {
                    "id": aid,
                    "kind": "account",
                    "label": self.label(aid),
                    "amount": float(moved.get(aid, 0.0)),
                }
            )
        if dropped:
            net.omitted_nodes = len(dropped)
            net.omitted_amount = float(sum(moved.get(a, 0.0) for a in dropped))
            net.nodes.append(
                {
                    "id": "__other__",
                    "kind": "other",
                    "label": f"{len(dropped):,} other accounts",
                    "amount": net.omitted_amount,
                }
            )
        fold = lambda a: a if a in kept else "__other__"  # noqa: E731
        if not pairs.empty:
            pairs = pairs.assign(source=pairs["source"].map(fold), target=pairs["target"].map(fold))
            pairs = pairs.groupby(["source", "target"], as_index=False)[["amount", "count"]].sum()
            for r in pairs.itertuples(index=False):
                net.edges.append(
                    {
                        "source": r.source,
                        "target": r.target,
                        "kind": "transfer",
                        "amount": float(r.amount),
                        "count": int(r.count),
                    }
                )
        holdings = self.table("holdings").filter(
            pc.is_in(self.table("holdings")["party_id"], value_set=pa.array(parties, pa.string()))
        )
        shown_parties = parties[: max_nodes // 3]
        for pid in shown_parties:
            net.nodes.append({"id": pid, "kind": "party", "label": self.label(pid), "amount": 0.0})
        shown = set(shown_parties)
        for pid, aid, role in zip(
            holdings["party_id"].to_pylist(),
            holdings["account_id"].to_pylist(),
            holdings["role"].to_pylist(),
            strict=True,
        ):
            if pid in shown and aid in kept:
                net.edges.append(
                    {
                        "source": pid,
                        "target": aid,
                        "kind": role or "holds",
                        "amount": 0.0,
                        "count": 1,
                    }
                )
        links = self.table("links")
        if links.num_rows:
            lk = links.filter(
                pc.and_(
                    pc.is_in(links["left_id"], value_set=pa.array(shown_parties, pa.string())),
                    pc.is_in(links["right_id"], value_set=pa.array(shown_parties, pa.string())),
                )
            )
            for r in lk.to_pylist():
                net.edges.append(
                    {
                        "source": r["left_id"],
                        "target": r["right_id"],
                        "kind": r["kind"],
                        "amount": 0.0,
                        "count": 1,
                    }
                )
        if trips is not None and not trips.empty:
            for r in trips.head(max_nodes // 3).itertuples(index=False):
                net.nodes.append(
                    {
                        "id": r.record_id,
                        "kind": "trip",
                        "label": f"{r.origin}→{r.destination} {r.route_number or ''}".strip(),
                        "amount": 0.0,
                    }
                )
                if r.payer_account in kept:
                    net.edges.append(
                        {
                            "source": r.payer_account,
                            "target": r.record_id,
                            "kind": "paid_ticket",
                            "amount": 0.0,
                            "count": 1,
                        }
                    )
        return net

    def neighbourhood(self, account_id: str) -> Network:
        """An account with its largest counterparties (by money moved) for the Entity page.

        Beyond :data:`MAX_NODES`, counterparties are folded into one ``other`` node whose
        edges carry what was sent to and received from them.
        """
        frame = self.counterparties(account_id, limit=None)
        kept, rest = frame.iloc[: MAX_NODES - 1], frame.iloc[MAX_NODES - 1 :]
        net = self.network([account_id, *kept["counterparty"].tolist()], [])
        if len(rest):
            sent, received = float(rest["sent_amount"].sum()), float(rest["received_amount"].sum())
            net.omitted_nodes, net.omitted_amount = len(rest), sent + received
            label = f"{len(rest):,} other accounts"
            net.nodes.append(
                {"id": "__other__", "kind": "other", "label": label, "amount": sent + received}
            )
            for source, target, amount, count in (
                (account_id, "__other__", sent, rest["sent_count"].sum()),
                ("__other__", account_id, received, rest["received_count"].sum()),
            ):
                if amount:
                    net.edges.append(
                        {
                            "source": source,
                            "target": target,
                            "kind": "transfer",
                            "amount": amount,
                            "count": int(count),
                        }
                    )
        return net

    # -- entities ----------------------------------------------------------------------------

    def counterparties(self, account_id: str, limit: int | None = MAX_ROWS) -> pd.DataFrame:
        """Who an account sends to and receives from, summed, largest first (``limit`` rows).

        Notes: read from the account's CSR rows, O(deg log deg).
        """
        node = self.graph.index_of([account_id])[0] if self.table("transactions").num_rows else -1

        def summed(csr: CSRGraph, prefix: str) -> pd.DataFrame:
            row = slice(csr.indptr[node], csr.indptr[node + 1]) if node >= 0 else slice(0, 0)
            n = csr.n_nodes
            count = np.bincount(csr.indices[row], minlength=n)
            others = np.flatnonzero(count)
            amount = np.bincount(csr.indices[row], csr.weights[row], minlength=n)
            return pd.DataFrame(
                {
                    "node": others,
                    f"{prefix}_amount": amount[others],
                    f"{prefix}_count": count[others],
                }
            )

        frame = (
            summed(self.graph.out, "sent")
            .merge(summed(self.graph.reverse, "received"), on="node", how="outer")
            .fillna(0)
        )
        frame.insert(0, "counterparty", self.graph.account_of(frame.pop("node").to_numpy()))
        if frame.empty:
            return pd.DataFrame(columns=["counterparty", "label", "sent_amount", "received_amount"])
        frame["label"] = frame["counterparty"].map(self.label)
        frame["total"] = frame["sent_amount"] + frame["received_amount"]
        frame = frame.sort_values("total", ascending=False)
        return (frame if limit is None else frame.head(limit)).reset_index(drop=True)
