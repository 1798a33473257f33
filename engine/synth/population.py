"""People and organisations: names, birth dates, documents, phones and addresses, vectorised.

Everything is drawn per name culture from small pools (``names.POOLS``), one numpy call per
culture, so half a million people take well under a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.synth import geo, names
from engine.synth.builder import EPOCH, Builder, _obj

STREETS: dict[str, tuple[str, ...]] = {
    "de": ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schulstraße", "Lindenallee"),
    "fr": ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire"),
    "it": ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Via Mazzini"),
    "es": ("Calle Mayor", "Avenida de la Constitución", "Calle Real", "Calle del Sol"),
    "gr": ("Odos Ermou", "Leoforos Syngrou", "Odos Athinas", "Odos Egnatia"),
    "nl": ("Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsstraat"),
    "en": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Main Street"),
    "balkan": ("Ulica Kralja Petra", "Bulevar Oslobođenja", "Ulica Slobode", "Strada Mare"),
    "tr": ("Atatürk Caddesi", "Cumhuriyet Caddesi", "İstiklal Caddesi", "Gazi Sokak"),
    "arab": ("Sharia al-Nasr", "Tariq al-Shatt", "Rue Habib Bourguiba", "Sharia al-Jumhuriya"),
}
_DEFAULT_STREETS = ("Main Road", "Market Street", "Station Road", "Central Avenue")


def _culture(nationality: np.ndarray, override: dict[str, str]) -> np.ndarray:
    lookup = {cc: v[2] for cc, v in geo.COUNTRIES.items()} | override
    return np.array([lookup[c] for c in nationality], dtype=object)


def _pick(pool: tuple[str, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def add_people(
    b: Builder,
    n: int,
    country: Any,
    nationality: Any = None,
    city: Any = None,
    age: tuple[int, int] = (18, 75),
    surname: Any = None,
    address: str | None = None,
    phone: str | None = None,
) -> np.ndarray:
    """Create ``n`` people living in ``country`` (scalars or arrays); returns party indices.

    ``surname``, ``address`` and ``phone`` force those values (a family, a shared flat).
    People of patronymic cultures often carry a father's name; ``namesake_share`` of them take
    the name and birth year of another person of their culture (a namesake, in the truth);
    ``script_kyc`` of the KYC records of people whose nationality writes another script are
    written in it.
    """
    rng = b.rng
    country = _obj(country, n)
    nationality = country.copy() if nationality is None else _obj(nationality, n)
    culture = _culture(nationality, names.CULTURE_OF)
    draw_as = _culture(nationality, {})  # the stream of ``rng`` as without CULTURE_OF
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    female = rng.random(n) < 0.5
    for cul in np.unique(draw_as):
        sel = np.flatnonzero(draw_as == cul)
        male_pool, female_pool, surnames = names.POOLS[cul]
        m = len(sel)
        first[sel] = np.where(female[sel], _pick(female_pool, m, rng), _pick(male_pool, m, rng))
        last[sel] = _pick(surnames, m, rng)
    for cul in np.unique(culture[culture != draw_as]):
        sel = np.flatnonzero(culture == cul)
        male_pool, female_pool, surnames = names.POOLS[cul]
        m, nr = len(sel), b.name_rng
        first[sel] = np.where(female[sel], _pick(female_pool, m, nr), _pick(male_pool, m, nr))
        last[sel] = _pick(surnames, m, nr)
    father = np.full(n, "", dtype=object)
    for cul in np.unique(culture):
        sel = np.flatnonzero(culture == cul)
        if cul in names.PATRONYMIC:
            sel = sel[b.name_rng.random(len(sel)) < 0.4]
            father[sel] = _pick(names.POOLS[cul][0], len(sel), b.name_rng)
    if surname is not None:
        given = _obj(surname, n)
        last = np.where(given == None, last, given)  # noqa: E711 - elementwise on objects
    start_year = b.p.start.year
    lo = (np.datetime64(f"{start_year - age[1]}-01-01") - np.datetime64(EPOCH)).astype(int)
    hi = (np.datetime64(f"{start_year - age[0]}-01-01") - np.datetime64(EPOCH)).astype(int)
    birth = rng.integers(lo, hi, n).astype(np.int32)
    if surname is None:  # a family's surname is given: no namesakes among relatives
        _namesakes(b, first, father, last, birth, culture)
    full = _kyc_names(b, _given(first, father), last, nationality)
    if city is None:
        city = np.empty(n, dtype=object)
        for cc in np.unique(country):
            sel = np.flatnonzero(country == cc)
            city[sel] = _pick(geo.cities(cc), len(sel), rng)
    phones = np.empty(n, dtype=object)
    street = np.empty(n, dtype=object)
    for cc in np.unique(country):
        sel = np.flatnonzero(country == cc)
        code = geo.COUNTRIES[cc][4]
        digits = rng.integers(100_000_000, 999_999_999, len(sel)).astype(str).astype(object)
        phones[sel] = f"+{code} " + digits
        street[sel] = _pick(STREETS.get(geo.COUNTRIES[cc][2], _DEFAULT_STREETS), len(sel), rng)
    number = rng.integers(1, 180, n).astype(str).astype(object)
    addresses = street + " " + number if address is None else _obj(address, n)
    if phone is not None:
        phones = _obj(phone, n)
    letters = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"), dtype=object)
    doc_no = (
        letters[rng.integers(0, len(letters), n)]
        + letters[rng.integers(0, len(letters), n)]
        + rng.integers(1_000_000, 9_999_999, n).astype(str).astype(object)
    )
    doc_type = np.where((nationality == country) & (rng.random(n) < 0.5), "id_card", "passport")
    email = np.empty(n, dtype=object)
    has_mail = np.flatnonzero(rng.random(n) < 0.6)
    for i in has_mail:  # cheap: ASCII folding of two short strings
        email[i] = (
            f"{names.strip_accents(first[i]).lower().replace(' ', '')}."
            f"{names.strip_accents(last[i]).lower().replace(' ', '').replace('-', '')}"
            f"{i % 97}@mail.example"
        )
    return b.add_parties(
        n,
        kind="person",
        first=first,
        father=father,
        last=last,
        name=full,
        birth=birth,
        nationality=nationality,
        doc_type=doc_type.astype(object),
        doc_no=doc_no,
        phone=phones,
        email=email,
        address=addresses,
        city=city,
        country=country,
        culture=culture,
    )


def _given(first: np.ndarray, father: np.ndarray) -> np.ndarray:
    """Given names with the father's name after them, where there is one."""
    out = first.copy()
    has = father != ""
    out[has] = first[has] + " " + father[has]
    return out


