"""The background economy: ordinary people and businesses doing ordinary things.

Salaries, rent, utilities, card spending, cash at ATMs, shop takings, person-to-person
payments, diaspora remittances and ordinary trips, all vectorised: one numpy call per kind of
activity. Activity is heavy-tailed (log-normal per person, Zipf-popular merchants and
employers), with weekly and daily rhythms. Card spending fills what the rest of the world
leaves of ``Params.tx_target``, so every scale lands near its transaction budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.synth import geo
from engine.synth.builder import DAY, HOUR, Builder
from engine.synth.population import add_orgs, add_people, residence_countries

#: National carriers used for tickets (IATA airline designators).
AIRLINES = {
    "DE": "LH", "FR": "AF", "IT": "AZ", "ES": "IB", "GR": "A3", "NL": "KL", "BE": "SN",
    "AT": "OS", "GB": "BA", "CH": "LX", "TR": "TK", "US": "UA", "MX": "AM", "AE": "EK",
    "SA": "SV", "MA": "AT", "TN": "TU", "EG": "MS", "ET": "ET", "KE": "KQ", "PK": "PK",
    "TH": "TG", "MY": "MH", "NG": "P4", "PL": "LO", "RO": "RO",
}  # fmt: skip


EXTERNAL_SHARE = 0.4  # remittances booked against an external-bank placeholder


@dataclass
class Economy:
    """Handles the planted operations reuse: ordinary accounts, merchants, airlines."""

    people: np.ndarray  # party indices
    accounts: np.ndarray  # their primary accounts (aligned with people)
    country: np.ndarray  # residence (object)
    nationality: np.ndarray
    merchants: dict[str, np.ndarray] = field(default_factory=dict)  # country -> accounts
    airline_acc: dict[str, int] = field(default_factory=dict)  # carrier -> account
    hotels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    ccode: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))  # country numbers

    def accounts_in(self, country: str) -> np.ndarray:
        return self.accounts[self.country == country]


#: Country numbers, so per-country grouping of millions of rows compares integers.
CC_INDEX = {cc: i for i, cc in enumerate(geo.COUNTRIES)}
CC_LIST = list(geo.COUNTRIES)


def groups(codes: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """``(country, positions)`` for each country number present in ``codes``; O(n log n)."""
    if not len(codes):
        return []
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
    return [(CC_LIST[int(part[0])], order[a:z]) for part, a, z in
            zip(np.split(sorted_codes, cuts), np.r_[0, cuts], np.r_[cuts, len(codes)], strict=True)]  # fmt: skip


def build_economy(b: Builder) -> Economy:
    """Create the ordinary population, businesses and their accounts."""
    p, rng = b.p, b.rng
    country, nationality = residence_countries(b, p.n_people)
    people = add_people(b, p.n_people, country, nationality)
    accounts = b.add_accounts(people, country, "personal")
    # a second account at another bank, held under a second (slightly different) KYC record
    two = np.flatnonzero(rng.random(p.n_people) < p.second_account_share)
    if len(two):
        from engine.synth.identity import duplicate_parties

        dup = duplicate_parties(b, people[two])
        b.add_accounts(dup, country[two], "personal")
    eco = Economy(people, accounts, country, nationality)
    eco.ccode = np.array([CC_INDEX[c] for c in country], dtype=np.int16)
    n_retail = max(10, int(p.n_businesses * 0.6))
    retail_country = _business_countries(b, n_retail)
    retail = add_orgs(b, n_retail, retail_country, "retail")
    retail_acc = b.add_accounts(retail, retail_country, "business")
    for cc in np.unique(retail_country):
        eco.merchants[cc] = retail_acc[retail_country == cc]
    hotels_c = _business_countries(b, max(4, p.n_businesses // 20))
    eco.hotels = b.add_accounts(add_orgs(b, len(hotels_c), hotels_c, "hotel"), hotels_c, "business")
    for cc, carrier in AIRLINES.items():
        org = add_orgs(b, 1, cc, "airline")
        eco.airline_acc[carrier] = int(b.add_accounts(org, cc, "business")[0])
    b.airlines = eco.airline_acc
    return eco


def _business_countries(b: Builder, n: int) -> np.ndarray:
    codes = np.array(list(geo.RESIDENCE_WEIGHTS), dtype=object)
    w = np.array(list(geo.RESIDENCE_WEIGHTS.values()), dtype=float)
    return codes[b.rng.choice(len(codes), n, p=w / w.sum())]


def _zipf_choice(rng: np.random.Generator, n_items: int, size: int, a: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n_items + 1) ** a
    return rng.choice(n_items, size, p=w / w.sum())


def _by_country(
    b: Builder, codes: np.ndarray, targets: dict[str, np.ndarray], zipf: bool
) -> np.ndarray:
    """For each payer (given by its country number), a target account in that country."""
    out = np.full(len(codes), -1, dtype=np.int64)
    for cc, sel in groups(codes):
        accs = targets.get(cc, np.zeros(0, np.int64))
        if len(sel) and len(accs):
            pick = (
                _zipf_choice(b.rng, len(accs), len(sel))
                if zipf
                else b.rng.integers(0, len(accs), len(sel))
            )
            out[sel] = accs[pick]
    return out


def monthly_days(b: Builder, day_of_month: int, jitter: int) -> np.ndarray:
    """Day numbers (from the start) of a monthly event in every month of the period.

    A day falling on a weekend moves to the Friday before, as banks book salaries and rent.
    """
    days = []
    start = np.datetime64(b.p.start, "D")
    months = np.arange(start.astype("datetime64[M]"), start + b.p.days, dtype="datetime64[M]")
    for m in months:
        d = int((m.astype("datetime64[D]") - start).astype(int)) + day_of_month - 1
        weekday = (b.t0 // DAY + d + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        d -= max(0, int(weekday) - 4)
        if 0 <= d < b.p.days - jitter:
            days.append(d)
    return np.asarray(days, dtype=np.int64)


def background_transactions(b: Builder, eco: Economy, planted: int) -> None:
    """Write the ordinary flows; ``planted`` is the number of transactions planted so far."""
    p, rng = b.p, b.rng
    n = len(eco.people)
    start_n = b.n_tx
    # --- employers and salaries (payroll: a hard negative that looks like fan-out)
    employed = np.flatnonzero(rng.random(n) < p.employed_share)
    n_emp = max(5, int(p.n_businesses * 0.3))
    emp_country = _business_countries(b, n_emp)
    emp_orgs = add_orgs(b, n_emp, emp_country, "employer")
    emp_acc = b.add_accounts(emp_orgs, emp_country, "business")
    by_c = {cc: emp_acc[emp_country == cc] for cc in np.unique(emp_country)}
    employer = _by_country(b, eco.ccode[employed], by_c, zipf=True)
    employed, employer = employed[employer >= 0], employer[employer >= 0]
    salary = np.round(rng.lognormal(np.log(2300), 0.35, len(employed)), 2)
    paydays = monthly_days(b, 26, 3)
    if len(employed) and len(paydays):
        rep = np.repeat(paydays, len(employed))
        ts = b.t0 + rep * DAY + 5 * HOUR + rng.integers(0, 2 * HOUR, len(rep))
        b.add_tx(
            np.tile(employer, len(paydays)),
            np.tile(eco.accounts[employed], len(paydays)),
            ts,
            base=np.tile(salary, len(paydays)) * rng.uniform(0.98, 1.02, len(rep)),
            ref=b.ref("SALARY"),
        )
    sizes = np.bincount(employer - emp_acc.min(), minlength=len(emp_acc))
    big = np.flatnonzero(sizes >= p.fan_k[0])
    if len(big):
        op = b.operation("hard_negative", "payroll", employers=len(big))
        b.mark_accounts(emp_acc[big], op, None, "employer")
    # --- landlords and rent (a hard negative that looks like fan-in)
    renters = np.flatnonzero(rng.random(n) < p.renter_share)
    lo, hi = p.tenants_per_landlord
    n_land = max(2, len(renters) // ((lo + hi) // 2))
    land_idx = rng.choice(n, n_land, replace=False)
    land_acc = eco.accounts[land_idx]
    by_c = {cc: land_acc[eco.country[land_idx] == cc] for cc in np.unique(eco.country[land_idx])}
    landlord = _by_country(b, eco.ccode[renters], by_c, zipf=False)
    ok = (landlord >= 0) & (landlord != eco.accounts[renters])
    renters, landlord = renters[ok], landlord[ok]
    rent = np.round(rng.lognormal(np.log(750), 0.3, len(renters)), 0)
    rentdays = monthly_days(b, 1, 3)
    if len(renters) and len(rentdays):
        rep = np.repeat(rentdays, len(renters)) + rng.integers(0, 3, len(rentdays) * len(renters))
        b.add_tx(
            np.tile(eco.accounts[renters], len(rentdays)),
            np.tile(landlord, len(rentdays)),
            b.day_times(rep, 10, 3),
            base=np.tile(rent, len(rentdays)),
            ref=b.ref("RENT"),
        )
        op = b.operation("hard_negative", "landlord", landlords=len(np.unique(landlord)))
        b.mark_accounts(np.unique(landlord), op, None, "landlord")
    # --- utilities: a few companies per country with enormous in-degree
    util_c = np.array(sorted(set(eco.country)), dtype=object)
    util = b.add_accounts(add_orgs(b, len(util_c), util_c, "utility"), util_c, "business")
    util_by_c = {cc: np.array([a]) for cc, a in zip(util_c, util, strict=True)}
    billdays = monthly_days(b, 15, 2)
    if len(billdays):
        bill_payers = np.flatnonzero(rng.random(n) < p.utility_share)
        payer = np.tile(bill_payers, len(billdays))
        b.add_tx(
            eco.accounts[payer],
            _by_country(b, eco.ccode[payer], util_by_c, zipf=False),
            b.day_times(np.repeat(billdays, len(bill_payers)), 9, 2),
            base=np.round(rng.lognormal(np.log(90), 0.4, len(payer)), 2),
            channel="wire",
            ref=b.ref("DIRECT DEBIT"),
        )
    # --- ATM withdrawals and card spending: everybody with a personal account, including
    # the members of planted operations and hard negatives (their ordinary life)
    spend_acc, spend_code = _spenders(b, eco)
    n_spend = len(spend_acc)
    # --- ATM withdrawals, at home mostly
    months = p.days / 30.4
    k = rng.poisson(p.atm_per_month * months * rng.lognormal(0, 0.5, n_spend))
    who = np.repeat(np.arange(n_spend), k)
    notes = np.array([20, 50, 50, 100, 100, 200, 300, 500], dtype=float)
    city_loc = _home_locations(b, spend_code[who])
    b.add_tx(
        spend_acc[who],
        b.cash,
        b.day_times(rng.integers(0, p.days, len(who)), 15, 4),
        base=notes[rng.integers(0, len(notes), len(who))],
        channel="cash",
        loc=city_loc,
    )
    # --- person-to-person payments within a country
    k = rng.poisson(p.p2p_per_month * months, n)
    src = np.repeat(np.arange(n), k)
    order = np.argsort(eco.ccode, kind="stable")
    pos = np.empty(n, np.int64)
    pos[order] = np.arange(n)
    dst = order[np.clip(pos[src] + rng.integers(-40, 41, len(src)), 0, n - 1)]
    keep = (dst != src) & (eco.ccode[dst] == eco.ccode[src])
    src, dst = src[keep], dst[keep]
    b.add_tx(
        eco.accounts[src],
        eco.accounts[dst],
        b.day_times(rng.integers(0, p.days, len(src)), 18, 3),
        base=np.round(rng.lognormal(np.log(45), 0.9, len(src)), 0),
        channel="mobile",
    )
    # --- diaspora remittances to one relative back home (monthly, money-transfer operator)
    _remittances(b, eco, months)
    # --- shop takings deposited in cash, weekly; some above the threshold
    _takings(b, eco)
    # --- card spending fills the budget
    budget = max(0, p.tx_target - planted - (b.n_tx - start_n))
    activity = rng.lognormal(0, 1.0, n_spend)
    k = rng.multinomial(budget, activity / activity.sum())
    who = np.repeat(np.arange(n_spend), k)
    merchant = _by_country(b, spend_code[who], eco.merchants, zipf=True)
    abroad = merchant < 0
    merchant[abroad] = b.placeholder("CARDNET-INTL")
    weekday_boost = rng.integers(0, p.days, len(who))
    sat = (weekday_boost + (b.t0 // DAY + 3) % 7) % 7 == 5
    weekday_boost[sat & (rng.random(len(who)) < 0.3)] -= 1
    b.add_tx(
        spend_acc[who],
        merchant,
        b.day_times(np.clip(weekday_boost, 0, p.days - 1), 15, 3.5),
        base=np.round(rng.lognormal(np.log(28), 0.9, len(who)), 2),
        channel="card",
    )


def _spenders(b: Builder, eco: Economy) -> tuple[np.ndarray, np.ndarray]:
    """Every personal account (ordinary customers first) and its country number."""
    kind = b.account_column("kind")
    country = b.account_column("country")
    extra = np.setdiff1d(np.flatnonzero(kind == "personal"), eco.accounts)
    codes = np.array([CC_INDEX[c] for c in country[extra]], dtype=np.int16)
    return np.r_[eco.accounts, extra], np.r_[eco.ccode, codes]


def _home_locations(b: Builder, codes: np.ndarray) -> np.ndarray:
    """A location code per row: a city of the account's country (country numbers ``codes``)."""
    out = np.empty(len(codes), dtype=np.int32)
    for cc, sel in groups(codes):
        locs = np.array([b.loc(c, cc) for c in geo.cities(cc)], dtype=np.int32)
        out[sel] = locs[b.rng.integers(0, len(locs), len(sel))]
    return out


