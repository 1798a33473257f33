"""Every Cypher statement the Neo4j store runs, as constants.

Values only ever travel as ``$parameters``; nothing here is built with string formatting, so a
name such as ``x'}) MATCH (n) DETACH DELETE n //`` is stored as the text it is.

The graph (see docs/neo4j.md)::

    (:Account {account_id, ...})-[:TRANSFER {tx_id, ts, amount, amount_base, ...}]->(:Account)
    (:Party {party_id, ...})-[:HOLDS {role, batch_id}]->(:Account)
    (:Account)-[:PAID]->(:Trip {record_id, traveller_name, ...})
    (:Batch {batch_id, source, ...})      one per upload: the idempotence key
    (:Rejected {batch_id, row, field, value, reason})
    (:Cluster {cluster_id, rank, score, ...})<-[:MEMBER_OF {role, score}]-(:Account|:Party|:Trip)
    (:Party)-[:SAME_AS {score, evidence}]->(:Party)   and [:CO_TRAVELLED], [:LINKED {kind}]
    (:ResultTable {name, part, data})     Arrow IPC of each result table of the latest run
    (:Disposition {disposition_id, entity_id, decision, ...})-[:ABOUT]->(:Account)
                                          an investigator's decision (never cleared by a run)
    (:CaseLineage {run_id, old_id, new_id, kind, ...}), (:WorklogEntry {entity_id, field, ...})
                                          append-only ledgers (engine/store/ledgers.py)
    (:CaseIdCounter {name, next})         the case-id counter (only grows)
    (:WatchEntry {entry_id, entity_id, entity_kind, action, ...})-[:WATCHES]->(:Account|:Party)
                                          the watch list's log (never cleared by a run)

An ``:Account`` or ``:Party`` created only because a transfer or a holding names it has no
``batch_id``: it is a reference, not a row of the accounts or parties table, so a later row with
that key is new, not a duplicate.
"""

from __future__ import annotations

#: Constraints and indexes, created (if missing) whenever a store opens.
SCHEMA = (
    "CREATE CONSTRAINT mt_account_id IF NOT EXISTS FOR (a:Account) REQUIRE a.account_id IS UNIQUE",
    "CREATE CONSTRAINT mt_party_id IF NOT EXISTS FOR (p:Party) REQUIRE p.party_id IS UNIQUE",
    "CREATE CONSTRAINT mt_trip_id IF NOT EXISTS FOR (t:Trip) REQUIRE t.record_id IS UNIQUE",
    "CREATE CONSTRAINT mt_batch_id IF NOT EXISTS FOR (b:Batch) REQUIRE b.batch_id IS UNIQUE",
    "CREATE CONSTRAINT mt_cluster_id IF NOT EXISTS FOR (c:Cluster) REQUIRE c.cluster_id IS UNIQUE",
    "CREATE CONSTRAINT mt_tx_id IF NOT EXISTS FOR ()-[r:TRANSFER]-() REQUIRE r.tx_id IS UNIQUE",
    "CREATE INDEX mt_transfer_ts IF NOT EXISTS FOR ()-[r:TRANSFER]-() ON (r.ts)",
    "CREATE INDEX mt_rejected_batch IF NOT EXISTS FOR (r:Rejected) ON (r.batch_id)",
    "CREATE INDEX mt_conflict_batch IF NOT EXISTS FOR (c:Conflict) ON (c.batch_id)",
    "CREATE INDEX mt_result_name IF NOT EXISTS FOR (r:ResultTable) ON (r.name)",
    "CREATE CONSTRAINT mt_disposition_id IF NOT EXISTS FOR (d:Disposition) "
    "REQUIRE d.disposition_id IS UNIQUE",
    "CREATE CONSTRAINT mt_case_counter IF NOT EXISTS FOR (c:CaseIdCounter) REQUIRE c.name IS UNIQUE",
    "CREATE INDEX mt_lineage_seq IF NOT EXISTS FOR (n:CaseLineage) ON (n.seq)",
    "CREATE INDEX mt_worklog_seq IF NOT EXISTS FOR (n:WorklogEntry) ON (n.seq)",
    "CREATE INDEX mt_worklog_entity IF NOT EXISTS FOR (n:WorklogEntry) ON (n.entity_id)",
    "CREATE CONSTRAINT mt_watch_entry_id IF NOT EXISTS FOR (w:WatchEntry) "
    "REQUIRE w.entry_id IS UNIQUE",
)

