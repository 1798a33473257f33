"""ISO 20022 camt.053 statements and pacs.008 credit transfers."""

from __future__ import annotations

import datetime as dt

from loaders.registry import load_file, sniff_xml
from tests.loaders.iso_sample import CAMT053, PACS008

OWN = "DE89370400440532013000"


def test_camt053_entries_credits_debits_and_batch_bookings(write):
    result = load_file(write("statement.xml", CAMT053), batch_id="b")
    assert (result.format, result.kind) == ("camt053", "transactions")
    tx = {t["tx_id"]: t for t in result.tables["transactions"].to_pylist()}
    assert set(tx) == {"REF-1", "REF-2", "B-1", "B-2"}
    assert (tx["REF-1"]["src_account"], tx["REF-1"]["dst_account"]) == (
        "TR330006100519786457841326",
        OWN,
    )
    assert tx["REF-1"]["reference"] == "invoice 7"
    assert tx["REF-1"]["ts"] == dt.datetime(2024, 3, 28, tzinfo=dt.UTC)
    # A cash withdrawal without a counterparty goes to the CASH placeholder, at UTC time.
    assert (tx["REF-2"]["src_account"], tx["REF-2"]["dst_account"]) == (OWN, "CASH")
    assert tx["REF-2"]["channel"] == "cash"
    assert tx["REF-2"]["ts"] == dt.datetime(2024, 3, 29, 14, tzinfo=dt.UTC)
    # A batch booking is split into its transactions, with their own amounts.
    assert (tx["B-1"]["amount"], tx["B-2"]["amount"]) == (100.0, 200.0)
    assert tx["B-2"]["dst_account"] == "LY-7789"
    (bad,) = result.rejected.to_pylist()
    assert (bad["row"], bad["field"], bad["value"]) == (4, "amount", "12,50")
    owners = result.tables["holdings"].to_pylist()
    assert {h["account_id"] for h in owners} == {OWN, "TR330006100519786457841326"}
    parties = result.tables["parties"].to_pylist()
    kinds = {p["name"]: p["kind"] for p in parties}
    assert kinds == {"Kara Import GmbH": "organisation", "Ali Demir": "person"}


def test_pacs008_transfers(write):
    result = load_file(write("pacs.xml", PACS008), batch_id="b")
    assert result.format == "pacs008"
    (tx,) = result.tables["transactions"].to_pylist()
    assert tx["tx_id"] == "8a562c67-ca16-48ba-b074-65581be6f011"
    assert (tx["src_account"], tx["dst_account"], tx["currency"]) == ("US-1", "MX-9", "USD")
    assert tx["amount_base"] == 1000.0 * 0.92
    assert tx["ts"] == dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    accounts = {a["account_id"]: a for a in result.tables["accounts"].to_pylist()}
    assert accounts["US-1"]["institution"] == "BOFAUS3NXXX"
    assert accounts["US-1"]["country"] is None  # not an IBAN: no country guessed
    assert result.rejected["reason"].to_pylist() == ["not a number"]


def test_sniffing_by_root_and_namespace():
    assert sniff_xml(CAMT053.encode()) == "camt053"
    assert sniff_xml(PACS008.encode()) == "pacs008"
    assert sniff_xml(b"<?xml version='1.0'?><!-- c --><report>") == "goaml"
    assert sniff_xml(b"<html><body/></html>") is None
