"""Identities are noisy as configured, and the truth maps every travel record to its party."""

from __future__ import annotations

from engine.synth import generate
from engine.synth.names import strip_accents


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
    name_noise = ident.noise.fillna("").str.contains("translit|ascii|typo|swap").to_numpy()
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
                 noise_swap=0.0, noise_no_birth=0.0, noise_birth_swap=0.0)  # fmt: skip
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