AWAIT_INDEXES = "CALL db.awaitIndexes(300)"

# -- batches --------------------------------------------------------------------------------

BATCH_EXISTS = """
MATCH (b:Batch {batch_id: $batch_id}) USING INDEX SEEK b:Batch(batch_id)
RETURN count(b) > 0 AS known
"""

CREATE_BATCH = """
CREATE (b:Batch)
SET b = $props, b.uploaded_at = datetime()
"""

CREATE_REJECTED = """
UNWIND $rows AS row
CREATE (r:Rejected)
SET r = row
"""

#: Conflicting duplicates (engine.store.conflicts): one node per quarantined incoming row,
#: with both versions as JSON, created in the batch's own transaction.
CREATE_CONFLICTS = """
UNWIND $rows AS row
CREATE (c:Conflict)
SET c = row
"""

# -- taking a batch back (one transaction, in this order) -----------------------------------
#
# Rows carry the batch_id of the batch that stored them. An account or party row that other
# batches' transfers or holdings still point at becomes a bare reference again (its properties
# and batch_id cleared, as if only referenced); one nothing points at is deleted, as are the
# bare references only this batch's transfers, holdings and trips created.

BATCH_INFO = """
MATCH (b:Batch {batch_id: $batch_id}) USING INDEX SEEK b:Batch(batch_id)
RETURN b.source AS source, b.rows_rejected AS rejected,
       coalesce(b.rows_conflict, 0) AS conflicts
"""

REMOVE_TRANSFERS = """
MATCH (s:Account)-[r:TRANSFER]->(d:Account) WHERE r.batch_id = $batch_id
WITH r, s.account_id AS src, d.account_id AS dst
DELETE r
WITH collect(src) + collect(dst) AS ends, count(*) AS n
RETURN n, [k IN ends WHERE k IS NOT NULL] AS touched
"""

REMOVE_HOLDINGS = """
MATCH (p:Party)-[h:HOLDS]->(a:Account) WHERE h.batch_id = $batch_id
WITH h, p.party_id AS party, a.account_id AS account
DELETE h
RETURN count(*) AS n, collect(party) AS parties, collect(account) AS accounts
"""

REMOVE_TRIPS = """
MATCH (t:Trip) WHERE t.batch_id = $batch_id
OPTIONAL MATCH (a:Account)-[:PAID]->(t)
WITH t, collect(a.account_id) AS payers
DETACH DELETE t
WITH collect(payers) AS all, count(*) AS n
RETURN n, reduce(out = [], p IN all | out + p) AS touched
"""

REMOVE_ACCOUNT_ROWS = """
MATCH (a:Account) WHERE a.batch_id = $batch_id
WITH a, a.account_id AS key
SET a.institution = null, a.country = null, a.opened = null, a.kind = null, a.batch_id = null
RETURN count(*) AS n, collect(key) AS touched
"""

REMOVE_PARTY_ROWS = """
MATCH (p:Party) WHERE p.batch_id = $batch_id
WITH p, p.party_id AS key
SET p.kind = null, p.name = null, p.birth_date = null, p.nationality = null,
    p.id_document_type = null, p.id_document_number = null, p.phone = null, p.email = null,
    p.address = null, p.city = null, p.country = null, p.batch_id = null
RETURN count(*) AS n, collect(key) AS touched
"""

DROP_BARE_ACCOUNTS = """
UNWIND $keys AS key
MATCH (a:Account {account_id: key}) USING INDEX SEEK a:Account(account_id)
WITH a WHERE a.batch_id IS NULL AND NOT (a)--()
DELETE a
"""

DROP_BARE_PARTIES = """
UNWIND $keys AS key
MATCH (p:Party {party_id: key}) USING INDEX SEEK p:Party(party_id)
WITH p WHERE p.batch_id IS NULL AND NOT (p)--()
DELETE p
"""

REMOVE_REJECTED = """
MATCH (r:Rejected {batch_id: $batch_id}) USING INDEX SEEK r:Rejected(batch_id)
DELETE r
RETURN count(*) AS n
"""

REMOVE_CONFLICTS = """
MATCH (c:Conflict {batch_id: $batch_id}) USING INDEX SEEK c:Conflict(batch_id)
DELETE c
RETURN count(*) AS n
"""

REMOVE_BATCH = """
MATCH (b:Batch {batch_id: $batch_id}) USING INDEX SEEK b:Batch(batch_id)
DELETE b
"""

