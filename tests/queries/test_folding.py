"""Folding: pairs summed, hubs' leaves folded, the element budget met, every fold in words."""

from __future__ import annotations

from engine.queries.folding import aggregate_pairs, fold


def account(i: str, amount: float = 0.0) -> dict:
    return {"id": i, "kind": "account", "label": i, "amount": amount}


def transfer(s: str, t: str, amount: float, count: int = 1) -> dict:
    return {"source": s, "target": t, "kind": "transfer", "amount": amount, "count": count}


def test_pairs_are_summed_with_their_count_in_a_fixed_order():
    frame = aggregate_pairs(["a", "b", "a", "a"], ["b", "a", "b", "c"], [10, 5, 30, 40])
    assert frame.to_dict("records") == [
        {"source": "a", "target": "b", "amount": 40.0, "count": 2},
        {"source": "a", "target": "c", "amount": 40.0, "count": 1},
        {"source": "b", "target": "a", "amount": 5.0, "count": 1},
    ]
    again = aggregate_pairs(["a", "a", "b", "a"], ["c", "b", "a", "b"], [40, 30, 5, 10])
    assert again.equals(frame)


def test_a_hubs_one_off_counterparties_fold_into_one_node():
    # H receives from 20 leaves (1..20 each) and pays K; K pays L
    nodes = [account("H", 210), account("K", 100), account("L", 100)]
    nodes += [account(f"s{i}", float(i)) for i in range(1, 21)]
    edges = [transfer(f"s{i}", "H", float(i), 2) for i in range(1, 21)]
    edges += [transfer("H", "K", 100), transfer("K", "L", 100)]
    out = fold(nodes, edges, hub_leaves=12)
    ids = [n["id"] for n in out.nodes]
    assert ids == ["H", "K", "L", "__fold__account__H"]
    folded = out.nodes[-1]
    assert folded["members"] == 20 and folded["amount"] == 210.0
    into_hub = [e for e in out.edges if e["target"] == "H"]
    assert into_hub == [{**transfer("__fold__account__H", "H", 210.0, 40)}]
    assert out.folded_nodes == 20
    assert out.notes == ["20 one-off counterparties of H (210 moved) are folded into one node."]


def test_few_leaves_and_kept_leaves_stay():
    nodes = [account("H"), account("K")] + [account(f"s{i}", 1.0) for i in range(5)]
    edges = [transfer(f"s{i}", "H", 1.0) for i in range(5)] + [transfer("H", "K", 1.0)]
    assert len(fold(nodes, edges, hub_leaves=4, keep=["s0", "s1"]).nodes) == 7
    assert len(fold(nodes, edges, hub_leaves=12).nodes) == 7


def test_the_budget_folds_the_least_moving_accounts_first():
    # a chain of 10 accounts, amounts 1..10: 10 nodes + 9 edges = 19 elements
    nodes = [account(f"a{i}", float(i)) for i in range(1, 11)]
    edges = [transfer(f"a{i}", f"a{i + 1}", float(i)) for i in range(1, 10)]
    out = fold(nodes, edges, max_elements=15, keep=["a1"])
    ids = [n["id"] for n in out.nodes]
    # folding a2, a3 (the least moving, a1 kept): 8 nodes + other; edges a1->other, other->a4,
    # a4..a10 chain (6) = 9 nodes + 8 edges = 17 > 15; a2..a4: 8 nodes + 7 edges = 15
    assert ids == ["a1", "a5", "a6", "a7", "a8", "a9", "a10", "__other__"]
    other = out.nodes[-1]
    assert other["members"] == 3 and other["amount"] == 9.0
    assert len(out.nodes) + len(out.edges) <= 15
    assert {(e["source"], e["target"]) for e in out.edges} >= {
        ("a1", "__other__"),
        ("__other__", "a5"),
    }
    assert out.notes == [
        "3 less relevant accounts (9 moved) are folded into one 'other accounts' node to keep "
        "15 elements or fewer."
    ]


def test_only_kept_nodes_left_drops_the_smallest_links_but_never_the_path():
    nodes = [account(f"a{i}") for i in range(4)]
    edges = [transfer("a0", "a1", 1.0), transfer("a1", "a2", 5.0), transfer("a2", "a3", 3.0),
             {**transfer("a3", "a0", 0.5), "path": True}]  # fmt: skip
    out = fold(nodes, edges, max_elements=6, keep=[n["id"] for n in nodes])
    assert len(out.nodes) + len(out.edges) == 6
    assert {(e["source"], e["target"]) for e in out.edges} == {("a3", "a0"), ("a1", "a2")}
    assert out.notes == ["2 smallest links are not drawn."]


def test_no_fold_when_it_fits():
    nodes = [account("a"), account("b")]
    out = fold(nodes, [transfer("a", "b", 1.0)])
    assert out.nodes == nodes and out.notes == [] and out.folded_nodes == 0


def test_tickets_one_account_paid_fold_into_one_node():
    nodes = [account("P", 5.0), account("Q", 5.0)]
    nodes += [{"id": f"r{i}", "kind": "trip", "label": f"r{i}", "amount": 0.0} for i in range(15)]
    edges = [transfer("P", "Q", 5.0)]
    edges += [{"source": "P", "target": f"r{i}", "kind": "paid_ticket", "amount": 0.0, "count": 1}
              for i in range(15)]  # fmt: skip
    out = fold(nodes, edges, hub_leaves=12)
    assert [n["id"] for n in out.nodes] == ["P", "Q", "__fold__trip__P"]
    assert out.notes == ["15 trips paid by P are folded into one node."]
    assert len(out.edges) == 2
