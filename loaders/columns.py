"""Which canonical fields a file's header columns hold: canonical names, or common aliases.

Used when no mapping file is given. A column matches a field when its normalised name (lower
case, letters and digits only) is the field's name or one of its aliases. A table is detected
when every field it needs (see :data:`NEEDED`) is found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.core import schema
from loaders.mapping import Source

#: Fields a file must provide for each table (ids may be derived; holdings default to owner).
NEEDED = {
    "transactions": ("ts", "src_account", "dst_account", "amount"),
    "travel": ("traveller_name", "departure"),
    "parties": ("party_id", "name"),
    "accounts": ("account_id",),
    "holdings": ("party_id", "account_id"),
}

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "transactions": {
        "tx_id": ("transactionid", "txid", "transactionnumber", "tranid", "id"),
        "ts": ("timestamp", "datetime", "date", "transactiondate", "bookingdate", "valuedate"),
        "src_account": ("fromaccount", "sender", "senderaccount", "origaccount", "debtor",
                        "debtoraccount", "payer", "payeraccount", "source", "from"),
        "dst_account": ("toaccount", "receiver", "receiveraccount", "beneaccount", "creditor",
                        "creditoraccount", "payee", "payeeaccount", "beneficiary", "target", "to"),
        "amount": ("amt", "value", "sum", "transactionamount"),
        "currency": ("ccy", "currencycode", "cur"),
        "amount_base": ("amountbase", "amounteur", "baseamount"),
        "channel": ("type", "paymenttype", "paymentformat", "method", "transmode", "mode"),
        "reference": ("description", "memo", "purpose", "remittanceinformation", "narrative"),
        "location": ("place", "branch", "city"),
        "location_country": ("country", "locationcountry"),
    },
    "travel": {
        "record_id": ("recordid", "id", "legid"),
        "traveller_name": ("name", "passengername", "passenger", "traveller", "traveler",
                           "travellername", "travelername", "fullname"),
        "traveller_birth_date": ("birthdate", "dateofbirth", "dob", "birthday"),
        "traveller_document": ("document", "documentnumber", "passport", "passportnumber",
                               "idnumber", "traveldocument"),
        "traveller_nationality": ("nationality", "citizenship"),
        "mode": ("transportmode", "travelmode"),
        "carrier": ("airline", "operator", "company"),
        "route_number": ("flight", "flightnumber", "route", "routenumber", "vessel", "busnumber"),
        "origin": ("from", "departureairport", "origincode", "departurepoint"),
        "destination": ("to", "arrivalairport", "destinationcode", "arrivalpoint"),
        "departure": ("departuretime", "departuredate", "date", "traveldate", "departs"),
        "arrival": ("arrivaltime", "arrivaldate", "arrives"),
        "booking_ref": ("booking", "bookingreference", "pnr", "recordlocator"),
        "payer_account": ("payer", "payeraccount", "paidby", "formofpayment"),
    },
    "parties": {
        "party_id": ("customerid", "clientid", "personid", "partyid", "entityid", "id"),
        "kind": ("partytype", "customertype", "type"),
        "name": ("fullname", "customername", "partyname", "entityname"),
        "birth_date": ("birthdate", "dateofbirth", "dob"),
        "nationality": ("citizenship",),
        "id_document_type": ("documenttype", "idtype"),
        "id_document_number": ("document", "documentnumber", "passport", "passportnumber",
                               "idnumber"),
        "phone": ("telephone", "phonenumber", "mobile"),
        "email": ("emailaddress", "mail"),
        "address": ("street", "streetaddress", "addr"),
        "city": ("town",),
        "country": ("residence", "countryofresidence"),
    },
    "accounts": {
        "account_id": ("account", "iban", "accountnumber", "accountid", "acctid"),
        "institution": ("bank", "bankid", "bankname", "bic"),
        "country": ("accountcountry", "bankcountry"),
        "opened": ("opendate", "openeddate", "opendt", "dateopened"),
        "kind": ("accounttype", "accountkind"),
    },
    "holdings": {
        "party_id": ("customerid", "clientid", "personid", "partyid", "entityid"),
        "account_id": ("account", "iban", "accountnumber", "accountid", "acctid"),
        "role": ("holdingrole", "relationship", "relation"),
    },
}  # fmt: skip


def norm(name: str) -> str:
    """Normalised column name: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def canonical_fields(columns: Sequence[str], table: str) -> dict[str, Source] | None:
    """Identity mapping when the file uses the canonical column names and has every key field."""
    names = [f.name for f in schema.INPUT_TABLES[table] if f.name != "batch_id"]
    present = set(columns)
    required = {f.name for f in schema.INPUT_TABLES[table] if not f.nullable} - {"amount_base"}
    if not required <= present:
        return None
    fields = {name: Source(columns=(name,)) for name in names if name in present}
    if len(fields) < 2:  # a lone key column (an id list, ground-truth labels) is not a table
        return None
    return fields


def alias_fields(columns: Sequence[str], table: str) -> dict[str, Source] | None:
    """Fields found by name or alias, or None when a needed field is missing."""
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(norm(column), column)
    fields: dict[str, Source] = {}
    used: set[str] = set()
    for field, aliases in ALIASES[table].items():
        for candidate in (norm(field), *aliases):
            found = by_norm.get(candidate)
            if found is not None and found not in used:
                fields[field] = Source(columns=(found,))
                used.add(found)
                break
    if not all(f in fields for f in NEEDED[table]) or len(fields) < 2:
        return None
    return fields


def missing_fields(columns: Sequence[str], table: str) -> list[str]:
    """Needed fields of ``table`` that no column provides (for error messages)."""
    found = alias_fields(columns, table) or {}
    partial = {f for f, aliases in ALIASES[table].items() for c in columns
               if norm(c) in (norm(f), *aliases)}  # fmt: skip
    return [f for f in NEEDED[table] if f not in found and f not in partial]