# -- keys already stored (inside the batch's own transaction) --------------------------------
#
# Every lookup (here and in the result write-back) forces a seek of its index (USING INDEX SEEK): a plan made while the store was
# empty, and then kept in the query cache, otherwise scans the whole index once per key
# (measured: a 20k-row batch took >10 minutes once 50k transfers were stored).

KNOWN_ACCOUNTS = """
UNWIND $keys AS key
MATCH (a:Account {account_id: key}) USING INDEX SEEK a:Account(account_id)
WHERE a.batch_id IS NOT NULL
RETURN collect(key) AS known
"""

KNOWN_PARTIES = """
UNWIND $keys AS key
MATCH (p:Party {party_id: key}) USING INDEX SEEK p:Party(party_id)
WHERE p.batch_id IS NOT NULL
RETURN collect(key) AS known
"""

KNOWN_TRIPS = """
UNWIND $keys AS key
MATCH (t:Trip {record_id: key}) USING INDEX SEEK t:Trip(record_id)
RETURN collect(key) AS known
"""

KNOWN_TRANSFERS = """
UNWIND $keys AS key
MATCH ()-[r:TRANSFER {tx_id: key}]->() USING INDEX SEEK r:TRANSFER(tx_id)
RETURN collect(key) AS known
"""

#: The stored rows of known keys, to compare their content with the incoming rows (only
#: for the keys that matched; same columns as READ_TRANSACTIONS / READ_TRAVEL, row by row).
STORED_TRANSFERS = """
UNWIND $keys AS key
MATCH (s:Account)-[r:TRANSFER {tx_id: key}]->(d:Account) USING INDEX SEEK r:TRANSFER(tx_id)
RETURN r.tx_id AS tx_id, r.ts.epochSeconds * 1000000 + r.ts.nanosecond / 1000 AS ts_us,
       s.account_id AS src_account, d.account_id AS dst_account, r.amount AS amount,
       r.currency AS currency, r.amount_base AS amount_base, r.channel AS channel,
       r.reference AS reference, r.location AS location,
       r.location_country AS location_country, r.batch_id AS batch_id
"""

STORED_TRIPS = """
UNWIND $keys AS key
MATCH (t:Trip {record_id: key}) USING INDEX SEEK t:Trip(record_id)
RETURN t.record_id AS record_id, t.traveller_name AS traveller_name,
       t.traveller_birth_date AS traveller_birth_date,
       t.traveller_document AS traveller_document,
       t.traveller_nationality AS traveller_nationality, t.mode AS mode, t.carrier AS carrier,
       t.route_number AS route_number, t.origin AS origin, t.destination AS destination,
       t.departure.epochSeconds * 1000000 + t.departure.nanosecond / 1000 AS departure_us,
       t.arrival.epochSeconds * 1000000 + t.arrival.nanosecond / 1000 AS arrival_us,
       t.booking_ref AS booking_ref, t.payer_account AS payer_account, t.batch_id AS batch_id
"""

KNOWN_HOLDINGS = """
UNWIND range(0, size($party_id) - 1) AS i
MATCH (p:Party {party_id: $party_id[i]})-[h:HOLDS {role: $role[i]}]->
      (a:Account {account_id: $account_id[i]})
USING INDEX SEEK p:Party(party_id)
RETURN collect(i) AS known
"""

# -- row writes: columnar parameters ($column lists of equal length), one row per index ------

WRITE_ACCOUNTS = """
UNWIND range(0, size($account_id) - 1) AS i
MERGE (a:Account {account_id: $account_id[i]})
SET a.institution = $institution[i], a.country = $country[i], a.opened = $opened[i],
    a.kind = $kind[i], a.batch_id = $batch_id
"""

WRITE_PARTIES = """
UNWIND range(0, size($party_id) - 1) AS i
MERGE (p:Party {party_id: $party_id[i]})
SET p.kind = $kind[i], p.name = $name[i], p.birth_date = $birth_date[i],
    p.nationality = $nationality[i], p.id_document_type = $id_document_type[i],
    p.id_document_number = $id_document_number[i], p.phone = $phone[i], p.email = $email[i],
    p.address = $address[i], p.city = $city[i], p.country = $country[i],
    p.batch_id = $batch_id
"""

WRITE_HOLDINGS = """
UNWIND range(0, size($party_id) - 1) AS i
MERGE (p:Party {party_id: $party_id[i]})
MERGE (a:Account {account_id: $account_id[i]})
CREATE (p)-[:HOLDS {role: $role[i], batch_id: $batch_id}]->(a)
"""

