"""A goAML XML report of a world's transactions, as a bank would file it with its FIU.

Element names follow the UNODC goAML 5.x report schema: ``report`` (``rentity_id``,
``submission_code``, ``report_code``, ``currency_code_local``, ...) holding ``transaction``
elements with ``transactionnumber``, ``date_transaction``, ``transmode_code``,
``amount_local`` and two sides, ``t_from_my_client``/``t_from`` and ``t_to_my_client``/``t_to``.
A side carries ``from_account``/``to_account`` (``t_account``: ``institution_name``,
``swift``, ``account``, ``iban``, ``signatory`` with a ``t_person``, or ``t_entity``), or for
cash a ``from_person``/``to_person`` (``t_person``: ``first_name``, ``last_name``,
``birthdate``, ``passport_number`` or ``id_number``, ``nationality1``, ``phones``,
``addresses``, ``email``). Foreign-currency amounts add ``from_foreign_currency``.
A ticket purchase carries ``means_of_transport`` (schema 5.2) per traveller with
``routing`` steps (``step``, ``mode``, ``carrier``, ``route_number``, ``place``,
``country``, ``date``).

``transmode_code`` holds the canonical channel word (``wire``, ``cash``, ``card``, ...):
each FIU defines its own code list, and these words are the readable common denominator.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
from lxml import etree

from engine.synth import geo
from engine.synth.world import World

_FUNDS = {"cash": "K", "wire": "A", "card": "C", "mobile": "M", "money_transfer": "H"}


def _sub(parent: etree._Element, tag: str, value: Any = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if value is not None:
        el.text = str(value)
    return el


def _split(name: str) -> tuple[str, str]:
    first, _, last = (name or "").rpartition(" ")
    return (first or last), (last if first else "")


class _Lookup:
    """Rows of the world's tables by id, as plain dicts (only what a report needs)."""

    def __init__(self, world: World) -> None:
        t = world.tables
        self.accounts = {r["account_id"]: r for r in t["accounts"].to_pylist()}
        self.parties = {r["party_id"]: r for r in t["parties"].to_pylist()}
        self.holders: dict[str, list[tuple[str, str]]] = {}
        for r in t["holdings"].to_pylist():
            self.holders.setdefault(r["account_id"], []).append((r["party_id"], r["role"]))
        self.built: dict[str, etree._Element] = {}
        self.bic = {b.name: b.bic for b in geo.institutions(world.params.date_only_bank_share)}

    def owner(self, account_id: str) -> dict[str, Any] | None:
        for party_id, role in self.holders.get(account_id, []):
            if role == "owner":
                return self.parties.get(party_id)
        return None


def _person(parent: etree._Element, tag: str, p: dict[str, Any]) -> None:
    el = _sub(parent, tag)
    first, last = _split(p["name"])
    _sub(el, "first_name", first)
    _sub(el, "last_name", last)
    if p.get("birth_date"):
        _sub(el, "birthdate", f"{p['birth_date'].isoformat()}T00:00:00")
    if p.get("id_document_number"):
        doc_tag = "passport_number" if p.get("id_document_type") == "passport" else "id_number"
        _sub(el, doc_tag, p["id_document_number"])
        if doc_tag == "passport_number" and p.get("nationality"):
            _sub(el, "passport_country", p["nationality"])
    if p.get("nationality"):
        _sub(el, "nationality1", p["nationality"])
    if p.get("country"):
        _sub(el, "residence", p["country"])
    if p.get("phone"):
        phone = _sub(_sub(el, "phones"), "phone")
        _sub(phone, "tph_contact_type", "1")
        _sub(phone, "tph_communication_type", "M")
        _sub(phone, "tph_number", p["phone"])
    if p.get("address"):
        addr = _sub(_sub(el, "addresses"), "address")
        _sub(addr, "address_type", "1")
        _sub(addr, "address", p["address"])
        _sub(addr, "city", p.get("city"))
        _sub(addr, "country_code", p.get("country"))
    if p.get("email"):
        _sub(el, "email", p["email"])


def _account(parent: etree._Element, tag: str, account_id: str, look: _Lookup) -> None:
    """A ``t_account`` with its holders; built once per account, then copied."""
    cached = look.built.get(account_id)
    if cached is None:
        cached = look.built[account_id] = _build_account(account_id, look)
    el = copy.deepcopy(cached)
    el.tag = tag
    parent.append(el)


