"""ISO 20022 camt.053.001.08 bank-to-customer statements of one account of a world.

Element names follow the ISO 20022 message definition (``BkToCstmrStmt`` → ``GrpHdr``,
``Stmt`` with ``Acct``, opening and closing ``Bal`` and one ``Ntry`` per booked transaction:
``Amt``, ``CdtDbtInd``, ``Sts/Cd``, ``BookgDt``, ``ValDt``, ``AcctSvcrRef``, ``BkTxCd``,
``NtryDtls/TxDtls`` with ``Refs``, ``RltdPties`` (``Dbtr``/``Cdtr`` as ``Pty``, with
``DbtrAcct``/``CdtrAcct``), ``RltdAgts`` and ``RmtInf/Ustrd``). Bank transaction codes use the
ISO domain ``PMNT`` with families ``RCDT``/``ICDT`` (transfers), ``CNTR`` (cash: ``CDPT``
deposit, ``CWDL`` withdrawal) and ``CCRD`` (cards).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.compute as pc
from lxml import etree

from engine.synth import geo
from engine.synth.world import World

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def _sub(parent: etree._Element, tag: str, value: Any = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if value is not None:
        el.text = str(value)
    return el


def _acct(parent: etree._Element, tag: str, account_id: str) -> None:
    ident = _sub(_sub(parent, tag), "Id")
    if "-" in account_id or account_id.isalpha():
        _sub(_sub(ident, "Othr"), "Id", account_id)
    else:
        _sub(ident, "IBAN", account_id)


def busiest_accounts(world: World, n: int) -> list[str]:
    """The ``n`` non-placeholder accounts with the most transactions (for sample statements)."""
    tx = world.tables["transactions"]
    counts = pc.value_counts(pc.fill_null(tx.column("src_account"), "")).to_pylist()
    kinds = dict(
        zip(
            world.tables["accounts"].column("account_id").to_pylist(),
            world.tables["accounts"].column("kind").to_pylist(),
            strict=True,
        )
    )
    ranked = sorted(
        (c for c in counts if kinds.get(c["values"]) in ("personal", "business")),
        key=lambda c: (-c["counts"], c["values"]),
    )
    return [c["values"] for c in ranked[:n]]


def write_camt053(world: World, path: Path | str, account_id: str) -> Path:
    """Write a camt.053.001.08 statement of ``account_id`` over the whole period.

    Amounts are in the transaction's currency; the statement's balances are computed from an
    opening balance of zero. Returns ``path``.
    """
    t = world.tables
    accounts = {r["account_id"]: r for r in t["accounts"].to_pylist()}
    parties = {r["party_id"]: r for r in t["parties"].to_pylist()}
    owners: dict[str, str] = {}
    for r in t["holdings"].to_pylist():
        if r["role"] == "owner":
            owners.setdefault(r["account_id"], parties[r["party_id"]]["name"])
    bics = {b.name: b.bic for b in geo.institutions(world.params.date_only_bank_share)}
    if account_id not in accounts:
        raise KeyError(f"no account {account_id!r} in this world")
    tx = t["transactions"]
    mask = pc.or_(pc.equal(tx["src_account"], account_id), pc.equal(tx["dst_account"], account_id))
    rows = tx.filter(mask).to_pylist()
    acc = accounts[account_id]
    currency = geo.COUNTRIES.get(acc["country"] or "", ("", "EUR"))[1]
    doc = etree.Element(f"{{{NS}}}Document", nsmap={None: NS})
    stmt_root = _sub(doc, "BkToCstmrStmt")
    first = rows[0]["ts"] if rows else None
    last = rows[-1]["ts"] if rows else None
    stamp = last.strftime("%Y-%m-%dT%H:%M:%S") if last else "2025-01-01T00:00:00"
    hdr = _sub(stmt_root, "GrpHdr")
    _sub(hdr, "MsgId", f"STMT-{account_id[-12:]}-{world.params.seed}")
    _sub(hdr, "CreDtTm", stamp)
    stmt = _sub(stmt_root, "Stmt")
    _sub(stmt, "Id", f"{account_id[-12:]}-1")
    _sub(stmt, "ElctrncSeqNb", 1)
    _sub(stmt, "CreDtTm", stamp)
    if first and last:
        period = _sub(stmt, "FrToDt")
        _sub(period, "FrDtTm", first.strftime("%Y-%m-%dT00:00:00"))
        _sub(period, "ToDtTm", last.strftime("%Y-%m-%dT23:59:59"))
    a = _sub(stmt, "Acct")
    ident = _sub(a, "Id")
    if "-" in account_id:
        _sub(_sub(ident, "Othr"), "Id", account_id)
    else:
        _sub(ident, "IBAN", account_id)
    _sub(a, "Ccy", currency)
    if account_id in owners:
        _sub(_sub(a, "Ownr"), "Nm", owners[account_id])
    fin = _sub(_sub(a, "Svcr"), "FinInstnId")
    _sub(fin, "BICFI", bics.get(acc["institution"], "UNKNXXXX"))
    _sub(fin, "Nm", acc["institution"])
    balance = 0.0
    entries = []
    for r in rows:
        credit = r["dst_account"] == account_id
        balance += r["amount"] if credit else -r["amount"]
        entries.append((r, credit))
    _balance(stmt, "OPBD", 0.0, currency, first)
    _balance(stmt, "CLBD", balance, currency, last)
    for r, credit in entries:
        _entry(stmt, r, credit, account_id, accounts, owners, bics)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(doc).write(
        str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return path


def _balance(stmt: etree._Element, code: str, amount: float, ccy: str, when: Any) -> None:
    bal = _sub(stmt, "Bal")
    _sub(_sub(_sub(bal, "Tp"), "CdOrPrtry"), "Cd", code)
    _sub(bal, "Amt", f"{abs(amount):.2f}", Ccy=ccy)
    _sub(bal, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
    _sub(_sub(bal, "Dt"), "Dt", when.strftime("%Y-%m-%d") if when else "2025-01-01")


def _codes(channel: str, credit: bool) -> tuple[str, str]:
    if channel == "cash":
        return "CNTR", "CDPT" if credit else "CWDL"
    if channel == "card":
        return "CCRD", "POSD"
    return ("RCDT" if credit else "ICDT"), ("XBCT" if channel == "money_transfer" else "ESCT")


def _entry(
    stmt: etree._Element,
    r: dict[str, Any],
    credit: bool,
    own: str,
    accounts: dict[str, Any],
    owners: dict[str, str],
    bics: dict[str, str],
) -> None:
    ntry = _sub(stmt, "Ntry")
    _sub(ntry, "NtryRef", r["tx_id"])
    _sub(ntry, "Amt", f"{r['amount']:.2f}", Ccy=r["currency"])
    _sub(ntry, "CdtDbtInd", "CRDT" if credit else "DBIT")
    _sub(_sub(ntry, "Sts"), "Cd", "BOOK")
    _sub(_sub(ntry, "BookgDt"), "DtTm", r["ts"].strftime("%Y-%m-%dT%H:%M:%S"))
    _sub(_sub(ntry, "ValDt"), "Dt", r["ts"].strftime("%Y-%m-%d"))
    _sub(ntry, "AcctSvcrRef", r["tx_id"])
    family, sub = _codes(r["channel"], credit)
    domain = _sub(_sub(ntry, "BkTxCd"), "Domn")
    _sub(domain, "Cd", "PMNT")
    fmly = _sub(domain, "Fmly")
    _sub(fmly, "Cd", family)
    _sub(fmly, "SubFmlyCd", sub)
    details = _sub(_sub(ntry, "NtryDtls"), "TxDtls")
    refs = _sub(details, "Refs")
    _sub(refs, "AcctSvcrRef", r["tx_id"])
    _sub(refs, "EndToEndId", r["reference"] or "NOTPROVIDED")
    other = r["src_account"] if credit else r["dst_account"]
    if other != "CASH":
        side = "Dbtr" if credit else "Cdtr"
        parties = _sub(details, "RltdPties")
        if other in owners:
            _sub(_sub(_sub(parties, side), "Pty"), "Nm", owners[other])
        _acct(parties, f"{side}Acct", other)
        institution = accounts.get(other, {}).get("institution")
        if institution:
            agent = _sub(_sub(_sub(details, "RltdAgts"), f"{side}Agt"), "FinInstnId")
            _sub(agent, "BICFI", bics.get(institution, "UNKNXXXX"))
    if r["reference"]:
        _sub(_sub(details, "RmtInf"), "Ustrd", r["reference"])
    if r["location"]:
        _sub(ntry, "AddtlNtryInf", f"{r['location']} {r['location_country'] or ''}".strip())
