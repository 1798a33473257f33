"""The detection frame: canonical tables turned once into the numpy arrays every detector reads.

Strings become dense integer codes (accounts → graph nodes, countries, locations, parties), so
detectors are vectorised numpy or Numba and never touch a Python object per transaction.
Hubs (placeholder counterparties such as ``CASH`` or an external-bank code, and accounts of
extreme degree) are marked once here; no detector counts them as a counterparty.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii

from engine.core import schema
from engine.detect.config import DAY_US, DetectionConfig
from engine.graph import CSRGraph, TransactionGraph, build_transaction_graph, csr_from_edges

KIND_CODES = {"personal": 1, "person": 1, "business": 2, "organisation": 2, "placeholder": 3}
CHANNEL_CODES = {name: i for i, name in enumerate(schema.CHANNELS)}
CASH = CHANNEL_CODES["cash"]
CARD = CHANNEL_CODES["card"]
PLACEHOLDER_NAMES = ("CASH", "ATM", "UNKNOWN", "EXTERNAL")


def codes_of(values: pa.Array | pa.ChunkedArray, vocab: dict[str, int]) -> np.ndarray:
    """Integer codes of ``values`` in ``vocab`` (extended in place); -1 for nulls and ''."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    enc = arr.dictionary_encode()
    words = enc.dictionary.to_pylist()
    lut = np.array([vocab.setdefault(w, len(vocab)) if w else -1 for w in words] + [-1])
    idx = enc.indices.fill_null(len(words)).to_numpy(zero_copy_only=False).astype(np.int64)
    return lut[idx].astype(np.int32) if len(idx) else np.zeros(0, np.int32)


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_MARKS = re.compile(r"['`]")
_NOT_DIGIT = re.compile(r"\D")
#: Distinct strings remembered by :func:`fold` and :func:`digits` (names, addresses and phones
#: repeat across rows and detectors; a bound keeps a long-lived dashboard process small).
CACHE_SIZE = 1 << 20


@lru_cache(maxsize=CACHE_SIZE)
def fold(text: str | None) -> str:
    """Lower-case ASCII letters and digits of ``text``, whatever its script: transliterated with
    ``anyascii`` (``'Nguyễn Văn Đức'`` → ``'nguyen van duc'``, ``'Мухаммед'`` → ``'mukhammed'``,
    ``'محمد'`` → ``'mhmd'``), apostrophes and the marks of hamza and ayn dropped, other
    punctuation spaced.

    Cached: detectors fold the same names and places over and over."""
    if not text:
        return ""
    ascii_text = _MARKS.sub("", anyascii(unicodedata.normalize("NFC", text)).lower())
    return _NOT_WORD.sub(" ", ascii_text).strip()


@lru_cache(maxsize=CACHE_SIZE)
def digits(text: str | None) -> str:
    """Only the digits of a phone number (last 9, so country prefixes do not matter)."""
    return _NOT_DIGIT.sub("", text or "")[-9:]