def _build_account(account_id: str, look: _Lookup) -> etree._Element:
    acc = look.accounts[account_id]
    el = etree.Element("t_account")
    _sub(el, "institution_name", acc["institution"])
    _sub(el, "swift", look.bic.get(acc["institution"], "UNKNXXXX"))
    _sub(el, "non_bank_institution", "false")
    is_iban = "-" not in account_id
    _sub(el, "account", account_id if not is_iban else account_id[-10:])
    _sub(el, "currency_code", geo.COUNTRIES.get(acc["country"] or "", ("", "EUR"))[1])
    owner = look.owner(account_id)
    if owner is not None:
        _sub(el, "account_name", owner["name"])
    if is_iban:
        _sub(el, "iban", account_id)
    _sub(el, "personal_account_type", "B" if acc["kind"] == "business" else "A")
    if owner is not None and owner["kind"] == "organisation":
        ent = _sub(el, "t_entity")
        _sub(ent, "name", owner["name"])
        _sub(ent, "incorporation_country_code", owner["country"])
    for party_id, role in look.holders.get(account_id, []):
        p = look.parties[party_id]
        if p["kind"] != "person":
            continue
        sig = _sub(el, "signatory")
        _sub(sig, "is_primary", "true" if role == "owner" else "false")
        _person(sig, "t_person", p)
        _sub(sig, "role", "A" if role == "owner" else "B")
    if acc.get("opened"):
        _sub(el, "opened", f"{acc['opened'].isoformat()}T00:00:00")
    _sub(el, "status_code", "A")
    return el


def _side(
    tx_el: etree._Element,
    d: str,
    account_id: str,
    tx: dict[str, Any],
    mine: set[str],
    look: _Lookup,
) -> None:
    """One side (``d`` = from/to) of a transaction: an account, or a person for cash."""
    cash = account_id == "CASH"
    other = tx["dst_account"] if d == "from" else tx["src_account"]
    is_mine = not cash and account_id in mine
    side = _sub(tx_el, f"t_{d}_my_client" if is_mine else f"t_{d}")
    _sub(side, f"{d}_funds_code", _FUNDS.get(tx["channel"], "O"))
    if d == "from" and tx["currency"] != "EUR":
        fx = _sub(side, "from_foreign_currency")
        _sub(fx, "foreign_currency_code", tx["currency"])
        _sub(fx, "foreign_amount", f"{tx['amount']:.2f}")
        _sub(fx, "foreign_exchange_rate", f"{tx['amount_base'] / tx['amount']:.6f}")
    if cash:  # over the counter: the conductor is the account holder
        holder = look.owner(other)
        if holder is not None and holder["kind"] == "person":
            _person(side, f"{d}_person", holder)
        else:
            entity = _sub(side, f"{d}_entity")
            _sub(entity, "name", holder["name"] if holder else "Cash counter")
            _sub(entity, "incorporation_country_code", tx["location_country"])
        country = tx["location_country"]
    elif account_id in look.accounts and look.accounts[account_id]["kind"] != "placeholder":
        _account(side, f"{d}_account", account_id, look)
        country = look.accounts[account_id]["country"]
    else:  # an external-bank or merchant placeholder
        acc_el = _sub(side, f"{d}_account")
        _sub(acc_el, "institution_name", account_id)
        _sub(acc_el, "account", account_id)
        country = None
    _sub(side, f"{d}_country", country or "EU")


def _transport(tx_el: etree._Element, legs: list[dict[str, Any]]) -> None:
    """``means_of_transport`` per traveller on a booking, with its ``routing`` steps."""
    for leg in legs:
        mot = _sub(tx_el, "means_of_transport")
        _sub(mot, "transport_mode", leg["mode"])
        _sub(mot, "carrier", leg["carrier"])
        _sub(mot, "route_number", leg["route_number"])
        traveller = _sub(mot, "t_person")
        first, last = _split(leg["traveller_name"])
        _sub(traveller, "first_name", first)
        _sub(traveller, "last_name", last)
        if leg["traveller_birth_date"]:
            _sub(traveller, "birthdate", f"{leg['traveller_birth_date'].isoformat()}T00:00:00")
        if leg["traveller_document"]:
            _sub(traveller, "passport_number", leg["traveller_document"])
        if leg["traveller_nationality"]:
            _sub(traveller, "nationality1", leg["traveller_nationality"])
        routing = _sub(mot, "routing")
        for n, (place, when) in enumerate(
            ((leg["origin"], leg["departure"]), (leg["destination"], leg["arrival"])), start=1
        ):
            step = _sub(routing, "route_step")
            _sub(step, "step", n)
            _sub(step, "mode", leg["mode"])
            _sub(step, "place", place)
            _sub(step, "country", geo.places()[place].country if place in geo.places() else None)
            _sub(step, "date", when.strftime("%Y-%m-%dT%H:%M:%S"))


