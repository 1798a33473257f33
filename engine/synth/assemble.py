"""From registries to canonical Arrow tables and the ground truth, vectorised.

Identifiers are made here, after everything is planted, so nothing in an id (order, number
range) gives a planted row away: parties are numbered by a random permutation, account
numbers are scrambled per bank, and transactions and travel records are numbered in time
order with random tie-breaks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from engine.core import schema
from engine.synth import geo
from engine.synth.builder import CUR_CODE, CURRENCIES, DAY, FX, NO_DATE, Builder
from engine.synth.identity import manifest_identities
from engine.synth.ids import account_numbers, sequential_ids


def _cat(chunks: list[np.ndarray], dtype: Any = None) -> np.ndarray:
    if not chunks:
        return np.zeros(0, dtype=dtype or np.int64)
    return np.concatenate(chunks)


def _date32(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int32)
    return pa.array(days, pa.int32(), mask=days == NO_DATE).cast(pa.date32())


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(us, dtype=np.int64), pa.int64()).cast(schema.TS)


def _text(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string(), from_pandas=True)


def _take(pool: pa.Array, idx: np.ndarray) -> pa.Array:
    idx = np.asarray(idx, dtype=np.int64)
    return pool.take(pa.array(idx, pa.int64(), mask=idx < 0))


def assemble(b: Builder) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    """Return ``(tables, truth)``: the five canonical input tables and the truth tables."""
    rng = b.rng
    # ---------------------------------------------------------------- parties
    n_p = b.n_parties
    party_ids = sequential_ids("P", rng.permutation(n_p) + 1, 8)
    col = {c: _cat(b.parties[c], object) for c in b.parties}
    parties = pa.Table.from_arrays(
        [
            party_ids,
            _text(col["kind"]),
            _text(col["name"]),
            _date32(_cat(b.parties["birth"], np.int32)),
            _text(col["nationality"]),
            _text(col["doc_type"]),
            _text(col["doc_no"]),
            _text(col["phone"]),
            _text(col["email"]),
            _text(col["address"]),
            _text(col["city"]),
            _text(col["country"]),
            pa.nulls(n_p, pa.string()),
        ],
        schema=schema.PARTIES,
    )
    # ---------------------------------------------------------------- accounts
    n_a = b.n_accounts
    bank = _cat(b.accounts["bank"], np.int32)
    acc_country = _cat(b.accounts["country"], object)
    acc_kind = _cat(b.accounts["kind"], object)
    acc_ids = np.empty(n_a, dtype=object)
    for bi in np.unique(bank[bank >= 0]):
        inst = b.banks[bi]
        sel = np.flatnonzero(bank == bi)
        counter = np.arange(len(sel)) + int(rng.integers(0, 10**6))
        iban_len = geo.COUNTRIES[inst.country][3]
        acc_ids[sel] = account_numbers(
            inst.country, iban_len, inst.bank_code, inst.bic, counter, rng
        )
    for i, fixed in b.fixed_ids.items():
        acc_ids[i] = fixed
    bank_names = np.array([x.name for x in b.banks] + [None], dtype=object)
    account_id = _text(acc_ids)
    accounts = pa.Table.from_arrays(
        [
            account_id,
            _text(bank_names[bank]),  # -1 -> None (last entry)
            _text(acc_country),
            _date32(_cat(b.accounts["opened"], np.int32)),
            _text(acc_kind),
            pa.nulls(n_a, pa.string()),
        ],
        schema=schema.ACCOUNTS,
    )
    order_a = np.argsort(acc_ids.astype(str), kind="stable")
    accounts = accounts.take(order_a)
    # ---------------------------------------------------------------- holdings
    h_party = _cat([h[0] for h in b.holdings])
    h_acc = _cat([h[1] for h in b.holdings])
    h_role = _cat([np.full(len(h[0]), h[2], dtype=object) for h in b.holdings], object)
    holdings = pa.Table.from_arrays(
        [_take(party_ids, h_party), _take(account_id, h_acc), _text(h_role),
         pa.nulls(len(h_party), pa.string())],
        schema=schema.HOLDINGS,
    )  # fmt: skip
    # rows in id order, never in creation order (planted rows would come last)
    parties = parties.sort_by([("party_id", "ascending")])
    holdings = holdings.sort_by([("party_id", "ascending"), ("account_id", "ascending")])
    # ---------------------------------------------------------------- transactions
    tx, tx_rank = _transactions(b, account_id, bank, acc_country, acc_kind)
    tx_ids = tx.column("tx_id").combine_chunks()
    # ---------------------------------------------------------------- travel
    travel, trip_rank, identity = _travel(b, party_ids, account_id)
    record_ids = travel.column("record_id").combine_chunks()
    tables = {
        "accounts": accounts,
        "parties": parties,
        "holdings": holdings,
        "transactions": tx,
        "travel": travel,
    }
    truth = _truth(b, party_ids, account_id, tx_ids, tx_rank, record_ids, trip_rank, identity)
    return tables, truth


def _transactions(
    b: Builder,
    account_id: pa.Array,
    bank: np.ndarray,
    acc_country: np.ndarray,
    acc_kind: np.ndarray,
) -> tuple[pa.Table, np.ndarray]:
    rng = b.rng
    src = _cat(b.tx["src"])
    dst = _cat(b.tx["dst"])
    ts = _cat(b.tx["ts"])
    base = _cat(b.tx["base"], np.float64)
    amount = _cat(b.tx["amount"], np.float64)
    cur = _cat(b.tx["cur"], np.int16).astype(np.int64)
    placeholder = acc_kind == "placeholder"
    reporter = np.where(placeholder[src], dst, src)
    acc_cur = np.array(
        [
            CUR_CODE[geo.COUNTRIES[c][1]] if c in geo.COUNTRIES else CUR_CODE["EUR"]
            for c in acc_country
        ]
    )
    cur = np.where(cur < 0, acc_cur[reporter], cur)
    fx = FX[cur]
    missing = np.isnan(amount)
    amount[missing] = np.round(base[missing] / fx[missing], 2)
    base = np.round(amount * fx, 2)
    date_only = np.array([x.date_only for x in b.banks] + [False])
    flat = date_only[bank[reporter]]
    ts = np.where(flat, ts - ts % DAY, ts)
    key = ts * 1024 + rng.integers(0, 1024, len(ts))
    order = np.argsort(key, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    refs = pa.array(list(b.refs), pa.string())
    locs = list(b.locs)
    loc_city = pa.array([c for c, _ in locs], pa.string())
    loc_country = pa.array([cc for _, cc in locs], pa.string())
    channels = pa.array(list(schema.CHANNELS), pa.string())
    currencies = pa.array(list(CURRENCIES), pa.string())
    ref = _cat(b.tx["ref"], np.int32)[order]
    loc = _cat(b.tx["loc"], np.int32)[order]
    table = pa.Table.from_arrays(
        [
            sequential_ids("TX", np.arange(1, len(order) + 1), 10),
            _ts(ts[order]),
            _take(account_id, src[order]),
            _take(account_id, dst[order]),
            pa.array(amount[order]),
            _take(currencies, cur[order]),
            pa.array(base[order]),
            _take(channels, _cat(b.tx["channel"], np.int8)[order]),
            _take(refs, ref) if len(refs) else pa.nulls(len(order), pa.string()),
            _take(loc_city, loc) if locs else pa.nulls(len(order), pa.string()),
            _take(loc_country, loc) if locs else pa.nulls(len(order), pa.string()),
            pa.nulls(len(order), pa.string()),
        ],
        schema=schema.TRANSACTIONS,
    )
    return table, rank


def _travel(
    b: Builder, party_ids: pa.Array, account_id: pa.Array
) -> tuple[pa.Table, np.ndarray, dict[str, np.ndarray]]:
    rng = b.rng
    # every text column, also in a world without travel (the look-alike profiles)
    t = {c: _cat(b.trips[c], object) for c in (*b.trips, *TRIP_TEXT)}
    persons = _cat(b.trips["person"])
    dep = _cat(b.trips["departure"])
    arr = _cat(b.trips["arrival"])
    payer = _cat(b.trips["payer"])
    mode = t.get("mode", np.zeros(0, object))
    name, birth, nationality, noise = manifest_identities(b, persons, mode)
    doc = b.party_column("doc_no")[persons] if len(persons) else np.zeros(0, object)
    if len(persons):
        forged = t["document"] != None  # noqa: E711 - elementwise on objects
        doc[forged] = t["document"][forged]
    no_doc = (mode == "bus") & (rng.random(len(persons)) < 0.5)
    doc[no_doc] = None
    key = dep * 1024 + rng.integers(0, 1024, len(dep))
    order = np.argsort(key, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    table = pa.Table.from_arrays(
        [
            sequential_ids("TR", np.arange(1, len(order) + 1), 9),
            _text(name[order]),
            _date32(birth[order]),
            _text(doc[order]),
            _text(nationality[order]),
            _text(mode[order]),
            _text(t["carrier"][order]),
            _text(t["route_number"][order]),
            _text(t["origin"][order]),
            _text(t["destination"][order]),
            _ts(dep[order]),
            _ts(arr[order]),
            _text(t["booking_ref"][order]),
            _take(account_id, payer[order]),
            pa.nulls(len(order), pa.string()),
        ],
        schema=schema.TRAVEL,
    )
    return table, rank, {"person": persons, "noise": noise}


def _truth(
    b: Builder,
    party_ids: pa.Array,
    account_id: pa.Array,
    tx_ids: pa.Array,
    tx_rank: np.ndarray,
    record_ids: pa.Array,
    trip_rank: np.ndarray,
    identity: dict[str, np.ndarray],
) -> dict[str, pa.Table]:
    def rep(rows: list[tuple[Any, ...]], k: int) -> np.ndarray:
        return _cat([np.full(len(r[0]), r[k], dtype=object) for r in rows], object)

    person_of = b.party_column("person")
    operations = pa.Table.from_pylist(b.ops, schema=TRUTH_SCHEMAS["operations"])
    pat_rows = [dict(p, focus=None) for p in b.patterns]
    focus = np.array([p["focus"] for p in b.patterns], dtype=np.int64)
    patterns = pa.Table.from_pylist(pat_rows, schema=TRUTH_SCHEMAS["patterns"])
    patterns = patterns.set_column(3, "focus", _take(account_id, focus))
    t_tx = _cat([r[0] for r in b.truth_tx])
    t_acc = _cat([r[0] for r in b.truth_acc])
    t_party = _cat([r[0] for r in b.truth_party])
    t_trip = _cat([r[0] for r in b.truth_trip])
    noise_party = _cat([r[0] for r in b.party_noise])
    noise_kinds = _cat([r[1] for r in b.party_noise], object)
    namesake = _cat([r[0] for r in b.namesakes])
    namesake_of = _cat([r[1] for r in b.namesakes])
    return {
        "operations": operations,
        "patterns": patterns,
        "transactions": pa.table(
            {
                "tx_id": _take(tx_ids, tx_rank[t_tx]),
                "op_id": _text(rep(b.truth_tx, 1)),
                "pattern_id": _text(rep(b.truth_tx, 2)),
                "role": _text(rep(b.truth_tx, 3)),
            }
        ),
        "accounts": pa.table(
            {
                "account_id": _take(account_id, t_acc),
                "op_id": _text(rep(b.truth_acc, 1)),
                "pattern_id": _text(rep(b.truth_acc, 2)),
                "role": _text(rep(b.truth_acc, 3)),
            }
        ),
        "parties": pa.table(
            {
                "party_id": _take(party_ids, t_party),
                "op_id": _text(rep(b.truth_party, 1)),
                "role": _text(rep(b.truth_party, 2)),
            }
        ),
        "trips": pa.table(
            {
                "record_id": _take(record_ids, trip_rank[t_trip]),
                "op_id": _text(rep(b.truth_trip, 1)),
                "pattern_id": _text(rep(b.truth_trip, 2)),
                "role": _text(rep(b.truth_trip, 3)),
                "group_id": _text(rep(b.truth_trip, 4)),
            }
        ),
        "identities": pa.table(
            {
                "record_id": _take(record_ids, trip_rank),
                "party_id": _take(party_ids, person_of[identity["person"]]),
                "noise": _text(identity["noise"]),
            }
        ),
        "party_identities": pa.table(
            {
                "party_id": _take(party_ids, noise_party),
                "same_person_as": _take(party_ids, person_of[noise_party]),
                "noise": _text(noise_kinds),
            }
        ),
        "namesakes": pa.table(
            {
                "party_id": _take(party_ids, namesake),
                "namesake_of": _take(party_ids, namesake_of),
            }
        ),
    }


#: Text columns of the trip registry.
TRIP_TEXT = ("origin", "destination", "mode", "carrier", "route_number", "booking_ref", "document")

TRUTH_SCHEMAS = {
    "operations": pa.schema(
        [("op_id", pa.string()), ("category", pa.string()), ("kind", pa.string()),
         ("route", pa.string()), ("params", pa.string())]
    ),
    "patterns": pa.schema(
        [("pattern_id", pa.string()), ("op_id", pa.string()), ("pattern", pa.string()),
         ("focus", pa.string()), ("params", pa.string())]
    ),
}  # fmt: skip
