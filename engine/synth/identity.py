"""Messy identities: the same person under slightly different names, dates and documents.

Used twice: for second KYC records of people banking at two institutions
(:func:`duplicate_parties`) and for the traveller fields of every travel record
(:func:`manifest_identities`). Each noisy record keeps the list of noise kinds applied, so the
ground truth can score entity resolution per kind (see :mod:`engine.synth.names`).
"""

from __future__ import annotations

import numpy as np

from engine.synth import names
from engine.synth.builder import Builder
from engine.synth.params import Params


def noisy_name(
    first: str, last: str, rng: np.random.Generator, p: Params, boost: float = 1.0
) -> tuple[str, list[str]]:
    """A variant of ``first last`` and the noise kinds applied (possibly none)."""
    kinds: list[str] = []
    translit = names.has_variants(first) or names.has_variants(last)
    if translit and rng.random() < p.noise_translit * boost:
        first, last = names.transliterate(first, rng), names.transliterate(last, rng)
        kinds.append("translit")
    if names.strip_accents(first + last) != first + last and rng.random() < p.noise_ascii:
        first, last = names.ascii_fold(first, rng), names.ascii_fold(last, rng)
        kinds.append("ascii")
    if rng.random() < p.noise_typo * boost:
        if rng.random() < 0.5:
            first = names.typo(first, rng)
        else:
            last = names.typo(last, rng)
        kinds.append("typo")
    if rng.random() < p.noise_swap * boost:
        kinds.append("swap")
        return f"{last.upper() if rng.random() < 0.5 else last} {first}", kinds
    return f"{first} {last}", kinds


def noisy_birth(birth: int, rng: np.random.Generator, p: Params) -> tuple[int, list[str]]:
    """A birth date (days since 1970) as a record might carry it: missing or day/month swapped."""
    if birth < 0:
        return birth, []
    u = rng.random()
    if u < p.noise_no_birth:
        return -1, ["no_birth"]
    if u < p.noise_no_birth + p.noise_birth_swap:
        d = np.datetime64(int(birth), "D").astype(object)
        if d.day <= 12 and d.day != d.month:
            swapped = d.replace(month=d.day, day=d.month)
            return int((np.datetime64(swapped) - np.datetime64("1970-01-01")).astype(int)), [
                "birth_swap"
            ]
    return birth, []


def duplicate_parties(b: Builder, parties: np.ndarray) -> np.ndarray:
    """Second KYC records (at another bank) of the people ``parties``; returns new indices."""
    rng, p = b.rng, b.p
    cols = {
        c: b.party_column(c)[parties]
        for c in (
            "first",
            "last",
            "nationality",
            "doc_type",
            "doc_no",
            "phone",
            "email",
            "address",
            "city",
            "country",
            "culture",
        )
    }
    birth = b.party_column("birth")[parties]
    person = b.party_column("person")[parties]
    n = len(parties)
    name = np.empty(n, dtype=object)
    new_birth = birth.copy()
    noise = np.empty(n, dtype=object)
    for i in range(n):
        nm, kinds = noisy_name(cols["first"][i], cols["last"][i], rng, p, boost=1.5)
        bd, more = noisy_birth(int(birth[i]), rng, p)
        name[i], new_birth[i] = nm, bd
        noise[i] = ",".join(kinds + more)
    drop_doc = rng.random(n) < 0.4
    doc_no = np.where(drop_doc, None, cols["doc_no"])
    new = b.add_parties(
        n,
        person=person,
        kind="person",
        first=cols["first"],
        last=cols["last"],
        name=name,
        birth=new_birth,
        nationality=cols["nationality"],
        doc_type=np.where(drop_doc, None, cols["doc_type"]),
        doc_no=doc_no,
        phone=np.where(rng.random(n) < 0.5, cols["phone"], None),
        email=np.where(rng.random(n) < 0.3, cols["email"], None),
        address=cols["address"],
        city=cols["city"],
        country=cols["country"],
        culture=cols["culture"],
    )
    b.party_noise.append((new, noise))
    return new


def manifest_identities(
    b: Builder, persons: np.ndarray, modes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Traveller name, birth date, nationality and noise kinds for each travel record.

    Air manifests write names in capitals. Noise is applied with the ``Params.noise_*`` rates.
    """
    rng, p = b.rng, b.p
    first = b.party_column("first")[persons]
    last = b.party_column("last")[persons]
    birth = b.party_column("birth")[persons].astype(np.int64)
    n = len(persons)
    names_out = np.empty(n, dtype=object)
    noise = np.empty(n, dtype=object)
    noise[:] = ""
    for i in range(n):
        nm, kinds = noisy_name(first[i], last[i], rng, p)
        bd, more = noisy_birth(int(birth[i]), rng, p)
        names_out[i], birth[i] = nm, bd
        noise[i] = ",".join(kinds + more)
    air = modes == "air"
    if air.any():
        names_out[air] = np.array([s.upper() for s in names_out[air]], dtype=object)
    nationality = b.party_column("nationality")[persons]
    return names_out, birth, nationality, noise
