"""The server-side layout: deterministic, order-free, grows in place, keeps nodes apart."""

from __future__ import annotations

import itertools
import random

import numpy as np

from engine.queries.layout import HEIGHT, WIDTH, spring_layout

NODES = [f"n{i}" for i in range(30)]
# two triangles joined by one bridge, plus a star around n10
EDGES = [("n0", "n1", 5.0), ("n1", "n2", 5.0), ("n2", "n0", 5.0), ("n3", "n4", 1.0),
         ("n4", "n5", 1.0), ("n5", "n3", 1.0), ("n2", "n3", 1.0)]  # fmt: skip
EDGES += [("n10", f"n{i}", 1.0) for i in range(11, 30)]


def test_same_positions_whatever_the_input_order():
    first = spring_layout(NODES, EDGES)
    rng = random.Random(3)
    for _ in range(3):
        nodes, edges = (
            NODES[:],
            [(t, s, w) if rng.random() < 0.5 else (s, t, w) for s, t, w in EDGES],
        )
        rng.shuffle(nodes)
        rng.shuffle(edges)
        assert spring_layout(nodes, edges) == first


def test_seed_changes_the_picture_not_the_determinism():
    assert spring_layout(NODES, EDGES, seed=1) == spring_layout(NODES, EDGES, seed=1)
    assert spring_layout(NODES, EDGES, seed=1) != spring_layout(NODES, EDGES, seed=2)


def test_inside_the_box_and_nodes_apart():
    pos = spring_layout(NODES, EDGES)
    xy = np.array(list(pos.values()))
    assert (xy[:, 0] >= 0).all() and (xy[:, 0] <= WIDTH).all()
    assert (xy[:, 1] >= 0).all() and (xy[:, 1] <= HEIGHT).all()
    closest = min(np.hypot(*(a - b)) for a, b in itertools.combinations(xy, 2))
    assert closest > 5.0


def test_linked_nodes_are_closer_than_unlinked_ones():
    pos = {k: np.array(v) for k, v in spring_layout(NODES, EDGES).items()}
    linked = np.mean([np.hypot(*(pos[s] - pos[t])) for s, t, _ in EDGES])
    unlinked = np.mean([np.hypot(*(pos[a] - pos[b])) for a in ("n0", "n1") for b in ("n20", "n25")])
    assert linked < unlinked


def test_fixed_nodes_stay_and_new_ones_join_near_their_neighbour():
    base = spring_layout(NODES, EDGES)
    grown = spring_layout([*NODES, "x1", "x2"], [*EDGES, ("n0", "x1", 1.0), ("n0", "x2", 1.0)],
                          fixed=base)  # fmt: skip
    assert all(grown[k] == base[k] for k in NODES)
    n0 = np.array(grown["n0"])
    typical = np.median([np.hypot(*(np.array(grown[k]) - n0)) for k in NODES[1:]])
    assert np.hypot(*(np.array(grown["x1"]) - n0)) < typical


def test_edge_cases():
    assert spring_layout([], []) == {}
    assert spring_layout(["a"], []) == {"a": (WIDTH / 2, HEIGHT / 2)}
    # links to unknown nodes and self-loops are ignored
    assert spring_layout(["a", "b"], [("a", "zz", 1.0), ("a", "a", 3.0)]) == spring_layout(
        ["a", "b"], []
    )
