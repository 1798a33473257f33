"""Run every detector on a frame, and the identity and travel edges of the combined graph."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.detect import cash, flows, smuggling, travel
from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.identity import Links, shared_identifiers
from engine.detect.people import party_links, person_of_record, traveller_links


@dataclass
class Detection:
    """Everything the detectors found in one frame."""

    hits: list[Hits]
    travellers: Links  # travel record → party
    parties: Links  # party ↔ party (same person)
    person: np.ndarray  # person key per travel record
    seconds: dict[str, float] = field(default_factory=dict)

    def by_pattern(self) -> dict[str, Hits]:
        return {h.pattern: h for h in self.hits}


def detect(frame: Frame, progress: Callable[[str], None] | None = None) -> Detection:
    """Run all detectors (generic flows, cash, smuggling money, travel, identities)."""
    seconds: dict[str, float] = {}
    hits: list[Hits] = []

    def stage(name: str, fn: Callable[[], list[Hits]]) -> None:
        if progress:
            progress(f"detect: {name}")
        start = time.perf_counter()
        hits.extend(fn())
        seconds[name] = round(time.perf_counter() - start, 3)

    stage("flows", lambda: flows.detect_flows(frame))
    stage("cash", lambda: cash.detect_cash(frame))
    stage("identity", lambda: [shared_identifiers(frame, party_links(frame))])
    stage("smuggling", lambda: smuggling.detect_smuggling(frame))
    stage("travel", lambda: travel.detect_travel(frame))
    return Detection(
        hits=hits,
        travellers=traveller_links(frame),
        parties=party_links(frame),
        person=person_of_record(frame),
        seconds=seconds,
    )


def identity_edges(frame: Frame, det: Detection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combined-graph edges from identities and travel (node numbering of
    :mod:`engine.detect.clusters`: accounts, then parties, then unmatched travellers)."""
    n = frame.n_nodes
    us, vs, ws = [], [], []
    # same person at two banks, and near-tie matches of one travel record
    us.append(n + det.parties.left)
    vs.append(n + det.parties.right)
    ws.append(np.full(len(det.parties.left), 3.0))
    best = det.person[det.travellers.left]
    other = det.travellers.right
    ok = best != other
    us.append(n + best[ok])
    vs.append(n + other[ok])
    ws.append(np.full(int(ok.sum()), 3.0))
    # co-travel
    a, b, shared = travel.co_travel_pairs(frame)
    us.append(n + a)
    vs.append(n + b)
    ws.append(np.minimum(shared, 4).astype(np.float64))
    # ticket payer ↔ traveller
    payer = frame.graph.index_of(frame.travel.column("payer_account").combine_chunks())
    has = payer >= 0
    has[has] = ~frame.hub[payer[has]]
    us.append(payer[has])
    vs.append(n + det.person[has])
    ws.append(np.full(int(has.sum()), 2.0))
    return (
        np.concatenate(us).astype(np.int64),
        np.concatenate(vs).astype(np.int64),
        np.concatenate(ws).astype(np.float64),
    )