#: Kept for the holdings and trips, whose rows are few: one MERGE per distinct account.
MERGE_ACCOUNT_REFS = """
UNWIND $keys AS key
MERGE (:Account {account_id: key})
"""

#: Transfers are written in three statements per batch, none of them a MERGE: the node ids of
#: the distinct accounts the batch names, read once (an index seek per account, not per
#: transfer); the accounts not stored yet, created as bare references; then the transfers,
#: each a CREATE between two nodes found by id. The tx_ids were proved new in the same
#: transaction (KNOWN_TRANSFERS), and the uniqueness constraints on tx_id and account_id
#: refuse a concurrent writer's copy at commit (the whole batch is then retried and sees it).
#: ``i`` comes back with each id so the caller can place it without relying on row order.
ACCOUNT_NODES = """
UNWIND range(0, size($keys) - 1) AS i
MATCH (a:Account {account_id: $keys[i]}) USING INDEX SEEK a:Account(account_id)
RETURN collect(i) AS at, collect(id(a)) AS node
"""

CREATE_ACCOUNT_REFS = """
UNWIND range(0, size($keys) - 1) AS i
CREATE (a:Account {account_id: $keys[i]})
RETURN collect(i) AS at, collect(id(a)) AS node
"""

#: ``$src``/``$dst``: node ids from ACCOUNT_NODES / CREATE_ACCOUNT_REFS in the same
#: transaction. Returns how many were created: fewer than the rows means an endpoint vanished
#: (deleted by a concurrent writer), and the caller rolls the batch back.
WRITE_TRANSFERS = """
UNWIND range(0, size($tx_id) - 1) AS i
MATCH (s) WHERE id(s) = $src[i]
MATCH (d) WHERE id(d) = $dst[i]
CREATE (s)-[r:TRANSFER {tx_id: $tx_id[i],
    ts: datetime({epochSeconds: $ts_s[i], nanosecond: $ts_ns[i]}),
    amount: $amount[i], currency: $currency[i], amount_base: $amount_base[i],
    channel: $channel[i], reference: $reference[i], location: $location[i],
    location_country: $location_country[i], batch_id: $batch_id}]->(d)
RETURN count(r) AS n
"""

WRITE_TRIPS = """
UNWIND range(0, size($record_id) - 1) AS i
CREATE (t:Trip {record_id: $record_id[i]})
SET t.traveller_name = $traveller_name[i], t.traveller_birth_date = $traveller_birth_date[i],
    t.traveller_document = $traveller_document[i],
    t.traveller_nationality = $traveller_nationality[i], t.mode = $mode[i],
    t.carrier = $carrier[i], t.route_number = $route_number[i], t.origin = $origin[i],
    t.destination = $destination[i],
    t.departure = CASE WHEN $departure_s[i] IS NULL THEN null
        ELSE datetime({epochSeconds: $departure_s[i], nanosecond: $departure_ns[i]}) END,
    t.arrival = CASE WHEN $arrival_s[i] IS NULL THEN null
        ELSE datetime({epochSeconds: $arrival_s[i], nanosecond: $arrival_ns[i]}) END,
    t.booking_ref = $booking_ref[i], t.payer_account = $payer_account[i], t.batch_id = $batch_id
WITH t, $payer_account[i] AS payer WHERE payer IS NOT NULL
MERGE (a:Account {account_id: payer})
CREATE (a)-[:PAID]->(t)
"""

# -- reads: one row per record, columns named as in engine.core.schema --------------------------

#: Timestamps leave the server as epoch microseconds (integers decode far faster than
#: temporal values); ``*_us`` columns are turned back into ``timestamp[us, UTC]`` in Python.
#: Big reads come back columnar: one record per page of ``$page`` relationships, each column a
#: list (``collect`` keeps the same row order in every column of a group, and skips nulls, so
#: a nullable value is collected as ``[v]`` and unwrapped on the server). Streaming one
#: record per relationship costs ~7x more in Bolt framing and driver objects.
READ_TRANSACTIONS = """
MATCH (s:Account)-[r:TRANSFER]->(d:Account)
RETURN id(r) / $page AS part, collect(r.tx_id) AS tx_id,
       collect(r.ts.epochSeconds * 1000000 + r.ts.nanosecond / 1000) AS ts_us,
       collect(s.account_id) AS src_account, collect(d.account_id) AS dst_account,
       collect(r.amount) AS amount, [v IN collect([r.currency]) | v[0]] AS currency,
       collect(r.amount_base) AS amount_base, [v IN collect([r.channel]) | v[0]] AS channel,
       [v IN collect([r.reference]) | v[0]] AS reference,
       [v IN collect([r.location]) | v[0]] AS location,
       [v IN collect([r.location_country]) | v[0]] AS location_country,
       [v IN collect([r.batch_id]) | v[0]] AS batch_id
"""

