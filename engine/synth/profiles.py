"""World profiles other than ``default``: their hyper-parameters, presets and random draws.

``lookalike`` is a fixed world in the manner of the AMLSim family (AMLSim, AMLGentex): one
domestic bank market whose ordinary customers, besides card and cash spending and salaries,
transact in six legitimate structures that look like laundering (fan-in, fan-out, forward,
mutual, periodical, single), and whose laundering uses eight generic typologies drawn with the
same amounts, sizes and timing as those structures. ``random`` draws every hyper-parameter of
that world per seed from the wide ranges in :data:`RANDOM_RANGES`, so that no fixed threshold
can fit one world. :mod:`engine.synth.lookalike` builds the worlds; ``docs/generator.md``
documents every field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import cast

import numpy as np

from engine.core.errors import ConfigError

PROFILES = ("default", "lookalike", "random")
#: The six legitimate structures of the AMLSim-family normal models.
LEGIT_MODELS = ("single", "fan_in", "fan_out", "forward", "mutual", "periodical")
#: The eight generic laundering typologies (truth ``pattern`` names).
TYPOLOGIES = ("fan_in", "fan_out", "cycle", "bipartite", "stack", "scatter_gather",
              "gather_scatter", "random")  # fmt: skip
#: Countries a ``random`` world may be set in: the currency sets the scale of every amount.
RANDOM_COUNTRIES = ("DE", "GB", "CH", "PL", "TR", "US", "MX", "HU")
AMOUNT_LAWS = ("lognormal", "uniform", "gamma")


@dataclass(frozen=True)
class WorldParams:
    """Hyper-parameters of a ``lookalike`` or ``random`` world (shares in 0..1, amounts in EUR
    before conversion to the country's currency)."""

    profile: str = "lookalike"
    scale: str = "tiny"
    seed: int = 0
    start: dt.date = dt.date(2025, 1, 1)
    days: int = 60
    n_customers: int = 600
    country: str = "DE"  # one domestic market; its currency scales every amount
    date_only_bank_share: float = 0.25  # banks whose exports carry dates only
    # who transacts with whom: account activity ~ 1 + Pareto(degree_exponent)
    degree_exponent: float = 2.2
    # one amount law for structured transfers, legitimate and laundering alike
    amount_law: str = "lognormal"
    amount_median_eur: float = 450.0
    amount_spread: float = 0.6  # lognormal sigma; uniform half-width / median; gamma 1/sqrt(k)
    # ordinary life: spending to sinks and salaries from an external source
    spend_per_day: float = 0.45  # card and cash rows per customer per day
    spend_scale: float = 0.15  # spending amount = the amount law times this
    cash_share: float = 0.1  # of spending rows that are cash withdrawals
    salaried_share: float = 0.7
    salary_scale: float = 5.0  # monthly salary = the amount law's median times this
    # laundering and its look-alikes
    laundering_share: float = 0.05  # of customers in a laundering pattern
    lookalike_ratio: float = 150.0  # legitimate structured transfers per laundering transfer
    max_structured_per_day: float = 0.35  # cap on legitimate structured transfers per customer-day
    model_shares: tuple[float, ...] = (1 / 6,) * 6  # of LEGIT_MODELS' transfers
    typology_shares: tuple[float, ...] = (1 / 8,) * 8  # of TYPOLOGIES' instances
    pattern_size: tuple[int, int] = (3, 12)  # accounts of a pattern or legitimate fan
    pattern_days: tuple[int, int] = (2, 20)  # span of a pattern or legitimate structure
    pass_on_share: float = 0.5  # patterns whose hops pass on what came in, less a margin
    margin: tuple[float, float] = (0.0, 0.05)
    launderer_bias: float = 1.0  # laundering accounts drawn with weight activity**bias
    periodic_days: tuple[int, int] = (7, 31)  # period of standing orders


#: Size presets (customers, days) per scale; ``small`` is about the AMLGentex development
#: set's size, ``medium`` 60k accounts.
SCALES: dict[str, dict[str, object]] = {
    "tiny": dict(n_customers=1_000, days=60),
    "small": dict(n_customers=5_000, days=90),
    "medium": dict(n_customers=60_000, days=90, spend_per_day=0.3),
    "large": dict(n_customers=200_000, days=120, spend_per_day=0.3),
}

#: The ranges a ``random`` world draws from (documented in docs/generator.md). Scalars are
#: drawn uniformly in ``(lo, hi)`` (log-uniformly for the ``log`` ones), choices uniformly.
RANDOM_RANGES: dict[str, object] = {
    "days": (45, 180),
    "country": RANDOM_COUNTRIES,
    "date_only_bank_share": (0.0, 0.5, 1.0),
    "degree_exponent": (1.3, 3.5),
    "amount_law": AMOUNT_LAWS,
    "amount_median_eur": ("log", 40.0, 5_000.0),
    "amount_spread": (0.2, 1.2),
    "spend_per_day": (0.1, 0.6),
    "spend_scale": ("log", 0.05, 1.0),
    "cash_share": (0.0, 0.3),
    "salaried_share": (0.3, 0.95),
    "salary_scale": (2.0, 10.0),
    "laundering_share": (0.01, 0.08),
    "lookalike_ratio": ("log", 100.0, 1_000.0),
    "model_shares": "dirichlet(2) over the six models",
    "typology_shares": "dirichlet(3) over the eight typologies",
    "pattern_size": "lo in 2..5, hi in lo+2..lo+20",
    "pattern_days": "lo in 1..5, hi in lo+2..lo+40 (at most days - 2)",
    "pass_on_share": (0.0, 1.0),
    "margin": "lo 0, hi in 0..0.1",
    "launderer_bias": (0.0, 1.5),
    "periodic_days": "lo in 5..14, hi in lo+3..lo+30",
}


def _draw(rng: np.random.Generator, key: str) -> object:
    spec = RANDOM_RANGES[key]
    if isinstance(spec, tuple) and spec and spec[0] == "log":
        return float(np.exp(rng.uniform(np.log(spec[1]), np.log(spec[2]))))
    if isinstance(spec, tuple) and all(isinstance(v, str) for v in spec):
        return str(spec[int(rng.integers(len(spec)))])
    if isinstance(spec, tuple) and len(spec) == 3:
        return float(spec[int(rng.integers(len(spec)))])
    lo, hi = cast("tuple[float, float]", spec)  # what is left: a (lo, hi) range
    if isinstance(lo, int) and isinstance(hi, int):
        return int(rng.integers(lo, hi + 1))
    return float(rng.uniform(lo, hi))


def random_values(seed: int) -> dict[str, object]:
    """The hyper-parameters of the ``random`` world of ``seed`` (a generator of its own, so
    they do not depend on the scale and do not disturb the world's own draws)."""
    rng = np.random.default_rng([int(seed), 0x52414E44])
    out: dict[str, object] = {}
    for key in ("days", "country", "date_only_bank_share", "degree_exponent", "amount_law",
                "amount_median_eur", "amount_spread", "spend_per_day", "spend_scale",
                "cash_share", "salaried_share", "salary_scale", "laundering_share",
                "lookalike_ratio", "pass_on_share", "launderer_bias"):  # fmt: skip
        out[key] = _draw(rng, key)
    out["model_shares"] = tuple(float(x) for x in rng.dirichlet(np.full(6, 2.0)))
    out["typology_shares"] = tuple(float(x) for x in rng.dirichlet(np.full(8, 3.0)))
    lo = int(rng.integers(2, 6))
    out["pattern_size"] = (lo, lo + int(rng.integers(2, 21)))
    lo = int(rng.integers(1, 6))
    out["pattern_days"] = (lo, min(lo + int(rng.integers(2, 41)), int(out["days"]) - 2))  # type: ignore[call-overload]
    out["margin"] = (0.0, float(rng.uniform(0.0, 0.1)))
    lo = int(rng.integers(5, 15))
    out["periodic_days"] = (lo, lo + int(rng.integers(3, 31)))
    return out


def make_world_params(
    profile: str, scale: str = "tiny", seed: int = 0, **overrides: object
) -> WorldParams:
    """The hyper-parameters of a ``lookalike`` or ``random`` world; ``overrides`` win.

    Raises
    ------
    ConfigError
        For an unknown profile, scale or parameter.
    """
    if profile not in PROFILES or profile == "default":
        raise ConfigError(f"unknown world profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    names = {f.name for f in dataclasses.fields(WorldParams)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"unknown {profile} world parameter(s): {', '.join(unknown)}")
    drawn = random_values(seed) if profile == "random" else {}
    values = {**SCALES[scale], **drawn, **overrides}  # drawn values win over the preset
    return WorldParams(profile=profile, scale=scale, seed=int(seed), **values)  # type: ignore[arg-type]
