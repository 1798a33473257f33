"""Network pictures capped around hubs, and an account's counterparties.

:meth:`NetworkQueries.network` is the raw picture (exports use it); :meth:`NetworkQueries.picture`
is what the screen gets: filtered (:mod:`.filters`), grown by expanded nodes and a path, folded
to the element budget (:mod:`.folding`) and laid out in Python (:mod:`.layout`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.graph import CSRGraph
from engine.queries.data import WorkbenchData
from engine.queries.filters import Filters
from engine.queries.folding import MAX_ELEMENTS, aggregate_pairs, fold
from engine.queries.layout import spring_layout
from engine.queries.models import MAX_NODES, MAX_ROWS, Network

#: Counterparties an expanded account brings into the picture (the largest by money moved).
EXPAND_TOP = 10
#: Core accounts (the most money first) that folding never folds; the rest may be folded.
KEEP_CORE = 40
#: Counterparties drawn around an account on the Entity page.
ENTITY_NEIGHBOURS = 60
#: A path hop: (from account, to account, amount).
Hop = tuple[str, str, float]


class NetworkQueries(WorkbenchData):
    """Pictures of sets of accounts and of one account's neighbourhood."""

    def network(
        self,
        accounts: list[str],
        parties: list[str],
        trips: pd.DataFrame | None = None,
        max_nodes: int = MAX_NODES,
        filters: Filters | None = None,
    ) -> Network:
        """Accounts, their holders, transfers among them and the trips, capped at MAX_NODES.

        Accounts are ranked by the money they move inside the set; the least relevant beyond
        the cap are folded into one ``other`` node carrying their count and amount. With
        ``filters``, only the transfers that pass them are drawn.
        """
        tx = self.table("transactions")
        rows = self.filtered_rows(self._rows(accounts, inside=True), filters)
        inside = tx.take(pa.array(rows, pa.int64()))
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

    # -- the screen's picture ------------------------------------------------------------------

    def picture(
        self,
        accounts: Sequence[str],
        parties: Sequence[str],
        trips: pd.DataFrame | None = None,
        *,
        context: Sequence[str] = (),
        expanded: Sequence[str] = (),
        path: Sequence[Hop] = (),
        filters: Filters | None = None,
        max_elements: int = MAX_ELEMENTS,
        fade_context: bool = True,
        rest: dict[str, float] | None = None,
    ) -> Network:
        """The network as the screen draws it: filtered, grown, folded and laid out.

        Parameters
        ----------
        accounts, parties : sequence of str
            The case's core accounts and its people.
        trips : DataFrame, optional
            Travel records to draw (already filtered).
        context : sequence of str
            Context accounts (first-hop counterparties): drawn faded when ``fade_context``.
        expanded : sequence of str
            Nodes whose neighbourhood is drawn too: an account brings its :data:`EXPAND_TOP`
            largest counterparties (under ``filters``), a person the accounts they hold.
        path : sequence of (from, to, amount)
            Hops of a Follow-the-money path: drawn in red, their accounts added.
        filters : Filters, optional
            Only the transfers that pass them are drawn.
        max_elements : int
            Most nodes plus edges (:func:`engine.queries.folding.fold`).
        rest : dict, optional
            Counterparties not drawn (``n``, ``sent``, ``received``, ``sent_count``,
            ``received_count`` around ``accounts[0]``): one node standing for them all.

        Returns
        -------
        Network
            With ``positions`` (preset layout) and ``notes`` (every fold in words); a node
            carries ``faded``, ``expanded`` and ``path`` flags, an edge ``path``.

        Notes
        -----
        Positions are those of the unfiltered, unexpanded picture for the nodes it has (so
        narrowing the time or expanding a node moves nothing already on screen); new nodes
        are laid out around them. The base layout is kept until :meth:`refresh`.
        """
        core = list(dict.fromkeys(accounts))
        ctx = [a for a in dict.fromkeys(context) if a not in set(core)]
        grown: list[str] = []
        for node in expanded:
            grown.extend(self._expansion(node, filters))
        on_path = [a for hop in path for a in hop[:2]]
        extra = [a for a in (*expanded, *grown, *on_path) if self.kind_of(a) == "account"]
        everything = list(dict.fromkeys([*core, *ctx, *extra]))
        net = self.network(everything, list(parties), trips, max_nodes=10**9, filters=filters)
        faded = set(ctx) - set(extra) if fade_context else set()
        shown_path = set(on_path)
        for n in net.nodes:
            n["faded"] = n["id"] in faded
            n["expanded"] = n["id"] in set(expanded)
            n["path"] = n["id"] in shown_path
        self._draw_path(net, path)
        if rest and rest.get("n"):
            self._add_rest(net, core[0], rest)
        moved = {n["id"]: float(n.get("amount", 0.0)) for n in net.nodes}
        by_money = sorted(core, key=lambda a: (-moved.get(a, 0.0), a))
        keep = {*by_money[:KEEP_CORE], *expanded, *grown, *on_path, "__rest__"}
        folded = fold(net.nodes, net.edges, keep=keep, max_elements=max_elements)
        base = self._base_positions(core, ctx, list(parties), trips, fade_context, rest)
        out = Network(nodes=folded.nodes, edges=folded.edges, notes=folded.notes)
        out.omitted_nodes, out.omitted_amount = folded.folded_nodes, folded.folded_amount
        if rest and rest.get("n"):
            out.notes.insert(0, f"{int(rest['n']):,} smaller counterparties are one node.")
        out.positions = self._lay_out(out, base)
        return out

    def entity_picture(
        self,
        account_id: str,
        *,
        expanded: Sequence[str] = (),
        path: Sequence[Hop] = (),
        filters: Filters | None = None,
    ) -> Network:
        """An account with its :data:`ENTITY_NEIGHBOURS` largest counterparties (under
        ``filters``), the rest as one node, laid out and folded like :meth:`picture`; a
        person is drawn with the accounts they hold."""
        if self.kind_of(account_id) == "party":
            held = [a for a in self.accounts_of(account_id) if a != account_id]
            return self.picture(held, [account_id], expanded=expanded, path=path,
                                filters=filters, fade_context=False)  # fmt: skip
        frame = self._counterparty_sums(account_id, filters)
        kept, rest = frame.iloc[:ENTITY_NEIGHBOURS], frame.iloc[ENTITY_NEIGHBOURS:]
        summary = {
            "n": float(len(rest)),
            "sent": float(rest["sent_amount"].sum()),
            "received": float(rest["received_amount"].sum()),
            "sent_count": float(rest["sent_count"].sum()),
            "received_count": float(rest["received_count"].sum()),
        }
        return self.picture(
            [account_id],
            [],
            context=kept["counterparty"].tolist(),
            expanded=expanded,
            path=path,
            filters=filters,
            fade_context=False,
            rest=summary,
        )

    def _expansion(self, node: str, filters: Filters | None) -> list[str]:
        """What expanding ``node`` adds: an account's largest counterparties, a person's
        accounts."""
        kind = self.kind_of(node)
        if kind == "party":
            return [a for a in self.accounts_of(node) if a != node]
        if kind != "account":
            return []
        frame = self._counterparty_sums(node, filters)
        return frame["counterparty"].head(EXPAND_TOP).tolist()

    def _counterparty_sums(self, account_id: str, filters: Filters | None) -> pd.DataFrame:
        """Per counterparty of an account: sent and received amounts and counts under
        ``filters``, the largest total first (ties by id). O(degree)."""
        columns = ["counterparty", "sent_amount", "sent_count", "received_amount",
                   "received_count", "total"]  # fmt: skip
        if not self.table("transactions").num_rows:
            return pd.DataFrame(columns=columns)
        rows = self.filtered_rows(self._rows([account_id]), filters)
        tx = self.table("transactions").take(pa.array(rows, pa.int64()))
        frame = tx.select(["src_account", "dst_account", "amount_base"]).to_pandas()
        sent = frame[(frame["src_account"] == account_id) & (frame["dst_account"] != account_id)]
        got = frame[(frame["dst_account"] == account_id) & (frame["src_account"] != account_id)]
        out = (
            aggregate_pairs(sent["src_account"], sent["dst_account"], sent["amount_base"])
            .rename(
                columns={"target": "counterparty", "amount": "sent_amount", "count": "sent_count"}
            )
            .drop(columns="source")
            .merge(
                aggregate_pairs(got["src_account"], got["dst_account"], got["amount_base"])
                .rename(
                    columns={
                        "source": "counterparty",
                        "amount": "received_amount",
                        "count": "received_count",
                    }
                )
                .drop(columns="target"),
                on="counterparty",
                how="outer",
            )
            .fillna(0)
        )
        if out.empty:
            return pd.DataFrame(columns=columns)
        out["total"] = out["sent_amount"] + out["received_amount"]
        out = out.sort_values(["total", "counterparty"], ascending=[False, True], kind="stable")
        return out[columns].reset_index(drop=True)

    @staticmethod
    def _draw_path(net: Network, path: Sequence[Hop]) -> None:
        """Mark the path's hops on the transfer edges (adding a hop the filters left out)."""
        index = {(e["source"], e["target"]): e for e in net.edges if e["kind"] == "transfer"}
        for source, target, amount in path:
            edge = index.get((source, target))
            if edge is None:
                edge = {"source": source, "target": target, "kind": "transfer",
                        "amount": float(amount), "count": 1}  # fmt: skip
                net.edges.append(edge)
                index[(source, target)] = edge
            edge["path"] = True

    def _add_rest(self, net: Network, account: str, rest: dict[str, float]) -> None:
        """One node for the counterparties not drawn, with what went to and came from them."""
        total = rest["sent"] + rest["received"]
        net.nodes.append({"id": "__rest__", "kind": "other", "amount": total,
                          "label": f"{int(rest['n']):,} other counterparties",
                          "faded": False, "expanded": False, "path": False})  # fmt: skip
        for source, target, amount, count in (
            (account, "__rest__", rest["sent"], rest["sent_count"]),
            ("__rest__", account, rest["received"], rest["received_count"]),
        ):
            if amount:
                net.edges.append({"source": source, "target": target, "kind": "transfer",
                                  "amount": amount, "count": int(count)})  # fmt: skip

    @cached_property
    def _layouts(self) -> dict[Any, dict[str, tuple[float, float]]]:
        """Base positions per picture (dropped with the data by :meth:`refresh`)."""
        return {}

    def _base_positions(
        self,
        core: list[str],
        ctx: list[str],
        parties: list[str],
        trips: pd.DataFrame | None,
        fade_context: bool,
        rest: dict[str, float] | None,
    ) -> dict[str, tuple[float, float]]:
        """Positions of the unfiltered, unexpanded picture of the same case (kept)."""
        record_ids = tuple(trips["record_id"]) if trips is not None and not trips.empty else ()
        key = (tuple(core), tuple(ctx), tuple(parties), record_ids, fade_context)
        if key not in self._layouts:
            if len(self._layouts) >= 256:  # a long-running server sees many cases
                self._layouts.clear()
            base = self.picture_without_memory(core, ctx, parties, trips, fade_context, rest)
            self._layouts[key] = base.positions
        return self._layouts[key]

    def picture_without_memory(
        self,
        core: list[str],
        ctx: list[str],
        parties: list[str],
        trips: pd.DataFrame | None,
        fade_context: bool,
        rest: dict[str, float] | None,
    ) -> Network:
        """The base picture laid out afresh (no filters, expansion or path)."""
        net = self.network([*core, *ctx], parties, trips, max_nodes=10**9)
        faded = set(ctx) if fade_context else set()
        for n in net.nodes:
            n["faded"] = n["id"] in faded
        if rest and rest.get("n"):
            self._add_rest(net, core[0], rest)
        moved = {n["id"]: float(n.get("amount", 0.0)) for n in net.nodes}
        by_money = sorted(core, key=lambda a: (-moved.get(a, 0.0), a))
        folded = fold(net.nodes, net.edges, keep={*by_money[:KEEP_CORE], "__rest__"})
        out = Network(nodes=folded.nodes, edges=folded.edges, notes=folded.notes)
        out.positions = self._lay_out(out, {})
        return out

    @staticmethod
    def _lay_out(
        net: Network, fixed: dict[str, tuple[float, float]]
    ) -> dict[str, tuple[float, float]]:
        """Spring positions; ownership and ticket links pull as hard as the largest
        transfer, so a person sits by their account."""
        top = max((float(e["amount"]) for e in net.edges), default=1.0) or 1.0
        links = [
            (e["source"], e["target"], float(e["amount"]) if e["kind"] == "transfer" else top)
            for e in net.edges
        ]
        return spring_layout([n["id"] for n in net.nodes], links, fixed=fixed)

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
