"""ISO 20022 messages: camt.053 bank statements and pacs.008 customer credit transfers.

camt.053 (``BkToCstmrStmt``): each ``Stmt`` names its account (``Acct/Id/IBAN`` or
``Othr/Id``, servicer BIC, owner); each ``Ntry`` is a booked entry with ``Amt`` and ``Ccy``,
``CdtDbtInd`` (``CRDT`` money in, ``DBIT`` money out), ``BookgDt`` (or ``ValDt``) and bank
transaction code. Entries with several ``NtryDtls/TxDtls`` (batch bookings) give one
transaction per ``TxDtls``, with its own amount when present. The counterparty is the
``RltdPties`` debtor (for credits) or creditor (for debits); a cash deposit or withdrawal
(family ``CNTR``, sub-family ``CDPT``/``CWDL``) without one goes to the placeholder account
``CASH``, any other entry without one to ``UNKNOWN``.

pacs.008 (``FIToFICstmrCdtTrf``): each ``CdtTrfTxInf`` is one transfer from ``DbtrAcct`` to
``CdtrAcct`` of ``IntrBkSttlmAmt``, dated by ``AccptncDtTm``, else ``IntrBkSttlmDt`` (of the
transaction, else of the group header), else the header's ``CreDtTm``.

Both: ids are the UETR / ``AcctSvcrRef`` / ``TxId`` / ``EndToEndId`` (first present), debtor and
creditor names become parties holding their accounts, agents' BICs become the institutions.

Parsed streaming (:mod:`loaders.xmlsafe`) and yielded in chunks (:func:`stream_iso20022`), so
a statement larger than memory goes to the store as CSV does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from engine.core.errors import InputError
from loaders.base import LoadResult, Progress, Rejects, kind_of
from loaders.mapping import Mapping
from loaders.normalise import Converter, iban_country
from loaders.partyid import keyed_id, resolve_key
from loaders.rows import RowBuffer, pending
from loaders.stream import Chunk, LoadStream, collect
from loaders.xmlsafe import Node, check_prolog, child, children, iter_elements, local, text, tree

#: Bank transaction codes (family or sub-family) of cash and card bookings.
CASH_CODES = {"CNTR", "CDPT", "CWDL", "CASH"}
CARD_CODES = {"CCRD", "DCRD", "POSD", "ICCN"}
_NONE: dict[str, str | None] = {}


def _account_id(acct: Node | None) -> str | None:
    """IBAN, else the other identification (``Othr/Id``) of an ``...Acct`` element."""
    ident = child(acct, "Id")
    if ident is None:
        return None
    return ident.texts.get("IBAN") or text(ident, "Othr", "Id")


def _bic(agent: Node | None) -> str | None:
    institution = child(agent, "FinInstnId")
    if institution is None:
        return None
    get = institution.texts.get
    return get("BICFI") or get("BIC") or get("Nm")


def _amount(el: Node | None) -> tuple[str | None, str | None]:
    if el is None:
        return None, None
    value = (el.text or "").strip() or None
    return value, el.get("Ccy")


def _remittance(tx: Node | None) -> str | None:
    parts = [u.text.strip() for u in children(child(tx, "RmtInf"), "Ustrd") if u.text]
    return " ".join(parts) or None


class _Messages:
    """Turns ISO 20022 elements into raw canonical rows in a :class:`RowBuffer`."""

    def __init__(self, buffer: RowBuffer, id_key: bytes) -> None:
        self.buffer = buffer
        self.add = buffer.add
        self.known = buffer.known
        self.id_key = id_key
        self.statement_account: str | None = None
        self.statement_currency: str | None = None
        self.header_date: str | None = None
        self.header_settlement: str | None = None
        self.message_id: str | None = None

    def party(self, el: Node | None, account: str | None) -> None:
        """A debtor/creditor/owner (``Nm``, address, ids) holding ``account``."""
        wrapped = child(el, "Pty")  # camt.053.001.08 wraps the party: Dbtr/Pty/Nm
        if wrapped is not None:
            el = wrapped
        name = text(el, "Nm")
        if el is None or name is None:
            return
        organisation = child(el, "Id", "OrgId") is not None
        birth = text(el, "Id", "PrvtId", "DtAndPlcOfBirth", "BirthDt")
        country = text(el, "PstlAdr", "Ctry") or text(el, "CtryOfRes")
        key = "\x1f".join((name.lower(), birth or "", country or ""))
        party_id = ("e-" if organisation else "p-") + keyed_id(self.id_key, key)
        if not self.known("parties", party_id):  # a repeat: the first occurrence's row stands
            lines = [ln.text.strip() for ln in children(child(el, "PstlAdr"), "AdrLine") if ln.text]
            street = " ".join(
                p for p in (text(el, "PstlAdr", "StrtNm"), text(el, "PstlAdr", "BldgNb")) if p
            )
            self.add(
                "parties",
                {
                    "party_id": party_id,
                    "kind": "organisation" if organisation else "person",
                    "name": name,
                    "birth_date": birth,
                    "address": street or ", ".join(lines) or None,
                    "city": text(el, "PstlAdr", "TwnNm"),
                    "country": country,
                },
            )
        if account:
            self.add("holdings", {"party_id": party_id, "account_id": account, "role": "owner"})

    def account(self, account_id: str | None, institution: str | None) -> None:
        if account_id and not self.known("accounts", account_id):
            country = iban_country(account_id)
            self.add(
                "accounts",
                {"account_id": account_id, "institution": institution, "country": country},
            )

    # -- camt.053 ----------------------------------------------------------------------------

    def statement_acct(self, acct: Node) -> None:
        self.statement_account = _account_id(acct)
        self.statement_currency = text(acct, "Ccy")
        self.account(self.statement_account, _bic(child(acct, "Svcr")))
        self.party(child(acct, "Ownr"), self.statement_account)

    def entry(self, ntry: Node) -> None:
        entry_amount, entry_ccy = _amount(child(ntry, "Amt"))
        credit = (ntry.texts.get("CdtDbtInd") or "").upper()
        booked = (
            text(ntry, "BookgDt", "DtTm")
            or text(ntry, "BookgDt", "Dt")
            or text(ntry, "ValDt", "DtTm")
            or text(ntry, "ValDt", "Dt")
        )
        family = child(ntry, "BkTxCd", "Domn", "Fmly")
        codes = (
            {None}
            if family is None
            else {
                family.texts.get("Cd"),
                family.texts.get("SubFmlyCd"),
            }
        )
        channel = "cash" if codes & CASH_CODES else "card" if codes & CARD_CODES else "wire"
        details = children(child(ntry, "NtryDtls"), "TxDtls")
        entry_ref = ntry.texts.get("AcctSvcrRef") or ntry.texts.get("NtryRef")
        for index, tx in enumerate(details or [None]):
            amount_el = child(tx, "AmtDtls", "TxAmt", "Amt")
            amount, ccy = _amount(amount_el if amount_el is not None else child(tx, "Amt"))
            if amount is None or len(details) == 1:
                amount, ccy = entry_amount, entry_ccy
            refs = child(tx, "Refs")
            ref_of = refs.texts.get if refs is not None else _NONE.get
            ref = (
                ref_of("UETR")
                or ref_of("AcctSvcrRef")
                or ref_of("TxId")
                or (f"{entry_ref}:{index + 1}" if entry_ref and len(details) > 1 else entry_ref)
                or ref_of("EndToEndId")
            )
            side = "Dbtr" if credit == "CRDT" else "Cdtr"
            related = child(tx, "RltdPties")
            other = _account_id(child(related, f"{side}Acct"))
            agent = _bic(child(tx, "RltdAgts", f"{side}Agt"))
            self.account(other, agent)
            self.party(child(related, side), other)
            if other is None:
                other = "CASH" if channel == "cash" else "UNKNOWN"
            own = self.statement_account
            if credit not in ("CRDT", "DBIT"):
                self.buffer.converter.rejects.add_one(
                    self.buffer.row, "CdtDbtInd", credit, "direction must be CRDT or DBIT"
                )
                continue
            src, dst = (other, own) if credit == "CRDT" else (own, other)
            remittance = _remittance(tx)
            self.add(
                "transactions",
                {
                    "tx_id": ref,
                    "ts": booked,
                    "src_account": src,
                    "dst_account": dst,
                    "amount": amount,
                    "currency": ccy or self.statement_currency,
                    "channel": channel,
                    "reference": remittance or text(ntry, "AddtlNtryInf"),
                },
            )

    # -- pacs.008 ----------------------------------------------------------------------------

    def header(self, hdr: Node) -> None:
        self.header_date = text(hdr, "CreDtTm")
        self.header_settlement = text(hdr, "IntrBkSttlmDt")
        self.message_id = text(hdr, "MsgId")

    def transfer(self, tx: Node) -> None:
        amount, ccy = _amount(child(tx, "IntrBkSttlmAmt"))
        if amount is None:
            amount, ccy = _amount(child(tx, "InstdAmt"))
        src = _account_id(child(tx, "DbtrAcct"))
        dst = _account_id(child(tx, "CdtrAcct"))
        self.account(src, _bic(child(tx, "DbtrAgt")))
        self.account(dst, _bic(child(tx, "CdtrAgt")))
        self.party(child(tx, "Dbtr"), src)
        self.party(child(tx, "Cdtr"), dst)
        ref = (
            text(tx, "PmtId", "UETR")
            or text(tx, "PmtId", "TxId")
            or text(tx, "PmtId", "EndToEndId")
            or text(tx, "PmtId", "InstrId")
        )
        remittance = _remittance(tx)
        self.add(
            "transactions",
            {
                "tx_id": ref,
                "ts": text(tx, "AccptncDtTm")
                or text(tx, "IntrBkSttlmDt")
                or self.header_settlement
                or self.header_date,
                "src_account": src,
                "dst_account": dst,
                "amount": amount,
                "currency": ccy,
                "channel": "wire",
                "reference": remittance or None,
                "location_country": text(tx, "Dbtr", "PstlAdr", "Ctry"),
            },
        )


#: Rows per converted chunk of each table.
CHUNK = 20_000


def stream_iso20022(
    path: str | os.PathLike[str],
    fmt: str,
    *,
    name: str,
    batch_id: str,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    id_key: bytes | None = None,
) -> LoadStream:
    """Stream a camt.053 (``fmt="camt053"``) or pacs.008 (``fmt="pacs008"``) document.

    ``id_key`` keys the derived party ids (:mod:`loaders.partyid`; default the pseudonym key).

    Only the prolog is read here (to refuse a DOCTYPE); iterating the stream parses the file
    and yields each table's rows every ``chunk`` rows, with the rows it rejected.

    Raises
    ------
    InputError
        If the file is not well-formed XML, declares a DOCTYPE, or holds no entries/transfers
        (here or while the stream is iterated).
    """
    if fmt == "camt053":
        tags = {"Acct", "Ntry"}
    elif fmt == "pacs008":
        tags = {"GrpHdr", "CdtTrfTxInf"}
    else:
        raise InputError(f"unknown ISO 20022 format {fmt!r}", file=name)
    source = Path(path)
    check_prolog(source, name)
    options = mapping or Mapping(name=fmt)
    rejects = Rejects(name, batch_id)
    buffer = RowBuffer(Converter(options, rejects), chunk)
    key = resolve_key(id_key)

    def chunks() -> Iterator[Chunk]:
        messages = _Messages(buffer, key)
        for _, element in iter_elements(source, name, tags, progress):
            tag = local(element.tag)
            if tag == "Acct":
                parent = element.getparent()
                if parent is not None and local(parent.tag) == "Stmt":
                    messages.statement_acct(tree(element, name, buffer.row + 1))
            elif tag == "GrpHdr":
                messages.header(tree(element, name, buffer.row + 1))
            else:
                buffer.row += 1
                if tag == "Ntry":
                    messages.entry(tree(element, name, buffer.row))
                else:
                    messages.transfer(tree(element, name, buffer.row))
                if buffer.ready or rejects.pending >= chunk:
                    yield from pending(buffer, rejects, every=chunk)
        if buffer.row == 0:
            what = "statement entries (Ntry)" if fmt == "camt053" else "transfers (CdtTrfTxInf)"
            raise InputError(f"no {what} found", file=name)
        buffer.flush_all()
        yield from pending(buffer, rejects)
        notes.extend(sorted(buffer.converter.notes))

    notes: list[str] = []
    tables = ("accounts", "parties", "holdings", "transactions")
    return LoadStream(fmt, kind_of(list(tables)), tables, chunks(), notes)


def load_iso20022(
    path: str | os.PathLike[str],
    fmt: str,
    *,
    name: str,
    batch_id: str,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    id_key: bytes | None = None,
) -> LoadResult:
    """Load a camt.053 or pacs.008 document into memory (:func:`stream_iso20022`, collected).

    ``id_key`` keys the derived party ids (:mod:`loaders.partyid`; default the pseudonym key).

    Raises
    ------
    InputError
        If the file is not well-formed XML, declares a DOCTYPE, or holds no entries/transfers.
    """
    stream = stream_iso20022(
        path, fmt, name=name, batch_id=batch_id, mapping=mapping, progress=progress, id_key=id_key
    )
    return collect(stream)
