"""Canonical tables as moneytrail writes them (``accounts.parquet``, ``transactions.csv``, ...).

The synthetic generator and exports of a store write each input table under its own name with
the canonical column names. This is the fast path: the columns are read straight into Arrow
and validated with vectorised casts (see :mod:`loaders.values`); a clean file pays one cast
per column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from engine.core import schema
from loaders.columns import canonical_fields
from loaders.mapping import Mapping
from loaders.plan import Plan

#: Which table a ``kind`` names, when the file name does not.
KIND_TABLES = {"transactions": "transactions", "travel": "travel", "parties": "parties",
               "accounts": "accounts", "holdings": "holdings"}  # fmt: skip


def table_name(path: Path) -> str | None:
    """The canonical table a file name announces (``transactions.csv.gz`` → transactions)."""
    stem = path.name.split(".")[0].lower()
    if stem in schema.INPUT_TABLES:
        return stem
    for name in schema.INPUT_TABLES:  # world_transactions.parquet, transactions-2024.csv
        if stem.endswith(f"_{name}") or stem.startswith(f"{name}-") or stem.startswith(f"{name}_"):
            return name
    return None


def canonical_plan(
    path: Path, columns: Sequence[str], kind: str | None, mapping: Mapping | None = None
) -> Plan | None:
    """A plan when the file holds one canonical table under its canonical column names.

    The table comes from ``kind`` or the file name; without either, a file whose columns
    contain every required column of exactly one table is taken as that table.
    """
    options = mapping or Mapping(name="canonical")
    named = KIND_TABLES.get(kind or "") or table_name(path)
    candidates = [named] if named else list(schema.INPUT_TABLES)
    found = {}
    for name in candidates:
        fields = canonical_fields(columns, name)
        if fields is not None:
            found[name] = fields
    if named and named in found:
        return Plan("canonical", options, {named: found[named]})
    if len(found) == 1:
        return Plan("canonical", options, found)
    if len(found) > 1:  # e.g. holdings columns also contain accounts' key: take the widest
        best = max(found, key=lambda n: (len(found[n]), n == "holdings"))
        return Plan("canonical", options, {best: found[best]})
    return None
