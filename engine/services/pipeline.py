"""The analysis pipeline: store → detection frame → detectors → communities → ranked clusters
with evidence → store.

``analyze`` is what ``moneytrail analyze``, the demo and the dashboard run. It reads the
canonical tables, builds the money graph once, runs every typology, travel and identity detector
(:mod:`engine.detect`), finds communities of the combined money/identity/travel graph with the
Numba kernels, scores and ranks them from their evidence, and writes the result tables back to
the store as one unit.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.detect.config import DetectionConfig
from engine.detect.frame import Frame
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
    patterns: dict[str, int] = field(default_factory=dict)  # instances found per pattern
    n_links: int = 0
    #: Rows the analysis could not weigh, by reason (see :mod:`engine.services.screen`).
    set_aside: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass
class Analysis:
    """What :func:`analyze_tables` returns: result tables, summary, and the frame and detection
    they came from (for benchmarks and investigation tools)."""

    results: dict[str, pa.Table]
    summary: RunSummary
    frame: Any
    detection: Any


@contextmanager
def _stage(name: str, seconds: dict[str, float], progress: Progress | None) -> Iterator[None]:
    if progress:
        progress(name)
    start = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - start, 3)


def analyze(
    store: Store,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    suspects: Sequence[str] | None = None,
    progress: Progress | None = None,
    config: DetectionConfig | None = None,
) -> RunSummary:
    """Analyse everything in ``store`` and replace its results.

    Reads the canonical tables, builds the detection frame (money graph, codes, hubs), runs
    every detector (:mod:`engine.detect`), resolves identities, finds communities of the
    combined money/identity/travel graph, scores and ranks them from their evidence, and writes
    ``runs``, ``clusters``, ``cluster_members``, ``evidence``, ``scores`` and ``links`` as one
    unit. Cases keep their ids across runs while they are the same case
    (:func:`write_analysis`).

    Parameters
    ----------
    store : Store
    resolution : float
        Louvain resolution (higher gives smaller communities).
    seed : int
        Seed of the community detection, for reproducible results.
    suspects : sequence of str, optional
        Account or party ids an investigator already suspects: clusters are ranked by their
        personalised-PageRank closeness to them as well as by their evidence.
    progress : callable, optional
        Called with the name of each stage as it starts.
    config : DetectionConfig, optional
        Detection thresholds (defaults documented in docs/detection.md).

    Returns
    -------
    RunSummary
    """
    seconds: dict[str, float] = {}
    with _stage("read", seconds, progress):
        tables = {name: store.read_table(name) for name in schema.INPUT_TABLES}
        decisions = store.read_dispositions()
    analysis = analyze_tables(
        tables, resolution=resolution, seed=seed, suspects=suspects, progress=progress,
        config=config, seconds=seconds, decisions=decisions,
    )  # fmt: skip
    with _stage("write", seconds, progress):
        write_analysis(store, analysis.results, analysis.summary.run_id)
    return analysis.summary


def write_analysis(store: Store, results: dict[str, pa.Table], run_id: str) -> None:
    """Write a run's results with stable case ids: each case keeps the id of the previous
    run's case it matches (:mod:`engine.services.case_identity`), and the run's case lineage
    is appended in the same unit."""
    from engine.services.case_identity import stabilise

    tables, lineage = stabilise(store, results, run_id)
    store.write_results(tables, ledgers={"case_lineage": lineage})


def analyze_tables(
    tables: dict[str, pa.Table],
    *,
    resolution: float = 1.0,
    seed: int = 0,
    suspects: Sequence[str] | None = None,
    progress: Progress | None = None,
    config: DetectionConfig | None = None,
    seconds: dict[str, float] | None = None,
    decisions: pa.Table | None = None,
    hubs: Sequence[str] | None = None,
    run_id: str | None = None,
) -> Analysis:
    """The analysis of :func:`analyze` on canonical tables in memory (no store).

    Returns the result tables (``runs`` included), the run summary and the detection itself;
    benchmarks and tests use it to measure detection without a store round trip.
    ``decisions`` (the store's dispositions) label accounts for the triage model
    (:mod:`engine.triage`). It is also the per-graph analysis the Spark engine
    (:mod:`engine.services.spark`) runs on each part of a world.

    Parameters
    ----------
    hubs : sequence of str, optional
        Account ids to treat as hubs in addition to those found in ``tables`` (a part of a
        larger world sees only some of a hub's transfers, so it is told the world's hubs).
    run_id : str, optional
        The run id to write into the result tables (default: a new one).
    """
    from algorithms.components import weakly_connected_components
    from engine.detect.cases import build_cases
    from engine.detect.clusters import communities, node_pagerank
    from engine.detect.evidence import result_tables
    from engine.detect.frame import build_frame
    from engine.detect.run import detect, identity_edges
    from engine.services.screen import screen

    seconds = {} if seconds is None else seconds
    started = datetime.now(UTC)
    run_id = run_id or f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    with _stage("graph", seconds, progress):
        tables, set_aside = screen(canonical_order(tables))
        frame = build_frame(**tables, config=config or DetectionConfig(hub_degree=HUB_DEGREE))
        if hubs is not None and len(hubs):
            frame.hub |= pc.is_in(frame.graph.node_ids, pa.array(list(hubs), pa.string())).to_numpy(
                zero_copy_only=False
            )
    with _stage("detect", seconds, progress):
        det = detect(frame)
    with _stage("communities", seconds, progress):
        com = communities(frame, det.hits, identity_edges(frame, det), resolution=resolution,
                          seed=seed)  # fmt: skip
        components = (
            weakly_connected_components(com.indptr, com.indices)
            if len(com.labels)
            else np.zeros(0, np.int64)
        )
    with _stage("clusters", seconds, progress):
        suspect_nodes = _suspect_nodes(frame, suspects or [])
        pagerank = node_pagerank(com, suspect_nodes)
        cases = build_cases(frame, det.hits, com, pagerank if len(suspect_nodes) else None)
        results = result_tables(frame, det, com, cases, run_id, components, pagerank)
    with _stage("triage", seconds, progress):
        from engine.triage.run import triage_tables

        results.update(triage_tables(frame, results, decisions, run_id, seed=seed))
    n_lab = com.labels[: frame.n_nodes]
    summary = RunSummary(
        run_id=run_id,
        n_accounts=frame.n_nodes,
        n_transactions=frame.n_tx,
        n_components=len(np.unique(components[: frame.n_nodes][n_lab >= 0])) if len(n_lab) else 0,
        n_communities=len(np.unique(n_lab[n_lab >= 0])),
        n_clusters=results["clusters"].num_rows,
        n_hubs=int(frame.hub.sum()),
        seconds=seconds,
        patterns={h.pattern: len(h) for h in det.hits},
        n_links=results["links"].num_rows,
        set_aside=set_aside,
    )
    results["runs"] = pa.Table.from_pylist(
        [
            {
                "run_id": run_id,
                "started_at": started,
                "finished_at": datetime.now(UTC),
                "parameters": json.dumps(
                    {
                        "resolution": resolution,
                        "seed": seed,
                        "suspects": list(suspects or []),
                        "thresholds": asdict(frame.config),
                    },
                    default=str,
                ),
                "summary": summary.to_json(),
            }
        ],
        schema=schema.RUNS,
    )
    return Analysis(results, summary, frame, det)


def canonical_order(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The tables sorted by their keys (transactions by time, then ``tx_id``).

    Stores return rows in their own order (the EmbeddedStore in upload order, Neo4j in
    whatever order its scans give), and community detection and tie-breaks follow row order.
    Sorting first makes an analysis depend on the data only: the same rows give the same
    clusters on either backend and whatever order the files were uploaded in.
    """
    out = {}
    for name, table in tables.items():
        keys = schema.KEYS.get(name)
        if table is None or not keys or table.num_rows < 2:
            out[name] = table
            continue
        order = ("ts", *keys) if name == "transactions" else keys
        out[name] = table.sort_by([(column, "ascending") for column in order])
    return out


def _suspect_nodes(frame: Frame, suspects: Sequence[str]) -> np.ndarray:
    """Combined-graph nodes of the suspects' account or party ids (unknown ids are ignored)."""
    if not suspects:
        return np.zeros(0, np.int64)
    acc = frame.graph.index_of(list(suspects))
    parties = frame.party_index
    par = np.array([parties.get(s, -1) for s in suspects], np.int64)
    nodes = np.r_[acc[acc >= 0], frame.n_nodes + par[par >= 0]]
    return np.unique(nodes).astype(np.int64)
