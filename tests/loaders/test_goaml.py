"""goAML reports: transactions, accounts, persons, entities, holdings and 5.2 routing legs."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.core.errors import InputError
from loaders.registry import load_file
from tests.loaders.goaml_sample import GOAML


@pytest.fixture
def result(write):
    return load_file(write("report.xml", GOAML), batch_id="b")


def test_transactions_and_sides(result):
    assert result.format == "goaml"
    assert result.kind == "mixed"
    tx = result.tables["transactions"].to_pylist()
    assert [t["tx_id"] for t in tx] == ["GT-1", "GT-2"]
    first, second = tx
    assert first["dst_account"] == "GR1601101250000000012300695"
    assert first["src_account"] == "CASH"  # cash paid in at the counter by a person
    assert (first["amount"], first["currency"], first["channel"]) == (9500.0, "EUR", "cash")
    assert first["ts"] == dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
    assert first["location_country"] == "GR"
    assert second["dst_account"] == "LYBANK:77-1"


def test_persons_entities_and_holdings(result):
    parties = {p["name"]: p for p in result.tables["parties"].to_pylist()}
    omar = parties["Omar Haddad"]
    assert omar["birth_date"] == dt.date(1985, 2, 3)
    assert (omar["id_document_type"], omar["id_document_number"]) == ("passport", "P1234567")
    assert omar["phone"] == "+306900000001"
    assert parties["Sahara Travel Ltd"]["kind"] == "organisation"
    assert len(parties) == 5  # the entity named twice is kept once
    roles = {
        (parties_by_id, h["account_id"], h["role"])
        for h in result.tables["holdings"].to_pylist()
        for parties_by_id in [next(p for p in parties if parties[p]["party_id"] == h["party_id"])]
    }
    assert ("Nikos Papas", "GR1601101250000000012300695", "owner") in roles
    assert ("Eleni Papa", "GR1601101250000000012300695", "signatory") in roles
    assert ("Sahara Travel Ltd", "LYBANK:77-1", "owner") in roles


def test_routing_legs_become_travel_paid_by_the_source(result):
    (leg,) = result.tables["travel"].to_pylist()
    assert (leg["origin"], leg["destination"], leg["mode"]) == ("IST", "ATH", "air")
    assert leg["traveller_name"] == "Amal Haddad"
    assert leg["traveller_document"] == "P7654321"
    assert leg["departure"] == dt.datetime(2024, 3, 2, 10, tzinfo=dt.UTC)
    assert leg["payer_account"] is None  # paid in cash: no account known
    assert leg["booking_ref"] == "GT-1"
    assert leg["record_id"] == "GT-1:1:1"  # booking, traveller, leg


def test_bad_transaction_is_quarantined_with_its_index(result):
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"], bad["value"]) == (3, "ts", "not-a-date")


def test_same_person_gets_the_same_id_in_two_reports(write):
    a = load_file(write("a.xml", GOAML), batch_id="a").tables["parties"]
    b = load_file(write("b.xml", GOAML.replace("GT-", "XX-")), batch_id="b").tables["parties"]
    assert a["party_id"].to_pylist() == b["party_id"].to_pylist()


def test_truncated_report_is_refused_naming_the_file(write):
    path = write("cut.xml", GOAML[: len(GOAML) // 2])
    with pytest.raises(InputError, match=r"cut\.xml.*not well-formed XML"):
        load_file(path, batch_id="b")


def test_report_without_transactions_is_refused(write):
    with pytest.raises(InputError, match="no transaction"):
        load_file(write("empty.xml", "<report><rentity_id>1</rentity_id></report>"), batch_id="b")


def test_holders_of_an_account_seen_first_without_them_are_kept(write):
    bare = "<to_account><iban>GR1601101250000000012300695</iban></to_account>"
    full = (
        "<from_account><iban>GR1601101250000000012300695</iban><signatory>"
        "<is_primary>true</is_primary><t_person><first_name>Nikos</first_name>"
        "<last_name>Papas</last_name></t_person></signatory></from_account>"
    )
    other = "<iban>DE89370400440532013000</iban>"
    xml = (
        "<report><transaction><transactionnumber>1</transactionnumber>"
        "<date_transaction>2024-01-01</date_transaction><amount_local>1</amount_local>"
        f"<t_from><from_account>{other}</from_account></t_from><t_to>{bare}</t_to>"
        "</transaction><transaction><transactionnumber>2</transactionnumber>"
        "<date_transaction>2024-01-02</date_transaction><amount_local>1</amount_local>"
        f"<t_from_my_client>{full}</t_from_my_client>"
        f"<t_to><to_account>{other}</to_account></t_to></transaction></report>"
    )
    result = load_file(write("r.xml", xml), batch_id="b")
    (holding,) = result.tables["holdings"].to_pylist()
    assert holding["account_id"] == "GR1601101250000000012300695"
    assert result.tables["parties"]["name"].to_pylist() == ["Nikos Papas"]
