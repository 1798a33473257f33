"""Read services for the dashboard: overview figures, clusters, entities, search, paths, traces.

The dashboard never touches loaders, kernels or a database driver; it asks a :class:`Workbench`.
A workbench wraps one :class:`~engine.store.base.Store`, reads each table once and keeps it
(and the money graph) until :meth:`Workbench.refresh` is called after an upload or an analysis
run. Results are pandas frames and small dataclasses, so Streamlit can cache and show them.

Pictures stay usable around hubs: every neighbourhood is capped to the most relevant nodes
(:data:`MAX_NODES`) and the rest is folded into one aggregate node whose label says how many
accounts and how much money it stands for.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine import schema
from engine.graph import CSRGraph, TransactionGraph, build_transaction_graph
from engine.store.base import Store

#: Most nodes drawn in one network picture; the rest is aggregated.
MAX_NODES = 150
#: Most rows listed for an entity's counterparties or a cluster's transactions.
MAX_ROWS = 2000
#: Most money-flow pairs drawn in a Sankey.
MAX_FLOWS = 40
#: Columns of a path table, one row per hop.
PATH_COLUMNS = ["hop", "from", "from_label", "to", "to_label", "tx_id", "ts", "amount", "transfers"]


@dataclass
class Network:
    """A capped picture: nodes and edges as records, and what was left out."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    omitted_nodes: int = 0
    omitted_amount: float = 0.0

    @property
    def note(self) -> str:
        """One line saying what the picture leaves out (empty when nothing)."""
        if not self.omitted_nodes:
            return ""
        return (
            f"{self.omitted_nodes:,} less relevant accounts "
            f"({self.omitted_amount:,.0f} moved) are folded into one 'other' node."
        )


@dataclass
class ClusterDetail:
    """Everything the Cluster page shows about one cluster."""

    info: dict[str, Any]
    members: pd.DataFrame
    evidence: pd.DataFrame
    transactions: pd.DataFrame
    trips: pd.DataFrame
    network: Network
    flows: pd.DataFrame


@dataclass
class EntityDetail:
    """Everything the Entity page shows about an account or a party."""

    entity_id: str
    kind: str
    label: str
    attributes: dict[str, Any]
    holdings: pd.DataFrame
    counterparties: pd.DataFrame
    transactions: pd.DataFrame
    trips: pd.DataFrame
    links: pd.DataFrame
    clusters: pd.DataFrame


