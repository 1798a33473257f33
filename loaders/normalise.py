"""Shared normalisation: raw columns to one canonical table, with every bad row quarantined.

:class:`Converter` is what every tabular loader (canonical files, mapped bank exports, public
benchmark layouts, travel manifests, KYC extracts) runs on each chunk. For each canonical field
it gathers the source column(s), parses the value by the field's type
(:mod:`loaders.values`), applies the table's rules (amounts finite and not negative, channel
and travel mode from a fixed vocabulary, ISO country and currency codes, ``amount_base``
converted with :mod:`loaders.rates`), and sends each failing row to the quarantine with the
first field that failed. All work is vectorised over the chunk.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.core import schema
from loaders import values
from loaders.base import MAX_FIELD_BYTES, Rejects
from loaders.mapping import Mapping, Source
from loaders.rates import CURRENCY_NAMES, rate_table
from loaders.repeats import RepeatCounter

CHANNEL_WORDS = {
    "wire": ("wire", "transfer", "bank transfer", "ach", "sepa", "swift", "cross-border",
             "credit transfer", "trf", "tfr", "giro", "standing order", "direct debit"),
    "cash": ("cash", "cash deposit", "cash withdrawal", "cash-in", "cash-out", "cash_in",
             "cash_out", "atm", "deposit", "withdrawal", "cash in", "cash out"),
    "card": ("card", "credit card", "debit card", "pos", "card payment"),
    "mobile": ("mobile", "mobile payment", "wallet", "e-wallet", "mobile money"),
    "money_transfer": ("money transfer", "money_transfer", "remittance", "hawala", "msb",
                       "money service", "western union", "moneygram"),
    "crypto": ("crypto", "bitcoin", "btc", "cryptocurrency", "virtual asset"),
}  # fmt: skip
MODE_WORDS = {
    "air": ("air", "flight", "plane", "airline", "aircraft", "aeroplane", "airplane"),
    "bus": ("bus", "coach"),
    "rail": ("rail", "train", "railway"),
    "boat": ("boat", "ferry", "ship", "vessel", "sea", "maritime"),
    "car": ("car", "road", "truck", "lorry", "taxi", "van", "vehicle"),
    "foot": ("foot", "walk", "on foot", "pedestrian"),
}
ROLE_WORDS = {
    "owner": ("owner", "holder", "account holder", "primary", "joint", "my_client", "client"),
    "signatory": ("signatory", "authorised signatory", "authorized signatory", "mandate",
                  "power of attorney", "proxy"),
    "beneficiary": ("beneficiary", "beneficial owner", "ubo", "beneficial_owner"),
}  # fmt: skip
PARTY_KIND_WORDS = {
    "person": ("person", "individual", "natural", "natural person", "private", "p", "i"),
    "organisation": ("organisation", "organization", "company", "entity", "legal",
                     "legal person", "business", "corporate", "o", "e", "c"),
}  # fmt: skip
DEBIT_WORDS = {"d", "dbit", "debit", "dr", "out", "outgoing", "-", "s", "soll", "withdrawal"}
CREDIT_WORDS = {"c", "crdt", "credit", "cr", "in", "incoming", "+", "h", "haben", "deposit"}
COUNTRY_NAMES = {
    "uk": "GB", "el": "GR", "united kingdom": "GB", "great britain": "GB", "england": "GB", "uae": "AE",
    "united arab emirates": "AE", "usa": "US", "united states": "US", "turkey": "TR",
    "türkiye": "TR", "morocco": "MA", "mexico": "MX", "nigeria": "NG", "pakistan": "PK",
    "italy": "IT", "germany": "DE", "spain": "ES", "france": "FR", "netherlands": "NL",
    "albania": "AL", "india": "IN", "japan": "JP", "switzerland": "CH", "austria": "AT",
    "greece": "GR", "libya": "LY", "tunisia": "TN", "niger": "NE", "sudan": "SD",
    "egypt": "EG", "syria": "SY", "afghanistan": "AF", "iraq": "IQ", "iran": "IR",
    "bulgaria": "BG", "serbia": "RS", "hungary": "HU", "croatia": "HR", "belgium": "BE",
    "guatemala": "GT", "honduras": "HN", "el salvador": "SV", "venezuela": "VE", "haiti": "HT",
    "ethiopia": "ET", "somalia": "SO", "djibouti": "DJ", "yemen": "YE", "saudi arabia": "SA",
    "kenya": "KE", "south africa": "ZA", "myanmar": "MM", "bangladesh": "BD", "thailand": "TH",
    "malaysia": "MY", "indonesia": "ID", "china": "CN", "canada": "CA", "brazil": "BR",
    "russia": "RU", "poland": "PL", "portugal": "PT", "malta": "MT", "cyprus": "CY",
}  # fmt: skip
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
#: Fields whose key may be derived from the row's content when the source has no id column.
DERIVABLE_IDS = {"transactions": "tx_id", "travel": "record_id", "parties": "party_id"}
COUNTRY_FIELDS = {"country", "nationality", "location_country", "traveller_nationality"}


def _vocabulary(words: dict[str, tuple[str, ...]], default: str | None):  # type: ignore[no-untyped-def]
    lookup = {w: key for key, ws in words.items() for w in (key, *ws)}

    def normalise(value: str) -> str | None:
        text = value.strip().lower().replace("_", " ") if value else value
        return lookup.get(text, lookup.get(value.strip().lower(), default)) if text else None

    return normalise


def _iso_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from pycountry's copy of the standard), plus ``XK``: Kosovo
    has no ISO code yet, but its IBANs, the EU and SWIFT use XK."""
    import pycountry

    return frozenset({c.alpha_2 for c in pycountry.countries} | {"XK"})