def _select(world: World, max_transactions: int, seed: int) -> list[int]:
    """Rows to report: the planted operations' transactions first, then up to a tenth of
    ticket purchases (so travel appears), then ordinary ones."""
    tx = world.tables["transactions"]
    ids = tx.column("tx_id").to_numpy(zero_copy_only=False)
    truth = world.truth["transactions"]
    ops = world.truth["operations"].to_pylist()
    wanted = [o["op_id"] for o in ops if o["category"] in ("smuggling", "trafficking")]
    planted = {r["tx_id"] for r in truth.to_pylist() if r["op_id"] in wanted}
    first = np.flatnonzero(np.isin(ids, np.array(sorted(planted), dtype=object)))
    rng = np.random.default_rng(seed)
    refs = tx.column("reference").to_numpy(zero_copy_only=False)
    travel = world.tables["travel"]
    booked = np.array(sorted(set(travel.column("booking_ref").drop_null().to_pylist())), object)
    tickets = np.setdiff1d(np.flatnonzero(np.isin(refs, booked)), first)
    room = max(0, max_transactions - len(first))
    tickets = rng.choice(tickets, min(len(tickets), room // 10), replace=False)
    rest = np.setdiff1d(np.arange(len(ids)), np.r_[first, tickets])
    fill = rng.choice(rest, min(len(rest), room - len(tickets)), replace=False)
    return sorted(np.r_[first[:max_transactions], tickets, fill].astype(int).tolist())


def write_goaml(world: World, path: Path | str, max_transactions: int = 500) -> Path:
    """Write one goAML STR ``report`` with up to ``max_transactions`` transactions.

    The planted smuggling and trafficking transactions come first (a bank reports what it
    found suspicious), ordinary ones fill the rest. Ticket purchases carry the travellers'
    legs as ``means_of_transport``. Returns ``path``.
    """
    look = _Lookup(world)
    rows = world.tables["transactions"].take(_select(world, max_transactions, world.params.seed))
    txs = rows.to_pylist()
    by_bank: dict[str, int] = {}
    for r in txs:
        inst = look.accounts[r["src_account"]]["institution"]
        if inst:
            by_bank[inst] = by_bank.get(inst, 0) + 1
    bank = max(sorted(by_bank), key=by_bank.__getitem__) if by_bank else None
    mine = {a for a, r in look.accounts.items() if r["institution"] == bank}
    travel: dict[str, list[dict[str, Any]]] = {}
    for leg in world.tables["travel"].to_pylist():
        if leg["booking_ref"] and leg["payer_account"]:
            travel.setdefault(leg["booking_ref"], []).append(leg)
    report = etree.Element("report")
    _sub(report, "rentity_id", 1000 + sum(map(ord, bank or "")) % 9000)
    _sub(report, "rentity_branch", "Head office")
    _sub(report, "submission_code", "E")
    _sub(report, "report_code", "STR")
    _sub(report, "entity_reference", f"STR-{world.params.scale}-{world.params.seed}")
    last = max((r["ts"] for r in txs), default=None)
    _sub(report, "submission_date", last.strftime("%Y-%m-%dT%H:%M:%S") if last else None)
    _sub(report, "currency_code_local", "EUR")
    person = _sub(report, "reporting_person")
    _sub(person, "first_name", "Compliance")
    _sub(person, "last_name", "Officer")
    _sub(report, "reason", "Transactions along a migrant-smuggling corridor; funnel activity.")
    _sub(report, "action", "Accounts under review.")
    for r in txs:
        el = _sub(report, "transaction")
        _sub(el, "transactionnumber", r["tx_id"])
        _sub(el, "internal_ref_number", r["tx_id"][2:])
        if r["location"]:
            _sub(el, "transaction_location", r["location"])
        if r["reference"]:
            _sub(el, "transaction_description", r["reference"])
        _sub(el, "date_transaction", r["ts"].strftime("%Y-%m-%dT%H:%M:%S"))
        _sub(el, "transmode_code", r["channel"])
        _sub(el, "amount_local", f"{r['amount_base']:.2f}")
        _side(el, "from", r["src_account"], r, mine, look)
        _side(el, "to", r["dst_account"], r, mine, look)
        legs = travel.get(r["reference"] or "", [])
        legs = [leg for leg in legs if leg["payer_account"] == r["src_account"]]
        if legs:
            _transport(el, legs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(report).write(
        str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return path
