"""Keep a network picture readable: transfers summed per pair, hubs folded, a hard budget.

A case of 49 accounts and 49 people drawn as every transfer and every counterparty was a
hairball. What the screen gets instead:

* one edge per sender → receiver pair, carrying the amount and the number of transfers
  (:func:`aggregate_pairs`);
* a hub's many one-off counterparties (leaves: linked to nothing else in the picture) folded
  into one node per hub, "23 one-off counterparties of X", its edges carrying their sums (and
  the same for the many tickets one account paid: "40 trips paid by X");
* at most :data:`MAX_ELEMENTS` nodes plus edges: beyond that, the accounts that move the least
  money are folded into one "other accounts" node (context before core, then trips, then
  people), never the nodes
  the investigator must see (``keep``: the case's core, expanded nodes, a path);
* and every fold said in words (:attr:`Folded.notes`).

Pure functions over records; nothing here reads a store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Most nodes plus edges drawn in one picture (the issue's target: a few hundred).
MAX_ELEMENTS = 300
#: A node with more one-off counterparties than this has them folded into one node.
HUB_LEAVES = 12
#: Where folded nodes of each kind go, and how the note names them.
BUCKETS = {
    "account": ("__other__", "other accounts"),
    "trip": ("__trips__", "other trips"),
    "party": ("__people__", "other people"),
}
#: Kinds of leaves folded around a hub, and how a fold names them.
LEAF_WORDS = {"account": "one-off counterparties of", "trip": "trips paid by"}
#: The order in which kinds are folded to meet the budget: accounts first.
FOLD_ORDER = ("account", "trip", "party")


@dataclass
class Folded:
    """A picture that fits the budget, and what was folded to make it fit."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Accounts (or trips, people) folded away, and the money their folds stand for.
    folded_nodes: int = 0
    folded_amount: float = 0.0


def aggregate_pairs(
    src: Iterable[str], dst: Iterable[str], amount: Iterable[float]
) -> pd.DataFrame:
    """Transfers summed per sender → receiver pair.

    Returns a frame with ``source``, ``target``, ``amount`` (sum) and ``count``, the largest
    amount first (ties by source, target), so the result does not depend on the input order.
    """
    frame = pd.DataFrame(
        {"source": list(src), "target": list(dst), "amount": np.asarray(list(amount), float)}
    )
    if frame.empty:
        return pd.DataFrame(columns=["source", "target", "amount", "count"])
    grouped = frame.groupby(["source", "target"], as_index=False).agg(
        amount=("amount", "sum"), count=("amount", "size")
    )
    grouped = grouped.sort_values(
        ["amount", "source", "target"], ascending=[False, True, True], kind="stable"
    )
    return grouped.reset_index(drop=True)