#: The graph projection (what read_table("transactions", columns) uses for the CSR build),
#: plain-Cypher form for any Neo4j server: internal node ids instead of account strings (mapped
#: back through READ_ACCOUNT_IDS), in columnar pages; tx_id only when it is asked for.
READ_TRANSFER_ENDPOINTS = """
MATCH (s:Account)-[r:TRANSFER]->(d:Account)
RETURN id(r) / $page AS part, collect(id(s)) AS src, collect(id(d)) AS dst,
       collect(r.amount_base) AS amount_base,
       collect(r.ts.epochSeconds * 1000000 + r.ts.nanosecond / 1000) AS ts_us
"""

READ_TRANSFER_ENDPOINTS_TX_ID = """
MATCH (s:Account)-[r:TRANSFER]->(d:Account)
RETURN id(r) / $page AS part, collect(id(s)) AS src, collect(id(d)) AS dst,
       collect(r.amount_base) AS amount_base,
       collect(r.ts.epochSeconds * 1000000 + r.ts.nanosecond / 1000) AS ts_us,
       collect(r.tx_id) AS tx_id
"""

READ_ACCOUNT_IDS = """
MATCH (a:Account)
RETURN id(a) / $page AS part, collect(id(a)) AS node, collect(a.account_id) AS account_id
"""

#: The same projection through the project server's read-only procedures
#: (neo4j-launcher/.../Projection.java): each page as a few byte arrays (little-endian int64
#: node ids and epoch microseconds, float64 amounts, strings as int32 offsets + UTF-8), which
#: Python maps with numpy/pyarrow instead of decoding one Bolt value per relationship.
PACKED_PROCEDURES = """
SHOW PROCEDURES YIELD name
WHERE name IN ["moneytrail.accountPages", "moneytrail.transferPages"]
RETURN count(name) AS n
"""

PACKED_ACCOUNTS = """
CALL moneytrail.accountPages($page) YIELD rows, node, idOffsets, idData
RETURN rows, node, idOffsets, idData
"""

PACKED_TRANSFERS = """
CALL moneytrail.transferPages($page, $with_tx_id)
YIELD rows, src, dst, amountBase, tsMicros, txOffsets, txData
RETURN rows, src, dst, amountBase, tsMicros, txOffsets, txData
"""

ACCOUNT_TRANSACTIONS = """
CALL {
  MATCH (s:Account {account_id: $account_id})-[r:TRANSFER]->(d:Account) RETURN s, r, d
  UNION
  MATCH (s:Account)-[r:TRANSFER]->(d:Account {account_id: $account_id}) RETURN s, r, d
}
WITH s, r, d
WHERE ($start_s IS NULL OR r.ts >= datetime({epochSeconds: $start_s, nanosecond: $start_ns}))
  AND ($end_s IS NULL OR r.ts < datetime({epochSeconds: $end_s, nanosecond: $end_ns}))
RETURN r.tx_id AS tx_id,
       r.ts.epochSeconds * 1000000 + r.ts.nanosecond / 1000 AS ts_us,
       s.account_id AS src_account, d.account_id AS dst_account, r.amount AS amount,
       r.currency AS currency, r.amount_base AS amount_base, r.channel AS channel,
       r.reference AS reference, r.location AS location,
       r.location_country AS location_country, r.batch_id AS batch_id
ORDER BY ts_us, tx_id
"""

READ_ACCOUNTS = """
MATCH (a:Account) WHERE a.batch_id IS NOT NULL
RETURN a.account_id AS account_id, a.institution AS institution, a.country AS country,
       a.opened AS opened, a.kind AS kind, a.batch_id AS batch_id
"""

READ_PARTIES = """
MATCH (p:Party) WHERE p.batch_id IS NOT NULL
RETURN p.party_id AS party_id, p.kind AS kind, p.name AS name, p.birth_date AS birth_date,
       p.nationality AS nationality, p.id_document_type AS id_document_type,
       p.id_document_number AS id_document_number, p.phone AS phone, p.email AS email,
       p.address AS address, p.city AS city, p.country AS country, p.batch_id AS batch_id
"""

