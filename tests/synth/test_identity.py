"""Identities are noisy as configured, and the truth maps every travel record to its party."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.detect.names import name_key
from engine.synth import generate
from engine.synth.names import SCRIPT_OF, native_name, strip_accents

_NON_LATIN = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u1200-\u137f]")


def test_every_travel_record_has_a_true_party(frames):
    ident = frames["truth_identities"]
    assert set(ident.record_id) == set(frames["travel"].record_id)
    assert set(ident.party_id) <= set(frames["parties"].party_id)


def _differs(frames):
    travel = frames["travel"].set_index("record_id")
    parties = frames["parties"].set_index("party_id")
    ident = frames["truth_identities"].set_index("record_id")
    manifest = travel.loc[ident.index, "traveller_name"].str.upper()
    kyc = parties.loc[ident.party_id, "name"].str.upper().to_numpy()
    return manifest.to_numpy() != kyc, ident


def test_names_on_manifests_differ_from_kyc_in_a_share_of_records(frames):
    differs, ident = _differs(frames)
    noisy = ident.noise.fillna("").str.len().to_numpy() > 0
    assert 0.1 < differs.mean() < 0.7
    # a record without name noise carries the KYC spelling (upper-cased on air manifests)
    kinds = "translit|ascii|typo|swap|script|partial"
    name_noise = ident.noise.fillna("").str.contains(kinds).to_numpy()
    assert not (differs & ~name_noise).any()
    assert noisy.sum() >= differs.sum()


def test_noise_rates_follow_the_parameters(frames):
    noise = frames["truth_identities"].noise.fillna("")
    birth = frames["travel"].set_index("record_id").loc[frames["truth_identities"].record_id]
    missing = birth.traveller_birth_date.isna().mean()
    assert 0.04 < missing < 0.2  # noise_no_birth = 0.10
    assert 0.07 < noise.str.contains("swap").mean() < 0.25  # noise_swap = 0.15


def test_no_noise_means_exact_copies():
    w = generate("tiny", seed=4, noise_translit=0.0, noise_ascii=0.0, noise_typo=0.0,
                 noise_swap=0.0, noise_no_birth=0.0, noise_birth_swap=0.0, noise_partial=0.0,
                 script_manifest=0.0, script_kyc=0.0)  # fmt: skip
    frames = {
        "travel": w.tables["travel"].to_pandas(),
        "parties": w.tables["parties"].to_pandas(),
        "truth_identities": w.truth["identities"].to_pandas(),
    }
    differs, _ = _differs(frames)
    assert not differs.any()


def test_duplicate_kyc_records_point_to_the_same_person(frames):
    dup = frames["truth_party_identities"]
    parties = frames["parties"].set_index("party_id")
    assert len(dup) > 5
    assert (dup.party_id != dup.same_person_as).all()
    a = parties.loc[dup.party_id, "name"].map(strip_accents).str.lower().str.split().map(set)
    b = parties.loc[dup.same_person_as, "name"].map(strip_accents).str.lower().str.split().map(set)
    overlap = [len(x & y) > 0 for x, y in zip(a, b, strict=True)]
    assert sum(overlap) >= 0.6 * len(dup)


@pytest.fixture(scope="module")
def scripted():
    """A small world with many people of the corridors' countries (their manifests and KYC
    records are where the scripts are)."""
    w = generate("small", seed=3)
    return {name: t.to_pandas() for name, t in w.tables.items()} | {
        f"truth_{name}": t.to_pandas() for name, t in w.truth.items()
    }


def test_names_are_written_in_the_scripts_of_the_nationalities(scripted):
    parties, travel = scripted["parties"], scripted["travel"]
    for frame, name, nat, rate in ((parties, "name", "nationality", 0.3),
                                   (travel, "traveller_name", "traveller_nationality", 0.3)):  # fmt: skip
        native = frame[name].fillna("").map(lambda n: bool(_NON_LATIN.search(n)))
        scripted_nat = frame[nat].isin([c for c, s in SCRIPT_OF.items() if s != "vietnamese"])
        assert not (native & ~scripted_nat).any()  # only where the nationality writes one
        share = native[scripted_nat].mean()
        assert 0.5 * rate < share < 1.5 * rate, share
    # 'script' marks a record written in another script than the person's KYC record
    ident = scripted["truth_identities"].set_index("record_id")
    kyc = parties.set_index("party_id")["name"]
    rec = travel.set_index("record_id")["traveller_name"]
    form = lambda s: s.fillna("").map(lambda n: bool(_NON_LATIN.search(n))).to_numpy()  # noqa: E731
    differ = form(rec.loc[ident.index]) != form(kyc.loc[ident.party_id])
    labelled = ident.noise.fillna("").str.contains("script").to_numpy()
    assert differ.sum() > 50 and (differ == labelled).all()


def test_native_spellings():
    assert native_name("Marko Petrović", "RS") == "Марко Петровић"
    assert native_name("Mohammed Al-Hassan", "SY") == "محمد الحسن"
    assert native_name("Tesfaye Kidane", "ER") == "ተስፋዬ ኪዳነ"
    assert native_name("Mohammed Al-Hassan", "DE") is None  # Latin script at home
    assert native_name("Abdi Warsame", "ET") is None  # Somali names: no Ge'ez spelling here


def test_namesakes_share_a_name_and_a_birth_year_but_are_other_people(scripted):
    sakes = scripted["truth_namesakes"]
    parties = scripted["parties"].set_index("party_id")
    assert len(sakes) > 20
    a, b = parties.loc[sakes.party_id], parties.loc[sakes.namesake_of]
    assert (sakes.party_id.to_numpy() != sakes.namesake_of.to_numpy()).all()
    assert (a.id_document_number.to_numpy() != b.id_document_number.to_numpy()).all()
    year = lambda d: d.map(lambda x: x.year).to_numpy()  # noqa: E731
    assert (year(a.birth_date) == year(b.birth_date)).all()
    same = [name_key(x) == name_key(y) for x, y in zip(a.name, b.name, strict=True)]
    assert np.mean(same) == 1.0  # in one script or two


def test_partial_names_keep_part_of_the_name(scripted):
    ident = scripted["truth_identities"]
    part = ident[ident.noise.fillna("").str.contains("partial")]
    assert len(part) > 20
    travel = scripted["travel"].set_index("record_id")
    names = travel.loc[part.record_id, "traveller_name"]
    assert names.str.contains(r"\.").mean() > 0.2  # initials
