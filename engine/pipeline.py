"""The analysis pipeline: store → graph → algorithms → ranked clusters → store.

``analyze`` is what ``moneytrail analyze``, the demo and the dashboard run. It reads the
canonical tables, builds the money graph once, finds components and communities with the Numba
kernels, describes every community (size, money in, inside and out, countries), scores and ranks
them, and writes the result tables back to the store as one unit.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine import schema
from engine.graph import TransactionGraph, build_transaction_graph, undirected_view
from engine.store.base import Store

#: Smallest community reported as a cluster.
MIN_CLUSTER_ACCOUNTS = 3
#: A node with more distinct counterparties than this (and kind "placeholder" accounts) is a
#: hub such as CASH or an external-bank code: kept out of community detection so it does not
#: glue unrelated customers together.
HUB_DEGREE = 1000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunSummary:
    """What one analysis run did, with the time each stage took (seconds)."""

    run_id: str
    n_accounts: int
    n_transactions: int
    n_components: int
    n_communities: int
    n_clusters: int
    n_hubs: int
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@contextmanager
def _stage(name: str, seconds: dict[str, float], progress: Progress | None) -> Iterator[None]:
    if progress:
        progress(name)
    start = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - start, 3)


def hub_nodes(graph: TransactionGraph, accounts: pa.Table) -> np.ndarray:
    """Boolean mask of hub nodes: placeholder accounts and nodes of extreme degree."""
    hubs = np.zeros(graph.n_nodes, dtype=bool)
    if accounts.num_rows:
        placeholders = accounts.filter(pc.equal(accounts["kind"], "placeholder"))["account_id"]
        idx = graph.index_of(placeholders.combine_chunks() if placeholders.num_chunks else [])
        hubs[idx[idx >= 0]] = True
    und = graph.undirected
    hubs |= und.degrees() > HUB_DEGREE
    return hubs


def analyze(
    store: Store,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    suspects: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Analyse everything in ``store`` and replace its results.

    Parameters
    ----------
    store : Store
    resolution : float
        Louvain resolution (higher gives smaller communities).
    seed : int
        Seed of the community detection, for reproducible results.
    suspects : sequence of str, optional
        Account ids an investigator already suspects; recorded with the run.
    progress : callable, optional
        Called with the name of each stage as it starts.

    Returns
    -------
    RunSummary
    """
    from algorithms.components import weakly_connected_components
    from algorithms.louvain import louvain

    seconds: dict[str, float] = {}
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"

    with _stage("read", seconds, progress):
        transactions = store.read_table(
            "transactions", columns=["tx_id", "ts", "src_account", "dst_account", "amount_base"]
        )
        accounts = store.read_table("accounts", columns=["account_id", "country", "kind"])
        holdings = store.read_table("holdings", columns=["party_id", "account_id"])
    with _stage("graph", seconds, progress):
        graph = build_transaction_graph(transactions)
        hubs = hub_nodes(graph, accounts)
        keep = ~(hubs[graph.src] | hubs[graph.dst])
        weights = transactions["amount_base"].to_numpy()
        ts = pc.cast(transactions["ts"], pa.int64()).to_numpy()
        core = undirected_view(
            graph.src[keep], graph.dst[keep], graph.n_nodes, weights[keep], ts[keep]
        )
    with _stage("components", seconds, progress):
        components = weakly_connected_components(core.indptr, core.indices)
    with _stage("communities", seconds, progress):
        communities = louvain(
            core.indptr, core.indices, core.weights, resolution=resolution, seed=seed
        ).labels.astype(np.int64)
        communities[hubs] = -1
    with _stage("clusters", seconds, progress):
        tables = describe_clusters(graph, communities, weights, accounts, holdings, run_id)
        tables["scores"] = account_scores(graph, components, communities, weights, run_id)
    summary = RunSummary(
        run_id=run_id,
        n_accounts=graph.n_nodes,
        n_transactions=graph.n_edges,
        n_components=int(components.max() + 1) if len(components) else 0,
        n_communities=len(np.unique(communities[communities >= 0])),
        n_clusters=tables["clusters"].num_rows,
        n_hubs=int(hubs.sum()),
        seconds=seconds,
    )
    with _stage("write", seconds, progress):
        tables["runs"] = pa.Table.from_pylist(
            [
                {
                    "run_id": run_id,
                    "started_at": started,
                    "finished_at": datetime.now(UTC),
                    "parameters": json.dumps(
                        {"resolution": resolution, "seed": seed, "suspects": list(suspects or [])}
                    ),
                    "summary": summary.to_json(),
                }
            ],
            schema=schema.RUNS,
        )
        store.write_results(tables)
    return summary


