"""goAML XML reports (UNODC's FIU system): transactions, accounts, persons, entities, travel.

A goAML ``report`` holds ``transaction`` elements. Each has a ``transactionnumber``,
``date_transaction``, ``amount_local`` (in the report's ``currency_code_local``),
``transmode_code``, and two sides: ``t_from``/``t_from_my_client`` and ``t_to``/
``t_to_my_client``, each with a ``from_account``/``to_account`` (``t_account``: institution,
``account`` or ``iban``, ``signatory`` persons, an owning ``t_entity``), a ``from_person``/
``to_person`` (``t_person``) or a ``from_entity``/``to_entity``; or ``involved_parties/party``.
Schema 5.2 adds ``means_of_transport`` with ``routing`` steps (place, country, date); each pair
of consecutive steps becomes one travel leg, paid by the transaction's source account.

Mapping to the canonical tables:

* transactions: one per ``transaction``; a side without an account (a person or entity at the
  counter) is the placeholder ``CASH`` for cash transactions, else the account
  ``party:<party_id>`` of that person or entity.
* accounts: every ``t_account``; id = IBAN, else ``<institution code>:<account number>``.
* parties: every ``t_person`` (conductors, signatories, sides, involved parties) and
  ``t_entity``; ids are content hashes of name, birth date and document, so the same person in
  two reports gets the same id.
* holdings: ``signatory`` → signatory (``is_primary`` → owner), an account's ``t_entity`` and a
  ``my_client`` side's person → owner.

Parsed streaming (:mod:`loaders.xmlsafe`) and yielded in chunks (:func:`stream_goaml`), so a
report larger than memory goes to the store as CSV does; rows are validated with the same
:class:`loaders.normalise.Converter` as the tabular formats, row = transaction index.
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
from loaders.xmlsafe import (
    Node,
    check_prolog,
    child,
    children,
    iter_elements,
    local,
    mentions,
    text,
    tree,
)

CHUNK = 20_000
#: ``transmode_code`` values meaning cash (each FIU has its own code list; words are common).
CASH_MODES = {"cash", "k", "cash deposit", "cash withdrawal"}
#: Where a transaction's ``means_of_transport`` may sit: on it, or on one of its sides.
SIDES = ("t_from", "t_from_my_client", "t_to", "t_to_my_client")
#: Per direction: the my-client side, the plain side, its person, entity, account, country.
_SIDE_NAMES = {
    d: (f"t_{d}_my_client", f"t_{d}", f"{d}_person", f"{d}_entity", f"{d}_account", f"{d}_country")
    for d in ("from", "to")
}


def _digest(id_key: bytes, *parts: str | None) -> str:
    """The keyed party id of these fields (:mod:`loaders.partyid`)."""
    return keyed_id(id_key, "\x1f".join((p or "").strip().lower() for p in parts))


def _step_number(step: Node) -> int:
    value = text(step, "step") or ""
    return int(value) if value.isdigit() and len(value) < 9 else 0


class _Report:
    """Turns goAML elements into raw canonical rows in a :class:`RowBuffer`."""

    def __init__(self, buffer: RowBuffer, id_key: bytes) -> None:
        self.buffer = buffer
        self.add = buffer.add
        self.known = buffer.known
        self.id_key = id_key

    # -- elements ------------------------------------------------------------------------------

    def person(self, el: Node | None) -> str | None:
        if el is None:
            return None
        get = el.texts.get  # the hot path: one C-level look-up per field
        names = (get("first_name"), get("middle_name"), get("last_name"))
        name = " ".join(n for n in names if n) or get("alias")
        birth = get("birthdate")
        ident = child(el, "identification")
        doc_type, doc_number = None, None
        if get("passport_number"):
            doc_type, doc_number = "passport", get("passport_number")
        elif ident is not None and text(ident, "number"):
            doc_type, doc_number = text(ident, "type") or "id", text(ident, "number")
        elif get("id_number"):
            doc_type, doc_number = "id_card", get("id_number")
        party_id = "p-" + _digest(self.id_key, name, (birth or "")[:10], doc_number)
        if self.known("parties", party_id):  # a repeat: the first occurrence's row stands
            return party_id
        phone_el = child(el, "phones", "phone")
        phone = None
        if phone_el is not None and text(phone_el, "tph_number"):
            phone = "".join(p for p in (text(phone_el, "tph_country_prefix"),
                                        text(phone_el, "tph_number")) if p)  # fmt: skip
        address_el = child(el, "addresses", "address")
        self.add(
            "parties",
            {
                "party_id": party_id,
                "kind": "person",
                "name": name,
                "birth_date": birth,
                "nationality": text(el, "nationality1") or text(el, "passport_country"),
                "id_document_type": doc_type,
                "id_document_number": doc_number,
                "phone": phone,
                "email": text(el, "email"),
                "address": text(address_el, "address"),
                "city": text(address_el, "city") or text(address_el, "town"),
                "country": text(el, "residence") or text(address_el, "country_code"),
            },
        )
        return party_id

    def entity(self, el: Node | None) -> str | None:
        if el is None:
            return None
        name = text(el, "name") or text(el, "commercial_name")
        party_id = "e-" + _digest(self.id_key, name, text(el, "incorporation_number"))
        if self.known("parties", party_id):
            return party_id
        address_el = child(el, "addresses", "address")
        self.add(
            "parties",
            {
                "party_id": party_id,
                "kind": "organisation",
                "name": name,
                "phone": text(el, "phones", "phone", "tph_number"),
                "email": text(el, "email"),
                "address": text(address_el, "address"),
                "city": text(address_el, "city") or text(address_el, "town"),
                "country": text(el, "incorporation_country_code")
                or text(address_el, "country_code"),
            },
        )
        return party_id

    def account(self, el: Node | None, my_client_person: str | None) -> str | None:
        if el is None:
            return None
        get = el.texts.get
        institution = get("institution_code") or get("swift")
        name = get("institution_name")
        number = get("account")
        qualifier = institution or name
        account_id = get("iban") or (
            f"{qualifier}:{number}" if qualifier and number and qualifier != number else number
        )
        if account_id is None:
            return None
        if not self.known("accounts", account_id):
            self.add(
                "accounts",
                {
                    "account_id": account_id,
                    "institution": name or institution,
                    "country": iban_country(get("iban")),
                    "opened": get("opened"),
                    "kind": "business" if "t_entity" in el.kids else "personal",
                },
            )
        for signatory in el.kids.get("signatory", ()):
            party = self.person(child(signatory, "t_person"))
            primary = (signatory.texts.get("is_primary") or "").lower() in ("true", "1")
            role = "owner" if primary else "signatory"
            if party:
                self.add("holdings", {"party_id": party, "account_id": account_id, "role": role})
        owner = self.entity(child(el, "t_entity")) if "t_entity" in el.kids else None
        if owner:
            self.add("holdings", {"party_id": owner, "account_id": account_id, "role": "owner"})
        if my_client_person:
            self.add(
                "holdings",
                {"party_id": my_client_person, "account_id": account_id, "role": "owner"},
            )
        return account_id

    def side(self, tx: Node, direction: str, cash: bool) -> tuple[str | None, str | None]:
        """The account id of one side (``from``/``to``) and its country.

        A side with a person or entity but no account is the placeholder ``CASH`` when the
        transaction is cash (over the counter), else the account ``party:<party_id>``.
        """
        names = _SIDE_NAMES[direction]
        el = child(tx, names[0])
        my_client = el is not None
        if el is None:
            el = child(tx, names[1])
        if el is None:
            return None, None
        kids = el.kids
        person = self.person(child(el, names[2])) if names[2] in kids else None
        entity = self.entity(child(el, names[3])) if names[3] in kids else None
        if "t_conductor" in kids:
            self.person(child(el, "t_conductor"))
        holder = person if my_client else None
        account = self.account(child(el, names[4]), holder) if names[4] in kids else None
        if account is None and (person or entity):
            account = "CASH" if cash else f"party:{person or entity}"
        return account, el.texts.get(names[5])

    def involved(self, tx: Node) -> None:
        if "involved_parties" not in tx.kids:
            return
        for party in children(child(tx, "involved_parties"), "party"):
            self.person(child(party, "person"))
            self.entity(child(party, "entity"))
            self.account(child(party, "account"), None)

    def travel(self, tx: Node, tx_id: str | None, payer: str | None) -> None:
        holders = [tx, *(child(tx, side) for side in SIDES if side in tx.kids)]
        transports = [
            t for h in holders if h is not None for t in children(h, "means_of_transport")
        ]
        for seat, transport in enumerate(transports, start=1):
            mode = text(transport, "transport_mode") or text(transport, "mode")
            carrier = text(transport, "carrier") or text(transport, "carrier_name")
            number = text(transport, "route_number") or text(transport, "flight_number")
            number = number or text(transport, "registration_number")
            traveller = child(transport, "t_person")
            if traveller is None:
                traveller = child(transport, "passenger")
            name = birth = document = nationality = None
            if traveller is not None:
                self.person(traveller)
                names = [text(traveller, k) for k in ("first_name", "middle_name", "last_name")]
                name = " ".join(n for n in names if n) or None
                birth, nationality = text(traveller, "birthdate"), text(traveller, "nationality1")
                document = text(traveller, "passport_number") or text(traveller, "id_number")
            steps = []
            for routing in children(transport, "routing"):
                if any(child(routing, k) is not None for k in ("place", "step", "country")):
                    steps.append(routing)  # <routing> is itself one step
                else:  # <routing> holds the steps
                    steps.extend(k for kids in routing.kids.values() for k in kids if k.kids)
            steps.sort(key=_step_number)
            for i in range(len(steps) - 1):
                start, end = steps[i], steps[i + 1]
                self.add(
                    "travel",
                    {
                        # one means_of_transport per traveller: number them within the booking
                        "record_id": f"{tx_id}:{seat}:{i + 1}" if tx_id else None,
                        "traveller_name": name,
                        "traveller_birth_date": birth,
                        "traveller_document": document,
                        "traveller_nationality": nationality,
                        "mode": text(start, "mode") or mode,
                        "carrier": text(start, "carrier") or carrier,
                        "route_number": text(start, "route_number") or number,
                        "origin": text(start, "place") or text(start, "country"),
                        "destination": text(end, "place") or text(end, "country"),
                        "departure": text(start, "date"),
                        "arrival": text(end, "date"),
                        "booking_ref": tx_id,
                        "payer_account": payer,
                    },
                )

    def transaction(self, tx: Node, currency: str | None) -> None:
        get = tx.texts.get
        tx_id = get("transactionnumber")
        mode = (get("transmode_code") or "").lower()
        cash = mode in CASH_MODES
        src, src_country = self.side(tx, "from", cash)
        dst, _ = self.side(tx, "to", cash)
        self.involved(tx)
        self.add(
            "transactions",
            {
                "tx_id": tx_id,
                "ts": get("date_transaction"),
                "src_account": src,
                "dst_account": dst,
                "amount": get("amount_local"),
                "currency": currency,
                "channel": get("transmode_code"),
                "reference": get("transaction_description"),
                "location": get("transaction_location"),
                "location_country": src_country,
            },
        )
        self.travel(tx, tx_id, None if src == "CASH" else src)


def stream_goaml(
    path: str | os.PathLike[str],
    *,
    name: str,
    batch_id: str,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    id_key: bytes | None = None,
) -> LoadStream:
    """Stream one goAML XML report (see the module docstring) in chunks of ``chunk`` rows.

    ``id_key`` keys the derived party ids (:mod:`loaders.partyid`; default the pseudonym key).

    Nothing is read but the prolog (to refuse a DOCTYPE) and, for the batch kind, a scan for
    ``means_of_transport`` (a report with travel is ``mixed``); iterating the stream parses
    the file and yields each table's rows every ``chunk`` rows, with the rows it rejected.

    Raises
    ------
    InputError
        If the file is not well-formed XML, declares a DOCTYPE, or has no transactions (here
        or while the stream is iterated).
    """
    source = Path(path)
    check_prolog(source, name)
    travel = mentions(source, b"means_of_transport", name)
    tables = ("accounts", "parties", "holdings", "transactions", *(("travel",) if travel else ()))
    options = mapping or Mapping(name="goaml")
    rejects = Rejects(name, batch_id)
    converter = Converter(options, rejects)
    buffer = RowBuffer(converter, chunk)
    key = resolve_key(id_key)

    def chunks() -> Iterator[Chunk]:
        report = _Report(buffer, key)
        currency = options.currency
        tags = {"transaction", "currency_code_local"}
        for _, element in iter_elements(source, name, tags, progress):
            if local(element.tag) == "currency_code_local":
                currency = currency or (element.text or "").strip() or None
                continue
            buffer.row += 1
            report.transaction(tree(element, name, buffer.row), currency)
            if buffer.ready or rejects.pending >= chunk:
                yield from pending(buffer, rejects, every=chunk)
        if buffer.row == 0:
            raise InputError("a goAML report with no transaction elements", file=name)
        buffer.flush_all()
        yield from pending(buffer, rejects)
        notes.extend(sorted(converter.notes))

    notes: list[str] = []
    return LoadStream("goaml", kind_of(list(tables)), tables, chunks(), notes)


def load_goaml(
    path: str | os.PathLike[str],
    *,
    name: str,
    batch_id: str,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    id_key: bytes | None = None,
) -> LoadResult:
    """Load one goAML XML report into memory (:func:`stream_goaml`, collected).

    ``id_key`` keys the derived party ids (:mod:`loaders.partyid`; default the pseudonym key).

    Raises
    ------
    InputError
        If the file is not well-formed XML, declares a DOCTYPE, or has no transactions.
    """
    stream = stream_goaml(
        path, name=name, batch_id=batch_id, mapping=mapping, progress=progress, id_key=id_key
    )
    return collect(stream)