READ_HOLDINGS = """
MATCH (p:Party)-[h:HOLDS]->(a:Account)
RETURN p.party_id AS party_id, a.account_id AS account_id, h.role AS role,
       h.batch_id AS batch_id
"""

READ_TRAVEL = """
MATCH (t:Trip)
RETURN t.record_id AS record_id, t.traveller_name AS traveller_name,
       t.traveller_birth_date AS traveller_birth_date,
       t.traveller_document AS traveller_document,
       t.traveller_nationality AS traveller_nationality, t.mode AS mode, t.carrier AS carrier,
       t.route_number AS route_number, t.origin AS origin, t.destination AS destination,
       t.departure.epochSeconds * 1000000 + t.departure.nanosecond / 1000 AS departure_us,
       t.arrival.epochSeconds * 1000000 + t.arrival.nanosecond / 1000 AS arrival_us,
       t.booking_ref AS booking_ref, t.payer_account AS payer_account, t.batch_id AS batch_id
"""

READ_BATCHES = """
MATCH (b:Batch)
RETURN b.batch_id AS batch_id, b.source AS source, b.kind AS kind, b.format AS format,
       b.uploaded_at.epochSeconds * 1000000 + b.uploaded_at.nanosecond / 1000 AS uploaded_at_us,
       b.uploaded_by AS uploaded_by, b.rows_accepted AS rows_accepted,
       b.rows_rejected AS rows_rejected, b.rows_duplicate AS rows_duplicate,
       b.reasons AS reasons, coalesce(b.rows_conflict, 0) AS rows_conflict
ORDER BY uploaded_at_us, batch_id
"""

READ_REJECTED = """
MATCH (r:Rejected)
RETURN r.batch_id AS batch_id, r.source AS source, r.row AS row, r.field AS field,
       r.value AS value, r.reason AS reason
"""

READ_CONFLICTS = """
MATCH (c:Conflict)
RETURN c.batch_id AS batch_id, c.table AS table, c.key AS key, c.fields AS fields,
       c.stored_batch_id AS stored_batch_id, c.stored AS stored, c.incoming AS incoming,
       c.reason AS reason
ORDER BY batch_id, table, key
"""

COUNT = {
    "transactions": "MATCH ()-[r:TRANSFER]->() RETURN count(r) AS n",
    "accounts": "MATCH (a:Account) WHERE a.batch_id IS NOT NULL RETURN count(a) AS n",
    "parties": "MATCH (p:Party) WHERE p.batch_id IS NOT NULL RETURN count(p) AS n",
    "holdings": "MATCH ()-[h:HOLDS]->() RETURN count(h) AS n",
    "travel": "MATCH (t:Trip) RETURN count(t) AS n",
    "batches": "MATCH (b:Batch) RETURN count(b) AS n",
    "rejected": "MATCH (r:Rejected) RETURN count(r) AS n",
    "conflicts": "MATCH (c:Conflict) RETURN count(c) AS n",
}

# -- analysis results -------------------------------------------------------------------------

CLEAR_RESULTS = (
    "MATCH (r:ResultTable) DELETE r",
    "MATCH (c:Cluster) DETACH DELETE c",
    "MATCH ()-[l:SAME_AS|CO_TRAVELLED|LINKED]->() DELETE l",
    """MATCH (n:Scored)
       REMOVE n:Scored, n.community, n.component, n.pagerank, n.risk, n.cluster_id,
              n.run_id""",
)

WRITE_RESULT_PART = """
CREATE (:ResultTable {name: $name, part: $part, run_id: $run_id, data: $data})
"""

READ_RESULT_PARTS = """
MATCH (r:ResultTable {name: $name})
RETURN r.data AS data ORDER BY r.part
"""

#: Scores as node properties, one statement per entity kind (labels cannot be parameters).
_SET_SCORES = """
UNWIND range(0, size($entity_id) - 1) AS i
MATCH (n:{label} {{{key}: $entity_id[i]}}) USING INDEX SEEK n:{label}({key})
SET n:Scored, n.community = $community[i], n.component = $component[i],
    n.pagerank = $pagerank[i], n.risk = $risk[i], n.run_id = $run_id
"""

_MEMBER_OF = """
UNWIND range(0, size($entity_id) - 1) AS i
MATCH (n:{label} {{{key}: $entity_id[i]}}) USING INDEX SEEK n:{label}({key})
MATCH (c:Cluster {{cluster_id: $cluster_id[i]}}) USING INDEX SEEK c:Cluster(cluster_id)
SET n:Scored, n.cluster_id = $cluster_id[i], n.run_id = $run_id
CREATE (n)-[:MEMBER_OF {{role: $role[i], score: $score[i]}}]->(c)
"""

