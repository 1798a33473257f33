"""Parameters of the synthetic world, and the four scale presets.

Every field of :class:`Params` can be overridden by keyword in :func:`engine.synth.generate`;
``docs/generator.md`` documents each of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from engine.core.errors import ConfigError


@dataclass(frozen=True)
class Params:
    """Everything that shapes a world. Counts are per world, rates are shares in 0..1."""

    scale: str = "tiny"
    seed: int = 0
    start: dt.date = dt.date(2025, 1, 1)
    days: int = 90
    # background economy
    n_people: int = 400
    n_businesses: int = 40
    tx_target: int = 10_000  # total transactions; card spending fills what the rest leaves
    employed_share: float = 0.6
    renter_share: float = 0.45
    tenants_per_landlord: tuple[int, int] = (3, 12)
    atm_per_month: float = 1.2
    utility_share: float = 0.6  # people paying utility bills by direct debit
    p2p_per_month: float = 0.8
    second_account_share: float = 0.08  # people with a second account at another bank
    date_only_bank_share: float = 0.25  # banks whose exports carry dates only
    traveller_share: float = 0.25  # people who make ordinary trips in the period
    # planted operations
    n_smuggling: int = 3
    n_trafficking: int = 2
    n_per_typology: int = 2  # instances of each generic typology
    migrants_per_group: tuple[int, int] = (5, 14)
    groups_per_operation: tuple[int, int] = (2, 4)
    victims_per_trafficking: tuple[int, int] = (4, 9)
    # thresholds the planted patterns respect
    cash_threshold: float = 10_000.0  # θ, in the deposit's currency
    structuring_epsilon: float = 0.15  # ε: structured deposits lie in [(1-ε)θ, θ)
    fan_k: tuple[int, int] = (6, 14)  # senders or receivers of a fan
    window_days: int = 10  # Δ for fans, bipartite layers, cycles
    margin: tuple[float, float] = (0.01, 0.05)  # m, an intermediary's cut per hop
    document_reuse_share: float = 0.2  # migrants travelling on a reused document
    # hard negatives (counts per world)
    n_family_clusters: int = 6
    n_travel_agencies: int = 2
    n_tour_groups: int = 3
    n_sports_teams: int = 2
    n_commuters: int = 12
    # identity noise in travel records and duplicate KYC records (shares)
    noise_translit: float = 0.25  # of names that have variants
    noise_ascii: float = 0.5  # of names with diacritics
    noise_typo: float = 0.08
    noise_swap: float = 0.15
    noise_no_birth: float = 0.10
    noise_birth_swap: float = 0.03
    # names across scripts (people whose nationality writes another script, engine.synth.names)
    script_kyc: float = 0.3  # KYC records written in the native script
    script_manifest: float = 0.3  # travel records written in the native script
    noise_partial: float = 0.04  # records keeping only part of the name
    namesake_share: float = 0.02  # people given another's name and birth year


SCALES: dict[str, dict[str, object]] = {
    "tiny": {},
    "small": dict(
        days=180, n_people=6_000, n_businesses=400, tx_target=200_000, n_smuggling=8,
        n_trafficking=4, n_per_typology=6, n_family_clusters=40, n_travel_agencies=5,
        n_tour_groups=12, n_sports_teams=6, n_commuters=60,
    ),
    "medium": dict(
        days=365, n_people=45_000, n_businesses=2_500, tx_target=2_000_000, n_smuggling=30,
        n_trafficking=12, n_per_typology=25, n_family_clusters=300, n_travel_agencies=20,
        n_tour_groups=60, n_sports_teams=25, n_commuters=300,
    ),
    "large": dict(
        days=365, n_people=180_000, n_businesses=9_000, tx_target=10_000_000, n_smuggling=80,
        n_trafficking=30, n_per_typology=60, n_family_clusters=1_200, n_travel_agencies=60,
        n_tour_groups=200, n_sports_teams=80, n_commuters=1_000,
    ),
}  # fmt: skip


def make_params(scale: str = "tiny", seed: int = 0, **overrides: object) -> Params:
    """The preset for ``scale`` with ``overrides`` applied.

    Raises
    ------
    ConfigError
        If the scale or an override name is unknown.
    """
    if scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    names = {f.name for f in dataclasses.fields(Params)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"unknown generator parameter(s): {', '.join(unknown)}")
    values = {**SCALES[scale], **overrides, "scale": scale, "seed": int(seed)}
    return Params(**values)  # type: ignore[arg-type]