#: Every country code a row may carry: two letters alone (``XQ``, ``ZZ``) are not a country.
ISO_COUNTRIES = _iso_countries()


def iban_country(account_id: str | None) -> str | None:
    """The country of an IBAN (its first two letters, if a country); None for anything else."""
    if account_id and _IBAN.match(account_id) and account_id[:2] in ISO_COUNTRIES:
        return account_id[:2]
    return None


def _country(value: str) -> str | None:
    text = value.strip()
    named = COUNTRY_NAMES.get(text.lower())
    if named is not None:
        return named
    code = text.upper()
    return code if code in ISO_COUNTRIES else None


def _currency(value: str) -> str | None:
    text = value.strip()
    if _ALPHA3.match(text.upper()):
        return text.upper()
    return CURRENCY_NAMES.get(text.lower())


_ISO_CODES = pa.array(sorted(ISO_COUNTRIES), pa.string())  # "UK", "EL" are names here (GB, GR)
_CHANNELS = pa.array(schema.CHANNELS, pa.string())
_MODES = pa.array(schema.TRAVEL_MODES, pa.string())
_channel = _vocabulary(CHANNEL_WORDS, "other")
_mode = _vocabulary(MODE_WORDS, "other")
_role = _vocabulary(ROLE_WORDS, None)
_party_kind = _vocabulary(PARTY_KIND_WORDS, None)


