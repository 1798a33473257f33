"""The canonical data model: the one definition of every table moneytrail keeps.

Loaders produce these tables, stores keep them, the graph builder and the detectors read them.
Nothing else defines a column: import the schema from here.

Conventions
-----------
* Timestamps are ``timestamp[us, tz=UTC]``; dates are ``date32``.
* Money is ``float64``: ``amount`` in the original ``currency`` and ``amount_base`` in the
  configured base currency (EUR by default).
* Identifiers are strings as they appear in the source (IBAN, institution-qualified number).
* Every input row carries the ``batch_id`` of the upload that brought it (the content hash of
  the file), so every fact can be traced back to a file.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

#: Bank accounts (and placeholder counterparties such as ``CASH`` or an external-bank code).
ACCOUNTS = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("institution", pa.string()),
        pa.field("country", pa.string()),  # ISO 3166 alpha-2
        pa.field("opened", pa.date32()),
        pa.field("kind", pa.string()),  # personal | business | placeholder | ...
        pa.field("batch_id", pa.string()),
    ]
)

#: People and organisations, as known from KYC extracts and reports.
PARTIES = pa.schema(
    [
        pa.field("party_id", pa.string(), nullable=False),
        pa.field("kind", pa.string()),  # person | organisation
        pa.field("name", pa.string()),
        pa.field("birth_date", pa.date32()),
        pa.field("nationality", pa.string()),  # ISO 3166 alpha-2
        pa.field("id_document_type", pa.string()),  # passport | id_card | ...
        pa.field("id_document_number", pa.string()),
        pa.field("phone", pa.string()),
        pa.field("email", pa.string()),
        pa.field("address", pa.string()),
        pa.field("city", pa.string()),
        pa.field("country", pa.string()),  # country of residence or registration
        pa.field("batch_id", pa.string()),
    ]
)

#: Who holds, signs for or benefits from which account.
HOLDINGS = pa.schema(
    [
        pa.field("party_id", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("role", pa.string(), nullable=False),  # owner | signatory | beneficiary
        pa.field("batch_id", pa.string()),
    ]
)

CHANNELS = ("wire", "cash", "card", "mobile", "money_transfer", "crypto", "other")

#: Money moving from one account to another.
TRANSACTIONS = pa.schema(
    [
        pa.field("tx_id", pa.string(), nullable=False),
        pa.field("ts", TS, nullable=False),
        pa.field("src_account", pa.string(), nullable=False),
        pa.field("dst_account", pa.string(), nullable=False),
        pa.field("amount", pa.float64(), nullable=False),
        pa.field("currency", pa.string()),
        pa.field("amount_base", pa.float64(), nullable=False),
        pa.field("channel", pa.string()),  # one of CHANNELS
        pa.field("reference", pa.string()),
        # Where a cash deposit or withdrawal happened (branch or ATM city, IATA-like code or
        # free text) and its country: needed for out-of-area deposits and funnel accounts.
        pa.field("location", pa.string()),
        pa.field("location_country", pa.string()),
        pa.field("batch_id", pa.string()),
    ]
)

TRAVEL_MODES = ("air", "bus", "rail", "boat", "car", "foot", "other")

#: Travel legs: passenger manifests, bookings, border crossings.
TRAVEL = pa.schema(
    [
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("traveller_name", pa.string()),
        pa.field("traveller_birth_date", pa.date32()),
        pa.field("traveller_document", pa.string()),
        pa.field("traveller_nationality", pa.string()),
        pa.field("mode", pa.string()),  # one of TRAVEL_MODES
        pa.field("carrier", pa.string()),
        pa.field("route_number", pa.string()),  # flight, bus or vessel number
        pa.field("origin", pa.string()),  # IATA airport or border-crossing point code
        pa.field("destination", pa.string()),
        pa.field("departure", TS),
        pa.field("arrival", TS),
        pa.field("booking_ref", pa.string()),
        pa.field("payer_account", pa.string()),
        pa.field("batch_id", pa.string()),
    ]
)

#: One row per upload; ``reasons`` is a JSON object ``{reason: count}`` of the rejected rows.
BATCHES = pa.schema(
    [
        pa.field("batch_id", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("format", pa.string()),
        pa.field("uploaded_at", TS),
        pa.field("uploaded_by", pa.string()),
        pa.field("rows_accepted", pa.int64()),
        pa.field("rows_rejected", pa.int64()),
        pa.field("rows_duplicate", pa.int64()),
        pa.field("reasons", pa.string()),
        # Rows whose key was known with other content, quarantined in ``conflicts``.
        pa.field("rows_conflict", pa.int64()),
    ]
)

#: The quarantine: every row a loader refused, with where and why.
REJECTED = pa.schema(
    [
        pa.field("batch_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("row", pa.int64()),  # 1-based data row (or element index for XML)
        pa.field("field", pa.string()),
        pa.field("value", pa.string()),  # truncated to MAX_REJECTED_VALUE characters
        pa.field("reason", pa.string()),
    ]
)

MAX_REJECTED_VALUE = 200

#: Conflicting duplicates: an incoming row whose key the store (or an earlier row of the same
#: batch) already holds with different content. The incoming row is not stored; it is kept
#: here with both versions as JSON objects (column -> value), so nothing vanishes silently
#: and an investigator can see which of two reports said what. See docs/formats.md.
CONFLICTS = pa.schema(
    [
        pa.field("batch_id", pa.string()),  # the batch that brought the incoming row
        pa.field("table", pa.string()),  # transactions or travel
        pa.field("key", pa.string()),  # the row's key (tx_id, record_id)
        pa.field("fields", pa.string()),  # the columns that differ, comma-separated
        pa.field("stored_batch_id", pa.string()),  # the batch whose row was kept
        pa.field("stored", pa.string()),  # JSON object: the row kept
        pa.field("incoming", pa.string()),  # JSON object: the row quarantined
        pa.field("reason", pa.string()),
    ]
)

# --- Derived tables written back by analysis -------------------------------------------------

#: One row per analysis run.
RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("started_at", TS),
        pa.field("finished_at", TS),
        pa.field("parameters", pa.string()),  # JSON
        pa.field("summary", pa.string()),  # JSON: counts, timings
    ]
)

#: Ranked clusters: communities of the combined money, identity and travel graph.
CLUSTERS = pa.schema(
    [
        pa.field("cluster_id", pa.int64(), nullable=False),
        pa.field("rank", pa.int64()),  # 1 = most suspicious
        pa.field("score", pa.float64()),  # 0..1, explainable from the evidence
        pa.field("n_accounts", pa.int64()),
        pa.field("n_parties", pa.int64()),
        pa.field("n_transactions", pa.int64()),  # transactions inside the cluster
        pa.field("volume", pa.float64()),  # amount_base moved inside the cluster
        pa.field("inflow", pa.float64()),  # amount_base entering from outside
        pa.field("outflow", pa.float64()),  # amount_base leaving to outside
        pa.field("countries", pa.list_(pa.string())),
        pa.field("flags", pa.list_(pa.string())),  # pattern names that fired
        pa.field("summary", pa.string()),
        pa.field("run_id", pa.string()),
    ]
)

ENTITY_KINDS = ("account", "party", "trip")

#: Members of each cluster.
CLUSTER_MEMBERS = pa.schema(
    [
        pa.field("cluster_id", pa.int64(), nullable=False),
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("entity_kind", pa.string(), nullable=False),  # one of ENTITY_KINDS
        pa.field("role", pa.string()),  # e.g. collector, hub, mule: what the data suggests
        pa.field("score", pa.float64()),
        pa.field("run_id", pa.string()),
    ]
)

#: Evidence cards: why a cluster (or entity) ranks where it does.
EVIDENCE = pa.schema(
    [
        pa.field("evidence_id", pa.string(), nullable=False),
        pa.field("cluster_id", pa.int64()),  # null for evidence not (yet) in a cluster
        pa.field("pattern", pa.string(), nullable=False),  # e.g. fan_in, temporal_cycle
        pa.field("source", pa.string()),  # red-flag source, e.g. FinCEN FIN-2023-Alert001
        pa.field("description", pa.string()),
        pa.field("weight", pa.float64()),  # contribution to the cluster score
        pa.field("entity_ids", pa.list_(pa.string())),
        pa.field("tx_ids", pa.list_(pa.string())),
        pa.field("record_ids", pa.list_(pa.string())),  # travel records
        pa.field("parameters", pa.string()),  # JSON of the thresholds used
        pa.field("run_id", pa.string()),
    ]
)

#: Per-entity features and scores.
SCORES = pa.schema(
    [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("entity_kind", pa.string(), nullable=False),
        pa.field("component", pa.int64()),
        pa.field("community", pa.int64()),
        pa.field("pagerank", pa.float64()),
        pa.field("risk", pa.float64()),
        pa.field("in_degree", pa.int64()),
        pa.field("out_degree", pa.int64()),
        pa.field("inflow", pa.float64()),
        pa.field("outflow", pa.float64()),
        pa.field("features", pa.string()),  # JSON
        pa.field("run_id", pa.string()),
    ]
)

LINK_KINDS = ("same_as", "co_travelled", "shared_identifier", "paid_ticket")

#: Derived links between entities: identity resolution, co-travel, shared identifiers.
LINKS = pa.schema(
    [
        pa.field("left_id", pa.string(), nullable=False),
        pa.field("left_kind", pa.string(), nullable=False),
        pa.field("right_id", pa.string(), nullable=False),
        pa.field("right_kind", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),  # one of LINK_KINDS
        pa.field("score", pa.float64()),
        pa.field("evidence", pa.string()),
        pa.field("run_id", pa.string()),
    ]
)

#: Tables a loader produces and a batch carries.
INPUT_TABLES: dict[str, pa.Schema] = {
    "accounts": ACCOUNTS,
    "parties": PARTIES,
    "holdings": HOLDINGS,
    "transactions": TRANSACTIONS,
    "travel": TRAVEL,
}

#: The key that makes a row of an input table unique; a second row with a known key is a
#: duplicate and is skipped (idempotent re-upload).
#: The role of a case member who is a first-hop counterparty, shown but not a member of the
#: case's core (``cluster_members.role``).
CONTEXT_ROLE = "context"

KEYS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "parties": ("party_id",),
    "holdings": ("party_id", "account_id", "role"),
    "transactions": ("tx_id",),
    "travel": ("record_id",),
}

#: Columns of the per-account feature table (``account_features``), in the order the triage
#: model reads them: the graph features of :mod:`algorithms.features`, the rule score, and the
#: 2-hop means over senders (``nbr_in_``) and receivers (``nbr_out_``). See docs/triage.md.
_DIRECTIONAL = ("n", "amount", "cp", "win_n", "win_amount", "log_mean", "burst", "round", "cash")
_GRAPH_FEATURES = (
    *(f"{d}_{name}" for d in ("in", "out") for name in _DIRECTIONAL),
    *("balance", "pass_on", "mutual", "gather_scatter", "scatter_gather"),
    *("cycles_2", "cycles_3", "cycles_4", "cycles_5"),
)
_NEIGHBOUR_FEATURES = ("rule_score", "in_cp", "out_cp", "pass_on", "balance", "in_amount",
                       "out_amount")  # fmt: skip
FEATURE_COLUMNS: tuple[str, ...] = (
    *_GRAPH_FEATURES,
    "rule_score",
    *(f"nbr_{d}_{name}" for d in ("in", "out") for name in _NEIGHBOUR_FEATURES),
)

ACCOUNT_FEATURES = pa.schema(
    [pa.field("entity_id", pa.string(), nullable=False)]
    + [pa.field(name, pa.float64()) for name in FEATURE_COLUMNS]
    + [pa.field("run_id", pa.string())]
)

#: Per account: the rank the investigator's queue follows. ``risk`` combines the rule score
#: with the triage model's score (equal to the rule score without a model); ``label`` is the
#: decision in force (1 suspicious, 0 cleared), ``flagged`` the model's decision at its
#: threshold (null without a model).
TRIAGE = pa.schema(
    [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("risk", pa.float64()),
        pa.field("rule_score", pa.float64()),
        pa.field("model_score", pa.float64()),
        pa.field("label", pa.int8()),
        pa.field("decided_at", TS),
        pa.field("new_evidence", pa.bool_()),  # evidence later than the decision
        pa.field("flagged", pa.bool_()),
        pa.field("run_id", pa.string()),
    ]
)

#: The triage model of a run (at most one row): LightGBM's own text format, never a pickle.
MODELS = pa.schema(
    [
        pa.field("run_id", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("n_labelled", pa.int64()),
        pa.field("n_positive", pa.int64()),
        pa.field("threshold", pa.float64()),
        pa.field("parameters", pa.string()),  # JSON
        pa.field("importances", pa.string()),  # JSON {feature: gain}
        pa.field("metrics", pa.string()),  # JSON: out-of-fold figures on the training labels
        pa.field("model", pa.large_string()),
    ]
)

#: Tables written back by an analysis run (replaced as a whole by each run).
RESULT_TABLES: dict[str, pa.Schema] = {
    "runs": RUNS,
    "clusters": CLUSTERS,
    "cluster_members": CLUSTER_MEMBERS,
    "evidence": EVIDENCE,
    "scores": SCORES,
    "links": LINKS,
    "account_features": ACCOUNT_FEATURES,
    "triage": TRIAGE,
    "models": MODELS,
}

ALL_TABLES: dict[str, pa.Schema] = {
    **INPUT_TABLES,
    "batches": BATCHES,
    "rejected": REJECTED,
    "conflicts": CONFLICTS,
    **RESULT_TABLES,
}


def empty(name: str) -> pa.Table:
    """Return an empty table with the canonical schema of ``name``."""
    return ALL_TABLES[name].empty_table()


def conform(table: pa.Table, name: str) -> pa.Table:
    """Return ``table`` with exactly the columns of the canonical schema ``name``.

    Missing nullable columns are added as nulls, columns are put in canonical order and cast to
    the canonical types. Extra columns are dropped.

    Raises
    ------
    KeyError
        If ``name`` is not a canonical table.
    ValueError
        If a non-nullable column is missing or a column cannot be cast.
    """
    schema = ALL_TABLES[name]
    columns = []
    for field in schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            if column.type != field.type:
                try:
                    column = column.cast(field.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ValueError(
                        f"{name}.{field.name}: cannot convert {column.type} to {field.type}"
                    ) from exc
        elif field.nullable:
            column = pa.nulls(table.num_rows, field.type)
        else:
            raise ValueError(f"{name}: required column {field.name!r} is missing")
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)
