"""algorithms.features: every column against a plain-Python reference on random graphs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from algorithms.features import FEATURE_NAMES, account_features, neighbour_means

DAY = 86_400_000_000


def time_csr(n, rows, src, dst, *extra):
    """CSR of (rows, cols) sorted by row then time (then input position), extras following."""
    ts = extra[0]
    order = np.lexsort((np.arange(len(rows)), ts, rows))
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    cols = (dst if rows is src else src)[order].astype(np.int32)
    return (indptr, cols, *[np.asarray(a)[order] for a in extra])


def world(seed, n=30, m=400, days=60):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    ts = rng.integers(0, days * DAY, len(src)).astype(np.int64)
    ts[: len(ts) // 5] = ts[0]  # ties in time
    amount = np.where(rng.random(len(src)) < 0.3, rng.integers(1, 30, len(src)) * 100.0,
                      rng.gamma(2.0, 400.0, len(src)))  # fmt: skip
    cash = rng.random(len(src)) < 0.2
    return n, src, dst, ts, amount, cash


def features(n, src, dst, ts, amount, cash, window, **kw):
    oip, oix, ots, ow, oc = time_csr(n, src, src, dst, ts, amount, cash)
    iip, iix, its, iw, ic = time_csr(n, dst, src, dst, ts, amount, cash)
    return account_features(oip, oix, ow, ots, oc, iip, iix, iw, its, ic, window=window, **kw)


def reference(n, src, dst, ts, amount, cash, window, round_unit=100.0, hub_degree=500):
    """Every column by brute force, straight from the edge list."""
    col = {name: i for i, name in enumerate(FEATURE_NAMES)}
    out = np.zeros((n, len(FEATURE_NAMES)))
    edges = list(zip(src.tolist(), dst.tolist(), ts.tolist(), amount.tolist(), cash.tolist(),
                     strict=True))  # fmt: skip
    for u in range(n):
        for d, mine in (("in", [e for e in edges if e[1] == u]),
                        ("out", [e for e in edges if e[0] == u])):  # fmt: skip
            if not mine:
                continue
            other = [e[0] if d == "in" else e[1] for e in mine]
            t = sorted(e[2] for e in mine)
            k = len(mine)
            out[u, col[f"{d}_n"]] = k
            out[u, col[f"{d}_amount"]] = sum(e[3] for e in mine)
            out[u, col[f"{d}_cp"]] = len(set(other))
            out[u, col[f"{d}_win_n"]] = max(sum(1 for e in mine if s <= e[2] <= s + window)
                                            for s in t)  # fmt: skip
            out[u, col[f"{d}_win_amount"]] = max(
                sum(e[3] for e in mine if s <= e[2] <= s + window) for s in t
            )
            out[u, col[f"{d}_log_mean"]] = sum(math.log1p(e[3]) for e in mine) / k
            if k >= 3:
                gaps = np.diff(t).astype(float)
                mu, sd = gaps.mean(), gaps.std()
                out[u, col[f"{d}_burst"]] = (sd - mu) / (sd + mu) if sd + mu > 0 else 0.0
            out[u, col[f"{d}_round"]] = sum(1 for e in mine if e[3] % round_unit == 0) / k
            out[u, col[f"{d}_cash"]] = sum(1 for e in mine if e[4]) / k
        ins = [e for e in edges if e[1] == u]
        outs = [e for e in edges if e[0] == u]
        a_in, a_out = sum(e[3] for e in ins), sum(e[3] for e in outs)
        if a_in + a_out:
            out[u, col["balance"]] = (a_in - a_out) / (a_in + a_out)
        passed = [o for o in outs if any(0 <= o[2] - i[2] <= window for i in ins)]
        if a_out:
            out[u, col["pass_on"]] = sum(o[3] for o in passed) / a_out
        senders = {i[0] for i in ins if any(0 <= o[2] - i[2] <= window for o in outs)}
        out[u, col["gather_scatter"]] = min(len(senders), len({o[1] for o in passed}))
        payers, payees = {e[0] for e in ins}, {e[1] for e in outs}
        if payers | payees:
            out[u, col["mutual"]] = len(payers & payees) / len(payers | payees)
        degree = {x: sum(1 for e in edges if e[0] == x) for x in range(n)}
        first = {}
        for e in outs:
            first[e[1]] = min(first.get(e[1], e[2]), e[2])
        via: dict[int, set] = {}
        for x, t1 in first.items():
            if degree[x] > hub_degree:
                continue
            for e in edges:
                if e[0] == x and 0 < e[2] - t1 <= window and e[1] not in (u, x):
                    via.setdefault(e[1], set()).add(x)
        out[u, col["scatter_gather"]] = sum(1 for s in via.values() if len(s) >= 2)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_columns_match_the_reference(seed):
    n, src, dst, ts, amount, cash = world(seed)
    got = features(n, src, dst, ts, amount, cash, 7 * DAY, cycle_window=0)
    want = reference(n, src, dst, ts, amount, cash, 7 * DAY)
    for i, name in enumerate(FEATURE_NAMES):
        if name.startswith("cycles_"):
            continue
        np.testing.assert_allclose(got[:, i], want[:, i], rtol=1e-9, atol=1e-9, err_msg=name)


def test_hub_intermediaries_are_skipped_by_scatter_gather():
    n, src, dst, ts, amount, cash = world(3, n=12, m=300)
    got = features(n, src, dst, ts, amount, cash, 10 * DAY, hub_degree=20, cycle_window=0)
    want = reference(n, src, dst, ts, amount, cash, 10 * DAY, hub_degree=20)
    k = FEATURE_NAMES.index("scatter_gather")
    np.testing.assert_array_equal(got[:, k], want[:, k])
    assert want[:, k].sum() > 0  # the case is exercised


def test_temporal_cycles_are_counted_per_account_by_length():
    # 0 -> 1 -> 0 (length 2), 2 -> 3 -> 4 -> 2 (length 3), and 5 -> 6 -> 2 -> 5 out of time
    # order (6 -> 2 before 5 -> 6), which is no temporal cycle
    src = np.array([0, 1, 2, 3, 4, 5, 6, 2])
    dst = np.array([1, 0, 3, 4, 2, 6, 2, 5])
    ts = np.array([1, 2, 1, 2, 3, 5, 4, 6], np.int64) * DAY
    amount = np.full(8, 100.0)
    got = features(7, src, dst, ts, amount, np.zeros(8, bool), 3 * DAY)
    c2, c3 = FEATURE_NAMES.index("cycles_2"), FEATURE_NAMES.index("cycles_3")
    assert got[:, c2].tolist() == [1, 1, 0, 0, 0, 0, 0]
    assert got[:, c3].tolist() == [0, 0, 1, 1, 1, 0, 0]


def test_neighbour_means_against_a_loop():
    n, src, dst, ts, _, _ = world(4)
    oip, oix, *_ = time_csr(n, src, src, dst, ts)
    values = np.random.default_rng(0).random((n, 3))
    got = neighbour_means(oip, oix, values)
    for u in range(n):
        nbrs = oix[oip[u] : oip[u + 1]]
        want = values[nbrs].mean(axis=0) if len(nbrs) else np.zeros(3)
        np.testing.assert_allclose(got[u], want)


def test_empty_graph_and_mismatched_csr():
    ip = np.zeros(4, np.int64)
    empty = np.zeros(0, np.int32)
    f, b, i = np.zeros(0), np.zeros(0, bool), np.zeros(0, np.int64)
    assert account_features(ip, empty, f, i, b, ip, empty, f, i, b, window=1).shape == (
        3, len(FEATURE_NAMES))  # fmt: skip
    with pytest.raises(ValueError):
        account_features(ip, empty, f, i, b, np.zeros(3, np.int64), empty, f, i, b, window=1)


def test_cycles_through_hubs_are_left_out():
    # the same two cycles, but every account has two transfers: with hub_degree 1 all are hubs
    src = np.array([0, 1, 2, 3, 4])
    dst = np.array([1, 0, 3, 4, 2])
    ts = np.array([1, 2, 1, 2, 3], np.int64) * DAY
    got = features(5, src, dst, ts, np.full(5, 10.0), np.zeros(5, bool), 3 * DAY, hub_degree=1)
    cols = [FEATURE_NAMES.index(f"cycles_{k}") for k in range(2, 6)]
    assert got[:, cols].sum() == 0
    got = features(5, src, dst, ts, np.full(5, 10.0), np.zeros(5, bool), 3 * DAY, hub_degree=2)
    assert got[:, cols].sum() == 5