_LINK = """
UNWIND range(0, size($left_id) - 1) AS i
MATCH (a:{left} {{{left_key}: $left_id[i]}}) USING INDEX SEEK a:{left}({left_key})
MATCH (b:{right} {{{right_key}: $right_id[i]}}) USING INDEX SEEK b:{right}({right_key})
CREATE (a)-[:{rel} {{kind: $kind[i], score: $score[i], evidence: $evidence[i], run_id: $run_id}}]->(b)
"""

#: Node label and key property of each entity kind of the result tables.
ENTITY_LABELS = {"account": ("Account", "account_id"), "party": ("Party", "party_id"),
                 "trip": ("Trip", "record_id")}  # fmt: skip

#: Relationship type of each link kind; kinds not listed become [:LINKED {kind}].
LINK_TYPES = {"same_as": "SAME_AS", "co_travelled": "CO_TRAVELLED"}

SET_SCORES = {
    kind: _SET_SCORES.format(label=label, key=key) for kind, (label, key) in ENTITY_LABELS.items()
}
MEMBER_OF = {
    kind: _MEMBER_OF.format(label=label, key=key) for kind, (label, key) in ENTITY_LABELS.items()
}
LINKS = {
    (left, right, rel): _LINK.format(
        left=ENTITY_LABELS[left][0],
        left_key=ENTITY_LABELS[left][1],
        right=ENTITY_LABELS[right][0],
        right_key=ENTITY_LABELS[right][1],
        rel=rel,
    )
    for left in ENTITY_LABELS
    for right in ENTITY_LABELS
    for rel in ("SAME_AS", "CO_TRAVELLED", "LINKED")
}

CREATE_CLUSTERS = """
UNWIND range(0, size($cluster_id) - 1) AS i
CREATE (:Cluster {cluster_id: $cluster_id[i], rank: $rank[i], score: $score[i],
                  n_accounts: $n_accounts[i], n_parties: $n_parties[i],
                  n_transactions: $n_transactions[i], volume: $volume[i], inflow: $inflow[i],
                  outflow: $outflow[i], countries: $countries[i], flags: $flags[i],
                  summary: $summary[i], run_id: $run_id})
"""

# -- investigators' decisions -------------------------------------------------------------------

#: Append decisions; an account decision is also linked to its account when the account exists.
#: ``decided_at_us`` is epoch microseconds (exact round trip of the Arrow timestamp).
WRITE_DISPOSITIONS = """
UNWIND $rows AS row
CREATE (d:Disposition)
SET d = row, d.written_at = datetime()
WITH d, row
OPTIONAL MATCH (a:Account {account_id: row.entity_id})
WITH d, row, a WHERE row.entity_kind = 'account' AND a IS NOT NULL
CREATE (d)-[:ABOUT]->(a)
"""

READ_DISPOSITIONS = """
MATCH (d:Disposition)
RETURN d.disposition_id AS disposition_id, d.entity_id AS entity_id,
       d.entity_kind AS entity_kind, d.decision AS decision, d.reason AS reason,
       d.decided_by AS decided_by, d.decided_at_us AS decided_at_us, d.case_id AS case_id,
       d.run_id AS run_id, d.batch_id AS batch_id
ORDER BY d.seq, d.written_at, d.disposition_id
"""

#: Highest write sequence number so far (decisions keep their write order across writes).
DISPOSITION_SEQ = "MATCH (d:Disposition) RETURN coalesce(max(d.seq), 0) AS seq"

# -- the watch list -----------------------------------------------------------------------------

#: Append watch-list rows; an entry is linked to its account or party when that exists, so
#: Cypher users can ask which watched people hold which accounts. ``at_us``: epoch microseconds.
WRITE_WATCHLIST = """
UNWIND $rows AS row
CREATE (w:WatchEntry)
SET w = row, w.written_at = datetime()
WITH w, row
OPTIONAL MATCH (a:Account {account_id: row.entity_id}) WHERE row.entity_kind = 'account'
OPTIONAL MATCH (p:Party {party_id: row.entity_id}) WHERE row.entity_kind = 'party'
FOREACH (x IN CASE WHEN a IS NULL THEN [] ELSE [a] END | CREATE (w)-[:WATCHES]->(x))
FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | CREATE (w)-[:WATCHES]->(x))
"""

