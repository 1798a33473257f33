"""Entity resolution and shared identifiers."""

from __future__ import annotations

import datetime as dt

import numpy as np

from engine.detect import identity

B1 = dt.date(1990, 4, 7)
B2 = dt.date(1985, 11, 23)


def _people(world):
    world.party("p1", "Mohammed Al-Hassan", birth_date=B1, nationality="SY",
                id_document_number="N1234567")  # fmt: skip
    world.party("p2", "Aminata Traoré", birth_date=B2, nationality="ML")
    world.party("p3", "Mohammed Haddad", birth_date=B1, nationality="SY")  # namesake-ish
    world.party("p4", "Lukas Müller", birth_date=dt.date(1970, 1, 2), nationality="DE")


def test_travellers_link_through_noise(world):
    _people(world)
    world.trip("r1", "AL HASSAN MUHAMMAD", "IST", "ATH", 1, traveller_birth_date=B1,
               traveller_nationality="SY")  # translit + swap + capitals  # fmt: skip
    world.trip("r2", "Aminata Traore", "BKO", "ALG", 2, traveller_nationality="ML")  # no birth
    world.trip("r3", "Aminata Traroé", "BKO", "ALG", 2, traveller_birth_date=B2)  # typo
    world.trip("r4", "Lukas Mueller", "FRA", "ATH", 3, traveller_birth_date=dt.date(1970, 2, 1))
    world.trip("r5", "Jan de Vries", "AMS", "ATH", 3, traveller_birth_date=B1)  # nobody known
    frame = world.frame()
    links = identity.resolve_travellers(frame)
    got = {(int(a), int(b)) for a, b in zip(links.left, links.right, strict=True)}
    assert got == {(0, 0), (1, 1), (2, 1), (3, 3)}
    assert np.all(links.score >= frame.config.er_threshold)
    assert all("name" in e for e in links.evidence)


def test_document_reuse_is_not_a_match_but_a_shared_identifier(world):
    _people(world)
    world.trip("r1", "Yonas Tekle", "ADD", "KRT", 1, traveller_document="N1234567",
               traveller_birth_date=B2)  # fmt: skip
    frame = world.frame()
    assert len(identity.resolve_travellers(frame).left) == 0
    hits = identity.shared_identifiers(frame)
    assert len(hits) == 1
    assert list(hits.parties_of(0)) == [0] and list(hits.recs_of(0)) == [0]


def test_shared_phone_under_different_names_but_not_a_family_address(world):
    world.party("a", "Ali Khan", phone="+49 170 1234567", address="Hauptstr 1 Berlin")
    world.party("b", "Omar Saleh", phone="0170 1234567", address="Ring 4 Berlin")
    world.party("c", "Maria Khan", address="Hauptstr 1 Berlin")  # family: same surname
    world.party("d", "Ali Khan", phone="+49 170 1234567")  # same person, second record
    frame = world.frame()
    hits = identity.shared_identifiers(frame)
    assert len(hits) == 1
    assert set(hits.parties_of(0)) == {0, 1, 3}


def test_party_duplicates_are_same_as(world):
    _people(world)
    world.party("p1b", "AL-HASSAN Mohamed", birth_date=B1, nationality="SY")
    links = identity.resolve_parties(world.frame())
    assert {(int(a), int(b)) for a, b in zip(links.left, links.right, strict=True)} == {(0, 4)}


def test_an_address_alone_is_not_a_shared_identifier(world):
    for i, name in enumerate(["Ali Khan", "Omar Saleh", "Jan de Vries", "Marta Nowak"]):
        world.party(f"p{i}", name, address="Hauptstr 1 Berlin")  # a flat share, a care home
    assert len(identity.shared_identifiers(world.frame())) == 0


def test_a_family_phone_is_not_a_shared_identifier_but_an_unrelated_one_is(world):
    world.party("a", "Ali Khan", phone="+49 170 1234567")
    world.party("b", "KHAN Maryam", phone="0170 1234567")  # his wife, name order swapped
    world.party("c", "Omar Saleh", phone="+49 171 7654321", address="Ring 4 Berlin")
    world.party("d", "Jan de Vries", phone="+49 171 7654321", address="Ring 4 Berlin")
    hits = identity.shared_identifiers(world.frame())
    assert len(hits) == 1
    assert set(hits.parties_of(0)) == {2, 3}
    # the shared address corroborates the phone: named in the evidence, adds strength
    assert hits.params["shared"] == ["phone=717654321; address=ring 4 berlin"]
    assert hits.strength[0] > identity.KIND_STRENGTH["phone"]


def test_one_persons_noisy_records_do_not_reuse_a_document(world):
    born = dt.date(1981, 5, 15)
    world.party("p1", "Salma El-Sayed", birth_date=born, id_document_number="AP4126122")
    for k, name in enumerate(["SALMA EL-SAYED", "SALMA ELSAYED", "ELSAYED Salma"]):
        world.trip(f"r{k}", name, "CAI", "IST", k, traveller_birth_date=born,
                   traveller_document="AP 412 6122")  # fmt: skip
    world.trip("r9", "Luwam Kidane", "CAI", "IST", 5, traveller_birth_date=dt.date(2004, 10, 3),
               traveller_document="AP4126122")  # a different person: this one is reuse  # fmt: skip
    hits = identity.shared_identifiers(world.frame())
    assert len(hits) == 1
    assert list(hits.recs_of(0)) == [0, 1, 2, 3]


def test_near_identical_names_without_a_link_are_still_one_person(world):
    world.party("p1", "Salma El-Sayed", birth_date=dt.date(1981, 5, 15), phone="0170 1234567")
    world.party("p2", "SALMA ELSAYED", birth_date=dt.date(1981, 5, 15), phone="0170 1234567")
    assert len(identity.shared_identifiers(world.frame())) == 0


def test_births_before_1970_are_known_dates(world):
    """A birth date before 1970 tells a namesake apart (it once counted as unknown)."""
    born = dt.date(1958, 6, 3)
    world.party("pa", "Hans Schmidt", birth_date=born, nationality="DE")
    world.party("pb", "Hans Schmidt", birth_date=dt.date(1962, 1, 20), nationality="DE")
    world.trip("r1", "Hans Schmidt", "FRA", "ATH", 1, traveller_birth_date=born,
               traveller_nationality="DE")  # fmt: skip
    world.trip("r2", "Hans Schmidt", "FRA", "ATH", 2, traveller_birth_date=dt.date(1958, 3, 6),
               traveller_nationality="DE")  # day and month swapped  # fmt: skip
    links = identity.resolve_travellers(world.frame())
    got = {(int(a), int(b)) for a, b in zip(links.left, links.right, strict=True)}
    assert got == {(0, 0), (1, 0)}
    assert all("birth unknown" not in e for e in links.evidence)
