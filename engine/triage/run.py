"""The triage step of an analysis run: features, labels, model, combined rank → result tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.store import dispositions as disp


def triage_tables(
    frame, results: dict[str, pa.Table], decisions: pa.Table | None, run_id: str, *,
    seed: int = 0, rule_score: np.ndarray | None = None,
) -> dict[str, pa.Table]:  # fmt: skip
    """``account_features``, ``triage`` and ``models`` for one run.

    ``rule_score`` per account node defaults to the ``risk`` the run's ``scores`` table gives
    each account. A model is trained only when the decisions in force label at least
    :data:`engine.triage.model.MIN_PER_CLASS` accounts of each class; otherwise ``risk`` is the
    rule score and ``model_score`` and ``flagged`` are null.
    """
    from engine.triage import model as triage_model
    from engine.triage.features import feature_matrix, feature_table
    from engine.triage.rank import combine

    graph = frame.graph
    n = graph.n_nodes
    node_ids = graph.node_ids
    if rule_score is None:
        rule_score = account_rule_score(graph, results["scores"])
    matrix = feature_matrix(graph, frame.channel, rule_score)
    labels, decided_at = account_labels(graph, decisions)
    newer = new_evidence(frame, results["evidence"], decided_at)
    models = schema.empty("models")
    model_score = None
    threshold = None
    if triage_model.can_train(labels):
        fitted = triage_model.train(matrix, labels, schema.FEATURE_COLUMNS, seed=seed)
        model_score = fitted.score(matrix)
        threshold = fitted.threshold
        models = pa.Table.from_pylist([triage_model.to_row(fitted, run_id)], schema=schema.MODELS)
    combined = combine(rule_score, model_score, threshold=threshold, labels=labels,
                       new_evidence=newer)  # fmt: skip
    if model_score is not None and not triage_model.ranks_better_than_rules(fitted):
        # the model ranked held-out labels no better than the rules: rank by the rules (labels
        # still win), keep the model's score and its flag beside them
        by_rules = combine(rule_score, None, labels=labels, new_evidence=newer)
        combined = type(combined)(by_rules.risk, combined.flagged)
    has_label = labels >= 0
    triage = pa.table(
        {
            "entity_id": node_ids,
            "risk": combined.risk,
            "rule_score": rule_score,
            "model_score": pa.array(
                model_score if model_score is not None else [None] * n, pa.float64()
            ),
            "label": pa.array(labels, pa.int8(), mask=~has_label),
            "decided_at": pa.array(decided_at, pa.int64(), mask=~has_label).cast(schema.TS),
            "new_evidence": pa.array(newer, pa.bool_(), mask=~has_label),
            "flagged": pa.array(
                combined.flagged if combined.flagged is not None else [None] * n, pa.bool_()
            ),
            "run_id": pa.array([run_id] * n, pa.string()),
        }
    ).cast(schema.TRIAGE)
    return {
        "account_features": feature_table(node_ids, matrix, run_id),
        "triage": triage,
        "models": models,
    }


def account_rule_score(graph, scores: pa.Table) -> np.ndarray:
    """The ``risk`` of each account node in a run's ``scores`` table (0 where absent)."""
    rows = scores.filter(pc.equal(scores["entity_kind"], "account"))
    out = np.zeros(graph.n_nodes)
    nodes = graph.index_of(rows["entity_id"].combine_chunks())
    risk = pc.fill_null(rows["risk"], 0.0).to_numpy(zero_copy_only=False)
    ok = nodes >= 0
    out[nodes[ok]] = risk[ok]
    return out


def account_labels(graph, decisions: pa.Table | None) -> tuple[np.ndarray, np.ndarray]:
    """Per account node: the label in force (1, 0, or -1 none) and its time (epoch µs)."""
    n = graph.n_nodes
    labels = np.full(n, -1, np.int8)
    when = np.zeros(n, np.int64)
    if decisions is None or decisions.num_rows == 0:
        return labels, when
    current = disp.labels(decisions)
    nodes = graph.index_of(current["entity_id"].combine_chunks())
    ok = nodes >= 0
    labels[nodes[ok]] = current["label"].to_numpy()[ok]
    when[nodes[ok]] = pc.fill_null(current["decided_at"].cast(pa.int64()), 0).to_numpy()[ok]
    return labels, when


def new_evidence(frame, evidence: pa.Table, decided_at: np.ndarray) -> np.ndarray:
    """Per account node: whether an evidence card naming it holds a transaction later than
    its decision (``decided_at``, epoch µs)."""
    n = frame.graph.n_nodes
    latest = np.full(n, np.iinfo(np.int64).min)
    if evidence.num_rows:
        tx = evidence["tx_ids"].combine_chunks()
        rows = pc.index_in(pc.list_flatten(tx), value_set=frame.tx_ids)
        rows = pc.fill_null(rows, -1).to_numpy(zero_copy_only=False)
        card = pc.list_parent_indices(tx).to_numpy(zero_copy_only=False)
        card_ts = np.full(evidence.num_rows, np.iinfo(np.int64).min)
        ok = rows >= 0
        np.maximum.at(card_ts, card[ok], frame.ts[rows[ok]])
        ents = evidence["entity_ids"].combine_chunks()
        nodes = frame.graph.index_of(pc.list_flatten(ents))
        owner = pc.list_parent_indices(ents).to_numpy(zero_copy_only=False)
        ok = nodes >= 0
        np.maximum.at(latest, nodes[ok], card_ts[owner[ok]])
    return latest > decided_at
