"""Detection thresholds, with documented defaults (see docs/detection.md).

Every detector reads its thresholds from one :class:`DetectionConfig`; the values used are written
into each evidence card (``parameters``), so a finding can be reproduced. Windows and lags are in
days because many sources carry dates without times: a window of 7 days includes both ends, and
two transactions on the same day count as possibly ordered either way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

DAY_US = 86_400_000_000

#: Countries on the documented smuggling corridors (shared/domain.md, "Routes"): transit and
#: border regions. Context only: it raises a finding's weight, it never makes one on its own.
CORRIDOR_COUNTRIES = (
    "NE", "LY", "SD", "TN", "TR", "IR", "GR", "BG", "MK", "RS", "BA", "HU", "HR", "MA", "DZ",
    "MR", "MX", "GT", "DJ", "YE", "KE", "TZ", "MZ", "TH", "MY", "FR", "BE", "ES", "IT", "MT",
    "CY", "AT", "EG", "ET", "SO", "AE", "AF", "PK",
)  # fmt: skip


#: Money thresholds that follow the data's scale (:meth:`DetectionConfig.scaled_to`): the
#: currency and the size of a bank's customers are unknown. ``cash_threshold`` is not among
#: them: for structuring the legal reporting threshold is the point.
RELATIVE_MONEY = (
    "bipartite_min_amount",
    "pass_through_min_amount",
    "funnel_min_amount",
    "cash_wire_min_amount",
    "controller_max_amount",
    "revenue_min_inflow",
)


@dataclass(frozen=True)
class DetectionConfig:
    """Thresholds of every detector. Field names say the pattern they belong to.

    Notation follows shared/domain.md: ``k`` counterparties, ``window`` Δ, ``lag`` τ,
    ``margin`` m (an intermediary's cut), ``epsilon`` ε, ``cash_threshold`` θ.
    """

    # -- hubs ---------------------------------------------------------------------------------
    #: Distinct counterparties above which an account is a hub (a placeholder in all but name).
    hub_degree: int = 1000
    #: Transfers in one (sender, receiver) pair above which the pair is a standing relation
    #: (rent, salary, remittance to family): not counted towards fan-in/fan-out.
    max_pair_repeat: int = 3
    # -- 1, 2 fan-in / fan-out ----------------------------------------------------------------
    fan_k: int = 4
    fan_window_days: int = 20
    # -- 3 temporal cycle ---------------------------------------------------------------------
    cycle_max_len: int = 6
    cycle_window_days: int = 30
    # -- pass-on hops (cycles, scatter-gather, layering, pass-through) --------------------------
    #: A hop passes money on when the next transfer leaves within this lag ...
    pass_lag_days: int = 5
    #: ... with an amount between (1 - margin) and (1 + 0.001) of what came in.
    pass_margin: float = 0.15
    #: Middle accounts with more transfers than this are not followed (hubs, merchants).
    pass_max_degree: int = 400
    # -- 4 scatter-gather, 5 gather-scatter -----------------------------------------------------
    scatter_k: int = 3
    gather_scatter_k: int = 3
    gather_scatter_window_days: int = 14
    gather_scatter_balance: float = 0.2
    # -- 6, 7 bipartite and stack --------------------------------------------------------------
    bipartite_min_side: int = 2
    bipartite_max_receiver_degree: int = 20
    bipartite_window_days: int = 14
    #: least money a layer moves in total: friends settling small shared costs form dense
    #: little A × B squares of everyday payments (tens of euros); a layering step moves thousands
    bipartite_min_amount: float = 1000.0
    # -- 8 layering chain ----------------------------------------------------------------------
    chain_min_hops: int = 4
    # -- 9 pass-through ------------------------------------------------------------------------
    pass_through_ratio: float = 0.8
    pass_through_min_events: int = 2
    pass_through_min_amount: float = 1000.0
    # -- 10 dense flow (FlowScope-style peeling) ----------------------------------------------
    dense_flow_min_middles: int = 3
    # -- 11 structuring ------------------------------------------------------------------------
    cash_threshold: float = 10_000.0
    structuring_epsilon: float = 0.15
    structuring_n: int = 3
    structuring_window_days: int = 7
    # -- 12 border collector, 16 many senders abroad ------------------------------------------
    collector_k: int = 5
    collector_countries: int = 3
    collector_window_days: int = 90  # a season: fees for groups leaving weeks apart
    unrelated_k: int = 3
    #: Share of distinct surnames among the senders (below it they look like one family).
    unrelated_surname_share: float = 0.5
    # -- 13 out-of-area, 14 funnel, 15 cash-in/wire-out ---------------------------------------
    out_of_area_k: int = 4
    out_of_area_locations: int = 3
    out_of_area_window_days: int = 14
    funnel_ratio: float = 0.7
    funnel_lag_days: int = 7
    funnel_min_amount: float = 5000.0
    cash_wire_lag_days: int = 7
    cash_wire_ratio: float = 0.6
    cash_wire_min_amount: float = 5000.0
    # -- 17 controller, 19 victim expenses, 20 revenue w/o payroll, 21 hawala ------------------
    controller_k: int = 3
    controller_min_payments: int = 3
    controller_max_amount: float = 2000.0
    signatory_k: int = 3
    victim_travellers: int = 2
    victim_cities: int = 3
    victim_window_days: int = 30
    revenue_growth: float = 1.5
    revenue_min_inflow: float = 20_000.0
    hawala_min_inbound: int = 10
    hawala_size_ratio: float = 5.0
    hawala_balance: float = 0.25
    # -- 22 stage payments, 23 pay on arrival ---------------------------------------------------
    stage_min_countries: int = 2
    stage_window_days: int = 90
    #: Payers (relatives) paying the same route in the same order, for an instance.
    stage_min_payers: int = 2
    arrival_lag_days: int = 3
    arrival_min_travellers: int = 3
    #: Share of a broker's outgoing payments that must be releases after arrivals.
    arrival_release_share: float = 0.5
    # -- 18 shared identifiers -----------------------------------------------------------------
    shared_max_group: int = 8
    # -- travel ---------------------------------------------------------------------------------
    co_travel_min_legs: int = 2
    co_travel_max_group: int = 40
    crossing_window_hours: int = 1
    facilitator_min_trips: int = 2
    payer_min_travellers: int = 3
    courier_min_round_trips: int = 2
    courier_max_days: int = 4
    group_fan_in_days: int = 10
    # -- entity resolution ----------------------------------------------------------------------
    er_threshold: float = 0.80
    er_max_block: int = 200
    # -- significance and cases ------------------------------------------------------------------
    #: Benjamini-Hochberg false-discovery rate over the instances of a pattern: findings with a
    #: q-value at most this build cases (engine/detect/significance.py, cases.py).
    significance_fdr: float = 0.05
    #: Smallest case (core accounts, parties and travel records) that is reported.
    min_cluster_accounts: int = 3
    corridor_countries: tuple[str, ...] = field(default=CORRIDOR_COUNTRIES)
    # -- the data's money scale ---------------------------------------------------------------
    #: ``"relative"``: the thresholds of :data:`RELATIVE_MONEY` are given for data whose median
    #: transaction is ``money_reference`` and are rescaled to the data's own median when the
    #: frame is built (:func:`engine.detect.frame.median_amount`); ``"absolute"``: used as
    #: given (in the base currency).
    money_thresholds: str = "relative"
    #: The median transaction of the world the defaults were set on (the default synthetic
    #: world: 91 EUR at small scale).
    money_reference: float = 90.0
    #: The factor the relative thresholds were multiplied by (set by :meth:`scaled_to`).
    money_factor: float = 1.0
    max_instances: int = 20_000

    def days(self, value: float) -> int:
        """``value`` days in epoch microseconds (the unit of ``ts``)."""
        return int(value * DAY_US)

    def scaled_to(self, median_transfer: float) -> DetectionConfig:
        """This config with the :data:`RELATIVE_MONEY` thresholds rescaled to data whose median
        transaction is ``median_transfer`` (unchanged when absolute, or when the median is not
        a positive number: no transactions).

        Raises
        ------
        ValueError
            ``money_thresholds`` is neither ``"relative"`` nor ``"absolute"``, or
            ``money_reference`` is not positive.
        """
        if self.money_thresholds not in ("relative", "absolute"):
            raise ValueError(
                f"money_thresholds must be 'relative' or 'absolute', not {self.money_thresholds!r}"
            )
        if not self.money_reference > 0:
            raise ValueError(f"money_reference must be positive, not {self.money_reference!r}")
        if self.money_thresholds == "absolute" or not median_transfer > 0:
            return self
        if not np.isfinite(median_transfer):
            return self
        factor = float(median_transfer) / self.money_reference
        values = {k: getattr(self, k) / self.money_factor * factor for k in RELATIVE_MONEY}
        return replace(self, money_factor=factor, **values)

    def subset(self, *prefixes: str) -> dict[str, object]:
        """The thresholds whose names start with one of ``prefixes`` (for evidence cards)."""
        return {k: v for k, v in asdict(self).items() if k.startswith(prefixes)}