class Workbench:
    """Cached read access to one store for the dashboard's pages.

    Parameters
    ----------
    store : Store
        Any backend; only the Store interface is used.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._tables: dict[str, pa.Table] = {}
        #: The data version the cached tables belong to (see :meth:`version`).
        self.seen_version: str | None = None

    # -- tables ------------------------------------------------------------------------------

    def table(self, name: str) -> pa.Table:
        """A canonical table (input or result), read once and kept."""
        if name not in self._tables:
            if name in schema.RESULT_TABLES:
                self._tables[name] = self.store.read_results(name)
            else:
                # One chunk per column: taking rows from many small chunks is slow.
                self._tables[name] = self.store.read_table(name).combine_chunks()
        return self._tables[name]

    def frame(self, name: str) -> pd.DataFrame:
        """A small table as a pandas frame (not for ``transactions``)."""
        return self.table(name).to_pandas()

    def refresh(self) -> None:
        """Forget every cached table and the graph (after an upload or an analysis run)."""
        self._tables.clear()
        self.__dict__.pop("graph", None)
        self.__dict__.pop("names", None)

    def version(self) -> str:
        """A key that changes when the data changes: batch count and latest run id."""
        runs = self.store.read_results("runs")
        run_id = runs["run_id"][-1].as_py() if runs.num_rows else ""
        return f"{self.store.count('batches')}:{run_id}"

    @cached_property
    def graph(self) -> TransactionGraph:
        """The money graph over all transactions (built once)."""
        return build_transaction_graph(self.table("transactions"))

    @cached_property
    def names(self) -> dict[str, str]:
        """Readable label per account (holder names) and per party (its name)."""
        parties = self.table("parties")
        party_names = dict(
            zip(parties["party_id"].to_pylist(), parties["name"].to_pylist(), strict=True)
        )
        labels: dict[str, str] = {k: v or k for k, v in party_names.items()}
        holdings = self.table("holdings")
        for pid, aid in zip(
            holdings["party_id"].to_pylist(), holdings["account_id"].to_pylist(), strict=True
        ):
            name = party_names.get(pid)
            if name and aid not in labels:
                labels[aid] = f"{name} · {aid}"
        return labels

    def label(self, entity_id: str) -> str:
        return self.names.get(entity_id, entity_id)

    def kind_of(self, entity_id: str) -> str:
        """``account``, ``party``, ``trip`` or ``unknown``."""
        for kind, name, column in (
            ("party", "parties", "party_id"),
            ("account", "accounts", "account_id"),
            ("trip", "travel", "record_id"),
        ):
            if pc.any(pc.equal(self.table(name)[column], entity_id)).as_py():
                return kind
        if len(self.graph.index_of([entity_id])) and self.graph.index_of([entity_id])[0] >= 0:
            return "account"
        return "unknown"

    # -- transactions helpers ----------------------------------------------------------------

    def transactions_where(self, rows: np.ndarray, limit: int = MAX_ROWS) -> pd.DataFrame:
        """Transactions at table ``rows`` as a frame sorted by time: the latest ``limit`` rows.

        Selecting the latest rows is O(k) (a partial selection), so a hub's million
        transactions do not need a full sort.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) > limit:
            rows = rows[np.argpartition(-self._row_ts[rows], limit - 1)[:limit]]
        table = self.table("transactions").take(pa.array(rows, pa.int64()))
        frame = table.sort_by([("ts", "ascending"), ("tx_id", "ascending")]).to_pandas()
        frame["src_name"] = frame["src_account"].map(self.label)
        frame["dst_name"] = frame["dst_account"].map(self.label)
        return frame

    @cached_property
    def _row_ts(self) -> np.ndarray:
        """Transaction times (int64 µs) in table row order."""
        return pc.cast(self.table("transactions")["ts"], pa.int64()).to_numpy()

    def _rows(self, accounts: list[str], *, inside: bool = False) -> np.ndarray:
        """Rows of the transactions touching ``accounts`` (or, with ``inside``, only those
        between two of them), found through the CSR rows: O(total degree), not O(m)."""
        idx = self.graph.index_of(accounts) if self.table("transactions").num_rows else []
        idx = np.asarray(idx, dtype=np.int64)
        idx = idx[idx >= 0]
        if not len(idx):
            return np.zeros(0, dtype=np.int64)

        def positions(csr: CSRGraph) -> np.ndarray:
            starts, ends = csr.indptr[idx], csr.indptr[idx + 1]
            lengths = ends - starts
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            return offsets + np.arange(int(lengths.sum()), dtype=np.int64)

        out = self.graph.out
        sent = positions(out)
        if inside:
            return np.sort(out.edge_ids[sent[np.isin(out.indices[sent], idx)]])
        touched = np.zeros(out.n_edges, dtype=bool)
        touched[out.edge_ids[sent]] = True
        touched[self.graph.reverse.edge_ids[positions(self.graph.reverse)]] = True
        return np.flatnonzero(touched)

    def trips_of(self, party_ids: list[str], payer_accounts: list[str]) -> pd.DataFrame:
        """Travel records of the parties (matched by ``links`` or document) or paid by them."""
        travel = self.table("travel")
        links = self.table("links")
        record_ids: set[str] = set()
        if links.num_rows:
            lk = links.filter(
                pc.is_in(links["left_id"], value_set=pa.array(party_ids, pa.string()))
            )
            lk = lk.filter(pc.equal(lk["right_kind"], "trip"))
            record_ids.update(lk["right_id"].to_pylist())
            rk = links.filter(
                pc.is_in(links["right_id"], value_set=pa.array(party_ids, pa.string()))
            )
            rk = rk.filter(pc.equal(rk["left_kind"], "trip"))
            record_ids.update(rk["left_id"].to_pylist())
        parties = self.table("parties").filter(
            pc.is_in(self.table("parties")["party_id"], value_set=pa.array(party_ids, pa.string()))
        )
        documents = [d for d in parties["id_document_number"].to_pylist() if d]
        mask = pc.or_kleene(
            pc.is_in(travel["record_id"], value_set=pa.array(sorted(record_ids), pa.string())),
            pc.is_in(travel["traveller_document"], value_set=pa.array(documents, pa.string())),
        )
        mask = pc.or_kleene(
            mask, pc.is_in(travel["payer_account"], value_set=pa.array(payer_accounts, pa.string()))
        )
        return travel.filter(pc.fill_null(mask, False)).sort_by("departure").to_pandas()

    # -- overview ----------------------------------------------------------------------------

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

    # -- clusters ----------------------------------------------------------------------------

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

    def cluster_detail(self, cluster_id: int) -> ClusterDetail:
        """Members, evidence, transactions, trips, network and flows of one cluster.

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
        accounts = members.loc[members["entity_kind"] == "account", "entity_id"].tolist()
        parties = members.loc[members["entity_kind"] == "party", "entity_id"].tolist()
        transactions = self.transactions_where(self._rows(accounts, inside=True))
        trips = self.trips_of(parties, accounts)
        network = self.network(accounts, parties, trips)
        return ClusterDetail(
            info=info,
            members=members.reset_index(drop=True),
            evidence=evidence.reset_index(drop=True),
            transactions=transactions,
            trips=trips,
            network=network,
            flows=self.flows(self._rows(accounts)),
        )

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

    # -- network pictures --------------------------------------------------------------------

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

    def entity_detail(self, entity_id: str) -> EntityDetail:
        """Holdings, counterparties, trips, linked identities and clusters of an entity.

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
            counterparties = self.counterparties(entity_id)
        else:
            attrs = self.frame_row("parties", "party_id", entity_id)
            accounts, parties = holdings["account_id"].tolist(), [entity_id]
            counterparties = pd.concat(
                [self.counterparties(a) for a in accounts] or [pd.DataFrame()]
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
            transactions=self.transactions_where(self._rows(accounts)),
            trips=self.trips_of(parties, accounts),
            links=links.reset_index(drop=True),
            clusters=clusters.reset_index(drop=True),
        )

    def frame_row(self, name: str, column: str, value: str) -> dict[str, Any]:
        table = self.table(name)
        rows = table.filter(pc.equal(table[column], value)).to_pylist()
        return {k: v for k, v in rows[0].items() if v is not None} if rows else {}

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

    def summary_json(self, cluster_id: int) -> str:
        """The cluster's row as JSON (for reports)."""
        detail = self.cluster_detail(cluster_id)
        return json.dumps(detail.info, default=str, sort_keys=True)

    # -- follow the money --------------------------------------------------------------------

    def accounts_of(self, entity_id: str) -> list[str]:
        """The account itself, or the accounts a party holds."""
        holdings = self.table("holdings")
        held = holdings.filter(pc.equal(holdings["party_id"], entity_id))["account_id"].to_pylist()
        return sorted(set(held)) if held else [entity_id]

    @cached_property
    def _hubless(self) -> tuple[CSRGraph, CSRGraph]:
        """Out- and reverse CSR without the rows of placeholder accounts (CASH, external-bank
        codes): money and paths may end at a placeholder but never pass through one."""
        graph = self.graph
        hubs = np.zeros(graph.n_nodes, dtype=bool)
        accounts = self.table("accounts")
        placeholders = accounts.filter(pc.equal(accounts["kind"], "placeholder"))["account_id"]
        idx = graph.index_of(placeholders.to_pylist())
        hubs[idx[idx >= 0]] = True
        return _drop_rows(graph.out, hubs), _drop_rows(graph.reverse, hubs)

    def _nodes(self, entity_id: str) -> list[int]:
        idx = self.graph.index_of(self.accounts_of(entity_id))
        return [int(i) for i in idx if i >= 0]

    def shortest_path(self, source: str, target: str) -> pd.DataFrame:
        """Fewest-hop money path from ``source`` to ``target`` (accounts or parties).

        Placeholder accounts (CASH, external-bank codes) are never passed through. One row per
        hop with the largest transfer between the pair and how many transfers there were;
        empty when there is no path. Notes: breadth-first search (``algorithms.paths``),
        O(n + m) per pair of accounts.
        """
        from algorithms.paths import shortest_path

        out, _ = self._hubless
        best: np.ndarray | None = None
        for s in self._nodes(source):
            for t in self._nodes(target):
                nodes = shortest_path(out.indptr, out.indices, s, t)
                if len(nodes) > 1 and (best is None or len(nodes) < len(best)):
                    best = nodes
        if best is None:
            return pd.DataFrame(columns=PATH_COLUMNS)
        positions = []
        for u, v in itertools.pairwise(best):
            row = np.arange(out.indptr[u], out.indptr[u + 1])
            row = row[out.indices[row] == v]
            positions.append(int(row[np.argmax(out.weights[row])]))
        return self._hops(out, np.asarray(positions, dtype=np.int64))

    def time_respecting_path(self, source: str, target: str) -> pd.DataFrame:
        """Earliest-arriving path whose transfers happen in non-decreasing time order.

        Equal timestamps chain (dates without times). One row per hop with the transfer used.
        Notes: ``algorithms.paths.time_respecting_path``, O(m log m) per pair of accounts.
        """
        from algorithms.paths import time_respecting_path

        out, _ = self._hubless
        start = int(out.ts.min()) if out.n_edges else 0
        best: tuple[int, np.ndarray] | None = None
        for s in self._nodes(source):
            for t in self._nodes(target):
                _, edges = time_respecting_path(
                    out.indptr, out.indices, out.ts, s, t, start_ts=start
                )
                if len(edges) and (best is None or out.ts[edges[-1]] < best[0]):
                    best = (int(out.ts[edges[-1]]), edges)
        if best is None:
            return pd.DataFrame(columns=PATH_COLUMNS)
        return self._hops(out, best[1])

    def _hops(self, out: CSRGraph, positions: np.ndarray) -> pd.DataFrame:
        """Path hops (CSR positions) as rows with the transactions behind them."""
        tx = self.table("transactions").take(pa.array(out.edge_ids[positions], pa.int64()))
        frame = tx.select(["src_account", "dst_account", "tx_id", "ts", "amount_base"]).to_pandas()
        frame.columns = ["from", "to", "tx_id", "ts", "amount"]
        frame.insert(0, "hop", range(1, len(frame) + 1))
        frame["from_label"] = frame["from"].map(self.label)
        frame["to_label"] = frame["to"].map(self.label)
        counts = []
        for u, v in zip(frame["from"], frame["to"], strict=True):
            row = slice(*out.indptr[self.graph.index_of([u])[0] + np.array([0, 1])])
            counts.append(int(np.sum(out.indices[row] == self.graph.index_of([v])[0])))
        frame["transfers"] = counts
        return frame[PATH_COLUMNS]

    def trace(self, entity_id: str, direction: str = "forward", hops: int = 4) -> pd.DataFrame:
        """Where an account's money went (``forward``) or came from (``backward``).

        Money conserves: each hop passes on at most what a transaction carried, only after it
        arrived (forward) or before it left (backward), in proportion to the transactions'
        amounts; placeholder accounts end the trail. Returns, per account reached, the traced
        ``amount`` that reached it and the part ``retained`` there. Notes: the event-driven
        kernels of ``algorithms.trace``, run from each of a party's accounts and summed.
        """
        from algorithms.trace import trace_backward, trace_forward

        if direction not in ("forward", "backward"):
            raise ValueError(f"direction must be 'forward' or 'backward', not {direction!r}")
        out, reverse = self._hubless
        csr, kernel = (out, trace_forward) if direction == "forward" else (reverse, trace_backward)
        columns = ["account", "label", "amount", "retained"]
        starts = self._nodes(entity_id)
        if not starts or not csr.n_edges:
            return pd.DataFrame(columns=columns)
        start = int(csr.ts.min()) if direction == "forward" else int(csr.ts.max()) + 1
        received = np.zeros(self.graph.n_nodes)
        retained = np.zeros(self.graph.n_nodes)
        for s in starts:
            result = kernel(
                csr.indptr, csr.indices, csr.weights, csr.ts, s, start_ts=start, max_hops=hops
            )
            received += result.received
            retained += result.retained
        reached = np.flatnonzero((received > 0) & ~np.isin(np.arange(len(received)), starts))
        frame = pd.DataFrame(
            {
                "account": self.graph.account_of(reached),
                "amount": received[reached],
                "retained": retained[reached],
            }
        )
        frame["label"] = frame["account"].map(self.label)
        frame = frame.sort_values("amount", ascending=False).head(MAX_ROWS)
        return frame[columns].reset_index(drop=True)

    # -- travel routes -----------------------------------------------------------------------

    def routes(self, trips: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """Travel legs grouped by origin → destination with coordinates for the map.

        Returns the legs that could be placed and the place codes that could not.
        """
        columns = [
            "origin",
            "destination",
            "legs",
            "travellers",
            "o_lat",
            "o_lon",
            "d_lat",
            "d_lon",
        ]
        if trips.empty:
            return pd.DataFrame(columns=columns), []
        grouped = (
            trips.assign(name=trips["traveller_name"].fillna("?"))
            .groupby(["origin", "destination"], as_index=False)
            .agg(
                legs=("record_id", "count"),
                travellers=("name", lambda s: ", ".join(sorted(set(s)))),
            )
        )
        places = place_coordinates()
        missing = sorted(
            {c for c in pd.concat([grouped["origin"], grouped["destination"]]) if c not in places}
        )
        grouped = grouped[grouped["origin"].isin(places) & grouped["destination"].isin(places)]
        for end, column in (("o", "origin"), ("d", "destination")):
            grouped[f"{end}_lat"] = [places[c][0] for c in grouped[column]]
            grouped[f"{end}_lon"] = [places[c][1] for c in grouped[column]]
        return grouped[columns].reset_index(drop=True), missing


def _drop_rows(csr: CSRGraph, rows: np.ndarray) -> CSRGraph:
    """``csr`` with the rows marked in ``rows`` emptied (order within rows kept), O(m)."""
    if not rows.any():
        return csr
    src = np.repeat(np.arange(csr.n_nodes, dtype=np.int64), np.diff(csr.indptr))
    keep = ~rows[src]
    counts = np.bincount(src[keep], minlength=csr.n_nodes)
    indptr = np.zeros(csr.n_nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return CSRGraph(
        indptr=indptr,
        indices=np.ascontiguousarray(csr.indices[keep]),
        weights=np.ascontiguousarray(csr.weights[keep]),
        ts=np.ascontiguousarray(csr.ts[keep]),
        edge_ids=np.ascontiguousarray(csr.edge_ids[keep]),
    )


_PLACES: dict[str, tuple[float, float]] | None = None


def place_coordinates() -> dict[str, tuple[float, float]]:
    """Latitude and longitude per place code: IATA airports, plus the synthetic world's
    seaports and border crossings (UN/LOCODE-style codes) when that package is present."""
    global _PLACES
    if _PLACES is None:
        import airportsdata

        places = {code: (a["lat"], a["lon"]) for code, a in airportsdata.load("IATA").items()}
        try:
            import csv
            from importlib import resources

            text = resources.files("engine.synth").joinpath("places.csv").read_text()
            for row in csv.DictReader(text.splitlines()):
                places[row["code"]] = (float(row["lat"]), float(row["lon"]))
        except (ModuleNotFoundError, FileNotFoundError, KeyError, ValueError):
            pass
        _PLACES = places
    return _PLACES
