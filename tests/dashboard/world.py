"""A tiny hand-made world for the dashboard's tests: one smuggling cluster, one harmless one.

Built straight from the canonical tables (no generator, no loaders), so the dashboard's tests
only depend on the Store and the schema. The suspicious cluster: five senders in three countries
pay a collector in Istanbul, who passes the money to a hawala broker in Dubai and pays the
senders' tickets Istanbul → Izmir; one sender reuses a passport number under another name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from engine.core import schema
from engine.store import open_store
from engine.store.base import Batch

UTC = dt.UTC
T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

SENDERS = [
    ("P1", "Amina Yusuf", "SY", "N0001", "SY01SEND1"),
    ("P2", "Omar Haddad", "IQ", "N0002", "IQ01SEND2"),
    ("P3", "Farid Rahimi", "AF", "N0003", "AF01SEND3"),
    ("P4", "Layla Haddad", "IQ", "N0004", "IQ01SEND4"),
    ("P5", "Samir Nouri", "SY", "N0003", "SY01SEND5"),  # reuses P3's passport
]
COLLECTOR = ("P6", "Mehmet Kaya", "TR", "T9999", "TR01COLLECT")
BROKER = ("P7", "Gulf Exchange LLC", "AE", "AE555", "AE01HAWALA")
SHOP = ("P8", "Anna Berg", "DE", "D1234", "DE01BERG")
FRIEND = ("P9", "Jonas Klein", "DE", "D5678", "DE01KLEIN")


def _tables() -> dict[str, pa.Table]:
    people = [*SENDERS, COLLECTOR, BROKER, SHOP, FRIEND]
    parties = pa.Table.from_pylist(
        [
            {
                "party_id": pid,
                "kind": "organisation" if "LLC" in name else "person",
                "name": name,
                "nationality": country,
                "id_document_type": "passport",
                "id_document_number": doc,
                "country": country,
            }
            for pid, name, country, doc, _ in people
        ]
    )
    accounts = pa.Table.from_pylist(
        [
            {
                "account_id": acc,
                "institution": f"BANK-{country}",
                "country": country,
                "kind": "personal",
            }
            for _, _, country, _, acc in people
        ]
        + [{"account_id": "CASH", "institution": None, "country": None, "kind": "placeholder"}]
    )
    holdings = pa.Table.from_pylist(
        [{"party_id": pid, "account_id": acc, "role": "owner"} for pid, _, _, _, acc in people]
    )
    tx = []

    def pay(src: str, dst: str, amount: float, when: dt.datetime, channel: str = "wire") -> None:
        tx.append(
            {
                "tx_id": f"T{len(tx) + 1:04d}",
                "ts": when,
                "src_account": src,
                "dst_account": dst,
                "amount": amount,
                "currency": "EUR",
                "amount_base": amount,
                "channel": channel,
                "reference": '=HYPERLINK("x")' if len(tx) == 0 else "fee",
            }
        )

    for i, (_, _, _, _, acc) in enumerate(SENDERS):
        pay(acc, COLLECTOR[4], 3000 + 100 * i, T0 + dt.timedelta(days=i), "money_transfer")
        pay("CASH", acc, 3500, T0 - dt.timedelta(days=2 + i), "cash")
    pay(COLLECTOR[4], BROKER[4], 14000, T0 + dt.timedelta(days=7))
    pay(BROKER[4], "CASH", 13500, T0 + dt.timedelta(days=9), "cash")
    for d in range(6):
        pay(SHOP[4], FRIEND[4], 40 + d, T0 + dt.timedelta(days=3 * d), "card")
        pay(FRIEND[4], SHOP[4], 35 + d, T0 + dt.timedelta(days=3 * d + 1), "card")
    transactions = pa.Table.from_pylist(tx)
    travel = pa.Table.from_pylist(
        [
            {
                "record_id": f"R{i + 1}",
                "traveller_name": name,
                "traveller_document": doc,
                "mode": "air",
                "carrier": "TK",
                "route_number": "TK2410",
                "origin": "IST",
                "destination": "ADB",
                "departure": T0 + dt.timedelta(days=10, hours=i % 2),
                "booking_ref": f"BK{i}",
                "payer_account": COLLECTOR[4],
            }
            for i, (_, name, _, doc, _) in enumerate(SENDERS)
        ]
        + [
            {
                "record_id": "R9",
                "traveller_name": COLLECTOR[1],
                "traveller_document": COLLECTOR[3],
                "mode": "air",
                "origin": "ADB",
                "destination": "ATH",
                "departure": T0 + dt.timedelta(days=12),
                "payer_account": COLLECTOR[4],
            }
        ]
    )
    return {
        "parties": schema.conform(parties, "parties"),
        "accounts": schema.conform(accounts, "accounts"),
        "holdings": schema.conform(holdings, "holdings"),
        "transactions": schema.conform(transactions, "transactions"),
        "travel": schema.conform(travel, "travel"),
    }


def _results() -> dict[str, pa.Table]:
    run = "run-test"
    cluster_accounts = [s[4] for s in SENDERS] + [COLLECTOR[4], BROKER[4]]
    cluster_parties = [s[0] for s in SENDERS] + [COLLECTOR[0], BROKER[0]]
    clusters = pa.Table.from_pylist(
        [
            {
                "cluster_id": 1,
                "rank": 1,
                "score": 0.91,
                "n_accounts": 7,
                "n_parties": 7,
                "n_transactions": 6,
                "volume": 30000.0,
                "inflow": 17500.0,
                "outflow": 13500.0,
                "countries": ["SY", "IQ", "AF", "TR", "AE"],
                "flags": ["fan_in", "paid_ticket", "shared_identifier"],
                "summary": "Five senders in three countries pay one collector in Turkey.",
                "run_id": run,
            },
            {
                "cluster_id": 2,
                "rank": 2,
                "score": 0.12,
                "n_accounts": 2,
                "n_parties": 2,
                "n_transactions": 12,
                "volume": 400.0,
                "inflow": 0.0,
                "outflow": 0.0,
                "countries": ["DE"],
                "flags": [],
                "summary": "Two friends paying each other back.",
                "run_id": run,
            },
        ]
    )
    members = [
        {"cluster_id": 1, "entity_id": a, "entity_kind": "account", "role": "sender", "score": 0.5}
        for a in cluster_accounts
    ] + [
        {"cluster_id": 1, "entity_id": p, "entity_kind": "party", "role": "member", "score": 0.4}
        for p in cluster_parties
    ]
    members[5]["role"], members[5]["score"] = "collector", 0.95
    members += [
        {"cluster_id": 2, "entity_id": a, "entity_kind": "account", "role": "member", "score": 0.1}
        for a in (SHOP[4], FRIEND[4])
    ]
    evidence = pa.Table.from_pylist(
        [
            {
                "evidence_id": "E1",
                "cluster_id": 1,
                "pattern": "fan_in",
                "source": "FinCEN FIN-2023-Alert001",
                "description": "TR01COLLECT received from 5 senders in 3 countries within 5 days.",
                "weight": 0.5,
                "entity_ids": [COLLECTOR[4]],
                "tx_ids": ["T0001", "T0003", "T0005", "T0007", "T0009"],
                "record_ids": [],
                "parameters": '{"k": 5, "window_days": 7}',
                "run_id": run,
            },
            {
                "evidence_id": "E2",
                "cluster_id": 1,
                "pattern": "paid_ticket",
                "source": "FATF 2022 migrant smuggling",
                "description": "TR01COLLECT paid 6 tickets of travellers who do not hold it.",
                "weight": 0.3,
                "entity_ids": [COLLECTOR[4]],
                "tx_ids": [],
                "record_ids": ["R1", "R2", "R3", "R4", "R5"],
                "parameters": "{}",
                "run_id": run,
            },
        ]
    )
    links = pa.Table.from_pylist(
        [
            {
                "left_id": "P3",
                "left_kind": "party",
                "right_id": "P5",
                "right_kind": "party",
                "kind": "shared_identifier",
                "score": 1.0,
                "evidence": "passport N0003",
                "run_id": run,
            },
            {
                "left_id": "P1",
                "left_kind": "party",
                "right_id": "P2",
                "right_kind": "party",
                "kind": "co_travelled",
                "score": 0.8,
                "evidence": "TK2410",
                "run_id": run,
            },
            {
                "left_id": "P1",
                "left_kind": "party",
                "right_id": "R1",
                "right_kind": "trip",
                "kind": "same_as",
                "score": 0.99,
                "evidence": "name and document",
                "run_id": run,
            },
        ]
    )
    runs = pa.Table.from_pylist(
        [{"run_id": run, "started_at": T0, "finished_at": T0, "parameters": "{}", "summary": "{}"}]
    )
    return {
        "runs": schema.conform(runs, "runs"),
        "clusters": schema.conform(clusters, "clusters"),
        "cluster_members": schema.conform(pa.Table.from_pylist(members), "cluster_members"),
        "evidence": schema.conform(evidence, "evidence"),
        "links": schema.conform(links, "links"),
    }


def build(home: Path) -> Path:
    """Write the tiny world and its analysis results into an EmbeddedStore at ``home``."""
    with open_store("embedded", home=home) as store:
        store.write_batch(
            Batch(
                batch_id="tinyworld",
                source="tiny-world.parquet",
                kind="mixed",
                format="canonical",
                tables=_tables(),
                uploaded_by="tests",
            )
        )
        store.write_results(_results())
    return home
