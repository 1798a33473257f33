"""Geography of the synthetic world: countries, currencies, banks, places and smuggling routes.

The places (airports, seaports, border-crossing points) ship as ``places.csv`` next to this
module so the dashboard's map can draw the same points; airports carry their IATA code, other
places a UN/LOCODE-style five-character code (country + three letters).

Routes follow the corridors of the UNODC Global Study on Smuggling of Migrants and Frontex's
route names (see ``shared/domain.md``): each is an ordered list of waypoints, the transport mode
of the leg that reaches it, and which waypoints are collection hubs.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: code: (name, currency, name culture, IBAN length or 0, calling code)
COUNTRIES: dict[str, tuple[str, str, str, int, str]] = {
    "DE": ("Germany", "EUR", "de", 22, "49"),
    "FR": ("France", "EUR", "fr", 27, "33"),
    "IT": ("Italy", "EUR", "it", 27, "39"),
    "ES": ("Spain", "EUR", "es", 24, "34"),
    "GR": ("Greece", "EUR", "gr", 27, "30"),
    "NL": ("Netherlands", "EUR", "nl", 18, "31"),
    "BE": ("Belgium", "EUR", "fr", 16, "32"),
    "AT": ("Austria", "EUR", "de", 20, "43"),
    "LU": ("Luxembourg", "EUR", "fr", 20, "352"),
    "MT": ("Malta", "EUR", "en", 31, "356"),
    "CY": ("Cyprus", "EUR", "gr", 28, "357"),
    "HR": ("Croatia", "EUR", "balkan", 21, "385"),
    "GB": ("United Kingdom", "GBP", "en", 22, "44"),
    "CH": ("Switzerland", "CHF", "de", 21, "41"),
    "PL": ("Poland", "PLN", "balkan", 28, "48"),
    "RO": ("Romania", "RON", "balkan", 24, "40"),
    "BG": ("Bulgaria", "BGN", "balkan", 22, "359"),
    "HU": ("Hungary", "HUF", "balkan", 28, "36"),
    "RS": ("Serbia", "RSD", "balkan", 22, "381"),
    "MK": ("North Macedonia", "MKD", "balkan", 19, "389"),
    "BA": ("Bosnia and Herzegovina", "BAM", "balkan", 20, "387"),
    "TR": ("Turkey", "TRY", "tr", 26, "90"),
    "US": ("United States", "USD", "en", 0, "1"),
    "MX": ("Mexico", "MXN", "latin", 0, "52"),
    "GT": ("Guatemala", "GTQ", "latin", 28, "502"),
    "HN": ("Honduras", "HNL", "latin", 0, "504"),
    "SV": ("El Salvador", "USD", "latin", 28, "503"),
    "VE": ("Venezuela", "VES", "latin", 0, "58"),
    "HT": ("Haiti", "HTG", "haiti", 0, "509"),
    "NG": ("Nigeria", "NGN", "west_africa", 0, "234"),
    "GH": ("Ghana", "GHS", "west_africa", 0, "233"),
    "SN": ("Senegal", "XOF", "west_africa", 28, "221"),
    "ML": ("Mali", "XOF", "west_africa", 28, "223"),
    "GN": ("Guinea", "GNF", "west_africa", 0, "224"),
    "NE": ("Niger", "XOF", "west_africa", 28, "227"),
    "MR": ("Mauritania", "MRU", "arab", 27, "222"),
    "LY": ("Libya", "LYD", "arab", 25, "218"),
    "TN": ("Tunisia", "TND", "arab", 24, "216"),
    "MA": ("Morocco", "MAD", "arab", 0, "212"),
    "DZ": ("Algeria", "DZD", "arab", 0, "213"),
    "EG": ("Egypt", "EGP", "arab", 29, "20"),
    "SD": ("Sudan", "SDG", "arab", 18, "249"),
    "SY": ("Syria", "SYP", "arab", 0, "963"),
    "IQ": ("Iraq", "IQD", "arab", 23, "964"),
    "AE": ("United Arab Emirates", "AED", "arab", 23, "971"),
    "SA": ("Saudi Arabia", "SAR", "arab", 24, "966"),
    "YE": ("Yemen", "YER", "arab", 0, "967"),
    "ET": ("Ethiopia", "ETB", "horn", 0, "251"),
    "ER": ("Eritrea", "ERN", "horn", 0, "291"),
    "SO": ("Somalia", "SOS", "horn", 0, "252"),
    "DJ": ("Djibouti", "DJF", "horn", 27, "253"),
    "KE": ("Kenya", "KES", "east_africa", 0, "254"),
    "TZ": ("Tanzania", "TZS", "east_africa", 0, "255"),
    "MZ": ("Mozambique", "MZN", "east_africa", 25, "258"),
    "ZA": ("South Africa", "ZAR", "en", 0, "27"),
    "AF": ("Afghanistan", "AFN", "south_asia", 0, "93"),
    "PK": ("Pakistan", "PKR", "south_asia", 24, "92"),
    "IR": ("Iran", "IRR", "south_asia", 26, "98"),
    "BD": ("Bangladesh", "BDT", "bengal", 0, "880"),
    "MM": ("Myanmar", "MMK", "sea", 0, "95"),
    "TH": ("Thailand", "THB", "sea", 0, "66"),
    "MY": ("Malaysia", "MYR", "sea", 0, "60"),
    "ID": ("Indonesia", "IDR", "sea", 0, "62"),
    "VN": ("Vietnam", "VND", "sea", 0, "84"),
}

#: Value of one unit of each currency in EUR (fixed rates; the base currency is EUR).
FX_EUR: dict[str, float] = {
    "EUR": 1.0, "GBP": 1.17, "CHF": 1.05, "PLN": 0.23, "RON": 0.20, "BGN": 0.51,
    "HUF": 0.0025, "RSD": 0.0085, "MKD": 0.016, "BAM": 0.51, "TRY": 0.027, "USD": 0.92,
    "MXN": 0.050, "GTQ": 0.12, "HNL": 0.037, "VES": 0.025, "HTG": 0.0070, "NGN": 0.00060,
    "GHS": 0.060, "XOF": 0.0015, "GNF": 0.00011, "MRU": 0.023, "LYD": 0.19, "TND": 0.30,
    "MAD": 0.093, "DZD": 0.0069, "EGP": 0.019, "SDG": 0.0015, "SYP": 0.00007,
    "IQD": 0.0007, "AED": 0.25, "SAR": 0.245, "YER": 0.0037, "ETB": 0.0070, "ERN": 0.061,
    "SOS": 0.0016, "DJF": 0.0052, "KES": 0.0071, "TZS": 0.00035, "MZN": 0.0144,
    "ZAR": 0.050, "AFN": 0.013, "PKR": 0.0033, "IRR": 0.000022, "BDT": 0.0077,
    "MMK": 0.00044, "THB": 0.026, "MYR": 0.20, "IDR": 0.000057, "VND": 0.000037,
}  # fmt: skip

#: Where ordinary customers live (relative weights).
RESIDENCE_WEIGHTS: dict[str, float] = {
    "DE": 18, "FR": 12, "IT": 11, "ES": 9, "GB": 9, "NL": 5, "GR": 4, "BE": 3, "AT": 3,
    "CH": 2, "LU": 0.5, "MT": 0.5, "CY": 0.5, "HR": 1, "PL": 3, "RO": 2, "BG": 1, "HU": 1,
    "RS": 1, "MK": 0.4, "BA": 0.4, "TR": 4, "US": 4, "MX": 1.5, "AE": 1, "SA": 0.5,
    "MA": 0.8, "TN": 0.6, "LY": 0.4, "EG": 0.6, "NG": 0.6, "SN": 0.4, "KE": 0.3, "ZA": 0.4,
    "PK": 0.5, "TH": 0.4, "MY": 0.4, "GT": 0.3, "HN": 0.2, "IQ": 0.3,
}  # fmt: skip

#: Diaspora corridors: residents of a country who hold another nationality (share, origins).
DIASPORA: dict[str, tuple[float, tuple[str, ...]]] = {
    "DE": (0.10, ("TR", "SY", "AF", "IQ", "ER", "NG")),
    "FR": (0.10, ("MA", "DZ", "TN", "SN", "ML", "HT")),
    "IT": (0.09, ("NG", "SN", "MA", "TN", "BD", "EG")),
    "ES": (0.10, ("MA", "SN", "VE", "HN")),
    "GB": (0.10, ("PK", "BD", "NG", "SO", "IQ", "AF")),
    "NL": (0.08, ("MA", "SO", "ER", "SY")),
    "BE": (0.08, ("MA", "SY", "DZ")),
    "AT": (0.08, ("AF", "SY", "TR")),
    "GR": (0.06, ("AF", "SY", "PK", "IQ")),
    "US": (0.12, ("MX", "GT", "HN", "SV", "HT", "VE")),
    "AE": (0.40, ("PK", "BD", "ET", "EG")),
    "SA": (0.20, ("ET", "YE", "BD", "PK")),
    "ZA": (0.05, ("ET", "SO", "MZ")),
    "MY": (0.10, ("MM", "BD", "ID")),
    "TR": (0.05, ("SY", "AF", "IQ")),
}

_BANK_WORDS = ("Commercial", "Savings", "Cooperative", "Union", "National", "Merchant")


@dataclass(frozen=True)
class Institution:
    """A bank: name, BIC and the bank code used inside its account numbers."""

    name: str
    bic: str
    country: str
    bank_code: str
    date_only: bool  # exports only dates (midnight timestamps), as many real sources do


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    city: str
    country: str
    kind: str
    lat: float
    lon: float


@cache
def places() -> dict[str, Place]:
    """The places of ``places.csv``, by code."""
    text = resources.files("engine.synth").joinpath("places.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return {
        r["code"]: Place(
            r["code"],
            r["name"],
            r["city"],
            r["country"],
            r["kind"],
            float(r["lat"]),
            float(r["lon"]),
        )
        for r in rows
    }


@cache
def cities(country: str) -> tuple[str, ...]:
    """Distinct cities with a place in ``country`` (where its residents live and bank)."""
    seen: dict[str, None] = {}
    for p in places().values():
        if p.country == country:
            seen.setdefault(p.city, None)
    return tuple(seen) or (COUNTRIES[country][0],)


@cache
def airports(country: str) -> tuple[str, ...]:
    return tuple(p.code for p in places().values() if p.country == country and p.kind == "airport")


def _stable(text: str) -> int:
    return zlib.crc32(text.encode())


def institutions(date_only_share: float) -> list[Institution]:
    """Two to four banks per country, deterministic; ``date_only_share`` of them export dates only."""
    out: list[Institution] = []
    for cc, (name, _cur, _cul, iban_len, _cc) in COUNTRIES.items():
        n = 4 if RESIDENCE_WEIGHTS.get(cc, 0) >= 3 else 2
        for i in range(n):
            word = _BANK_WORDS[(_stable(cc) + i) % len(_BANK_WORDS)]
            city = cities(cc)[i % len(cities(cc))]
            bank = f"{city} {word} Bank" if i % 2 else f"{name} {word} Bank"
            h = _stable(bank)
            letters = "".join(chr(65 + (h >> (5 * k)) % 26) for k in range(4))
            bic = f"{letters}{cc}{chr(65 + h % 26)}{(h >> 7) % 10}"
            letter_codes = cc in ("GB", "NL", "MT") and iban_len
            code = letters if letter_codes else f"{h % 10**5:05d}"
            date_only = (h % 1000) / 1000.0 < date_only_share
            out.append(Institution(bank, bic, cc, code, date_only))
    return out


@dataclass(frozen=True)
class Route:
    """A smuggling corridor: waypoints (place codes) and the mode of the leg reaching each."""

    name: str
    origins: tuple[str, ...]  # nationalities of the migrants
    start: dict[str, str]  # origin country -> first place (airport)
    waypoints: tuple[tuple[str, str], ...]  # (place code, mode of the leg that reaches it)
    hubs: tuple[str, ...]  # waypoints where collectors sit
    fee_eur: tuple[float, float]
    broker_city: str  # where the hawala-style broker sits (place code)
    diaspora: tuple[str, ...]  # countries where paying relatives live


ROUTES: tuple[Route, ...] = (
    Route(
        "central_mediterranean", ("NG", "GH", "SN", "ML"),
        {"NG": "LOS", "GH": "ACC", "SN": "DSS", "ML": "BKO"},
        (("NIM", "air"), ("AJY", "bus"), ("NETUM", "car"), ("SEB", "car"), ("MJI", "car"),
         ("LYZUW", "car"), ("ITLMP", "boat"), ("CTA", "boat")),
        ("AJY", "SEB", "MJI"), (4000, 7000), "DXB", ("IT", "FR", "DE", "GB"),
    ),
    Route(
        "eastern_mediterranean", ("AF", "SY", "IQ", "PK"),
        {"AF": "KBL", "SY": "DAM", "IQ": "BGW", "PK": "ISB"},
        (("MHD", "air"), ("IRBAZ", "bus"), ("VAN", "bus"), ("IST", "bus"), ("TRAYV", "bus"),
         ("GRMJT", "boat"), ("GRPIR", "boat"), ("FRA", "air")),
        ("VAN", "IST", "TRAYV", "GRPIR"), (6000, 12000), "IST", ("DE", "AT", "GB", "NL", "GR"),
    ),
    Route(
        "western_balkans", ("AF", "SY", "PK", "MA"),
        {"AF": "ATH", "SY": "ATH", "PK": "ATH", "MA": "ATH"},
        (("SKG", "bus"), ("GREVZ", "car"), ("SKP", "car"), ("MKTAB", "car"), ("BEG", "car"),
         ("RSHOR", "foot"), ("BUD", "car"), ("ATNIC", "car"), ("VIE", "car"), ("MUC", "rail")),
        ("SKG", "SKP", "BEG", "BUD"), (2500, 5000), "VIE", ("DE", "AT", "NL", "BE"),
    ),
    Route(
        "western_mediterranean", ("MA", "DZ", "SN", "GN"),
        {"MA": "CMN", "DZ": "ALG", "SN": "DSS", "GN": "CKY"},
        (("CMN", "air"), ("MANDR", "bus"), ("ESALM", "boat"), ("LEI", "car"), ("MAD", "bus")),
        ("CMN", "MANDR", "LEI"), (1500, 4000), "CMN", ("ES", "FR", "BE", "IT"),
    ),
    Route(
        "english_channel", ("AF", "IQ", "ER", "SO"),
        {"AF": "CDG", "IQ": "CDG", "ER": "CDG", "SO": "CDG"},
        (("LIL", "rail"), ("FRDKK", "car"), ("FRCQF", "car"), ("GBDVR", "boat"), ("LHR", "car")),
        ("LIL", "FRDKK", "FRCQF"), (2500, 6000), "BHX", ("GB",),
    ),
    Route(
        "americas", ("GT", "HN", "SV", "VE", "HT"),
        {"GT": "GUA", "HN": "SAP", "SV": "SAL", "VE": "CCS", "HT": "PAP"},
        (("MXCHD", "bus"), ("TAP", "bus"), ("MEX", "bus"), ("REX", "bus"), ("USHID", "foot"),
         ("IAH", "car")),
        ("TAP", "MEX", "REX"), (6000, 14000), "MIA", ("US",),
    ),
    Route(
        "eastern_horn", ("ET", "SO"), {"ET": "ADD", "SO": "MGQ"},
        (("DJGAL", "bus"), ("DJOBK", "car"), ("ADE", "boat"), ("SAH", "car"), ("SAWDH", "car"),
         ("RUH", "car")),
        ("DJOBK", "ADE", "SAH"), (1000, 3000), "DXB", ("SA", "AE"),
    ),
    Route(
        "southern", ("ET", "SO"), {"ET": "ADD", "SO": "MGQ"},
        (("ETMOY", "bus"), ("NBO", "bus"), ("DAR", "bus"), ("MPM", "bus"), ("MZRGA", "car"),
         ("JNB", "car")),
        ("NBO", "DAR", "MPM"), (1500, 3500), "JNB", ("ZA",),
    ),
    Route(
        "bay_of_bengal", ("MM", "BD"), {"MM": "RGN", "BD": "DAC"},
        (("CXB", "bus"), ("BDTKF", "bus"), ("THRNG", "boat"), ("HDY", "car"), ("MYPBS", "car"),
         ("KUL", "car")),
        ("BDTKF", "THRNG", "HDY"), (1500, 4000), "KUL", ("MY",),
    ),
)  # fmt: skip
