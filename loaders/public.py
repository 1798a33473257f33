"""Public benchmark layouts: IBM AMLworld, SAML-D, AMLSim and AMLGentex.

Researchers bring these files as they are published; each is recognised by its columns and
loaded through a fixed mapping (the same machinery as a user's mapping file). Ground-truth
columns (``Is Laundering``, ``is_sar``, ``isSAR``, ``alert_id``, ``patternID``) are never
loaded: they are for measuring detectors, not for detectors to read.

* AMLworld ``*_Trans.csv``: accounts are bank-qualified (``<bank>:<account>``), the paying side
  (``Amount Paid``, ``Payment Currency``) is the amount; ``*_accounts.csv`` gives accounts,
  entities (parties) and holdings.
* SAML-D: ``Date`` + ``Time`` make the timestamp; currencies and countries are spelled out.
* AMLSim ``transactions.csv`` (amounts in USD) and ``accounts.csv`` (one customer per account).
* AMLGentex ``tx_log.parquet``: ``step`` is a simulation day counted from 2023-01-01 (EUR).
"""

from __future__ import annotations

from collections.abc import Sequence

from loaders.mapping import Mapping, Source
from loaders.plan import Plan


def _c(*columns: str, sep: str = " ") -> Source:
    return Source(columns=columns, sep=sep)


LAYOUTS: dict[str, tuple[set[str], Mapping]] = {
    "amlworld": (
        {"Timestamp", "From Bank", "Account", "To Bank", "Account.1", "Amount Paid",
         "Payment Currency", "Payment Format"},
        Mapping(
            name="amlworld", date_formats=("%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"),
            columns={"transactions": {
                "ts": _c("Timestamp"), "src_account": _c("From Bank", "Account", sep=":"),
                "dst_account": _c("To Bank", "Account.1", sep=":"), "amount": _c("Amount Paid"),
                "currency": _c("Payment Currency"), "channel": _c("Payment Format"),
            }},
        ),
    ),
    "amlworld_accounts": (
        {"Bank Name", "Bank ID", "Account Number", "Entity ID", "Entity Name"},
        Mapping(
            name="amlworld_accounts",
            columns={
                "accounts": {"account_id": _c("Bank ID", "Account Number", sep=":"),
                             "institution": _c("Bank Name")},
                "parties": {"party_id": _c("Entity ID"), "name": _c("Entity Name")},
                "holdings": {"party_id": _c("Entity ID"),
                             "account_id": _c("Bank ID", "Account Number", sep=":")},
            },
        ),
    ),
    "samld": (
        {"Time", "Date", "Sender_account", "Receiver_account", "Amount", "Payment_currency",
         "Payment_type"},
        Mapping(
            name="samld",
            columns={"transactions": {
                "ts": _c("Date", "Time"), "src_account": _c("Sender_account"),
                "dst_account": _c("Receiver_account"), "amount": _c("Amount"),
                "currency": _c("Payment_currency"), "channel": _c("Payment_type"),
                "location_country": _c("Sender_bank_location"),
            }},
        ),
    ),
    "amlsim": (
        {"tran_id", "orig_acct", "bene_acct", "tx_type", "base_amt", "tran_timestamp"},
        Mapping(
            name="amlsim", currency="USD",
            columns={"transactions": {
                "tx_id": _c("tran_id"), "ts": _c("tran_timestamp"),
                "src_account": _c("orig_acct"), "dst_account": _c("bene_acct"),
                "amount": _c("base_amt"), "channel": _c("tx_type"),
            }},
        ),
    ),
    "amlsim_accounts": (
        {"acct_id", "bank_id", "first_name", "last_name"},
        Mapping(
            name="amlsim_accounts",
            columns={
                "accounts": {"account_id": _c("acct_id"), "institution": _c("bank_id")},
                "parties": {"party_id": _c("acct_id"), "name": _c("first_name", "last_name"),
                            "kind": Source(value="person")},
                "holdings": {"party_id": _c("acct_id"), "account_id": _c("acct_id")},
            },
        ),
    ),
    "amlgentex": (
        {"step", "type", "amount", "nameOrig", "nameDest"},
        Mapping(
            name="amlgentex", currency="EUR", step_start="2023-01-01", step_unit="day",
            columns={"transactions": {
                "ts": _c("step"), "src_account": _c("nameOrig"), "dst_account": _c("nameDest"),
                "amount": _c("amount"), "channel": _c("type"),
            }},
        ),
    ),
}  # fmt: skip

#: Optional columns a layout reads when present.
OPTIONAL = {
    "samld": {"Sender_bank_location"},
    "amlsim_accounts": {"birth_date", "street_addr", "city", "country", "type"},
}
_OPTIONAL_FIELDS = {
    "birth_date": ("parties", "birth_date"),
    "street_addr": ("parties", "address"),
    "city": ("parties", "city"),
    "country": ("parties", "country"),
    "type": ("accounts", "kind"),
}


def public_plan(columns: Sequence[str], fmt: str | None = None) -> Plan | None:
    """The plan of the public layout these columns belong to (or the one ``fmt`` names)."""
    present = set(columns)
    base = {"amlworld": "amlworld", "samld": "samld", "amlsim": "amlsim", "amlgentex": "amlgentex"}
    for name, (needed, mapping) in LAYOUTS.items():
        if fmt is not None and base.get(fmt) != name.split("_")[0]:
            continue
        if not needed <= present:
            continue
        tables = {t: dict(fields) for t, fields in mapping.columns.items()}
        for column in OPTIONAL.get(name, set()):
            if column not in present:
                for fields in tables.values():
                    for field, source in list(fields.items()):
                        if column in source.columns:
                            del fields[field]
            elif column in _OPTIONAL_FIELDS:
                table, field = _OPTIONAL_FIELDS[column]
                tables[table][field] = _c(column)
        return Plan(name.split("_")[0], mapping, tables)
    return None
