"""The workbench's base: tables read once, the money graph, labels and row lookups."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.graph import CSRGraph, TransactionGraph, build_transaction_graph
from engine.queries.filters import Filters, transaction_mask
from engine.queries.models import MAX_ROWS
from engine.store.base import Store


class WorkbenchData:
    """Cached read access to one store: the tables, the money graph and labels.

    One workbench is shared by every dashboard session of a process, so reading a table and
    forgetting them all (:meth:`refresh`) hold a lock: a page never sees a mixture of the data
    before and after an upload.

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
        self._lock = threading.RLock()

    # -- tables ------------------------------------------------------------------------------

    def table(self, name: str) -> pa.Table:
        """A canonical table (input or result), read once and kept."""
        with self._lock:
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
        """Forget every cached table and everything derived from them (after an upload or an
        analysis run): the graph, labels, row times and the hub-free graphs."""
        with self._lock:
            self._tables.clear()
            for name in _cached_properties(type(self)):
                self.__dict__.pop(name, None)

    def warm_up(self) -> None:
        """Read every table and build the graph, labels and lookups now.

        The dashboard calls this in the background when its server starts, so the work is
        done while the first user signs in rather than on their first page. Holds the lock
        throughout: a :meth:`refresh` that arrives meanwhile waits and then drops it all.
        """
        with self._lock:
            self.seen_version = self.version()
            for name in (*schema.INPUT_TABLES, *schema.RESULT_TABLES):
                self.table(name)
            if self.table("transactions").num_rows:
                _ = self.graph, self._row_ts, self._hubless
            _ = self.names

    def sync(self) -> None:
        """Forget the cached data if it changed since it was read (see :meth:`version`).

        Checked under the lock, so a :meth:`warm_up` in progress is waited for and kept.
        """
        with self._lock:
            version = self.version()
            if self.seen_version != version:
                self.refresh()
                self.seen_version = version

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
    def account_country(self) -> dict[str, str | None]:
        """Country per account (from the accounts table; unknown accounts are absent)."""
        accounts = self.table("accounts")
        return dict(
            zip(accounts["account_id"].to_pylist(), accounts["country"].to_pylist(), strict=True)
        )

    def row_mask(self, rows: np.ndarray, filters: Filters | None) -> np.ndarray:
        """Which transactions at table ``rows`` pass ``filters`` (all when None or inactive).

        Notes: O(len(rows)): only those rows' columns are read.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if filters is None or not filters.active or not len(rows):
            return np.ones(len(rows), dtype=bool)
        taken = pa.array(rows, pa.int64())
        tx = self.table("transactions")

        def column(name: str) -> np.ndarray:
            return np.asarray(tx[name].take(taken).to_numpy(zero_copy_only=False))

        country = self.account_country
        src_country = np.array([country.get(a) for a in column("src_account")], dtype=object)
        dst_country = np.array([country.get(a) for a in column("dst_account")], dtype=object)
        return transaction_mask(
            self._row_ts[rows],
            column("amount_base").astype(float),
            column("channel").astype(object),
            src_country,
            dst_country,
            filters,
        )

    def time_span(self, accounts: list[str]) -> tuple[int, int] | None:
        """First and last time (epoch µs) of the transactions touching ``accounts``, or None.

        Notes: O(total degree), through the CSR rows.
        """
        rows = self._rows(accounts)
        if not len(rows):
            return None
        ts = self._row_ts[rows]
        return int(ts.min()), int(ts.max())

    def filtered_rows(self, rows: np.ndarray, filters: Filters | None) -> np.ndarray:
        """The transaction ``rows`` that pass ``filters``."""
        rows = np.asarray(rows, dtype=np.int64)
        return rows[self.row_mask(rows, filters)]

    @cached_property
    def _row_ts(self) -> np.ndarray:
        """Transaction times (int64 µs) in table row order."""
        return pc.cast(self.table("transactions")["ts"], pa.int64()).to_numpy()

    def _rows(self, accounts: list[str], *, inside: bool = False) -> np.ndarray:
        """Rows of the transactions touching ``accounts`` (or, with ``inside``, only those
        between two of them), found through the CSR rows: O(total degree), not O(m)."""
        found: np.ndarray | list[int] = (
            self.graph.index_of(accounts) if self.table("transactions").num_rows else []
        )
        idx = np.asarray(found, dtype=np.int64)
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

    def frame_row(self, name: str, column: str, value: str) -> dict[str, Any]:
        table = self.table(name)
        rows = table.filter(pc.equal(table[column], value)).to_pylist()
        return {k: v for k, v in rows[0].items() if v is not None} if rows else {}

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


def _cached_properties(cls: type) -> set[str]:
    """Names of every ``cached_property`` of ``cls`` and its bases: all of them are computed
    from the tables, so :meth:`WorkbenchData.refresh` drops them all (a hand-kept list once
    missed two, and paths after an upload used the old graph)."""
    return {
        name
        for klass in cls.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, cached_property)
    }