class Converter:
    """Turns raw chunks into canonical tables for one file (see the module docstring).

    Parameters
    ----------
    mapping:
        Parsing options (decimal separator, date formats, time zone, default currency, rates).
    rejects:
        The file's quarantine.
    trim:
        Strip white space around text values (off for machine-written canonical files).
    """

    def __init__(self, mapping: Mapping, rejects: Rejects, *, trim: bool = True) -> None:
        self.mapping = mapping
        self.trim = trim
        self.rejects = rejects
        self.rates = rate_table(mapping.base_currency, mapping.rates)
        self._rate_codes = pa.array(sorted(self.rates), pa.string())
        #: Things the user should know that are not errors (assumptions made).
        self.notes: set[str] = set()

    # -- one chunk --------------------------------------------------------------------------

    def convert(
        self, raw: pa.Table, name: str, fields: dict[str, Source], rows: np.ndarray
    ) -> pa.Table:
        """Canonical table ``name`` from chunk ``raw``; bad rows go to the quarantine.

        ``rows`` holds the 1-based row number of each raw row (for the quarantine).
        """
        n = raw.num_rows
        self._bad = np.zeros(n, dtype=bool)
        self._rows = rows
        out: dict[str, pa.Array] = {}
        table_schema = schema.INPUT_TABLES[name]
        for fname, source in fields.items():
            arr = self._gather(raw, source, n)
            ftype = table_schema.field(fname).type if fname in table_schema.names else pa.string()
            out[fname] = self._parse(fname, arr, ftype)
        rules = getattr(self, f"_rules_{name}", None)
        if rules is not None:
            rules(out, n)
        for fname in COUNTRY_FIELDS & set(out):
            column = out[fname]
            if not values.in_vocabulary(column, _ISO_CODES):
                out[fname] = self._vocab(out[fname], fname, _country, "unknown country code")
        derivable = DERIVABLE_IDS.get(name)
        for f in table_schema:
            if f.nullable or f.name == "batch_id" or f.name == derivable:
                continue
            if f.name not in out:
                out[f.name] = pa.nulls(n, f.type)
            self._reject(values.nulls_mask(out[f.name]), f.name, out[f.name], "missing value")
        keep = ~self._bad
        table = pa.table({k: v for k, v in out.items() if k in table_schema.names})
        if not keep.all():
            table = table.filter(pa.array(keep))
        if derivable and derivable not in table.column_names:
            table = table.append_column(derivable, pa.nulls(table.num_rows, pa.string()))
        return schema.conform(table, name)

    def _reject(self, mask: np.ndarray, field: str, arr: pa.Array, reason: str) -> None:
        """Quarantine rows in ``mask`` that are not already rejected."""
        new = mask & ~self._bad
        if not new.any():
            return
        idx = np.flatnonzero(new)
        self.rejects.add(self._rows[idx], field, arr.take(pa.array(idx)), reason)
        self._bad |= new

    def _gather(self, raw: pa.Table, source: Source, n: int) -> pa.Array:
        if source.value is not None:
            return pa.array([source.value] * n, pa.string())
        cols = [raw.column(c).combine_chunks() for c in source.columns]
        if len(cols) == 1:
            return cols[0]
        texts = [values.clean_text(c) for c in cols]
        if source.sep.strip():  # "bank:account": a missing part leaves the id missing
            return pc.binary_join_element_wise(*texts, source.sep, null_handling="emit_null")
        parts = [pc.fill_null(t, "") for t in texts]  # "date time": join what is there
        return values.clean_text(pc.binary_join_element_wise(*parts, source.sep))

    def _parse(self, fname: str, arr: pa.Array, ftype: pa.DataType) -> pa.Array:
        m = self.mapping
        if pa.types.is_timestamp(ftype) or pa.types.is_date(ftype):
            for mask, reason in values.impossible_times(arr, m.date_formats):
                self._reject(mask, fname, arr, reason)
        if pa.types.is_timestamp(ftype):
            try:
                out, failed = values.to_timestamp(
                    arr, m.date_formats, m.timezone, m.step_start, m.step_unit
                )
            except ValueError as exc:  # an unknown time zone in the mapping
                from engine.core.errors import InputError

                raise InputError(str(exc), file=m.name, field="timezone") from exc
            self._reject(failed, fname, arr, "not a date and time")
            return out
        if pa.types.is_date(ftype):
            out, failed = values.to_date(arr, m.date_formats)
            self._reject(failed, fname, arr, "not a date")
            return out
        if pa.types.is_floating(ftype):
            out, failed = values.to_float(arr, m.decimal, m.thousands)
            self._reject(failed, fname, arr, "not a number")
            return out
        text, long = values.clean_text(arr, self.trim, MAX_FIELD_BYTES)
        self._reject(long, fname, text, "value too long")
        return text

    def _vocab(self, arr: pa.Array, fname: str, fn, reason: str, canonical=None) -> pa.Array:  # type: ignore[no-untyped-def]
        """Normalise a categorical column with ``fn``; rows it maps to None are rejected.

        When every value is already in ``canonical`` the column is returned as it is.
        """
        if canonical is not None and values.in_vocabulary(arr, canonical):
            return arr
        mapped = values.map_values(arr, fn)
        failed = values.nulls_mask(mapped) & ~values.nulls_mask(arr)
        self._reject(failed, fname, arr, reason)
        return mapped

    # -- table rules --------------------------------------------------------------------------

    def _rules_transactions(self, out: dict[str, pa.Array], n: int) -> None:
        m = self.mapping
        if "currency" in out:
            cur = self._vocab(
                out["currency"], "currency", _currency, "unknown currency", self._rate_codes
            )
            if m.currency:
                cur = pc.fill_null(cur, m.currency)
            out["currency"] = cur
        else:
            currency = m.currency or m.base_currency
            if not m.currency:
                self.notes.add(f"no currency column: amounts taken as {currency}")
            out["currency"] = pa.array([currency] * n, pa.string())
        if "own_account" in out:
            self._signed(out, n)
        if "amount" in out:
            amount = out["amount"]
            ok = pc.and_(pc.is_finite(amount), pc.greater_equal(amount, 0.0))
            self._reject(
                ~np.asarray(pc.fill_null(ok, True).to_numpy(zero_copy_only=False), dtype=bool),
                "amount",
                amount,
                "amount must be a finite number, not negative",
            )
            if "amount_base" not in out or out["amount_base"].null_count:
                self._amount_base(out, n)
        if "amount_base" in out:
            self._finite(out["amount_base"], "amount_base")
        if "channel" in out and not values.in_vocabulary(out["channel"], _CHANNELS):
            out["channel"] = values.map_values(out["channel"], _channel)

    def _finite(self, arr: pa.Array, fname: str) -> None:
        """Reject rows whose (converted) amount is infinite, not a number, or negative.

        A given ``amount_base`` is checked as well as a converted one: 1e308 KWD is a finite
        amount whose conversion overflows to infinity, which no analysis can weigh.
        """
        ok = pc.and_(pc.is_finite(arr), pc.greater_equal(arr, 0.0))
        bad = ~np.asarray(pc.fill_null(ok, True).to_numpy(zero_copy_only=False), dtype=bool)
        self._reject(
            bad, fname, arr, f"{fname} must be a finite number, not negative (after conversion)"
        )

    def _amount_base(self, out: dict[str, pa.Array], n: int) -> None:
        currency = out.get("currency", pa.nulls(n, pa.string()))
        rate_keys = pa.array(list(self.rates), pa.string())
        rate_vals = pa.array(list(self.rates.values()), pa.float64())
        idx = pc.index_in(currency, value_set=rate_keys)
        rate = rate_vals.take(idx)
        missing = values.nulls_mask(currency)
        self._reject(missing, "currency", currency, "missing currency")
        unknown = values.nulls_mask(rate)
        self._reject(unknown, "currency", currency, "no exchange rate for this currency")
        converted = pc.multiply(out["amount"], rate)
        given = out.get("amount_base")
        out["amount_base"] = converted if given is None else pc.coalesce(given, converted)

    def _signed(self, out: dict[str, pa.Array], n: int) -> None:
        """Single-account exports: the sign (or a D/C column) says which way money went."""
        own = out.pop("own_account")
        other = out.pop("counterparty", pa.nulls(n, pa.string()))
        direction = out.pop("direction", None)
        amount = out["amount"]
        outgoing = pc.less(amount, 0.0)
        if direction is not None:
            word = pc.utf8_lower(direction)
            debit = pc.is_in(word, value_set=pa.array(sorted(DEBIT_WORDS)))
            credit = pc.is_in(word, value_set=pa.array(sorted(CREDIT_WORDS)))
            unknown = pc.and_(pc.is_valid(direction), pc.invert(pc.or_(debit, credit)))
            self._reject(
                np.asarray(unknown.to_numpy(zero_copy_only=False), dtype=bool),
                "direction",
                direction,
                "direction must be debit (D) or credit (C)",
            )
            outgoing = pc.if_else(pc.is_valid(direction), debit, outgoing)
        channel = out.get("channel")
        placeholder = pa.array(["UNKNOWN"] * n, pa.string())
        if channel is not None:
            is_cash = pc.equal(values.map_values(channel, _channel), "cash")
            placeholder = pc.if_else(pc.fill_null(is_cash, False), "CASH", placeholder)
        other = pc.coalesce(other, placeholder)
        outgoing = pc.fill_null(outgoing, False)
        out["src_account"] = pc.if_else(outgoing, own, other)
        out["dst_account"] = pc.if_else(outgoing, other, own)
        out["amount"] = pc.abs(amount)

    def _rules_travel(self, out: dict[str, pa.Array], n: int) -> None:
        if "mode" in out and not values.in_vocabulary(out["mode"], _MODES):
            out["mode"] = values.map_values(out["mode"], _mode)
        for code in ("origin", "destination"):
            if code in out:
                out[code] = pc.utf8_upper(out[code])
        name = out.get("traveller_name", pa.nulls(n, pa.string()))
        doc = out.get("traveller_document", pa.nulls(n, pa.string()))
        nobody = values.nulls_mask(name) & values.nulls_mask(doc)
        self._reject(nobody, "traveller_name", name, "no traveller name or document")

    def _rules_parties(self, out: dict[str, pa.Array], n: int) -> None:
        if "kind" in out:
            out["kind"] = self._vocab(out["kind"], "kind", _party_kind, "unknown party kind")

    def _rules_holdings(self, out: dict[str, pa.Array], n: int) -> None:
        if "role" in out:
            out["role"] = self._vocab(out["role"], "role", _role, "unknown holding role")
        else:
            out["role"] = pa.array(["owner"] * n, pa.string())


