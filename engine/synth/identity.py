"""Messy identities: the same person under slightly different names, dates and documents.

Used twice: for second KYC records of people banking at two institutions
(:func:`duplicate_parties`) and for the traveller fields of every travel record
(:func:`manifest_identities`). Which record gets which noise is drawn vectorised from the
``Params.noise_*`` rates; only records with name noise pass through Python string code. Each
record keeps the list of noise kinds applied, so entity resolution can be scored per kind.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from engine.synth import names
from engine.synth.builder import NO_DATE, Builder

NAME_NOISE = ("translit", "ascii", "typo", "swap", "script", "partial")


@cache
def _has_variants(name: str) -> bool:
    return names.has_variants(name)


@cache
def _has_accents(name: str) -> bool:
    return names.strip_accents(name) != name


@cache
def _native(name: str, nationality: str | None) -> str | None:
    return names.native_name(name, nationality)


def _apply(
    first: str,
    father: str,
    last: str,
    kinds: tuple[str, ...],
    rng: np.random.Generator,
    nat: str | None,
    name_rng: np.random.Generator,
) -> tuple[str, tuple[str, ...]]:
    """The name with ``kinds`` of noise applied, and the kinds that could be.

    The romanisation noise draws from ``rng`` as it always did, whatever else applies; partial
    names and scripts draw from ``name_rng`` (the rest of the world stays as it was)."""
    roman_kinds = tuple(k for k in kinds if k not in ("script", "partial"))
    out = _romanised(first, last, roman_kinds, rng, father, name_rng)
    first = f"{first} {father}" if father else first
    if "partial" in kinds:
        first, last = names.partial(first, last, name_rng)
        out = _romanised(first, last, roman_kinds, name_rng)
    if "script" in kinds:
        first_n, last_n = _native(first, nat), _native(last, nat) if last else ""
        if first_n is not None and last_n is not None:  # native spelling: no romanisation noise
            kinds = tuple(k for k in kinds if k in ("script", "partial", "swap"))
            if "swap" in kinds:
                return f"{last_n} {first_n}".strip(), kinds
            return f"{first_n} {last_n}".strip(), kinds
        kinds = tuple(k for k in kinds if k != "script")
    return out, kinds


def _romanised(
    first: str,
    last: str,
    kinds: tuple[str, ...],
    rng: np.random.Generator,
    father: str = "",
    aside: np.random.Generator | None = None,
) -> str:
    """``first last`` with romanisation noise; a ``father``'s name (after the given name) is
    varied with ``aside``, so the draws from ``rng`` are those of a name without it."""
    if "translit" in kinds:
        first, last = names.transliterate(first, rng), names.transliterate(last, rng)
    if "ascii" in kinds:
        first, last = names.ascii_fold(first, rng), names.ascii_fold(last, rng)
    if "typo" in kinds:
        if rng.random() < 0.5:
            first = names.typo(first, rng)
        else:
            last = names.typo(last, rng)
    if father:
        aside = aside or rng
        if "translit" in kinds:
            father = names.transliterate(father, aside)
        if "ascii" in kinds:
            father = names.ascii_fold(father, aside)
        first = f"{first} {father}"
    if "swap" in kinds:
        return f"{last.upper() if rng.random() < 0.5 else last} {first}"
    return f"{first} {last}"


def noisy_names(
    b: Builder,
    first: np.ndarray,
    last: np.ndarray,
    boost: float = 1.0,
    nationality: np.ndarray | None = None,
    script: float = 0.0,
    kyc: np.ndarray | None = None,
    father: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Name variants of ``first last`` and the noise kinds applied (comma-joined, maybe empty).

    ``translit`` applies only to names with romanisation variants and ``ascii`` only to names
    with diacritics, at the configured rates; ``boost`` scales the other rates. ``script`` is
    the share written in the native script of ``nationality`` where it has one
    (:func:`engine.synth.names.native_name`). The ``script`` label means "written in another
    script than the person's KYC record ``kyc``" (romanised when the KYC record is native).
    """
    rng, p = b.rng, b.p
    n = len(first)
    u = np.concatenate([rng.random((4, n)), b.name_rng.random((2, n))])
    nat = np.full(n, None, object) if nationality is None else np.asarray(nationality, object)
    variants = np.fromiter(
        (_has_variants(f) or _has_variants(s) for f, s in zip(first, last, strict=True)), bool, n
    )
    accents = np.fromiter(
        (_has_accents(f) or _has_accents(s) for f, s in zip(first, last, strict=True)), bool, n
    )
    flags = np.stack(
        [
            variants & (u[0] < p.noise_translit * boost),
            accents & (u[1] < p.noise_ascii),
            u[2] < p.noise_typo * boost,
            u[3] < p.noise_swap * boost,
            (u[4] < script) & np.isin(nat, list(names.SCRIPT_OF)),
            u[5] < p.noise_partial * boost,
        ]
    )
    fathers = np.full(n, "", object) if father is None else np.where(father == None, "", father)  # noqa: E711
    out = first + " " + last
    has = fathers != ""
    out[has] = first[has] + " " + fathers[has] + " " + last[has]
    kyc_native = np.zeros(n, bool) if kyc is None else np.asarray(kyc, object) != out
    labels = np.full(n, "", dtype=object)
    for i in np.flatnonzero(flags.any(axis=0) | kyc_native):
        kinds = tuple(k for k, f in zip(NAME_NOISE, flags[:, i], strict=True) if f)
        out[i], kinds = _apply(first[i], fathers[i], last[i], kinds, rng, nat[i], b.name_rng)
        if ("script" in kinds) == kyc_native[i]:  # the KYC record's script: not a variant
            kinds = tuple(k for k in kinds if k != "script")
        elif kyc_native[i]:
            kinds = (*kinds, "script")
        labels[i] = ",".join(kinds)
    return out, labels