def _remittances(b: Builder, eco: Economy, months: float) -> None:
    rng = b.rng
    diaspora = np.flatnonzero(
        (eco.nationality != eco.country) & (rng.random(len(eco.people)) < 0.5)
    )
    if not len(diaspora):
        return
    home = eco.nationality[diaspora]
    last = b.party_column("last")[eco.people[diaspora]]
    rel = add_people(b, len(diaspora), home, surname=last)
    rel_acc = b.add_accounts(rel, home, "personal")
    # the sending bank often sees only the correspondent: an external-bank placeholder
    external = np.flatnonzero(rng.random(len(diaspora)) < EXTERNAL_SHARE)
    rel_acc[external] = [b.placeholder(f"EXT-{cc}", cc) for cc in home[external]]
    day = rng.integers(0, 28, len(diaspora))
    n_months = max(1, int(months))
    rep = np.repeat(np.arange(n_months) * 30, len(diaspora)) + np.tile(day, n_months)
    rep = np.minimum(rep, b.p.days - 1)
    b.add_tx(
        np.tile(eco.accounts[diaspora], n_months),
        np.tile(rel_acc, n_months),
        b.day_times(rep, 17, 3),
        base=np.round(np.tile(rng.lognormal(np.log(220), 0.4, len(diaspora)), n_months), 0),
        channel="money_transfer",
        ref=b.ref("FAMILY SUPPORT"),
    )


def _takings(b: Builder, eco: Economy) -> None:
    rng = b.rng
    for cc, accs in eco.merchants.items():
        weeks = np.arange(0, b.p.days, 7)
        rep_acc = np.tile(accs, len(weeks))
        days = np.repeat(weeks, len(accs)) + rng.integers(0, 6, len(rep_acc))
        days = np.minimum(days, b.p.days - 1)
        size = np.tile(rng.lognormal(np.log(2500), 0.8, len(accs)), len(weeks))
        code = np.array([b.loc(c, cc) for c in geo.cities(cc)], dtype=np.int32)
        b.add_tx(
            b.cash,
            rep_acc,
            b.day_times(days, 17, 1.5),
            amount=np.round(size * rng.lognormal(0, 0.25, len(rep_acc)), 0),
            currency=geo.COUNTRIES[cc][1],
            channel="cash",
            loc=code[rng.integers(0, len(code), len(rep_acc))],
            ref=b.ref("DAILY TAKINGS"),
        )
