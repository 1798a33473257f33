"""The triage model: gradient-boosted trees (LightGBM) on the accounts investigators labelled.

Why LightGBM (docs/triage.md has the comparison): the histogram GBT the published AML work
uses (Egressy et al. 2024 report GBT on graph features on par with graph neural networks);
one small wheel (about 10 MB installed, MIT licence) needing only numpy and scipy, where
XGBoost's Linux wheel brings a GPU communication library of some hundreds of MB and
scikit-learn's HistGradientBoosting would add scikit-learn and joblib for the same trees;
multi-threaded and fast on millions of rows; and a plain-text model format
(``model_to_string``), so the model stored with a run is readable and loads without pickle.

Training is seeded, deterministic and single-threaded (``deterministic``, ``force_row_wise``,
``seed``, one thread), so the same labels and data give the same model and scores on any
machine; on a shared 2-core machine one thread was also the fastest (LightGBM's OpenMP threads
spin while they wait: 2,000 rows x 300 rounds took 1.4 s on one thread, 13.6 s on two). More
than :data:`MAX_TRAIN_ROWS` labels are cut down by sampling cleared accounts. Class imbalance: each
class weighs half of the total (``scale_pos_weight`` = negatives / positives). The decision
threshold is the one that maximises F1 on **out-of-fold** predictions of the training labels
(3 folds, stratified), never on the rows a model was fitted on, which would pick a threshold
too high for new accounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

#: Fewest labels of each class before a model is trained (below it: rules only).
MIN_PER_CLASS = 10
#: Folds of the out-of-fold predictions the threshold is chosen on.
FOLDS = 3
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.1,
    "max_bin": 63,
    "num_leaves": 31,
    "min_child_samples": 10,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "deterministic": True,
    "force_row_wise": True,
    "verbosity": -1,
}
ROUNDS = 150
#: Labelled rows trained on at most; beyond it ordinary (label 0) rows are sampled, seeded,
#: and weighted up so the classes keep their totals.
MAX_TRAIN_ROWS = 200_000


@dataclass
class TriageModel:
    """A trained model: the booster's text, its threshold and what it learned from."""

    text: str
    threshold: float
    features: tuple[str, ...]
    n_labelled: int
    n_positive: int
    params: dict = field(default_factory=dict)
    importances: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def score(self, matrix: np.ndarray) -> np.ndarray:
        """Model scores in [0, 1] for every row of ``matrix`` (columns :attr:`features`)."""
        import lightgbm as lgb

        booster = lgb.Booster(model_str=self.text)
        return np.asarray(booster.predict(np.asarray(matrix, np.float64), num_threads=_threads()))

    def reasons(self, row: np.ndarray, top: int = 5) -> list[tuple[str, float]]:
        """The features that pushed one account's score up most: ``(feature, contribution)``
        by LightGBM's tree SHAP values (log-odds), largest positive first."""
        contrib = self.contributions(np.asarray(row, np.float64).reshape(1, -1))[0]
        order = np.argsort(-contrib)[:top]
        return [(self.features[i], float(contrib[i])) for i in order if contrib[i] > 0]

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Each feature's contribution to each row's score: LightGBM's tree SHAP values in
        log-odds, float64 (n, len(features)); a row's values plus the model's expected value
        sum to the log-odds of its score."""
        import lightgbm as lgb

        booster = lgb.Booster(model_str=self.text)
        x = np.asarray(matrix, np.float64).reshape(-1, len(self.features))
        out = booster.predict(x, pred_contrib=True, num_threads=_threads())
        return np.asarray(out, np.float64)[:, :-1]

    @classmethod
    def from_row(cls, row: dict) -> TriageModel:
        """The model of a ``models`` result row (as :func:`to_row` wrote it)."""
        import lightgbm as lgb

        names = tuple(lgb.Booster(model_str=row["model"]).feature_name())
        return cls(
            row["model"],
            float(row["threshold"]),
            names,
            int(row["n_labelled"]),
            int(row["n_positive"]),
            json.loads(row["parameters"]),
            json.loads(row["importances"]),
            json.loads(row["metrics"]),
        )


def can_train(labels: np.ndarray) -> bool:
    """Whether ``labels`` (1, 0; -1 unlabelled) hold at least MIN_PER_CLASS of each class."""
    return int((labels == 1).sum()) >= MIN_PER_CLASS and int((labels == 0).sum()) >= MIN_PER_CLASS


def train(
    matrix: np.ndarray, labels: np.ndarray, features: tuple[str, ...], *, seed: int = 0
) -> TriageModel:
    """Fit on the rows whose label is 0 or 1 and choose the threshold out of fold.

    Raises
    ------
    ValueError
        With fewer than :data:`MIN_PER_CLASS` labels of a class.
    """
    import lightgbm as lgb

    if not can_train(labels):
        raise ValueError(f"a triage model needs at least {MIN_PER_CLASS} labels of each class")
    rows = np.flatnonzero(labels >= 0)
    n_labelled = len(rows)
    n_pos, n_neg = int((labels[rows] == 1).sum()), int((labels[rows] == 0).sum())
    keep_neg = n_neg
    if n_labelled > MAX_TRAIN_ROWS and n_neg > MAX_TRAIN_ROWS - n_pos:
        keep_neg = max(MAX_TRAIN_ROWS - n_pos, n_pos)
        rng = np.random.default_rng(seed)
        neg = rng.choice(rows[labels[rows] == 0], keep_neg, replace=False)
        rows = np.sort(np.r_[rows[labels[rows] == 1], neg])
    x = np.asarray(matrix, np.float64)[rows]
    y = labels[rows].astype(np.int64)
    params = {**PARAMS, "seed": int(seed), "scale_pos_weight": keep_neg / n_pos,
              "num_threads": _threads()}  # fmt: skip
    oof = np.zeros(len(y))
    for fold in _folds(y, seed):
        train_rows = np.setdiff1d(np.arange(len(y)), fold)
        part = lgb.train(params, lgb.Dataset(x[train_rows], y[train_rows]), ROUNDS)
        oof[fold] = part.predict(x[fold], num_threads=_threads())
    threshold, f1 = best_threshold(oof, y)
    booster = lgb.train(params, lgb.Dataset(x, y, feature_name=list(features)), ROUNDS)
    gains = booster.feature_importance(importance_type="gain")
    importances = {
        name: round(float(g), 3)
        for name, g in sorted(zip(features, gains, strict=True), key=lambda p: -p[1])
    }
    oof_flag = oof >= threshold
    tp = int((oof_flag & (y == 1)).sum())
    metrics = {
        "oof_f1": round(f1, 4),
        "oof_precision": round(tp / max(int(oof_flag.sum()), 1), 4),
        "oof_recall": round(tp / max(n_pos, 1), 4),
        # how well the model ranks held-out labels, beside how well the rule score alone does
        # on the same rows: the run ranks by the model only where it does better
        "oof_average_precision": round(average_precision(oof, y), 4),
    }
    if "rule_score" in features:
        rule = x[:, list(features).index("rule_score")]
        metrics["rule_average_precision"] = round(average_precision(rule, y), 4)
    return TriageModel(booster.model_to_string(), threshold, tuple(features), n_labelled, n_pos,
                       {**params, "rounds": ROUNDS, "folds": FOLDS}, importances, metrics)  # fmt: skip


def average_precision(scores: np.ndarray, y: np.ndarray) -> float:
    """Average precision of ranking ``scores`` (higher first) against labels ``y`` (1/0):
    the mean, over the positives, of the precision above and at each one. Ties are ranked
    pessimistically (negatives first), so a constant score earns only the base rate."""
    y = np.asarray(y)
    if not (y == 1).any():
        return 0.0
    order = np.lexsort((y, -np.asarray(scores, np.float64)))  # by score desc, then 0 before 1
    hits = (y[order] == 1).astype(np.float64)
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits == 1].mean())


def ranks_better_than_rules(model: TriageModel) -> bool:
    """Whether the model ranked its held-out training labels better than the rule score did.

    Where it did not (data whose laundering looks like ordinary traffic to every feature), the
    run ranks by the rule evidence and keeps the model's score and decision beside it.
    """
    mine = model.metrics.get("oof_average_precision")
    rules = model.metrics.get("rule_average_precision")
    return mine is None or rules is None or mine > rules


def best_threshold(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The score threshold (flag when ``score >= threshold``) with the highest F1, and it.

    Ties go to the higher threshold (fewer flags); every distinct score is a candidate.
    """
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], y[order]
    tp = np.cumsum(t)
    k = np.arange(1, len(t) + 1)
    last = np.r_[s[1:] != s[:-1], True]  # only cut between distinct scores
    f1 = np.where(last, 2 * tp / (k + t.sum()), -1.0)
    best = int(np.argmax(f1))
    return float(s[best]), float(f1[best])


def _folds(y: np.ndarray, seed: int) -> list[np.ndarray]:
    """Stratified folds, seeded."""
    rng = np.random.default_rng(seed)
    folds: list[list[np.ndarray]] = [[] for _ in range(FOLDS)]
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        for f, part in enumerate(np.array_split(idx, FOLDS)):
            folds[f].append(part)
    return [np.sort(np.concatenate(f)) for f in folds]


def _threads() -> int:
    """One thread: reproducible everywhere, and fastest on a loaded machine (module notes)."""
    return 1


def to_row(model: TriageModel, run_id: str) -> dict:
    """The ``models`` result row of a trained model."""
    return {
        "run_id": run_id,
        "kind": "lightgbm",
        "n_labelled": model.n_labelled,
        "n_positive": model.n_positive,
        "threshold": model.threshold,
        "parameters": json.dumps(model.params, sort_keys=True),
        "importances": json.dumps(model.importances),
        "metrics": json.dumps(model.metrics, sort_keys=True),
        "model": model.text,
    }
