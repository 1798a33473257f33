"""What a detector returns: the instances of one pattern, with the entities behind each.

Instances are stored column-wise (flat ``(instance, item)`` pairs), so a detector that finds
100,000 instances on 10M transactions builds them with numpy, not Python objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.detect.typologies import SOURCES  # noqa: F401  (re-exported for the detectors)

_EMPTY = np.zeros(0, np.int64)


@dataclass
class Hits:
    """Instances of one pattern.

    Attributes
    ----------
    pattern : str
        Pattern name, e.g. ``fan_in`` (see docs/detection.md).
    source : str
        Red-flag source of the pattern.
    params : dict
        Thresholds used.
    strength : float64 (n_instances,)
        How strongly each instance shows the pattern (≥ 1 at the threshold; used for ranking).
    anchor : int64 (n_instances,)
        The account node each instance is about (collector, hub, payer; -1 if none).
    node_inst, node : int64 pairs
        Account nodes of each instance.
    tx_inst, tx : int64 pairs
        Transaction rows of each instance.
    rec_inst, rec : int64 pairs
        Travel record rows of each instance.
    party_inst, party : int64 pairs
        Party indices of each instance.
    p, q : float64 (n_instances,) or None
        Significance set by :func:`engine.detect.significance.calibrate`: how likely the
        instance's statistic is by chance in this dataset (p), and the Benjamini-Hochberg
        q-value over the instances of this pattern.
    """

    pattern: str
    source: str
    params: dict[str, object]
    strength: np.ndarray
    anchor: np.ndarray
    node_inst: np.ndarray = field(default_factory=lambda: _EMPTY)
    node: np.ndarray = field(default_factory=lambda: _EMPTY)
    tx_inst: np.ndarray = field(default_factory=lambda: _EMPTY)
    tx: np.ndarray = field(default_factory=lambda: _EMPTY)
    rec_inst: np.ndarray = field(default_factory=lambda: _EMPTY)
    rec: np.ndarray = field(default_factory=lambda: _EMPTY)
    party_inst: np.ndarray = field(default_factory=lambda: _EMPTY)
    party: np.ndarray = field(default_factory=lambda: _EMPTY)
    p: np.ndarray | None = None
    q: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.strength)

    def _items(self, kind: str, i: int) -> np.ndarray:
        """Items of instance ``i`` from the pairs ``kind`` (index built once: O(k log k))."""
        cache = self.__dict__.setdefault("_index", {})
        if kind not in cache:
            inst, items = getattr(self, f"{kind}_inst"), getattr(self, kind)
            order = np.argsort(inst, kind="stable")
            bounds = np.searchsorted(inst[order], np.arange(len(self) + 1))
            cache[kind] = (items[order], bounds)
        items, bounds = cache[kind]
        return np.unique(items[bounds[i] : bounds[i + 1]])

    def nodes_of(self, i: int) -> np.ndarray:
        """Account nodes of instance ``i`` (sorted, unique)."""
        return self._items("node", i)

    def txs_of(self, i: int) -> np.ndarray:
        return self._items("tx", i)

    def recs_of(self, i: int) -> np.ndarray:
        return self._items("rec", i)

    def parties_of(self, i: int) -> np.ndarray:
        return self._items("party", i)

    def flagged_nodes(self) -> np.ndarray:
        return np.unique(self.node)

    def top(self, limit: int) -> Hits:
        """The ``limit`` strongest instances, renumbered."""
        if len(self) <= limit:
            return self
        keep = np.sort(np.argsort(-self.strength, kind="stable")[:limit])
        new = np.full(len(self), -1, np.int64)
        new[keep] = np.arange(len(keep))

        def pick(inst: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ok = new[inst] >= 0
            return new[inst[ok]], items[ok]

        return Hits(
            self.pattern,
            self.source,
            self.params,
            self.strength[keep],
            self.anchor[keep],
            *pick(self.node_inst, self.node),
            *pick(self.tx_inst, self.tx),
            *pick(self.rec_inst, self.rec),
            *pick(self.party_inst, self.party),
            None if self.p is None else self.p[keep],
            None if self.q is None else self.q[keep],
        )


def from_groups(
    pattern: str,
    source: str,
    params: dict[str, object],
    strength: Sequence[float] | np.ndarray,
    anchor: Sequence[int] | np.ndarray,
    nodes: Sequence[Sequence[int] | np.ndarray] | None = None,
    txs: Sequence[Sequence[int] | np.ndarray] | None = None,
    recs: Sequence[Sequence[int] | np.ndarray] | None = None,
    parties: Sequence[Sequence[int] | np.ndarray] | None = None,
) -> Hits:
    """Build :class:`Hits` from per-instance lists (for detectors with few instances)."""

    def flat(groups: Sequence[Sequence[int] | np.ndarray] | None) -> tuple[np.ndarray, ...]:
        if not groups:
            return _EMPTY, _EMPTY
        sizes = np.array([len(g) for g in groups], np.int64)
        inst = np.repeat(np.arange(len(groups), dtype=np.int64), sizes)
        items = np.concatenate([np.asarray(g, np.int64) for g in groups]) if len(inst) else _EMPTY
        return inst, items.astype(np.int64)

    return Hits(
        pattern,
        source,
        params,
        np.asarray(strength, np.float64),
        np.asarray(anchor, np.int64),
        *flat(nodes),
        *flat(txs),
        *flat(recs),
        *flat(parties),
    )


def from_segments(
    pattern: str,
    source: str,
    params: dict[str, object],
    strength: np.ndarray,
    anchor: np.ndarray,
    tx_inst: np.ndarray,
    tx: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
) -> Hits:
    """Build :class:`Hits` whose nodes are the endpoints of their transactions (vectorised)."""
    node_inst = np.concatenate([tx_inst, tx_inst])
    node = np.concatenate([src[tx], dst[tx]]).astype(np.int64)
    key = np.unique(node_inst * (int(node.max(initial=0)) + 1) + node)
    width = int(node.max(initial=0)) + 1
    return Hits(
        pattern,
        source,
        params,
        np.asarray(strength, np.float64),
        np.asarray(anchor, np.int64),
        key // width,
        key % width,
        np.asarray(tx_inst, np.int64),
        np.asarray(tx, np.int64),
    )


def empty_hits(pattern: str, source: str, params: dict[str, object]) -> Hits:
    return Hits(pattern, source, params, np.zeros(0), _EMPTY)
