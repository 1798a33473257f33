"""What the read services return: capped network pictures and page details, and the caps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Most nodes drawn in one network picture; the rest is aggregated.
MAX_NODES = 150
#: Most rows listed for an entity's counterparties or a cluster's transactions.
MAX_ROWS = 2000
#: Most money-flow pairs drawn in a Sankey.
MAX_FLOWS = 40
#: Most accounts of one cluster whose model reasons are listed (highest model score first).
MAX_REASON_ACCOUNTS = 20
#: Columns of a path table, one row per hop.
PATH_COLUMNS = ["hop", "from", "from_label", "to", "to_label", "tx_id", "ts", "amount", "transfers"]


@dataclass
class Network:
    """A capped picture: nodes and edges as records, and what was left out."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    omitted_nodes: int = 0
    omitted_amount: float = 0.0
    #: Preset positions per node id (:func:`engine.queries.layout.spring_layout`), when laid out.
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Each fold in words (:func:`engine.queries.folding.fold`), when folded.
    notes: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        """What the picture leaves out, in words (empty when nothing)."""
        if self.notes:
            return " ".join(self.notes)
        if not self.omitted_nodes:
            return ""
        return (
            f"{self.omitted_nodes:,} less relevant accounts "
            f"({self.omitted_amount:,.0f} moved) are folded into one 'other' node."
        )


@dataclass
class ClusterDetail:
    """Everything the Cluster page shows about one cluster."""

    info: dict[str, Any]
    members: pd.DataFrame
    evidence: pd.DataFrame
    transactions: pd.DataFrame
    trips: pd.DataFrame
    network: Network
    flows: pd.DataFrame
    #: The filters the transactions, trips, flows and evidence were narrowed by (None: all).
    filters: Any = None
    #: Member ids with a transaction or trip that passes the filters (all members without).
    active: frozenset[str] = frozenset()
    #: Per core account with a model score, the triage model's top contributions
    #: (:meth:`engine.queries.clusters.ClusterQueries.model_reasons`); empty without a model.
    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class EntityDetail:
    """Everything the Entity page shows about an account or a party."""

    entity_id: str
    kind: str
    label: str
    attributes: dict[str, Any]
    holdings: pd.DataFrame
    counterparties: pd.DataFrame
    transactions: pd.DataFrame
    trips: pd.DataFrame
    links: pd.DataFrame
    clusters: pd.DataFrame
