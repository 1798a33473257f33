"""Per case, the facts the Clusters list adds to the clusters table: the first and last day of
money moving inside the case, and the highest triage-model score among its core accounts.

Inside means both ends are core accounts of the case (context accounts are left out, as the
case's volume leaves them out).
"""

from __future__ import annotations

import pandas as pd

from engine.core.schema import CONTEXT_ROLE
from engine.queries.data import WorkbenchData

COLUMNS = ["cluster_id", "first_seen", "last_seen", "model_score"]


def case_facts(data: WorkbenchData) -> pd.DataFrame:
    """``cluster_id, first_seen, last_seen, model_score`` per case (NaT/NaN where none)."""
    members = data.frame("cluster_members")
    if members.empty:
        return pd.DataFrame(columns=COLUMNS)
    core = members[(members["entity_kind"] == "account") & (members["role"] != CONTEXT_ROLE)]
    core = core[["cluster_id", "entity_id"]]
    tx = data.table("transactions").select(["src_account", "dst_account", "ts"]).to_pandas()
    inside = tx.merge(core, left_on="src_account", right_on="entity_id").merge(
        core, left_on=["dst_account", "cluster_id"], right_on=["entity_id", "cluster_id"]
    )
    span = inside.groupby("cluster_id")["ts"].agg(first_seen="min", last_seen="max")
    triage = data.frame("triage")
    if not triage.empty and "model_score" in triage:
        scored = core.merge(triage[["entity_id", "model_score"]], on="entity_id")
        best = scored.groupby("cluster_id")["model_score"].max()
    else:
        best = pd.Series(dtype=float, name="model_score")
    ids = pd.Index(members["cluster_id"].unique(), name="cluster_id")
    out = span.reindex(ids).join(best.rename("model_score").reindex(ids))
    return out.reset_index()[COLUMNS]
