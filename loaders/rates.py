"""Static exchange rates to the base currency (EUR), and currency names seen in public data.

No network is available where moneytrail runs, so conversion uses this small table of
approximate 2024 averages (units of EUR per one unit of the currency). It is good enough to
rank and compare flows, not for accounting. A mapping file can override or extend it with a
``[rates]`` table, and set another ``base_currency`` (rates are then given per that currency).
"""

from __future__ import annotations

#: EUR per one unit of each currency (approximate 2024 averages).
EUR_RATES: dict[str, float] = {
    "EUR": 1.0,
    "USD": 0.92,
    "GBP": 1.17,
    "CHF": 1.05,
    "JPY": 0.0062,
    "CNY": 0.128,
    "INR": 0.011,
    "PKR": 0.0033,
    "BDT": 0.0078,
    "AFN": 0.013,
    "IRR": 0.000022,
    "IQD": 0.0007,
    "MXN": 0.054,
    "GTQ": 0.12,
    "HNL": 0.037,
    "HTG": 0.007,
    "BRL": 0.18,
    "CAD": 0.68,
    "AUD": 0.61,
    "NGN": 0.0006,
    "XOF": 0.00152,
    "MAD": 0.092,
    "DZD": 0.0068,
    "TND": 0.30,
    "LYD": 0.19,
    "EGP": 0.019,
    "SDG": 0.0015,
    "ETB": 0.016,
    "SOS": 0.0016,
    "DJF": 0.0052,
    "KES": 0.0071,
    "TZS": 0.00035,
    "MZN": 0.0144,
    "ZAR": 0.050,
    "TRY": 0.028,
    "AED": 0.25,
    "SAR": 0.245,
    "QAR": 0.25,
    "KWD": 3.0,
    "YER": 0.0037,
    "ILS": 0.25,
    "ALL": 0.0098,
    "RUB": 0.010,
    "SEK": 0.087,
    "NOK": 0.086,
    "DKK": 0.134,
    "PLN": 0.23,
    "CZK": 0.040,
    "HUF": 0.0025,
    "RON": 0.20,
    "BGN": 0.511,
    "RSD": 0.0085,
    "MKD": 0.016,
    "BAM": 0.511,
    "THB": 0.026,
    "MYR": 0.20,
    "IDR": 0.000058,
    "MMK": 0.00044,
    "BTC": 55_000.0,
}

#: Currency names used by public benchmark data (AMLworld, SAML-D), lower-cased → ISO 4217.
CURRENCY_NAMES: dict[str, str] = {
    "us dollar": "USD",
    "us dollars": "USD",
    "euro": "EUR",
    "yuan": "CNY",
    "yen": "JPY",
    "uk pound": "GBP",
    "uk pounds": "GBP",
    "pound sterling": "GBP",
    "swiss franc": "CHF",
    "rupee": "INR",
    "indian rupee": "INR",
    "pakistani rupee": "PKR",
    "canadian dollar": "CAD",
    "australian dollar": "AUD",
    "mexican peso": "MXN",
    "brazil real": "BRL",
    "ruble": "RUB",
    "shekel": "ILS",
    "saudi riyal": "SAR",
    "bitcoin": "BTC",
    "dirham": "AED",
    "uae dirham": "AED",
    "moroccan dirham": "MAD",
    "naira": "NGN",
    "turkish lira": "TRY",
    "albanian lek": "ALL",
}


def rate_table(base: str = "EUR", overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Units of ``base`` per unit of each currency, with ``overrides`` (already per ``base``).

    Rates for another base are derived through EUR (cross rates).
    """
    base = base.upper()
    if base == "EUR" or base not in EUR_RATES:
        rates = dict(EUR_RATES) if base == "EUR" else {base: 1.0}
    else:
        per_base = EUR_RATES[base]
        rates = {code: eur / per_base for code, eur in EUR_RATES.items()}
    for code, value in (overrides or {}).items():
        rates[code.upper()] = float(value)
    return rates