def describe_clusters(
    graph: TransactionGraph,
    communities: np.ndarray,
    weights: np.ndarray,
    accounts: pa.Table,
    holdings: pa.Table,
    run_id: str,
) -> dict[str, pa.Table]:
    """Cluster and member tables for communities of at least MIN_CLUSTER_ACCOUNTS accounts.

    Clusters are ranked by money moved inside them, then by money passing through; ``score``
    is the rank scaled to 0..1 (the detection stage replaces it with an evidence-based score).
    """
    n_labels = int(communities.max()) + 1 if len(communities) and communities.max() >= 0 else 0
    size = np.bincount(communities[communities >= 0], minlength=n_labels)
    cs, cd = communities[graph.src], communities[graph.dst]
    inside = (cs == cd) & (cs >= 0)
    volume = np.bincount(cs[inside], weights=weights[inside], minlength=n_labels)
    n_tx = np.bincount(cs[inside], minlength=n_labels)
    entering = (cd >= 0) & (cs != cd)
    inflow = np.bincount(cd[entering], weights=weights[entering], minlength=n_labels)
    leaving = (cs >= 0) & (cs != cd)
    outflow = np.bincount(cs[leaving], weights=weights[leaving], minlength=n_labels)

    labels = np.flatnonzero(size >= MIN_CLUSTER_ACCOUNTS)
    order = labels[np.lexsort((-(inflow[labels] + outflow[labels]), -volume[labels]))]
    cluster_of_label = np.full(max(n_labels, 1), -1, dtype=np.int64)
    cluster_of_label[order] = np.arange(1, len(order) + 1)

    node_cluster = np.where(communities >= 0, cluster_of_label[np.maximum(communities, 0)], -1)
    member_nodes = np.flatnonzero(node_cluster > 0)
    account_members = pa.table(
        {
            "cluster_id": pa.array(node_cluster[member_nodes], pa.int64()),
            "entity_id": graph.node_ids.take(pa.array(member_nodes)),
        }
    )
    party_members = (
        holdings.join(account_members, keys="account_id", right_keys="entity_id", join_type="inner")
        .group_by(["cluster_id", "party_id"])
        .aggregate([])
    )
    country_of = accounts.select(["account_id", "country"])
    countries = (
        account_members.join(country_of, keys="entity_id", right_keys="account_id")
        .filter(pc.is_valid(pc.field("country")))
        .group_by("cluster_id")
        .aggregate([("country", "distinct")])
    )
    countries_by_cluster = dict(
        zip(
            countries["cluster_id"].to_pylist(),
            countries["country_distinct"].to_pylist(),
            strict=True,
        )
    )
    parties_by_cluster = np.bincount(
        party_members["cluster_id"].to_numpy(), minlength=len(order) + 1
    )
    ranks = np.arange(1, len(order) + 1)
    clusters = pa.table(
        {
            "cluster_id": pa.array(ranks, pa.int64()),
            "rank": pa.array(ranks, pa.int64()),
            "score": pa.array(1.0 - (ranks - 1) / max(len(order), 1), pa.float64()),
            "n_accounts": pa.array(size[order], pa.int64()),
            "n_parties": pa.array(parties_by_cluster[ranks], pa.int64()),
            "n_transactions": pa.array(n_tx[order], pa.int64()),
            "volume": pa.array(volume[order]),
            "inflow": pa.array(inflow[order]),
            "outflow": pa.array(outflow[order]),
            "countries": pa.array(
                [sorted(countries_by_cluster.get(int(c), [])) for c in ranks],
                pa.list_(pa.string()),
            ),
            "flags": pa.array([[] for _ in ranks], pa.list_(pa.string())),
            "summary": pa.array(
                [
                    f"{size[label]} accounts moving {volume[label]:,.0f} among themselves"
                    for label in order
                ],
                pa.string(),
            ),
            "run_id": pa.array([run_id] * len(order), pa.string()),
        }
    )
    members = pa.concat_tables(
        [
            _members(
                account_members["cluster_id"], account_members["entity_id"], "account", run_id
            ),
            _members(party_members["cluster_id"], party_members["party_id"], "party", run_id),
        ]
    )
    return {"clusters": clusters, "cluster_members": members}


def _members(cluster_ids: pa.Array, entity_ids: pa.Array, kind: str, run_id: str) -> pa.Table:
    n = len(cluster_ids)
    return schema.conform(
        pa.table(
            {
                "cluster_id": cluster_ids,
                "entity_id": entity_ids,
                "entity_kind": pa.array([kind] * n, pa.string()),
                "run_id": pa.array([run_id] * n, pa.string()),
            }
        ),
        "cluster_members",
    )


def account_scores(
    graph: TransactionGraph,
    components: np.ndarray,
    communities: np.ndarray,
    weights: np.ndarray,
    run_id: str,
) -> pa.Table:
    """Per-account figures: component, community, degrees and money in and out."""
    n = graph.n_nodes
    return schema.conform(
        pa.table(
            {
                "entity_id": graph.node_ids,
                "entity_kind": pa.array(["account"] * n, pa.string()),
                "component": pa.array(components, pa.int64()),
                "community": pa.array(communities, pa.int64()),
                "in_degree": pa.array(np.bincount(graph.dst, minlength=n), pa.int64()),
                "out_degree": pa.array(np.bincount(graph.src, minlength=n), pa.int64()),
                "inflow": pa.array(np.bincount(graph.dst, weights=weights, minlength=n)),
                "outflow": pa.array(np.bincount(graph.src, weights=weights, minlength=n)),
                "run_id": pa.array([run_id] * n, pa.string()),
            }
        ),
        "scores",
    )
