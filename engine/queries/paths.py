"""Follow the money: shortest and time-respecting paths, and traced amounts."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.graph import CSRGraph
from engine.queries.data import WorkbenchData
from engine.queries.models import MAX_ROWS, PATH_COLUMNS


class PathQueries(WorkbenchData):
    """Paths and traces between accounts or parties (a party stands for its accounts)."""

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
