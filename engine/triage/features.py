"""The feature table of a run: :mod:`algorithms.features` over the run's money graph, the rule
score, and 2-hop neighbour means (columns :data:`engine.core.schema.FEATURE_COLUMNS`)."""

from __future__ import annotations

import numpy as np

from engine.core import schema

#: Window of the windowed features and of pass-on and scatter-gather, in days.
WINDOW_DAYS = 7
#: Window of the temporal cycles through an account, in days.
CYCLE_WINDOW_DAYS = 30
#: An amount is "round" when it is a whole multiple of this (base currency).
ROUND_UNIT = 100.0
DAY_US = 86_400_000_000
_NEIGHBOUR = ("rule_score", "in_cp", "out_cp", "pass_on", "balance", "in_amount", "out_amount")


def feature_matrix(graph, channel: np.ndarray, rule_score: np.ndarray, *, hub_degree: int = 500
                   ) -> np.ndarray:  # fmt: skip
    """Features of every account of ``graph`` (an :class:`engine.graph.TransactionGraph`).

    Parameters
    ----------
    graph : TransactionGraph
    channel : int8 (m,)
        Channel code per transaction row (:data:`engine.core.schema.CHANNELS`).
    rule_score : float64 (n,)
        The rule side's score per account (today's ``risk``), a feature like the others.

    Returns
    -------
    float64 ndarray (n, len(FEATURE_COLUMNS))
    """
    from algorithms.features import FEATURE_NAMES, account_features, neighbour_means

    out, rev = graph.out, graph.reverse
    cash_code = schema.CHANNELS.index("cash")
    cash = np.asarray(channel) == cash_code
    base = account_features(
        out.indptr, out.indices, out.weights, out.ts, cash[out.edge_ids],
        rev.indptr, rev.indices, rev.weights, rev.ts, cash[rev.edge_ids],
        window=WINDOW_DAYS * DAY_US, round_unit=ROUND_UNIT, hub_degree=hub_degree,
        cycle_window=CYCLE_WINDOW_DAYS * DAY_US,
    )  # fmt: skip
    rule = np.asarray(rule_score, np.float64).reshape(-1, 1)
    names = {name: i for i, name in enumerate(FEATURE_NAMES)}
    own = np.hstack([rule, base[:, [names[c] for c in _NEIGHBOUR[1:]]]])
    nbr_in = neighbour_means(rev.indptr, rev.indices, own)
    nbr_out = neighbour_means(out.indptr, out.indices, own)
    matrix = np.hstack([base, rule, nbr_in, nbr_out])
    assert matrix.shape[1] == len(schema.FEATURE_COLUMNS)
    return matrix


def feature_table(node_ids, matrix: np.ndarray, run_id: str):  # type: ignore[no-untyped-def]
    """The ``account_features`` result table."""
    import pyarrow as pa

    columns = {"entity_id": node_ids}
    for i, name in enumerate(schema.FEATURE_COLUMNS):
        columns[name] = pa.array(matrix[:, i])
    columns["run_id"] = pa.array([run_id] * len(matrix), pa.string())
    return pa.table(columns).cast(schema.ACCOUNT_FEATURES)