def _namesakes(b: Builder, first: np.ndarray, father: np.ndarray, last: np.ndarray,
               birth: np.ndarray, culture: np.ndarray) -> None:  # fmt: skip
    """Give ``namesake_share`` of the people (in place) the name and birth year of another of
    their culture in this call, keeping their own day of the year; noted for the truth."""
    rng = b.name_rng
    share = b.p.namesake_share
    if share <= 0 or len(first) < 2:
        return
    who, like = [], []
    # namesakes among names that draw the same romanisation noise: the world's other draws
    # stay as they were (the noise draws one number per token with variants)
    sig = np.array([f"{c}|{names.noise_signature(f)}|{names.noise_signature(la)}"
                    for c, f, la in zip(culture, first, last, strict=True)], object)  # fmt: skip
    for cul in np.unique(sig):
        sel = np.flatnonzero(sig == cul)
        k = int(rng.binomial(len(sel), share)) if len(sel) >= 2 else 0
        if not k:
            continue
        k = min(k, len(sel) // 2)
        pick = rng.choice(sel, 2 * k, replace=False)  # receivers and donors apart: no chains
        who.append(pick[:k])
        like.append(pick[k:])
    if not who:
        return
    r, d = np.concatenate(who), np.concatenate(like)
    first[r] = first[d]
    father[r] = father[d]
    last[r] = last[d]
    days = birth.astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    day_of_year = (days - years.astype("datetime64[D]")).astype(np.int64)
    moved = years[d].astype("datetime64[D]") + np.minimum(day_of_year[r], 364)
    birth[r] = moved.astype(np.int64).astype(np.int32)
    base = b.n_parties
    b.namesakes.append((base + r, base + d))


def _kyc_names(b: Builder, first: np.ndarray, last: np.ndarray,
               nationality: np.ndarray) -> np.ndarray:  # fmt: skip
    """KYC names: ``first last``, or in the native script of the nationality for
    ``script_kyc`` of the people whose nationality writes another script."""
    full = first + " " + last
    rate = b.p.script_kyc
    if rate <= 0:
        return full
    scripted = np.isin(nationality, list(names.SCRIPT_OF)) & (b.name_rng.random(len(first)) < rate)
    for i in np.flatnonzero(scripted):
        native = names.native_name(f"{first[i]} {last[i]}", nationality[i])
        if native is not None and nationality[i] != "VN":  # Vietnamese: the pool's own form
            full[i] = native
    return full


ORG_WORDS = {
    "retail": ("Market", "Shop", "Store", "Supermarket", "Bakery", "Pharmacy", "Kiosk"),
    "employer": ("Logistics", "Construction", "Engineering", "Foods", "Services", "Textiles"),
    "utility": ("Energy", "Water", "Telecom"),
    "landlord": ("Properties", "Real Estate", "Housing"),
    "airline": ("Airways", "Air"),
    "travel_agency": ("Travel", "Tours", "Voyages"),
    "transport": ("Transport", "Bus Lines", "Freight"),
    "money_transfer": ("Money Transfer", "Exchange", "Remit"),
    "hotel": ("Hotel", "Inn", "Residence"),
    "club": ("Football Club", "Sports Club"),
    "trading": ("Trading", "General Trading", "Import Export"),
    "salon": ("Beauty Salon", "Nail Studio", "Massage", "Wellness"),
}

_LEGAL = {"DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SARL", "BE": "SRL", "IT": "S.r.l.",
          "ES": "S.L.", "GB": "Ltd", "NL": "B.V.", "GR": "IKE", "TR": "Ltd. Şti.", "US": "LLC",
          "AE": "FZE", "MX": "S.A. de C.V."}  # fmt: skip


def add_orgs(b: Builder, n: int, country: Any, sector: str) -> np.ndarray:
    """Create ``n`` organisations of ``sector`` (a key of ORG_WORDS) in ``country``."""
    rng = b.rng
    country = _obj(country, n)
    city = np.empty(n, dtype=object)
    for cc in np.unique(country):
        sel = np.flatnonzero(country == cc)
        city[sel] = _pick(geo.cities(cc), len(sel), rng)
    word = _pick(ORG_WORDS[sector], n, rng)
    legal = np.array([_LEGAL.get(c, "Ltd") for c in country], dtype=object)
    stem = _pick(("Alpha", "Nova", "Star", "Golden", "Sun", "Atlas", "Delta", "Royal", "Prime",
                  "Union", "Green", "Blue", "Euro", "Global", "Crescent", "Oasis"), n, rng)  # fmt: skip
    name = city + " " + stem + " " + word + " " + legal
    return b.add_parties(
        n,
        kind="organisation",
        first=name,
        last="",
        name=name,
        nationality=None,
        address=_pick(_DEFAULT_STREETS, n, rng) + " " + rng.integers(1, 90, n).astype(str),
        city=city,
        country=country,
        phone=None,
        culture=sector,
    )


def residence_countries(b: Builder, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Countries of residence and nationalities of ``n`` ordinary customers (with diasporas)."""
    rng = b.rng
    codes = np.array(list(geo.RESIDENCE_WEIGHTS), dtype=object)
    w = np.array(list(geo.RESIDENCE_WEIGHTS.values()), dtype=float)
    country = codes[rng.choice(len(codes), n, p=w / w.sum())]
    nationality = country.copy()
    for cc, (share, origins) in geo.DIASPORA.items():
        sel = np.flatnonzero((country == cc) & (rng.random(n) < share))
        nationality[sel] = np.asarray(origins, dtype=object)[
            rng.integers(0, len(origins), len(sel))
        ]
    return country, nationality
