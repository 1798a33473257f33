"""The combined rank: rule evidence and the triage model in one ``risk`` per account.

:func:`combine` is the one interface between the rule side and the model: it takes the rule
score per account (today the evidence risk of :mod:`engine.detect.evidence`; the calibrated
account risk can be passed instead, unchanged here) and returns the risk the queue follows and
the ``flagged`` decision. Rules:

1. Without a model the risk is the rule score and nothing is flagged (``None``).
2. With a model the risk is the model's score, and ``flagged`` is ``score >= threshold``.
3. **Strong rule evidence is never hidden**: an account whose rule score is at least ``strong``
   (default: the top :data:`STRONG_SHARE` of the accounts the rules name) is flagged and its
   risk raised to at least the threshold, spread over ``[threshold, 1]`` by its rule score, so
   the strongest rule cases stay at the top of the flagged queue whatever the model says.
4. Investigators' labels win: a confirmed-suspicious account has risk 1 and is flagged; a
   cleared one has risk 0 and is not, unless evidence newer than the decision names it
   (``new_evidence``), when it is ranked like an unlabelled account again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Share of the accounts with any rule evidence counted as strong evidence by default.
STRONG_SHARE = 0.005


@dataclass(frozen=True)
class Combined:
    """``risk`` (float64 per account) and ``flagged`` (bool per account, or None)."""

    risk: np.ndarray
    flagged: np.ndarray | None


def strong_floor(rule_score: np.ndarray) -> float:
    """The default strong-evidence cut: the (1 − STRONG_SHARE) quantile of positive scores."""
    positive = rule_score[rule_score > 0]
    if not len(positive):
        return np.inf
    return float(np.quantile(positive, 1.0 - STRONG_SHARE))


def combine(
    rule_score: np.ndarray,
    model_score: np.ndarray | None = None,
    *,
    threshold: float | None = None,
    labels: np.ndarray | None = None,
    new_evidence: np.ndarray | None = None,
    strong: float | None = None,
) -> Combined:
    """Combine the rule score with the model (see the module docstring for the rules).

    Parameters
    ----------
    rule_score : float64 (n,)
        Any non-negative score where higher means more suspicious.
    model_score : float64 (n,), optional
        The triage model's score in [0, 1]; needs ``threshold``.
    labels : int8 (n,), optional
        1 confirmed suspicious, 0 cleared, -1 no decision.
    new_evidence : bool (n,), optional
        Evidence later than the account's decision.
    strong : float, optional
        Rule score from which evidence counts as strong (default :func:`strong_floor`).
    """
    rule = np.asarray(rule_score, np.float64)
    n = len(rule)
    if model_score is None:
        risk = rule.copy()
        flagged = None
    else:
        if threshold is None:
            raise ValueError("a model score needs its threshold")
        risk = np.asarray(model_score, np.float64).copy()
        flagged = risk >= threshold
        cut = strong_floor(rule) if strong is None else float(strong)
        is_strong = rule >= cut
        if is_strong.any():
            top = rule[is_strong].max()
            spread = (
                (rule[is_strong] - cut) / (top - cut) if top > cut else np.ones(is_strong.sum())
            )
            floor = threshold + (1.0 - threshold) * spread
            risk[is_strong] = np.maximum(risk[is_strong], floor)
            flagged[is_strong] = True
    if labels is not None:
        lab = np.asarray(labels)
        reopened = np.zeros(n, bool) if new_evidence is None else np.asarray(new_evidence, bool)
        positive = lab == 1
        cleared = (lab == 0) & ~reopened
        risk[positive] = max(1.0, float(rule.max()) if model_score is None and n else 1.0)
        risk[cleared] = 0.0
        if flagged is not None:
            flagged[positive] = True
            flagged[cleared] = False
    return Combined(risk, flagged)
