"""Run every detector on a frame, and the identity and travel edges of the combined graph."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from engine.detect import travel
from engine.detect.frame import Frame
from engine.detect.hits import Hits
from engine.detect.identity import Links
from engine.detect.people import party_links, person_of_record, traveller_links
from engine.detect.significance import calibrate
from engine.detect.typologies import TYPOLOGIES, typology


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
    """Run every registered detector (:data:`engine.detect.typologies.TYPOLOGIES`, in order).

    Each spec's detect function runs once (a function returning several patterns serves all
    their specs); the time is summed per stage. Every pattern returned must have a spec whose
    red-flag source it carries, and every spec must get its pattern. Every finding is then
    calibrated (:func:`engine.detect.significance.calibrate`: ``Hits.p`` and ``Hits.q``).

    Raises
    ------
    KeyError
        A detector returned a pattern without a spec.
    ValueError
        A detector's source disagrees with its spec, or a spec's pattern was not returned.
    """
    seconds: dict[str, float] = {}
    found: dict[str, Hits] = {}
    done: set[str] = set()
    for spec in TYPOLOGIES:
        if spec.detect in done:
            continue
        done.add(spec.detect)
        if progress:
            progress(f"detect: {spec.stage}")
        start = time.perf_counter()
        out = spec.function()(frame)
        seconds[spec.stage] = round(seconds.get(spec.stage, 0.0) + time.perf_counter() - start, 3)
        for h in [out] if isinstance(out, Hits) else out:
            if typology(h.pattern).source_text != h.source:
                raise ValueError(f"{h.pattern}: source {h.source!r} is not its spec's")
            found[h.pattern] = h
    missing = [t.name for t in TYPOLOGIES if t.name not in found]
    if missing:
        raise ValueError(f"registered patterns not returned by their detect function: {missing}")
    start = time.perf_counter()
    calibrate(frame, list(found.values()))
    seconds["significance"] = round(time.perf_counter() - start, 3)
    return Detection(
        hits=[found[t.name] for t in TYPOLOGIES],
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
