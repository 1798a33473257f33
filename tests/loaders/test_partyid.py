"""Derived party ids are keyed (issue 17, item 2): goAML persons and entities, camt.053 and
pacs.008 parties get ``HMAC-SHA-256(pseudonym key, fields)``, so the same person has the same
id in every batch, but nobody holding a list of names can recompute the ids without the key
(as they could with the plain SHA-1 of name, birth date and document used before)."""

from __future__ import annotations

import hashlib

import pyarrow.compute as pc
import pytest

from loaders.partyid import keyed_id
from loaders.registry import load_file
from tests.loaders.goaml_sample import GOAML
from tests.loaders.iso_sample import CAMT053, PACS008

KEY = b"a-test-pseudonym-key-of-32-bytes"


def _sha1(*fields: str) -> str:
    return hashlib.sha1("\x1f".join(fields).encode("utf-8")).hexdigest()[:16]


def _parties(write, name: str, text: str, key: bytes | None = KEY):
    return load_file(write(name, text), batch_id=name, id_key=key).tables["parties"]


def _party(parties, name: str) -> str:
    (party_id,) = parties.filter(pc.equal(parties["name"], name))["party_id"].to_pylist()
    return party_id


def test_goaml_person_id_is_keyed_and_stable_across_batches(write):
    first = _parties(write, "a.xml", GOAML)
    second = _parties(write, "b.xml", GOAML.replace("GT-", "XX-"))  # another report
    omar = _party(first, "Omar Haddad")
    assert omar == _party(second, "Omar Haddad")
    # the fields an attacker could list: name, birth date, passport number
    fields = ("omar haddad", "1985-02-03", "p1234567")
    assert omar != "p-" + _sha1(*fields)  # the old, reversible id
    assert omar == "p-" + keyed_id(KEY, "\x1f".join(fields))
    assert omar != _party(_parties(write, "c.xml", GOAML, key=b"another-key-of-enough-length"),
                          "Omar Haddad")  # fmt: skip


@pytest.mark.parametrize(("sample", "name", "fields"), [
    (CAMT053, "Ali Demir", ("ali demir", "", "TR")),
])  # fmt: skip
def test_iso20022_party_id_is_keyed_and_stable(write, sample, name, fields):
    first = _parties(write, "s1.xml", sample)
    second = _parties(write, "s2.xml", sample)
    party = _party(first, name)
    assert party == _party(second, name)
    assert party[2:] != _sha1(*fields)
    assert party[2:] == keyed_id(KEY, "\x1f".join(fields))


def test_pacs008_party_ids_are_not_plain_sha1(write):
    parties = _parties(write, "p.xml", PACS008)
    assert parties.num_rows
    for row in parties.to_pylist():
        birth = row["birth_date"].isoformat() if row["birth_date"] else ""
        plain = _sha1(row["name"].lower(), birth, row["country"] or "")
        assert row["party_id"][2:] != plain
        assert row["party_id"][2:] == keyed_id(
            KEY, "\x1f".join((row["name"].lower(), birth, row["country"] or ""))
        )


def test_without_a_key_given_the_pseudonym_key_of_the_settings_is_used(write, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_PSEUDONYM_KEY", KEY.decode())
    assert _parties(write, "d.xml", GOAML, key=None).equals(_parties(write, "e.xml", GOAML))