READ_WATCHLIST = """
MATCH (w:WatchEntry)
RETURN w.entry_id AS entry_id, w.entity_id AS entity_id, w.entity_kind AS entity_kind,
       w.action AS action, w.note AS note, w.by AS by, w.at_us AS at_us, w.source AS source
ORDER BY w.seq, w.written_at, w.entry_id
"""

WATCHLIST_SEQ = "MATCH (w:WatchEntry) RETURN coalesce(max(w.seq), 0) AS seq"

# --- audit log ---
# The audit chain of a Neo4j store (engine/security/neo4j_audit.py):
#   (:AuditEntry {seq, ts, user, action, target, details, prev, hash})   one per entry
#   (:AuditHead {log, seq, hash})                                        the last entry

#: Unique sequence numbers (no two writers can both append entry n) and one head per log.
AUDIT_SCHEMA = (
    "CREATE CONSTRAINT mt_audit_seq IF NOT EXISTS FOR (e:AuditEntry) REQUIRE e.seq IS UNIQUE",
    "CREATE CONSTRAINT mt_audit_head IF NOT EXISTS FOR (h:AuditHead) REQUIRE h.log IS UNIQUE",
)

#: First statement of every append: writing to the head takes its exclusive lock until commit,
#: so concurrent appends queue here (the head is created empty on first use).
AUDIT_LOCK_HEAD = """
MERGE (h:AuditHead {log: $log})
ON CREATE SET h.seq = 0, h.hash = $genesis
SET h.locked_by = $token
"""

AUDIT_READ_HEAD = "MATCH (h:AuditHead {log: $log}) RETURN h.seq AS seq, h.hash AS hash"

AUDIT_READ_HEAD_MAP = "MATCH (h:AuditHead {log: $log}) RETURN h {.seq, .hash} AS head"

AUDIT_APPEND = """
MATCH (h:AuditHead {log: $log})
CREATE (:AuditEntry {seq: $seq, ts: $ts, user: $user, action: $action, target: $target,
                     details: $details, prev: $prev, hash: $hash, sig: $sig})
SET h.seq = $seq, h.hash = $hash
"""

#: One page of the chain in order (a range seek on the seq constraint's index).
AUDIT_PAGE = """
MATCH (e:AuditEntry) WHERE e.seq > $after AND e.seq <= $upto
RETURN properties(e) AS entry ORDER BY e.seq LIMIT $limit
"""

#: Entries beyond the head, or without an integer seq (run holding the head's lock). Counted
#: as all entries minus the valid ones: a WHERE on e.seq would let the planner use the seq index,
#: which never sees a node whose seq is missing.
AUDIT_STRAYS = """
MATCH (h:AuditHead {log: $log})
OPTIONAL MATCH (e:AuditEntry)
WITH h, e, e.seq AS seq
RETURN count(e) - count(CASE WHEN seq IS :: INTEGER NOT NULL AND seq <= h.seq THEN 1 END)
"""

# -- ledgers (engine/store/ledgers.py) and the case-id counter -------------------------------------

#: Node label of each ledger (labels cannot be parameters, so the statements are built here).
LEDGER_LABELS = {"case_lineage": "CaseLineage", "worklog": "WorklogEntry"}

#: Append rows (timestamps as ``<field>_us`` epoch microseconds, ``seq`` the write order).
WRITE_LEDGER = {
    name: f"UNWIND $rows AS row CREATE (n:{label}) SET n = row"
    for name, label in LEDGER_LABELS.items()
}
READ_LEDGER = {
    name: f"MATCH (n:{label}) RETURN properties(n) AS row ORDER BY n.seq"
    for name, label in LEDGER_LABELS.items()
}
LEDGER_SEQ = {
    name: f"MATCH (n:{label}) RETURN coalesce(max(n.seq), 0) AS seq"
    for name, label in LEDGER_LABELS.items()
}

#: First statement of a reservation: writing to the counter takes its lock until commit, so a
#: concurrent reservation waits and then reads the advanced value.
CASE_COUNTER_LOCK = """
MERGE (c:CaseIdCounter {name: 'case_id'})
ON CREATE SET c.next = 1
SET c.locked_by = $token
"""

CASE_COUNTER_ADVANCE = """
MATCH (c:CaseIdCounter {name: 'case_id'})
WITH c, CASE WHEN c.next > $floor THEN c.next ELSE $floor END AS first
SET c.next = first + $n
RETURN first
"""
