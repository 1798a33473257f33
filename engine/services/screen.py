"""Screening of stored rows before analysis: what the detectors cannot weigh is set aside.

The loaders refuse such values today, but a store may hold rows written before they did (or
by another tool), and one of them must not stop the analysis of everything else. Each row set
aside is counted by reason, and the counts travel with the run summary, so the analyst sees
what the results leave out and can take the batch back (``moneytrail batches remove``).

Set aside, per table:

* ``transactions``: ``amount`` or ``amount_base`` missing, infinite, NaN or negative (the money
  graph's weights must be finite), and times before 1970-01-01 (the detectors keep times as
  epoch microseconds and use negative values for "no time").
* ``travel``: departure or arrival before 1970-01-01, for the same reason.

Cleared (the row is kept, the value becomes missing): dates outside years 1-9999 in
``parties.birth_date``, ``travel.traveller_birth_date`` and ``accounts.opened``, which no
consumer can convert to a Python date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from engine.store.base import readable_dates

#: Earliest time the detectors handle (they use negative epoch microseconds for "no time").
EPOCH = pa.scalar(dt.datetime(1970, 1, 1, tzinfo=dt.UTC), schema.TS)
_DATES = {"parties": ("birth_date",), "travel": ("traveller_birth_date",), "accounts": ("opened",)}


def _mask(expr: pa.ChunkedArray | pa.Array, default: bool) -> np.ndarray:
    filled = pc.fill_null(expr, default)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _bad_amount(column: pa.ChunkedArray) -> np.ndarray:
    ok = pc.and_(pc.is_finite(column), pc.greater_equal(column, 0.0))
    return ~_mask(ok, False)


def _before_epoch(column: pa.ChunkedArray) -> np.ndarray:
    return _mask(pc.less(column, EPOCH), False)


def _clear_dates(table: pa.Table, name: str, counts: dict[str, int]) -> pa.Table:
    cleared = readable_dates(table)
    for column in _DATES.get(name, ()):
        if column in table.column_names:
            lost = cleared[column].null_count - table[column].null_count
            if lost:
                counts[f"{name}.{column}: outside years 1-9999 (cleared)"] = lost
    return cleared


def _drop(table: pa.Table, rules: dict[str, np.ndarray], name: str, counts: dict[str, int]):  # type: ignore[no-untyped-def]
    bad = np.zeros(table.num_rows, dtype=bool)
    for reason, mask in rules.items():
        new = mask & ~bad
        if new.any():
            counts[f"{name}: {reason} (set aside)"] = int(new.sum())
            bad |= new
    return table.filter(pa.array(~bad)) if bad.any() else table


def screen(tables: dict[str, pa.Table]) -> tuple[dict[str, pa.Table], dict[str, int]]:
    """The tables with the rows the analysis cannot handle set aside, and counts by reason.

    Parameters
    ----------
    tables : dict of str to pyarrow.Table
        Canonical input tables (any subset).

    Returns
    -------
    tables : dict of str to pyarrow.Table
        The same tables, screened (untouched when nothing is wrong).
    counts : dict of str to int
        ``"<table>: <reason> (set aside)"`` or ``"<table>.<column>: ... (cleared)"`` → rows.

    Notes
    -----
    O(rows), vectorised; a clean store costs one comparison per checked column.
    """
    counts: dict[str, int] = {}
    out = dict(tables)
    tx = out.get("transactions")
    if tx is not None and tx.num_rows:
        rules = {
            f"{column} missing, not finite or negative": _bad_amount(tx[column])
            for column in ("amount", "amount_base")
            if column in tx.column_names
        }
        if "ts" in tx.column_names:
            rules["time before 1970"] = _before_epoch(tx["ts"])
        out["transactions"] = _drop(tx, rules, "transactions", counts)
    travel = out.get("travel")
    if travel is not None and travel.num_rows:
        rules = {
            f"{column} before 1970": _before_epoch(travel[column])
            for column in ("departure", "arrival")
            if column in travel.column_names
        }
        out["travel"] = _drop(travel, rules, "travel", counts)
    for name in _DATES:
        table = out.get(name)
        if table is not None and table.num_rows:
            out[name] = _clear_dates(table, name, counts)
    return out, counts
