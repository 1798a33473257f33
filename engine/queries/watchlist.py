"""Closeness to the watch list: personalised PageRank from the watched accounts and people.

An investigator's known suspects (:mod:`engine.store.watchlist`) are the seeds. A random walk
starts at a seed, follows transfers in either direction in proportion to the money moved
(paying a suspect and being paid by one both count), and at each step goes back to a seed with
probability 1 − :data:`DAMPING`. The share of its time the walk spends at an account is that
account's **closeness**; a person's is the sum over the accounts they hold, a case's the sum
over its core accounts. Shares add up to 1 over all accounts, so a case with closeness 0.2
holds a fifth of everything the watch list reaches; the seeds themselves hold the most.

Placeholder accounts (cash, external-bank codes) end a walk (it goes back to a seed) rather than
pass it on, or every cash depositor would be close to every other. A watched person counts
through the accounts they hold, their weight split between them, so one person with five
accounts weighs as much as one watched account. Entries not (yet) in the data are listed as
such and seed nothing.

Notes: :func:`algorithms.pagerank.pagerank` with a personalisation vector (Haveliwala 2002,
"Topic-sensitive PageRank"), over the symmetric transfer graph with summed weights; O(m) per
iteration. The reference test compares with ``networkx.pagerank(personalization=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.core.schema import CONTEXT_ROLE
from engine.queries.data import WorkbenchData

#: Probability that the walk follows a transfer rather than going back to a seed.
DAMPING = 0.85


@dataclass(frozen=True)
class Closeness:
    """Closeness of every account to the watch list (see the module docstring).

    ``share[i]`` belongs to account ``node_ids[i]`` (the workbench graph's node numbering);
    ``seeds`` are the watched accounts found in the data (a watched person's accounts too);
    ``missing`` the list's entries that name nothing in the data yet.
    """

    share: np.ndarray
    node_ids: list[str]
    seeds: list[str]
    missing: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing on the list is in the data (every share is 0)."""
        return not self.seeds

    def of_accounts(self, account_ids: list[str]) -> float:
        """The summed share of ``account_ids`` (unknown accounts add 0)."""
        index = {a: i for i, a in enumerate(self.node_ids)} if self.node_ids else {}
        return float(sum(self.share[index[a]] for a in account_ids if a in index))

    def percentile(self, value: float) -> float:
        """Share of accounts (0-100) whose closeness is below ``value``."""
        if not len(self.share):
            return 0.0
        return float(100.0 * np.count_nonzero(self.share < value) / len(self.share))


def seed_vector(wb: WorkbenchData, current: pa.Table) -> tuple[np.ndarray, list[str], list[str]]:
    """The personalisation vector of the list in force ``current``, the seeded accounts and the
    entries not found in the data."""
    graph = wb.graph
    p = np.zeros(graph.n_nodes, dtype=np.float64)
    missing: list[str] = []
    seeded: set[int] = set()
    for entity_id, kind in zip(
        current["entity_id"].to_pylist(), current["entity_kind"].to_pylist(), strict=True
    ):
        accounts = wb.accounts_of(entity_id) if kind == "party" else [entity_id]
        if kind == "party" and accounts == [entity_id]:
            accounts = []  # a party with no accounts held (or not in the data)
        nodes = [int(i) for i in graph.index_of(accounts) if i >= 0] if accounts else []
        if not nodes:
            missing.append(entity_id)
            continue
        p[nodes] += 1.0 / len(nodes)
        seeded.update(nodes)
    seeds = graph.account_of(np.array(sorted(seeded), dtype=np.int64)) if seeded else []
    return p, seeds, missing


def walk_graph(wb: WorkbenchData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``indptr, indices, weights`` of the symmetric transfer graph the walk follows: summed
    amounts per pair, with the edges out of placeholder accounts weighted 0 (a walk that
    reaches one goes back to a seed)."""
    und = wb.graph.undirected
    weights = np.nan_to_num(np.asarray(und.weights, dtype=np.float64), nan=0.0).clip(min=0.0)
    accounts = wb.table("accounts")
    placeholders = accounts.filter(pc.equal(accounts["kind"], "placeholder"))["account_id"]
    idx = wb.graph.index_of(placeholders.to_pylist()) if len(placeholders) else np.zeros(0)
    idx = idx[idx >= 0]
    if len(idx):
        hub = np.zeros(wb.graph.n_nodes, dtype=bool)
        hub[idx] = True
        rows = np.repeat(np.arange(wb.graph.n_nodes), np.diff(und.indptr))
        weights = np.where(hub[rows], 0.0, weights)
    return und.indptr, und.indices, weights


def closeness(wb: WorkbenchData, current: pa.Table) -> Closeness:
    """Closeness of every account of ``wb`` to the list in force ``current``."""
    from algorithms.pagerank import pagerank

    if not wb.table("transactions").num_rows:
        return Closeness(np.zeros(0), [], [], current["entity_id"].to_pylist())
    p, seeds, missing = seed_vector(wb, current)
    node_ids = wb.graph.node_ids.to_pylist()
    if not seeds:
        return Closeness(np.zeros(len(node_ids)), node_ids, [], missing)
    indptr, indices, weights = walk_graph(wb)
    share = pagerank(indptr, indices, weights, damping=DAMPING, personalization=p, tol=1e-12)
    return Closeness(share, node_ids, seeds, missing)


def case_closeness(wb: WorkbenchData, near: Closeness) -> pd.DataFrame:
    """Per case (cluster): ``watch_closeness``, the summed share of its core accounts, and
    ``watched``, how many of them are on the list (directly or held by a watched person)."""
    members = wb.table("cluster_members")
    columns = {"cluster_id": pd.Series(dtype="int64"), "watch_closeness": pd.Series(dtype=float),
               "watched": pd.Series(dtype="int64")}  # fmt: skip
    if not members.num_rows or not len(near.share):
        return pd.DataFrame(columns)
    core = members.filter(
        pc.and_(
            pc.equal(members["entity_kind"], "account"),
            pc.not_equal(pc.fill_null(members["role"], ""), CONTEXT_ROLE),
        )
    )
    frame = core.select(["cluster_id", "entity_id"]).to_pandas()
    position = pd.Series(np.arange(len(near.node_ids)), index=pd.Index(near.node_ids))
    at = position.reindex(frame["entity_id"]).to_numpy()
    found = ~np.isnan(at)
    frame["share"] = 0.0
    frame.loc[found, "share"] = near.share[at[found].astype(np.int64)]
    frame["watched"] = frame["entity_id"].isin(set(near.seeds)).astype("int64")
    out = frame.groupby("cluster_id", as_index=False).agg(
        watch_closeness=("share", "sum"), watched=("watched", "sum")
    )
    return out.astype({"cluster_id": "int64", "watched": "int64"})


def entity_closeness(wb: WorkbenchData, near: Closeness, entity_id: str) -> dict[str, object]:
    """An account's or a person's closeness: ``share``, ``percentile`` among all accounts
    (how many are less close), and ``watched`` (on the list, or holding a watched account)."""
    accounts = wb.accounts_of(entity_id)
    share = near.of_accounts(accounts)
    return {
        "share": share,
        "percentile": near.percentile(share) if share > 0 else 0.0,
        "watched": bool(set(accounts) & set(near.seeds)),
    }