def fold(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    *,
    keep: Iterable[str] = (),
    max_elements: int = MAX_ELEMENTS,
    hub_leaves: int = HUB_LEAVES,
) -> Folded:
    """Fold hubs' leaves, then the least relevant nodes, until the picture fits.

    Parameters
    ----------
    nodes : list of dict
        ``id``, ``kind`` (account, party, trip, ...), ``label``, ``amount`` (money moved); other
        keys are kept.
    edges : list of dict
        ``source``, ``target``, ``kind``, ``amount``, ``count``; other keys (``path``) are kept.
    keep : iterable of str
        Ids never folded.
    max_elements : int
        Most nodes plus edges in the result.
    hub_leaves : int
        A node with more leaves than this has its leaves folded into one node.

    Returns
    -------
    Folded
        Node order follows the input (folds appended); edges merged per (source, target,
        kind) with summed amount and count.

    Notes
    -----
    O((n + m) log n) per budget probe, O(log n) probes (a binary search on how many of the
    least relevant nodes to fold).
    """
    kept = set(keep)
    out = Folded()
    mapping: dict[str, str] = {}
    extra: list[dict[str, Any]] = []
    by_id = {n["id"]: n for n in nodes}

    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        if e["source"] != e["target"]:
            neighbours[e["source"]].add(e["target"])
            neighbours[e["target"]].add(e["source"])
    leaves_of: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in nodes:
        nid = node["id"]
        if nid in kept or node.get("kind") not in LEAF_WORDS or len(neighbours[nid]) != 1:
            continue
        (hub,) = neighbours[nid]
        if len(neighbours[hub]) > 1:  # a pair alone is not a hub
            leaves_of[(hub, node["kind"])].append(nid)
    for hub, kind in sorted(leaves_of, key=lambda h: (-len(leaves_of[h]), h)):
        leaves = leaves_of[(hub, kind)]
        if len(leaves) <= hub_leaves or hub in mapping:
            continue
        fold_id = f"__fold__{kind}__{hub}"
        amount = float(sum(by_id[leaf].get("amount", 0.0) for leaf in leaves))
        hub_label = by_id[hub]["label"] if hub in by_id else hub
        for leaf in leaves:
            mapping[leaf] = fold_id
        words = LEAF_WORDS[kind]
        extra.append(
            {
                "id": fold_id,
                "kind": "folded",
                "label": f"{len(leaves):,} {words} {hub_label}"[:60],
                "amount": amount,
                "members": len(leaves),
            }
        )
        out.notes.append(
            f"{len(leaves):,} {words} {hub_label}"
            + (f" ({amount:,.0f} moved)" if kind == "account" else "")
            + " are folded into one node."
        )
        out.folded_nodes += len(leaves)
        out.folded_amount += amount

    base_nodes = [n for n in nodes if n["id"] not in mapping] + extra

    def build(n_folded: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, list]]:
        chosen = candidates[:n_folded]
        local = dict(mapping)
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in chosen:
            bucket = BUCKETS[node["kind"]][0]
            local[node["id"]] = bucket
            groups[node["kind"]].append(node)
        drawn = [n for n in base_nodes if n["id"] not in local]
        for kind in FOLD_ORDER:
            if groups[kind]:
                bucket, words = BUCKETS[kind]
                amount = float(sum(n.get("amount", 0.0) for n in groups[kind]))
                drawn.append(
                    {
                        "id": bucket,
                        "kind": "other",
                        "label": f"{len(groups[kind]):,} {words}",
                        "amount": amount,
                        "members": len(groups[kind]),
                    }
                )
        return drawn, _merge(edges, local), groups

    rank = {k: i for i, k in enumerate(FOLD_ORDER)}
    candidates = sorted(
        (n for n in base_nodes if n["id"] not in kept and n.get("kind") in BUCKETS),
        # faded (context) nodes go before the case's own, the least money first
        key=lambda n: (rank[n["kind"]], not n.get("faded"), float(n.get("amount", 0.0)), n["id"]),
    )
    drawn, merged, groups = build(0)
    if len(drawn) + len(merged) > max_elements and candidates:
        low, high = 1, len(candidates)
        while low < high:  # the fewest folded nodes that meet the budget
            mid = (low + high) // 2
            d, m, _ = build(mid)
            if len(d) + len(m) <= max_elements:
                high = mid
            else:
                low = mid + 1
        drawn, merged, groups = build(low)
    for kind in FOLD_ORDER:
        if groups.get(kind):
            amount = float(sum(n.get("amount", 0.0) for n in groups[kind]))
            words = BUCKETS[kind][1]
            out.notes.append(
                f"{len(groups[kind]):,} less relevant {words.removeprefix('other ')} "
                + (f"({amount:,.0f} moved) " if kind == "account" else "")
                + f"are folded into one '{words}' node to keep {max_elements} elements or fewer."
            )
            out.folded_nodes += len(groups[kind])
            out.folded_amount += amount
    if len(drawn) + len(merged) > max_elements:
        # only kept nodes are left: draw the heaviest edges, say how many were left out
        merged.sort(key=lambda e: (not e.get("path"), -float(e.get("amount", 0.0))))
        dropped = len(drawn) + len(merged) - max_elements
        merged = merged[: max(len(merged) - dropped, 0)]
        out.notes.append(f"{dropped:,} smallest links are not drawn.")
    out.nodes, out.edges = drawn, merged
    return out


def _merge(edges: list[dict[str, Any]], mapping: dict[str, str]) -> list[dict[str, Any]]:
    """Edges with folded ends renamed, merged per (source, target, kind), self-loops of a
    fold dropped (money among folded nodes is inside the fold)."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in edges:
        source = mapping.get(e["source"], e["source"])
        target = mapping.get(e["target"], e["target"])
        if source == target and (source != e["source"] or target != e["target"]):
            continue
        key = (source, target, e["kind"])
        if key in merged:
            merged[key]["amount"] += float(e.get("amount", 0.0))
            merged[key]["count"] += int(e.get("count", 0))
            if e.get("path"):
                merged[key]["path"] = True
        else:
            merged[key] = {**e, "source": source, "target": target,
                           "amount": float(e.get("amount", 0.0)), "count": int(e.get("count", 0))}  # fmt: skip
    return list(merged.values())
