"""The typology registry: one :class:`Typology` per pattern the detectors report.

Everything that needs to know about a pattern reads it from here: the runner
(:func:`engine.detect.run.detect` calls each spec's ``detect`` function), scoring (``weight``,
``family``), evidence cards (``source``, ``role``), the docs and the benchmarks (``truth``: the
generator's names for what it plants). A pattern without a spec is an error
(:func:`typology` raises), never a silent default. Adding a typology is one spec here and its
detect function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.detect.frame import Frame
    from engine.detect.hits import Hits

#: Red-flag sources (shared/domain.md, "Sources of the red flags").
SOURCES = {
    "generic": "AMLSim / AMLworld typologies; FATF-APG 2018",
    "smuggling": "FinCEN FIN-2023-Alert001; FATF 2022 migrant smuggling",
    "trafficking": "FinCEN FIN-2020-A008; FATF-APG 2018",
    "flowscope": "Li et al., FlowScope, AAAI-20",
    "travel": "FATF 2022 migrant smuggling (travel and payment links)",
    "identity": "FinCEN FIN-2023-Alert001 (shared identifiers, document reuse)",
}
#: The independent layers of evidence (a case where several agree is worth more).
FAMILIES = ("money", "travel", "identity")


@dataclass(frozen=True)
class Typology:
    """One pattern the detectors report.

    Attributes
    ----------
    name : str
        Pattern name (``Hits.pattern``).
    family : str
        Layer of evidence, one of :data:`FAMILIES`.
    source : str
        Key of :data:`SOURCES` (the red-flag source).
    weight : float
        Prior weight of one finding (lower for detectors that fire on ordinary customers).
    role : str or None
        Role of a finding's anchor account on evidence cards and member lists.
    config : tuple of str
        Prefixes of the :class:`~engine.detect.config.DetectionConfig` fields it reads.
    detect : str
        ``module:function`` of the detect function (``frame -> Hits | list[Hits]``); several
        specs may name one function that returns several patterns in one pass.
    stage : str
        Stage name the runner times it under.
    truth : tuple of str
        The synthetic generator's names for planted instances of this pattern.
    null : str
        How a finding's significance is judged (:mod:`engine.detect.significance`):
        ``"novelty"``, against the data (its transfers between customers against the one-off
        rate of its own accounts; a finding without such transfers, travel and identity ones,
        takes the prior); ``"prior"``, the prior alone: cash patterns, whose other side is a
        hub and where a legal threshold is the point; ``"permutation"``, set by the detector
        itself against the same transfers with their times permuted (an empirical false
        discovery rate, :mod:`engine.detect.loops`), kept as it is.
    """

    name: str
    family: str
    source: str
    weight: float
    role: str | None
    config: tuple[str, ...]
    detect: str
    stage: str
    truth: tuple[str, ...] = ()
    null: str = "novelty"

    @property
    def prior_p(self) -> float:
        """Significance a finding has before the data speaks: ``10 ** (−2 · weight)`` (a weight
        is the evidence one finding carries, in half decades of odds)."""
        return 10.0 ** (-2.0 * self.weight)

    @property
    def source_text(self) -> str:
        return SOURCES[self.source]

    @property
    def label(self) -> str:
        """Human name of the red flag (:data:`DESCRIPTIONS`)."""
        return DESCRIPTIONS[self.name][0]

    @property
    def reason(self) -> str:
        """One line saying why the pattern is a red flag (:data:`DESCRIPTIONS`)."""
        return DESCRIPTIONS[self.name][1]

    def function(self) -> Callable[[Frame], Hits | list[Hits]]:
        """The detect function named by ``detect``."""
        module, name = self.detect.split(":")
        return getattr(import_module(module), name)  # type: ignore[no-any-return]


_F, _C, _S, _T = (
    "engine.detect.flows",
    "engine.detect.cash",
    "engine.detect.smuggling",
    "engine.detect.travel",
)
T = Typology
#: Every pattern, in the order the runner reports them.
TYPOLOGIES: tuple[Typology, ...] = (
    T("fan_in", "money", "generic", 0.5, "collector", ("fan_", "max_pair"), f"{_F}:fan_in", "flows", ("fan_in",)),
    T("fan_out", "money", "generic", 0.5, "distributor", ("fan_", "max_pair"), f"{_F}:fan_out", "flows", ("fan_out", "facilitator_payments")),
    T("temporal_cycle", "money", "generic", 2.0, "cycle start", ("cycle_", "pass_"), f"{_F}:temporal_cycle", "flows", ("cycle",)),
    T("scatter_gather", "money", "generic", 2.0, "source", ("scatter_", "pass_"), f"{_F}:scatter_gather", "flows", ("scatter_gather",)),
    T("gather_scatter", "money", "generic", 1.5, "hub", ("gather_scatter",), f"{_F}:gather_scatter", "flows", ("gather_scatter",)),
    T("bipartite", "money", "generic", 0.75, None, ("bipartite_",), f"{_F}:bipartite", "flows", ("bipartite",)),
    T("stack", "money", "generic", 2.0, None, ("bipartite_",), f"{_F}:bipartite", "flows", ("stack",)),
    T("layering_chain", "money", "generic", 2.0, "chain start", ("chain_", "pass_"), f"{_F}:layering_chain", "flows", ("layering_chain",)),
    T("new_money_loop", "money", "generic", 1.5, None, (), "engine.detect.loops:new_money_loop", "loops", (), "permutation"),
    T("pass_through", "money", "generic", 1.0, "mule", ("pass_",), f"{_F}:pass_through", "flows", ("pass_through",)),
    T("dense_flow", "money", "flowscope", 1.0, None, ("dense_flow", "pass_"), f"{_F}:dense_flow", "flows"),
    T("structuring", "money", "generic", 2.0, "structured deposits", ("cash_threshold", "structuring_"), f"{_C}:structuring", "cash", ("structuring",), "prior"),
    T("out_of_area", "money", "smuggling", 0.3, "out-of-area deposits", ("out_of_area",), f"{_C}:out_of_area", "cash", ("out_of_area_deposits",), "prior"),
    T("funnel", "money", "trafficking", 2.0, "funnel account", ("funnel",), f"{_C}:funnel", "cash", ("funnel_account",), "prior"),
    T("cash_in_wire_out", "money", "smuggling", 2.0, "cash in, wire out", ("cash_wire",), f"{_C}:cash_in_wire_out", "cash", ("cash_in_wire_out",), "prior"),
    T("shared_identifier", "identity", "identity", 0.5, None, ("shared_",), "engine.detect.people:shared_identifier_hits", "identity", ("document_reuse", "shared_identifiers")),
    T("border_collector", "money", "smuggling", 2.0, "collector", ("collector_", "corridor"), f"{_S}:border_collector", "smuggling", ("border_collector",)),
    T("unrelated_senders_abroad", "money", "smuggling", 2.0, "beneficiary", ("unrelated_",), f"{_S}:unrelated_senders_abroad", "smuggling", ("many_senders_one_beneficiary",)),
    T("controller", "money", "trafficking", 2.5, "controller", ("controller_", "signatory_"), f"{_S}:controller", "smuggling", ("controller_account",)),
    T("victim_expenses", "travel", "trafficking", 2.5, "expense payer", ("victim_",), f"{_S}:victim_expenses", "smuggling", ("victim_expenses",)),
    T("revenue_without_payroll", "money", "trafficking", 1.0, "front business", ("revenue_",), f"{_S}:revenue_without_payroll", "smuggling", ("revenue_without_payroll",), "prior"),
    T("hawala", "money", "smuggling", 2.0, "hawala broker", ("hawala_",), f"{_S}:hawala", "smuggling", ("hawala_settlement",), "prior"),
    T("stage_payments", "money", "smuggling", 2.5, "route payer", ("stage_",), f"{_S}:stage_payments", "smuggling", ("stage_payments",)),
    T("pay_on_arrival", "travel", "smuggling", 1.0, "broker", ("arrival_",), f"{_S}:pay_on_arrival", "smuggling", ("pay_on_arrival",)),
    T("co_travel_group", "travel", "travel", 1.5, None, ("co_travel", "crossing_"), f"{_T}:co_travel_cached", "travel", ("co_travel",)),
    T("facilitator", "travel", "travel", 1.0, None, ("facilitator_",), f"{_T}:co_travel_cached", "travel", ("facilitator_repeat",)),
    T("third_party_payer", "travel", "travel", 2.5, "ticket payer", ("payer_",), f"{_T}:third_party_payer", "travel", ("third_party_ticket_payer",)),
    T("payment_trip_alignment", "travel", "travel", 2.0, "trip-aligned cash", ("pass_margin",), f"{_T}:payment_trip_alignment", "travel", ("payment_trip_alignment",)),
    T("courier_round_trips", "travel", "travel", 2.5, "courier", ("courier_",), f"{_T}:courier_round_trips", "travel", ("courier_round_trips",)),
    T("group_fan_in", "travel", "travel", 3.0, "collector", ("group_fan_in",), f"{_T}:group_fan_in_hits", "travel", ("group_crossing_fan_in",)),
)  # fmt: skip
del T


@cache
def _by_name() -> dict[str, Typology]:
    return {t.name: t for t in TYPOLOGIES}


def typology(name: str) -> Typology:
    """The spec of pattern ``name``.

    Raises
    ------
    KeyError
        ``name`` has no spec in :data:`TYPOLOGIES` (a detector reports a pattern nobody
        registered: add its spec).
    """
    try:
        return _by_name()[name]
    except KeyError:
        raise KeyError(
            f"pattern {name!r} has no typology spec; add one to engine.detect.typologies.TYPOLOGIES"
        ) from None


def truth_names() -> dict[str, str]:
    """Generator truth name → detector pattern name (for measuring against planted worlds)."""
    return {truth: t.name for t in TYPOLOGIES for truth in t.truth}


#: Pattern name → (human name, one-line reason it is a red flag), for cases and evidence cards.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "fan_in": (
        "Many senders, one collector",
        "Many accounts pay into one account in a short time, as smugglers collect fees.",
    ),
    "fan_out": (
        "One payer, many receivers",
        "One account pays many accounts in a short time, as a network pays its facilitators.",
    ),
    "temporal_cycle": (
        "Money going round in a circle",
        "Money leaves an account and comes back to it through others, in time order: a laundering loop.",
    ),
    "scatter_gather": (
        "Split and gathered again",
        "A sum is split over several intermediaries and gathered again by one account.",
    ),
    "gather_scatter": (
        "Gathered and split again",
        "Many payments meet in one hub that passes them on to many accounts.",
    ),
    "bipartite": (
        "Two groups paying across",
        "One group of accounts pays another group, with little else: a layering stage.",
    ),
    "stack": (
        "Stacked layers of accounts",
        "Money crosses several groups of accounts in layers before it arrives.",
    ),
    "layering_chain": (
        "Chain of quick hand-ons",
        "Money passes along a chain of accounts, each passing nearly all of it on soon.",
    ),
    "new_money_loop": (
        "Strangers' money going round",
        "Accounts that otherwise never deal with each other pay each other in loops within days"
        " (money circled, split and gathered again, or passed among a set), far more than the"
        " same transfers at shuffled times would.",
    ),
    "pass_through": (
        "Money mule",
        "An account passes on almost everything it receives within days.",
    ),
    "dense_flow": (
        "Dense flow through a group",
        "A small group moves far more money between themselves than their customers usually do (FlowScope).",
    ),
    "structuring": (
        "Deposits kept under the threshold",
        "Cash deposits just under the reporting threshold, repeatedly.",
    ),
    "out_of_area": (
        "Cash paid in far from home",
        "Cash is paid in at places far from where the account holder lives.",
    ),
    "funnel": ("Funnel account", "Cash paid in at many places is taken out or wired out at one."),
    "cash_in_wire_out": ("Cash in, wire out", "Cash paid in is soon wired abroad."),
    "shared_identifier": (
        "Shared phone, document or address",
        "Different people share a document number, phone, e-mail or address.",
    ),
    "border_collector": (
        "Collector near a border",
        "An account near a crossing point collects many payments from people of the smuggling corridor.",
    ),
    "unrelated_senders_abroad": (
        "Unrelated senders abroad, one beneficiary",
        "Many unrelated senders abroad pay one beneficiary, as migrants pay a smuggler.",
    ),
    "controller": (
        "One person controls many accounts",
        "One person holds or signs for many accounts that others appear to own.",
    ),
    "victim_expenses": (
        "Pays other people's living costs",
        "One account pays rent, travel or fees for several other people.",
    ),
    "revenue_without_payroll": (
        "Revenue without payroll",
        "A business takes in money but pays no wages or suppliers.",
    ),
    "hawala": (
        "Hawala-style settlement",
        "Round sums settle between brokers with no trade behind them.",
    ),
    "stage_payments": (
        "Paid in stages along a route",
        "Payments follow the stages of a journey, as a smuggling fee is paid in parts.",
    ),
    "pay_on_arrival": (
        "Paid on arrival",
        "A payment follows a traveller's arrival, as fees are released when a crossing succeeds.",
    ),
    "co_travel_group": (
        "Travel together",
        "Several people travel together on the same route and day, more than once.",
    ),
    "facilitator": (
        "Repeat travel companion",
        "One person travels again and again with different people.",
    ),
    "third_party_payer": (
        "Pays other people's tickets",
        "One person or account pays tickets for travellers who are not family.",
    ),
    "payment_trip_alignment": (
        "Payments that follow trips",
        "Cash payments line up with the dates of trips.",
    ),
    "courier_round_trips": (
        "Courier round trips",
        "Short round trips abroad with cash moves before or after.",
    ),
    "group_fan_in": (
        "A group crossing pays one account",
        "People who crossed together then pay one collector.",
    ),
}
