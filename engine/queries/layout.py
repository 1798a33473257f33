"""Server-side positions for the network picture: a seeded spring layout.

The browser's force layouts (cose, fcose) start from random positions, so a case looked
different at each load and an investigator lost their bearings. Here the positions are
computed once in Python and sent as a preset layout:

* the same nodes and edges give the same positions whatever order they come in (nodes and
  edges are sorted first, and each node's starting point is a hash of its id and the seed);
* nodes already on screen can be held ``fixed`` while new ones (an expanded neighbourhood, a
  path) find their place around them, so the picture grows in place.

Notes
-----
Fruchterman & Reingold (1991), "Graph drawing by force-directed placement", with a linear
cooling schedule; vectorised numpy, O(iterations · n²) time and O(n²) memory, which is fine for
the few hundred nodes a picture may hold (:data:`engine.queries.folding.MAX_ELEMENTS`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import numpy as np

#: Width and height of the drawing, in Cytoscape's model units (pixels at zoom 1).
WIDTH, HEIGHT = 1000.0, 700.0
ITERATIONS = 150
#: Pull towards the centre (keeps separate pieces on screen), per unit of distance.
GRAVITY = 0.02
#: The ideal distance between nodes as a multiple of sqrt(area / n).
SPREAD = 1.5


def spring_layout(
    nodes: Iterable[str],
    edges: Iterable[tuple[str, str, float]],
    *,
    fixed: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 7,
    iterations: int = ITERATIONS,
) -> dict[str, tuple[float, float]]:
    """Positions for ``nodes`` in a WIDTH × HEIGHT box, linked nodes close together.

    Parameters
    ----------
    nodes : iterable of str
        Node ids (duplicates are ignored).
    edges : iterable of (source, target, weight)
        Links between nodes; a heavier link pulls harder (weight is compressed as
        ``1 + log1p(weight)``); links to unknown nodes and self-loops are ignored.
    fixed : mapping of id to (x, y), optional
        Nodes that keep these positions (nodes not in ``nodes`` are ignored).
    seed : int
        Changes the starting points, never the determinism.
    iterations : int
        Steps of the simulation.

    Returns
    -------
    dict of id to (x, y)
        Rounded to 0.1, so the same input gives byte-identical output.
    """
    ids = sorted(set(nodes))
    n = len(ids)
    if n == 0:
        return {}
    fixed = {k: v for k, v in (fixed or {}).items() if k in set(ids)}
    index = {node: i for i, node in enumerate(ids)}
    pairs: dict[tuple[int, int], float] = {}
    for source, target, weight in edges:
        if source == target or source not in index or target not in index:
            continue
        a, b = sorted((index[source], index[target]))
        pairs[(a, b)] = pairs.get((a, b), 0.0) + max(float(weight or 0.0), 0.0)
    ordered = sorted(pairs.items())
    src = np.array([p[0][0] for p in ordered], dtype=np.int64)
    dst = np.array([p[0][1] for p in ordered], dtype=np.int64)
    strength = 1.0 + np.log1p(np.array([p[1] for p in ordered], dtype=np.float64))
    strength /= strength.max() if len(strength) else 1.0

    pos = np.array([_start(node, seed) for node in ids], dtype=np.float64)
    pinned = np.zeros(n, dtype=bool)
    for node, (x, y) in sorted(fixed.items()):
        pos[index[node]] = (x, y)
        pinned[index[node]] = True
    if pinned.any() and not pinned.all():
        # new nodes start next to a pinned neighbour when they have one (they grow in place)
        for a, b in zip(src, dst, strict=True):
            for new, old in ((a, b), (b, a)):
                if not pinned[new] and pinned[old]:
                    pos[new] = pos[old] + 0.08 * (pos[new] - 0.5 * np.array([WIDTH, HEIGHT]))
    if n == 1 or pinned.all():
        return _rounded(ids, pos if pinned.all() else np.array([[WIDTH / 2, HEIGHT / 2]]))

    k = SPREAD * np.sqrt(WIDTH * HEIGHT / n)  # the ideal distance between two nodes
    temperature = WIDTH / 10
    centre = np.array([WIDTH / 2, HEIGHT / 2])
    for step in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.sqrt((delta**2).sum(axis=2)) + 1e-9
        repel = k * k / distance**2
        if pinned.any():
            # growing in place: only near nodes push, so a new node stays by its anchor
            repel *= distance < 1.5 * k
        push = repel[:, :, None] * delta  # repulsion (every pair when laying out afresh)
        move = push.sum(axis=1)
        if len(src):
            d = pos[src] - pos[dst]
            length = np.sqrt((d**2).sum(axis=1)) + 1e-9
            pull = (length / k * strength)[:, None] * d  # attraction along the links
            np.add.at(move, src, -pull)
            np.add.at(move, dst, pull)
        move += GRAVITY * (centre - pos)  # gravity keeps separate pieces on screen
        size = np.sqrt((move**2).sum(axis=1)) + 1e-9
        limit = temperature * (1.0 - step / iterations) + 1.0
        pos += np.where(
            pinned[:, None], 0.0, move / size[:, None] * np.minimum(size, limit)[:, None]
        )
    pos = np.clip(pos, 0.0, [WIDTH, HEIGHT]) if pinned.any() else _fit(pos)
    return _rounded(ids, pos)


def _start(node: str, seed: int) -> tuple[float, float]:
    """A starting point that depends only on the node's id and the seed (never on order)."""
    digest = hashlib.blake2b(f"{seed}:{node}".encode(), digest_size=8).digest()
    x = int.from_bytes(digest[:4], "big") / 2**32
    y = int.from_bytes(digest[4:], "big") / 2**32
    return x * WIDTH, y * HEIGHT


def _fit(pos: np.ndarray) -> np.ndarray:
    """Scale and shift into the box with a margin, keeping the aspect ratio."""
    low, high = pos.min(axis=0), pos.max(axis=0)
    span = np.maximum(high - low, 1e-9)
    margin = 40.0
    scale = min((WIDTH - 2 * margin) / span[0], (HEIGHT - 2 * margin) / span[1])
    out: np.ndarray = (pos - low) * scale + margin
    return out


def _rounded(ids: list[str], pos: np.ndarray) -> dict[str, tuple[float, float]]:
    return {
        node: (round(float(x), 1), round(float(y), 1))
        for node, (x, y) in zip(ids, pos, strict=True)
    }
