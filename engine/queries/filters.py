"""One time range and filters (amount, channel, country) shared by every view of a case.

The Cluster and Entity pages show one case or entity through several views (network, Sankey,
timeline, map, members, evidence). An investigator narrowing the time to one month expects
all of them to narrow together, so the filtering lives here once, as pure functions over
arrays and frames; the dashboard only keeps the chosen :class:`Filters` in its session.

A transaction passes when its time is in ``[start, end)``, its base amount in
``[min_amount, max_amount]``, its channel among ``channels`` and either end's account country
among ``countries`` (an empty choice means no condition). A trip passes on its departure time
and on its origin's or destination's country. A finding (evidence) passes when one of its
transactions or travel records passes, or when it names neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Filters:
    """What to keep; every field left at its default keeps everything.

    ``start`` and ``end`` are epoch microseconds (UTC), ``end`` excluded, so a day range from
    the dashboard is ``[first day 00:00, day after the last 00:00)``.
    """

    start: int | None = None
    end: int | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    channels: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """True when some field narrows what is shown."""
        return self != Filters()

    def describe(self) -> str:
        """The filters in words for a caption (empty when nothing is filtered)."""
        parts = []
        if self.start is not None or self.end is not None:
            first = _day(self.start) if self.start is not None else "the start"
            last = _day(self.end - 1) if self.end is not None else "the end"
            parts.append(f"from {first} to {last}")
        if self.min_amount is not None:
            parts.append(f"at least {self.min_amount:,.0f}")
        if self.max_amount is not None:
            parts.append(f"at most {self.max_amount:,.0f}")
        if self.channels:
            parts.append("by " + ", ".join(self.channels))
        if self.countries:
            parts.append("touching " + ", ".join(self.countries))
        return "; ".join(parts)


def _day(us: int) -> str:
    return str(pd.Timestamp(int(us), unit="us", tz="UTC").date())


def transaction_mask(
    ts: np.ndarray,
    amount: np.ndarray,
    channel: np.ndarray,
    src_country: np.ndarray,
    dst_country: np.ndarray,
    filters: Filters,
) -> np.ndarray:
    """Which transactions pass ``filters``.

    Parameters
    ----------
    ts : ndarray of int64, shape (m,)
        Epoch microseconds (UTC).
    amount : ndarray of float64, shape (m,)
        Amount in the base currency.
    channel, src_country, dst_country : ndarray of object, shape (m,)
        The channel and the sending and receiving accounts' countries (None when unknown).

    Returns
    -------
    ndarray of bool, shape (m,)

    Notes
    -----
    O(m) vectorised comparisons; nothing is sorted.
    """
    keep = np.ones(len(ts), dtype=bool)
    if filters.start is not None:
        keep &= ts >= filters.start
    if filters.end is not None:
        keep &= ts < filters.end
    if filters.min_amount is not None:
        keep &= amount >= filters.min_amount
    if filters.max_amount is not None:
        keep &= amount <= filters.max_amount
    if filters.channels:
        keep &= np.isin(np.asarray(channel, dtype=object), list(filters.channels))
    if filters.countries:
        wanted = list(filters.countries)
        keep &= np.isin(np.asarray(src_country, dtype=object), wanted) | np.isin(
            np.asarray(dst_country, dtype=object), wanted
        )
    return keep


def filter_transactions(
    frame: pd.DataFrame, filters: Filters, country_of: Mapping[str, str | None]
) -> pd.DataFrame:
    """The rows of a transactions frame (``ts``, ``amount_base``, ``channel``, ``src_account``,
    ``dst_account``) that pass ``filters``; ``country_of`` maps an account to its country."""
    if not filters.active or frame.empty:
        return frame
    mask = transaction_mask(
        _micros(frame["ts"]),
        frame["amount_base"].to_numpy(dtype=float, na_value=np.nan),
        frame["channel"].to_numpy(dtype=object),
        frame["src_account"].map(country_of).to_numpy(dtype=object),
        frame["dst_account"].map(country_of).to_numpy(dtype=object),
        filters,
    )
    return frame[mask].reset_index(drop=True)


def filter_trips(
    trips: pd.DataFrame, filters: Filters, country_of_place: Mapping[str, str | None]
) -> pd.DataFrame:
    """Trips departing in the time range and touching a chosen country (amount and channel
    say nothing about a trip, so they keep every trip)."""
    if trips.empty or (filters.start is None and filters.end is None and not filters.countries):
        return trips
    keep = np.ones(len(trips), dtype=bool)
    departure = _micros(trips["departure"])
    known = pd.to_datetime(trips["departure"], utc=True).notna().to_numpy()
    if filters.start is not None:
        keep &= known & (departure >= filters.start)
    if filters.end is not None:
        keep &= known & (departure < filters.end)
    if filters.countries:
        wanted = list(filters.countries)
        keep &= np.isin(
            trips["origin"].map(country_of_place).to_numpy(dtype=object), wanted
        ) | np.isin(trips["destination"].map(country_of_place).to_numpy(dtype=object), wanted)
    return trips[keep].reset_index(drop=True)


def filter_evidence(
    evidence: pd.DataFrame, tx_ids: Iterable[str], record_ids: Iterable[str]
) -> pd.DataFrame:
    """Findings with at least one transaction in ``tx_ids`` or travel record in
    ``record_ids`` (those left after filtering); a finding that names neither is kept."""
    if evidence.empty:
        return evidence
    txs, records = set(tx_ids), set(record_ids)

    def passes(row: pd.Series) -> bool:
        own_tx = list(row.get("tx_ids") if row.get("tx_ids") is not None else [])
        own_rec = list(row.get("record_ids") if row.get("record_ids") is not None else [])
        if not own_tx and not own_rec:
            return True
        return any(t in txs for t in own_tx) or any(r in records for r in own_rec)

    return evidence[evidence.apply(passes, axis=1)].reset_index(drop=True)


def active_members(
    members: pd.DataFrame, transactions: pd.DataFrame, trips: pd.DataFrame
) -> pd.DataFrame:
    """Members with a transaction or a trip left after filtering (parties by their trips or
    their held accounts' activity: ``members`` may carry ``accounts``, a list per party)."""
    if members.empty:
        return members
    active: set[str] = set()
    if not transactions.empty:
        active.update(transactions["src_account"])
        active.update(transactions["dst_account"])
    if not trips.empty:
        active.update(trips["payer_account"].dropna())
    keep = members["entity_id"].isin(active)
    if "accounts" in members:
        keep |= members["accounts"].map(lambda held: bool(set(held or ()) & active))
    return members[keep].reset_index(drop=True)


def _micros(column: pd.Series) -> np.ndarray:
    """Timestamps (tz-aware or naive UTC) as int64 epoch microseconds (NaT stays the minimum
    int64, which no range accepts)."""
    values = pd.to_datetime(pd.Series(column), utc=True)
    return values.dt.as_unit("us").astype("int64").to_numpy(dtype=np.int64)
