"""Bank exports, travel manifests and KYC extracts: columns named by a mapping or by aliases.

With a mapping file (:mod:`loaders.mapping`) the user says which column holds which field;
without one, common column names are recognised (:mod:`loaders.columns`): a passenger manifest
with ``Passenger name``, ``Date of birth``, ``Flight``, ``From``, ``To``, ``Departure`` loads
as travel records, a KYC extract with a customer id, a name and an IBAN as parties, accounts
and the holdings that link them.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.core.errors import InputError
from loaders.columns import NEEDED, alias_fields, missing_fields
from loaders.mapping import Mapping, Source
from loaders.plan import Plan

KYC_TABLES = ("parties", "accounts", "holdings")
KIND_ORDER = ("transactions", "travel", "kyc")


def _kyc_tables(columns: Sequence[str]) -> dict[str, dict[str, Source]] | None:
    """Parties, accounts and the holdings linking them, from one row per customer-account."""
    parties = alias_fields(columns, "parties")
    accounts = alias_fields(columns, "accounts")
    tables: dict[str, dict[str, Source]] = {}
    if parties:
        tables["parties"] = parties
    if accounts:
        tables["accounts"] = accounts
    if parties and accounts:
        holdings = {"party_id": parties["party_id"], "account_id": accounts["account_id"]}
        role = alias_fields(columns, "holdings")
        if role and "role" in role:
            holdings["role"] = role["role"]
        tables["holdings"] = holdings
    if not parties and alias_fields(columns, "holdings"):
        tables = {"holdings": alias_fields(columns, "holdings") or {}}
    return tables or None


def _check_columns(plan_tables: dict[str, dict[str, Source]], columns: Sequence[str], name: str):
    present = set(columns)
    for table, fields in plan_tables.items():
        for field, source in fields.items():
            for column in source.columns:
                if column not in present:
                    raise InputError(
                        f"column {column!r} (for {table}.{field}) is not in the file; "
                        f"its columns are: {', '.join(columns[:40])}",
                        file=name,
                        field=column,
                    )


def mapped_plan(
    columns: Sequence[str], fmt: str, kind: str | None, mapping: Mapping | None, name: str
) -> Plan | None:
    """A plan from the mapping's columns, or from recognised column names; None if neither."""
    options = mapping or Mapping(name="auto")
    kind = kind or options.kind
    if mapping is not None and mapping.columns:
        tables = dict(mapping.columns)
        if kind == "kyc" and set(tables) == {"parties", "accounts"}:
            tables["holdings"] = {
                "party_id": tables["parties"]["party_id"],
                "account_id": tables["accounts"]["account_id"],
            }
        _check_columns(tables, columns, name)
        for table, fields in tables.items():
            absent = [
                f for f in NEEDED.get(table, ())
                if f not in fields and not (table == "transactions" and "own_account" in fields
                                            and f in ("src_account", "dst_account"))
                and f not in ("party_id",)
            ]  # fmt: skip
            if absent:
                raise InputError(
                    f"the mapping gives no column for {', '.join(absent)} of {table}",
                    file=options.name,
                )
        return Plan(fmt, options, tables)
    kinds = [kind] if kind else list(KIND_ORDER)
    for k in kinds:
        if k == "kyc":
            kyc = _kyc_tables(columns)
            if kyc:
                return Plan(fmt, options, kyc)
        elif k in NEEDED:
            found = alias_fields(columns, k)
            if found:
                return Plan(fmt, options, {k: found})
    return None


def explain_missing(columns: Sequence[str], kind: str | None) -> str:
    """Why no plan was found: the fields each candidate kind still needs."""
    kinds = [kind] if kind and kind != "kyc" else ["transactions", "travel", "parties"]
    parts = [f"{k} needs {', '.join(missing_fields(columns, k)) or 'its columns'}" for k in kinds
             if k in NEEDED]  # fmt: skip
    return "; ".join(parts)
