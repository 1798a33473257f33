"""Names across scripts: romanisation, token keys and the comparison entity resolution uses."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.detect import identity
from engine.detect.frame import fold
from engine.detect.names import TokenStats, name_key, name_tokens, romanise, similarity

NO_STATS = TokenStats([], [])


def _sim(a: str, b: str, stats: TokenStats = NO_STATS) -> float:
    return similarity(name_tokens(a), name_tokens(b), stats)


def test_fold_transliterates_instead_of_dropping_non_latin_letters():
    assert fold("محمد الأحمد") != ""
    assert fold("Мухаммед Алиев") == "mukhammed aliev"
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"  # Đ was dropped: 'nguyen van uc'
    assert fold("Straße 5") == "strasse 5"


@pytest.mark.parametrize(
    "variants",
    [
        ("Mohammed", "Muhammad", "Mohamed", "Mukhammed", "محمد", "Мухаммед", "መሐመድ"),
        ("Abd al-Rahman", "Abdulrahman", "Abdelrahman", "Abderrahmane", "عبد الرحمن"),
        ("Al-Ahmad", "El Ahmad", "Alahmad", "الأحمد"),
        ("Yusuf", "Youssef", "Yousef", "Youcef", "يوسف", "ዩሱፍ"),
        ("Fatima", "Fatimah", "فاطمة", "فاطمه"),
        ("Tesfaye", "ተስፋዬ"),
        ("Osman", "Othman", "Usman", "عثمان"),
    ],
)
def test_romanisations_and_scripts_of_one_name_share_a_key(variants):
    assert len({name_key(v) for v in variants}) == 1, {v: name_key(v) for v in variants}


def test_suffixes_the_skeleton_folds_are_told_apart():
    assert name_key("Rahim") == name_key("Rahimi")  # one skeleton, 'rhm' ...
    assert _sim("Rahim", "Rahimi") == 0.0  # ... but not one name (a typo match alone: no)
    assert _sim("Haddad", "Haddadi") == 0.0
    assert _sim("Thomas Rossi", "Smith Rossi") < 0.8  # one key (sms), unlike spellings


@pytest.mark.parametrize(
    "a, b",
    [
        ("AL HASSAN MUHAMMAD", "Mohammed Al-Hassan"),  # order swap, particle, romanisation
        ("محمد الحسن", "Mohammed Al-Hassan"),  # script
        ("SALEH Abdul Rahman", "Abderrahmane Saleh"),  # compound split, swapped
        ("Yonas Tesfa Mariam", "YONAS TESFAMARIAM"),  # compound joined
        ("ተስፋዬ ገብረመድህን", "Tesfaye Gebremedhin"),
        ("Петров Иван", "Ivan Petrov"),
        ("Nguyễn Văn Đức", "NGUYEN VAN DUC"),
        ("Lukas Müller", "LUKAS MULLER"),
    ],
)
def test_one_persons_name_in_other_writings_scores_one(a, b):
    assert _sim(a, b) == pytest.approx(1.0)


def test_names_sharing_no_token_score_zero_and_empty_names_never_match():
    assert _sim("محمد الأحمد", "خالد حسن") == 0.0
    assert _sim("???", "!!!") == 0.0
    assert romanise("???") == ""


def test_partial_names_and_initials_still_score_high():
    assert _sim("Mohammed Haddad", "Mohammed Ahmed Haddad") > 0.85
    assert _sim("M. HADDAD", "Mohammed Haddad") > 0.85


def test_a_single_common_token_never_decides_on_its_own():
    names = [name_tokens(n) for n in ["Mohammed Haddad", "Mohammed Saleh", "Mohammed Aziz"]]
    stats = TokenStats([*names, name_tokens("Khaled Nasser")], [400, 300, 300, 1])
    assert stats.common("mhmd") and not stats.common("nsr")
    assert _sim("Mohammed", "Mohammed Haddad", stats) <= 0.5
    rare = TokenStats(names, [1, 1, 1])  # the same token, rare in this data: no cap
    assert _sim("Mohammed", "Mohammed Haddad", rare) > 0.8


B1 = dt.date(1990, 4, 7)


def test_different_people_in_arabic_script_born_on_one_day_are_never_linked(world):
    """They used to fold to '' and score as equal names (0.90 > er_threshold)."""
    world.party("p1", "محمد الأحمد", birth_date=B1, nationality="SY")
    world.party("p2", "خالد حسن", birth_date=B1, nationality="SY")
    world.party("p3", "Мухаммед Алиев", birth_date=B1, nationality="RS")
    world.party("p4", "ተስፋዬ ገብረመድህን", birth_date=B1, nationality="ER")
    world.trip("r1", "يوسف منصور", "IST", "ATH", 1, traveller_birth_date=B1,
               traveller_nationality="SY")  # fmt: skip
    world.trip("r2", "Иван Петров", "BEG", "VIE", 1, traveller_birth_date=B1,
               traveller_nationality="RS")  # fmt: skip
    frame = world.frame()
    assert len(identity.resolve_travellers(frame).left) == 0
    assert len(identity.resolve_parties(frame).left) == 0


def test_the_same_person_across_scripts_is_linked(world):
    world.party("p1", "محمد الحسن", birth_date=B1, nationality="SY")
    world.party("p2", "ተስፋዬ ገብረመድህን", birth_date=dt.date(1988, 2, 1), nationality="ER")
    world.party("p3", "Иван Петров", birth_date=dt.date(1979, 9, 30), nationality="RS")
    world.party("p4", "Mohammed Al-Hassan", birth_date=B1, nationality="SY")  # 2nd KYC record
    world.trip("r1", "AL HASSAN MUHAMMAD", "IST", "ATH", 1, traveller_birth_date=B1,
               traveller_nationality="SY")  # fmt: skip
    world.trip("r2", "TESFAYE GEBREMEDHIN", "ADD", "KRT", 2,
               traveller_birth_date=dt.date(1988, 2, 1), traveller_nationality="ER")  # fmt: skip
    world.trip("r3", "PETROV IVAN", "BEG", "VIE", 3, traveller_birth_date=dt.date(1979, 9, 30),
               traveller_nationality="RS")  # fmt: skip
    frame = world.frame()
    links = identity.resolve_travellers(frame)
    got = {(int(a), int(b)) for a, b in zip(links.left, links.right, strict=True)}
    assert got == {(0, 0), (0, 3), (1, 1), (2, 2)}
    assert any("محمد الحسن" in e for e in links.evidence)  # evidence keeps the script
    same = identity.resolve_parties(frame)
    assert {(int(a), int(b)) for a, b in zip(same.left, same.right, strict=True)} == {(0, 3)}