ID_PREFIX = {"tx_id": "tx-", "record_id": "tr-", "party_id": "p-"}


def derive_ids(table: pa.Table, name: str, repeats: RepeatCounter | None = None) -> pa.Table:
    """Fill missing keys (``tx_id``, ``record_id``, ``party_id``) from the row's content.

    The id is a 64-bit hash of all other canonical fields, plus ``-k`` for the k-th repeat of
    an identical row in the same file, so re-loading the same rows gives the same ids and the
    store's key deduplication keeps overlapping exports idempotent. ``repeats`` carries the
    counts over the chunks of a streamed file (one counter per file and table); repeats are
    counted among the chunks that have a missing id.

    Notes
    -----
    O(n log n) (one sort for the repeat counter); hashing is vectorised (pandas ``hash_array``,
    SipHash with a fixed key, stable across runs and machines).
    """
    key = DERIVABLE_IDS.get(name)
    if key is None or table.num_rows == 0 or table.column(key).null_count == 0:
        return table
    import pandas as pd

    parts = [
        pc.fill_null(values.to_text(table.column(c).combine_chunks()), "")
        for c in table.column_names
        if c not in (key, "batch_id")
    ]
    text = pc.binary_join_element_wise(*parts, "\x1f")
    hashes = pd.util.hash_array(np.asarray(text.to_numpy(zero_copy_only=False), dtype=object))
    n = len(hashes)
    order = np.argsort(hashes, kind="stable")
    sorted_h = hashes[order]
    starts = np.r_[True, sorted_h[1:] != sorted_h[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    occurrence = np.empty(n, dtype=np.int64)
    occurrence[order] = np.arange(n) - first
    if repeats is not None:
        occurrence += repeats.before(hashes)
        repeats.add(hashes)
    ids = pc.binary_join_element_wise(
        pa.array([ID_PREFIX[key]] * n, pa.string()), pa.array(hashes).cast(pa.string()), ""
    )
    if occurrence.any():
        suffix = pc.if_else(
            pa.array(occurrence > 0),
            pc.binary_join_element_wise("-", pa.array(occurrence).cast(pa.string()), ""),
            "",
        )
        ids = pc.binary_join_element_wise(ids, suffix, "")
    filled = pc.coalesce(table.column(key).combine_chunks(), ids)
    return table.set_column(table.schema.get_field_index(key), table.schema.field(key), filled)