def map_distinct(
    values: pa.Array | pa.ChunkedArray, fn: Callable[[str | None], object]
) -> np.ndarray:
    """``[fn(v) for v in values]`` as an object array, calling ``fn`` once per distinct value.

    Columns of names, documents or phones repeat heavily (a traveller on many legs, a KYC
    record at two banks); dictionary encoding turns a per-row Python loop into one per
    distinct value plus a numpy take.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not len(arr):
        return np.zeros(0, object)
    enc = arr.dictionary_encode()
    words = enc.dictionary.to_pylist()
    out = np.empty(len(words) + 1, object)
    out[:-1] = [fn(w) for w in words]
    out[-1] = fn(None)
    idx = enc.indices.fill_null(len(words)).to_numpy(zero_copy_only=False).astype(np.int64)
    return out[idx]


@dataclass
class Frame:
    """Arrays of one analysis. ``tx`` arrays are in the row order of ``transactions``."""

    config: DetectionConfig
    transactions: pa.Table
    accounts: pa.Table
    parties: pa.Table
    holdings: pa.Table
    travel: pa.Table
    graph: TransactionGraph
    src: np.ndarray  # int32 node of the sender
    dst: np.ndarray
    ts: np.ndarray  # int64 epoch µs
    day: np.ndarray  # int64 days since epoch
    amount: np.ndarray  # float64 amount_base
    amount_local: np.ndarray  # float64 amount in the transaction's own currency
    channel: np.ndarray  # int8 code in schema.CHANNELS, -1 unknown
    location: np.ndarray  # int32 code in ``locations``, -1 unknown
    location_country: np.ndarray  # int32 code in ``countries``
    node_country: np.ndarray  # int32 per node
    node_kind: np.ndarray  # int8 per node: 0 unknown, 1 personal, 2 business, 3 placeholder
    hub: np.ndarray  # bool per node
    countries: dict[str, int] = field(default_factory=dict)
    locations: dict[str, int] = field(default_factory=dict)
    cache: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        return self.graph.n_nodes

    @property
    def n_tx(self) -> int:
        return len(self.src)

    @cached_property
    def tx_ids(self) -> pa.Array:
        return self.transactions.column("tx_id").combine_chunks()

    @cached_property
    def record_ids(self) -> pa.Array:
        return self.travel.column("record_id").combine_chunks()

    @cached_property
    def _ts_unique(self) -> tuple[np.ndarray, np.ndarray]:
        values, inverse = np.unique(self.ts, return_inverse=True)
        return values, inverse.astype(np.int64)

    @property
    def ts_values(self) -> np.ndarray:
        """Distinct timestamps, sorted; ``ts_values[ts_rank] == ts``."""
        return self._ts_unique[0]

    @property
    def ts_rank(self) -> np.ndarray:
        """Per transaction, the rank of its timestamp among the distinct ones (int64)."""
        return self._ts_unique[1]

    @cached_property
    def pair_count(self) -> np.ndarray:
        """Per transaction: how many transfers its (sender, receiver) pair made in total."""
        key = self.src.astype(np.int64) * self.n_nodes + self.dst
        codes = pd.factorize(key)[0]  # hashing, not sorting: O(m)
        return np.bincount(codes)[codes].astype(np.int32)

    @cached_property
    def core_tx(self) -> np.ndarray:
        """Transfers between two non-hub accounts (bool per transaction)."""
        return ~(self.hub[self.src] | self.hub[self.dst])

    @cached_property
    def incident(self) -> CSRGraph:
        """Per account, every transfer between non-hubs it takes part in, ordered by time;
        ``weights`` are signed (+ in, - out), ``edge_ids`` transaction rows."""
        rows = np.flatnonzero(self.core_tx)
        s, d, a = self.src[rows], self.dst[rows], self.amount[rows]
        return csr_from_edges(np.concatenate([d, s]), np.concatenate([s, d]), self.n_nodes,
                              np.concatenate([a, -a]), np.concatenate([self.ts[rows]] * 2),
                              np.concatenate([rows, rows]))  # fmt: skip

    @cached_property
    def cash_in(self) -> np.ndarray:
        """Cash deposits: channel cash into an account (from the CASH placeholder, or from the
        depositor's own account where the source names the depositor)."""
        return (self.channel == CASH) & ~self.hub[self.dst]

    @cached_property
    def cash_out(self) -> np.ndarray:
        """Cash withdrawals: channel cash, from an account to a hub."""
        return (self.channel == CASH) & self.hub[self.dst] & ~self.hub[self.src]

    @cached_property
    def party_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.parties.column("party_id").to_pylist())}

    @cached_property
    def holding_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(party index, node, is_owner) of every holding whose account is in the graph."""
        h = self.holdings
        node = self.graph.index_of(h.column("account_id").combine_chunks())
        ids = self.parties.column("party_id").combine_chunks()
        party = pc.index_in(h.column("party_id"), value_set=ids)
        party = party.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        role = h.column("role")
        owner = pc.or_kleene(pc.is_null(role), pc.equal(role, "owner")).fill_null(False)
        owner = owner.to_numpy(zero_copy_only=False).astype(bool)
        ok = (node >= 0) & (party >= 0)
        return party[ok], node[ok], owner[ok]

    @cached_property
    def node_owner(self) -> np.ndarray:
        """One owning party index per node (-1 if none is known)."""
        party, node, owner = self.holding_pairs
        out = np.full(self.n_nodes, -1, np.int64)
        order = np.argsort(owner, kind="stable")  # owners last, so they win
        out[node[order]] = party[order]
        return out

    @cached_property
    def party_surname(self) -> np.ndarray:
        """Per party a code of its surname (the key of the last word of its name, so one surname
        in two scripts or romanisations is one; :mod:`engine.detect.names`), -1 if unknown."""
        from engine.detect.names import last_key  # names builds on fold, defined here

        vocab: dict[str, int] = {}
        last = map_distinct(self.parties.column("name"), last_key)
        codes = np.array([vocab.setdefault(t, len(vocab)) if t else -1 for t in last], np.int64)
        return codes

    @cached_property
    def node_surname(self) -> np.ndarray:
        owner = self.node_owner
        out = np.full(self.n_nodes, -1, np.int64)
        out[owner >= 0] = self.party_surname[owner[owner >= 0]]
        return out

    def days(self, value: float) -> int:
        return int(value * DAY_US)


def median_amount(amount: np.ndarray) -> float:
    """Median positive amount of all transactions: the data's money scale
    (:meth:`engine.detect.config.DetectionConfig.scaled_to`); NaN when there are none.

    All transactions, card and cash included: everyday spending sets the scale of a currency
    and of a bank's customers. The median of transfers between customers alone was tried and
    dropped: in the default world it jumps between the mode of friends' small payments and that
    of rents and salaries with the world's size (71 at small, 448 at medium), where the median
    of all moves little (80 tiny, 91 small, 121 medium)."""
    ok = (amount > 0) & np.isfinite(amount)
    return float(np.median(amount[ok])) if ok.any() else float("nan")


def build_frame(
    transactions: pa.Table,
    accounts: pa.Table | None = None,
    parties: pa.Table | None = None,
    holdings: pa.Table | None = None,
    travel: pa.Table | None = None,
    config: DetectionConfig | None = None,
) -> Frame:
    """Encode the canonical tables for detection.

    Parameters
    ----------
    transactions, accounts, parties, holdings, travel : pyarrow.Table
        Canonical tables (missing ones are taken as empty); columns are conformed to the schema.

    Notes
    -----
    O(m) dictionary encoding plus the O(m log m) CSR build of :mod:`engine.graph`.
    """
    config = config or DetectionConfig()
    tables = {
        "transactions": transactions,
        "accounts": accounts,
        "parties": parties,
        "holdings": holdings,
        "travel": travel,
    }
    t = {k: schema.conform(v, k) if v is not None else schema.empty(k) for k, v in tables.items()}
    tx = t["transactions"]
    # parties known only from holdings still count (as parties with no KYC details)
    known = t["parties"].column("party_id")
    extra = pc.unique(t["holdings"].column("party_id"))
    extra = extra.filter(pc.invert(pc.is_in(extra, value_set=known.combine_chunks())))
    if len(extra):
        more = schema.conform(pa.table({"party_id": extra}), "parties")
        t["parties"] = pa.concat_tables([t["parties"], more])
    graph = build_transaction_graph(tx)
    n = graph.n_nodes
    countries: dict[str, int] = {}
    locations: dict[str, int] = {}
    channel_vocab = dict(CHANNEL_CODES)
    channel = codes_of(tx.column("channel"), channel_vocab).astype(np.int8)
    channel[channel >= len(CHANNEL_CODES)] = -1
    loc_country = codes_of(tx.column("location_country"), countries)
    location = codes_of(tx.column("location"), locations)
    acc = t["accounts"]
    node = graph.index_of(acc.column("account_id").combine_chunks())
    ok = node >= 0
    node_country = np.full(n, -1, np.int32)
    node_kind = np.zeros(n, np.int8)
    node_country[node[ok]] = codes_of(acc.column("country"), countries)[ok]
    kinds = acc.column("kind").to_pylist()
    node_kind[node[ok]] = np.array([KIND_CODES.get(k or "", 0) for k in kinds], np.int8)[ok]
    src, dst = graph.src, graph.dst
    hub = (node_kind == 3) | (graph.neighbour_counts() > config.hub_degree)
    ids = graph.node_ids
    for name in PLACEHOLDER_NAMES:
        hub |= pc.equal(pc.utf8_upper(ids), name).to_numpy(zero_copy_only=False)
    ts = pc.cast(tx.column("ts"), pa.int64()).to_numpy()
    amount = tx.column("amount_base").to_numpy().astype(np.float64)
    config = config.scaled_to(median_amount(amount))
    return Frame(
        config=config,
        transactions=tx,
        accounts=acc,
        parties=t["parties"],
        holdings=t["holdings"],
        travel=t["travel"],
        graph=graph,
        src=src,
        dst=dst,
        ts=ts,
        day=ts // DAY_US,
        amount=amount,
        amount_local=tx.column("amount").to_numpy().astype(np.float64),
        channel=channel,
        location=location,
        location_country=loc_country,
        node_country=node_country,
        node_kind=node_kind,
        hub=hub,
        countries=countries,
        locations=locations,
    )
