"""Why the triage model scored an account as it did: each feature's signed contribution
(LightGBM's tree SHAP values, in log-odds) and a plain-language name for every feature.

Computed on demand from a run's stored ``models`` row and ``account_features`` rows: a
cluster's accounts take milliseconds (docs/triage.md), so nothing more is stored with a run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core import schema

#: How many features are named per account by default.
TOP = 5
#: Columns of :func:`top_contributions`.
REASON_COLUMNS = ["entity_id", "rank", "feature", "feature_label", "value", "contribution"]

_DIRECTION = {"in": ("received", "senders"), "out": ("sent", "receivers")}
_PER_DIRECTION = {
    "n": "transfers {verb}",
    "amount": "money {verb}",
    "cp": "distinct {party}",
    "win_n": "most transfers {verb} in any 7 days",
    "win_amount": "most money {verb} in any 7 days",
    "log_mean": "typical amount {verb} (mean log)",
    "burst": "bursts in the transfers {verb}",
    "round": "share of round amounts {verb}",
    "cash": "share {verb} in cash",
}
_OWN = {
    "balance": "money in against money out",
    "pass_on": "share of money passed on within 7 days",
    "mutual": "counterparties that both pay and are paid",
    "gather_scatter": "many senders' money passed on to many receivers within 7 days",
    "scatter_gather": "receivers reached through two or more intermediaries",
    "rule_score": "rule evidence",
    **{f"cycles_{k}": f"money cycles through {k} accounts (30 days)" for k in range(2, 6)},
}


def _own_label(name: str) -> str:
    if name in _OWN:
        return _OWN[name]
    direction, _, rest = name.partition("_")
    verb, party = _DIRECTION[direction]
    return _PER_DIRECTION[rest].format(verb=verb, party=party)


def feature_label(name: str) -> str:
    """A plain-language name of a triage feature (a :data:`schema.FEATURE_COLUMNS` column).

    Examples
    --------
    >>> feature_label("in_cp")
    'distinct senders'
    >>> feature_label("nbr_out_pass_on")
    "receivers' share of money passed on within 7 days"
    """
    if name.startswith("nbr_"):
        direction, _, rest = name[4:].partition("_")
        return f"{_DIRECTION[direction][1]}' {_own_label(rest)}"
    return _own_label(name)


#: The plain-language name of every feature column.
FEATURE_LABELS: dict[str, str] = {name: feature_label(name) for name in schema.FEATURE_COLUMNS}


def top_contributions(model, entity_ids: list[str], matrix: np.ndarray, top: int = TOP
                      ) -> pd.DataFrame:  # fmt: skip
    """The ``top`` features with the largest contribution (either sign) for each account.

    Parameters
    ----------
    model : engine.triage.model.TriageModel
    entity_ids : list of str
        One id per row of ``matrix``.
    matrix : float64 (n, len(model.features))
        The accounts' feature rows, columns in ``model.features`` order.
    top : int
        Features named per account.

    Returns
    -------
    DataFrame
        :data:`REASON_COLUMNS`, per account ``rank`` 1..top by descending absolute
        contribution; a positive ``contribution`` pushed the score up, a negative one down.
    """
    if not len(entity_ids):
        return pd.DataFrame(columns=REASON_COLUMNS)
    matrix = np.asarray(matrix, np.float64)
    contrib = model.contributions(matrix)
    order = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :top]
    rows = []
    for i, entity_id in enumerate(entity_ids):
        for rank, j in enumerate(order[i], start=1):
            name = model.features[j]
            rows.append((entity_id, rank, name, feature_label(name), float(matrix[i, j]),
                         float(contrib[i, j])))  # fmt: skip
    return pd.DataFrame(rows, columns=REASON_COLUMNS)
