"""The world under construction: registries of parties, accounts, transactions, trips and truth.

Generators append whole numpy arrays (one call per group of rows, never one per transaction);
:mod:`engine.synth.assemble` turns the registries into canonical Arrow tables at the end.
Internally everything is addressed by dense integer indices (party, account, transaction and
trip numbers); string identifiers are only made once, vectorised, at assembly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

import numpy as np

from engine.core.schema import CHANNELS
from engine.synth import geo
from engine.synth.params import Params

DAY = 86_400_000_000  # microseconds
HOUR = 3_600_000_000
EPOCH = dt.date(1970, 1, 1)
CHANNEL_CODE = {c: i for i, c in enumerate(CHANNELS)}
NO_DATE = np.iinfo(np.int32).min  # a missing date (days since 1970 may be negative)
CURRENCIES = tuple(geo.FX_EUR)
CUR_CODE = {c: i for i, c in enumerate(CURRENCIES)}
FX = np.array([geo.FX_EUR[c] for c in CURRENCIES])


def _arr(value: Any, n: int, dtype: Any = None) -> np.ndarray:
    """Broadcast a scalar or array to length ``n``."""
    a = np.asarray(value, dtype=dtype)
    if a.ndim == 0:
        a = np.full(n, a, dtype=a.dtype if dtype is None else dtype)
    if len(a) != n:
        raise ValueError(f"expected {n} values, got {len(a)}")
    return a


def _obj(value: Any, n: int) -> np.ndarray:
    if isinstance(value, str) or value is None:
        out = np.empty(n, dtype=object)
        out[:] = value
        return out
    out = np.asarray(value, dtype=object)
    if len(out) != n:
        raise ValueError(f"expected {n} values, got {len(out)}")
    return out


class Builder:
    """Append-only registries plus the random generator all modules share."""

    def __init__(self, p: Params) -> None:
        self.p = p
        self.rng = np.random.default_rng(p.seed)
        #: draws of the names across scripts (engine.synth.names), apart from ``rng`` so that
        #: they leave the rest of the world as it was
        self.name_rng = np.random.default_rng([p.seed, 18])
        self.banks = geo.institutions(p.date_only_bank_share)
        self.banks_by_country: dict[str, list[int]] = defaultdict(list)
        for i, b in enumerate(self.banks):
            self.banks_by_country[b.country].append(i)
        self.t0 = (p.start - EPOCH).days * DAY
        self.t_end = self.t0 + p.days * DAY
        self.parties: dict[str, list[np.ndarray]] = defaultdict(list)
        self.n_parties = 0
        self.accounts: dict[str, list[np.ndarray]] = defaultdict(list)
        self.n_accounts = 0
        self.fixed_ids: dict[int, str] = {}
        self.holdings: list[tuple[np.ndarray, np.ndarray, str]] = []
        self.tx: dict[str, list[np.ndarray]] = defaultdict(list)
        self.n_tx = 0
        self.trips: dict[str, list[np.ndarray]] = defaultdict(list)
        self.n_trips = 0
        self.refs: dict[str, int] = {}
        self.locs: dict[tuple[str, str], int] = {}
        self.ops: list[dict[str, Any]] = []
        self.patterns: list[dict[str, Any]] = []
        self.truth_tx: list[tuple[np.ndarray, str, str | None, str]] = []
        self.truth_acc: list[tuple[np.ndarray, str, str | None, str]] = []
        self.truth_party: list[tuple[np.ndarray, str, str]] = []
        self.truth_trip: list[tuple[np.ndarray, str, str | None, str, str | None]] = []
        self.placeholders: dict[str, int] = {}
        self.party_noise: list[tuple[np.ndarray, np.ndarray]] = []
        self.namesakes: list[tuple[np.ndarray, np.ndarray]] = []  # (party, namesake of)
        self.airlines: dict[str, int] | None = None  # carrier -> airline account, once known
        self._cash = -1

    # ---------------------------------------------------------------- parties
    def add_parties(self, n: int, **cols: Any) -> np.ndarray:
        """Append ``n`` parties; ``cols`` are scalars or arrays (see PARTY_COLUMNS)."""
        idx = np.arange(self.n_parties, self.n_parties + n)
        person = cols.pop("person", None)
        self.parties["person"].append(idx.copy() if person is None else _arr(person, n, np.int64))
        self.parties["birth"].append(_arr(cols.pop("birth", NO_DATE), n, np.int32))
        for name in PARTY_TEXT:
            self.parties[name].append(_obj(cols.pop(name, None), n))
        if cols:
            raise TypeError(f"unknown party columns {sorted(cols)}")
        self.n_parties += n
        return idx

    def party_column(self, name: str) -> np.ndarray:
        """The whole column so far (concatenated; use sparingly)."""
        chunks = self.parties[name]
        if len(chunks) > 1:
            self.parties[name] = [np.concatenate(chunks)]
        return self.parties[name][0]

    # ---------------------------------------------------------------- accounts
    def add_accounts(
        self,
        owners: np.ndarray,
        country: Any,
        kind: Any = "personal",
        opened_days: Any = None,
        bank: Any = None,
    ) -> np.ndarray:
        """Open one account per owner in ``country`` (a random local bank unless ``bank``)."""
        owners = np.asarray(owners, dtype=np.int64)
        n = len(owners)
        country = _obj(country, n)
        if bank is None:
            bank = np.empty(n, dtype=np.int32)
            for cc in np.unique(country):
                sel = np.flatnonzero(country == cc)
                choices = np.asarray(self.banks_by_country[cc])
                bank[sel] = choices[self.rng.integers(0, len(choices), len(sel))]
        if opened_days is None:
            opened_days = self.rng.integers(-3650, 0, n) + (self.t0 // DAY)
        idx = np.arange(self.n_accounts, self.n_accounts + n)
        self.accounts["bank"].append(_arr(bank, n, np.int32))
        self.accounts["country"].append(country)
        self.accounts["kind"].append(_obj(kind, n))
        self.accounts["opened"].append(_arr(opened_days, n, np.int32))
        self.n_accounts += n
        self.holdings.append((owners, idx, "owner"))
        return idx

    def add_holding(self, parties: Any, accounts: Any, role: str) -> None:
        parties = np.atleast_1d(np.asarray(parties, dtype=np.int64))
        accounts = np.atleast_1d(np.asarray(accounts, dtype=np.int64))
        self.holdings.append((parties, accounts, role))

    def placeholder(self, account_id: str, country: str | None = None) -> int:
        """A placeholder counterparty (``CASH``, an external-bank code), created once."""
        if account_id not in self.placeholders:
            i = self.n_accounts
            self.accounts["bank"].append(np.array([-1], np.int32))
            self.accounts["country"].append(_obj(country, 1))
            self.accounts["kind"].append(_obj("placeholder", 1))
            self.accounts["opened"].append(np.array([NO_DATE], np.int32))
            self.n_accounts += 1
            self.fixed_ids[i] = account_id
            self.placeholders[account_id] = i
        return self.placeholders[account_id]

    @property
    def cash(self) -> int:
        return self.placeholder("CASH")

    def account_column(self, name: str) -> np.ndarray:
        chunks = self.accounts[name]
        if len(chunks) > 1:
            self.accounts[name] = [np.concatenate(chunks)]
        return self.accounts[name][0]

    # ---------------------------------------------------------------- transactions
    def ref(self, text: str | None) -> int:
        if text is None:
            return -1
        return self.refs.setdefault(text, len(self.refs))

    def loc(self, city: str | None, country: str | None = None) -> int:
        if city is None:
            return -1
        return self.locs.setdefault((city, country or ""), len(self.locs))

    def add_tx(
        self,
        src: Any,
        dst: Any,
        ts: Any,
        *,
        base: Any = None,
        amount: Any = None,
        currency: str | None = None,
        channel: str = "wire",
        ref: Any = -1,
        loc: Any = -1,
    ) -> np.ndarray:
        """Append transfers; give ``base`` (EUR) or ``amount`` in ``currency``.

        The currency defaults to that of the reporting account (the source, or the destination
        when the source is a placeholder such as ``CASH``). Returns the transaction indices.
        """
        ts = np.atleast_1d(np.asarray(ts, dtype=np.int64))
        n = len(ts)
        if isinstance(ref, str):
            ref = self.ref(ref)
        elif isinstance(ref, np.ndarray) and ref.dtype == object:
            ref = np.array([self.ref(r) for r in ref], dtype=np.int32)
        idx = np.arange(self.n_tx, self.n_tx + n)
        self.tx["src"].append(_arr(src, n, np.int64))
        self.tx["dst"].append(_arr(dst, n, np.int64))
        self.tx["ts"].append(ts)
        self.tx["base"].append(_arr(np.nan if base is None else base, n, np.float64))
        self.tx["amount"].append(_arr(np.nan if amount is None else amount, n, np.float64))
        self.tx["cur"].append(_arr(-1 if currency is None else CUR_CODE[currency], n, np.int16))
        self.tx["channel"].append(_arr(CHANNEL_CODE[channel], n, np.int8))
        self.tx["ref"].append(_arr(ref, n, np.int32))
        self.tx["loc"].append(_arr(loc, n, np.int32))
        self.n_tx += n
        return idx

    # ---------------------------------------------------------------- travel
    def add_trips(
        self,
        persons: Any,
        origin: Any,
        destination: Any,
        departure: Any,
        arrival: Any,
        *,
        mode: Any,
        carrier: Any,
        route_number: Any,
        booking_ref: Any,
        payer: Any = -1,
        document: Any = None,
    ) -> np.ndarray:
        """Append travel legs of true persons (party indices); manifests are noised at assembly.

        ``document`` overrides the document number on the manifest (a reused document).
        """
        persons = np.atleast_1d(np.asarray(persons, dtype=np.int64))
        n = len(persons)
        idx = np.arange(self.n_trips, self.n_trips + n)
        self.trips["person"].append(persons)
        self.trips["departure"].append(_arr(departure, n, np.int64))
        self.trips["arrival"].append(_arr(arrival, n, np.int64))
        self.trips["payer"].append(_arr(payer, n, np.int64))
        for name, value in (
            ("origin", origin),
            ("destination", destination),
            ("mode", mode),
            ("carrier", carrier),
            ("route_number", route_number),
            ("booking_ref", booking_ref),
            ("document", document),
        ):
            self.trips[name].append(_obj(value, n))
        self.n_trips += n
        return idx

    # ---------------------------------------------------------------- truth
    def operation(self, category: str, kind: str, route: str | None = None, **params: Any) -> str:
        op_id = f"op{len(self.ops) + 1:05d}"
        self.ops.append(
            dict(
                op_id=op_id,
                category=category,
                kind=kind,
                route=route,
                params=json.dumps(params, sort_keys=True, default=str),
            )
        )
        return op_id

    def pattern(self, op_id: str, pattern: str, focus: int | None = None, **params: Any) -> str:
        """Register a pattern instance; ``focus`` is its central account index, if any."""
        pattern_id = f"pt{len(self.patterns) + 1:06d}"
        self.patterns.append(
            dict(
                pattern_id=pattern_id,
                op_id=op_id,
                pattern=pattern,
                focus=-1 if focus is None else int(focus),
                params=json.dumps(params, sort_keys=True, default=str),
            )
        )
        return pattern_id

    def mark_tx(self, idx: Any, op_id: str, pattern_id: str | None, role: str) -> None:
        self.truth_tx.append((np.atleast_1d(np.asarray(idx, np.int64)), op_id, pattern_id, role))

    def mark_accounts(self, idx: Any, op_id: str, pattern_id: str | None, role: str) -> None:
        self.truth_acc.append((np.atleast_1d(np.asarray(idx, np.int64)), op_id, pattern_id, role))

    def mark_parties(self, idx: Any, op_id: str, role: str) -> None:
        self.truth_party.append((np.atleast_1d(np.asarray(idx, np.int64)), op_id, role))

    def mark_trips(
        self, idx: Any, op_id: str, pattern_id: str | None, role: str, group: str | None = None
    ) -> None:
        self.truth_trip.append(
            (np.atleast_1d(np.asarray(idx, np.int64)), op_id, pattern_id, role, group)
        )

    # ---------------------------------------------------------------- helpers
    def day_times(
        self, days: np.ndarray, peak_hour: float = 14.0, spread: float = 3.5
    ) -> np.ndarray:
        """Timestamps on given day numbers (from the start) with a daytime rhythm."""
        hours = np.clip(self.rng.normal(peak_hour, spread, len(days)), 0.0, 23.99)
        return self.t0 + days.astype(np.int64) * DAY + (hours * HOUR).astype(np.int64)

    def in_window(self, t: Any) -> np.ndarray:
        return np.clip(np.asarray(t, dtype=np.int64), self.t0, self.t_end - 1)


#: Text columns of the party registry (``person`` and ``birth`` are integer columns).
PARTY_TEXT = (
    "kind",
    "first",
    "father",  # a father's name between given name and surname (engine.synth.names)
    "last",
    "nationality",
    "doc_type",
    "doc_no",
    "phone",
    "email",
    "address",
    "city",
    "country",
    "culture",
    "name",
)