def noisy_births(b: Builder, birth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Birth dates as records carry them: some missing, some with day and month swapped."""
    rng, p = b.rng, b.p
    birth = np.asarray(birth, dtype=np.int64).copy()
    known = birth != NO_DATE
    u = rng.random(len(birth))
    missing = known & (u < p.noise_no_birth)
    dates = np.where(known, birth, 0).astype("datetime64[D]")
    month_start = dates.astype("datetime64[M]")
    year = dates.astype("datetime64[Y]")
    day = (dates - month_start).astype(np.int64) + 1
    month = (month_start - year.astype("datetime64[M]")).astype(np.int64) + 1
    swap = known & ~missing & (u < p.noise_no_birth + p.noise_birth_swap)
    swap &= (day <= 12) & (day != month)
    swapped = (year.astype("datetime64[M]") + (day - 1)).astype("datetime64[D]") + (month - 1)
    birth[swap] = swapped[swap].astype(np.int64)
    birth[missing] = NO_DATE
    labels = np.full(len(birth), "", dtype=object)
    labels[missing] = "no_birth"
    labels[swap] = "birth_swap"
    return birth, labels


def _join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    both = (a != "") & (b != "")
    out = a + b
    out[both] = a[both] + "," + b[both]
    return out


def duplicate_parties(b: Builder, parties: np.ndarray) -> np.ndarray:
    """Second KYC records (at another bank) of the people ``parties``; returns new indices."""
    rng = b.rng
    cols = {
        c: b.party_column(c)[parties]
        for c in ("first", "father", "last", "nationality", "doc_type", "doc_no", "phone", "email",
                  "address", "city", "country", "culture")
    }  # fmt: skip
    n = len(parties)
    name, name_noise = noisy_names(b, cols["first"], cols["last"], boost=1.5,
                                   nationality=cols["nationality"], script=b.p.script_kyc,
                                   kyc=b.party_column("name")[parties],
                                   father=cols["father"])  # fmt: skip
    birth, birth_noise = noisy_births(b, b.party_column("birth")[parties])
    drop_doc = rng.random(n) < 0.4
    new = b.add_parties(
        n,
        person=b.party_column("person")[parties],
        kind="person",
        first=cols["first"],
        father=cols["father"],
        last=cols["last"],
        name=name,
        birth=birth,
        nationality=cols["nationality"],
        doc_type=np.where(drop_doc, None, cols["doc_type"]),
        doc_no=np.where(drop_doc, None, cols["doc_no"]),
        phone=np.where(rng.random(n) < 0.5, cols["phone"], None),
        email=np.where(rng.random(n) < 0.3, cols["email"], None),
        address=cols["address"],
        city=cols["city"],
        country=cols["country"],
        culture=cols["culture"],
    )
    b.party_noise.append((new, _join(name_noise, birth_noise)))
    return new


def manifest_identities(
    b: Builder, persons: np.ndarray, modes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Traveller name, birth date, nationality and noise kinds for each travel record.

    Air manifests write names in capitals (not counted as noise); ``script_manifest`` of the
    records of people whose nationality writes another script are written in it.
    """
    first = b.party_column("first")[persons]
    last = b.party_column("last")[persons]
    nationality = b.party_column("nationality")[persons]
    name, name_noise = noisy_names(b, first, last, nationality=nationality,
                                   script=b.p.script_manifest,
                                   kyc=b.party_column("name")[persons],
                                   father=b.party_column("father")[persons])  # fmt: skip
    birth, birth_noise = noisy_births(b, b.party_column("birth")[persons])
    air = np.flatnonzero(modes == "air")
    name[air] = np.array([s.upper() for s in name[air]], dtype=object)
    return name, birth, nationality, _join(name_noise, birth_noise)
