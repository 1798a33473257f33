"""The benchmark harness: registered cases, each timing moneytrail against its peers.

A case is a function ``fn(ctx: BenchContext) -> list[Measurement]`` registered with
:func:`case`. Each case times moneytrail and the peer libraries (igraph, networkx, networkit,
scipy) on the same input in the same run, so the report can state ratios rather than absolute
times that depend on the machine. :mod:`benchmarks.run` discovers the modules in
``benchmarks/cases/``, runs the selected cases and writes the JSON and Markdown reports.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def _default_workdir() -> Path:
    """Scratch space: ``benchmarks/.work`` in a checkout, else ``./benchmark-results/.work``."""
    here = Path(__file__).resolve().parent
    if (here.parent / "pyproject.toml").is_file():
        return here / ".work"
    return Path.cwd() / "benchmark-results" / ".work"


@dataclass
class Measurement:
    """One timed run of one subject (moneytrail or a peer) on one input.

    ``case`` names the task (``louvain``), ``subject`` who did it (``moneytrail``, ``igraph``,
    ``networkx``, ``networkit``, ``scipy``, ``pyarrow``), ``size`` the input (``1M tx``).
    ``metrics`` holds quality and throughput figures (``modularity``, ``edges_per_s``,
    ``peak_mib``); ``note`` anything a reader must know (a peer that did not install, a
    reduced size).
    """

    case: str
    subject: str
    size: str
    seconds: float | None
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""
    #: The registered case that produced it (set by the runner; ``case`` may be finer).
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CaseSkipped(Exception):
    """Raised by a case that cannot run here (no data given, a peer missing): the report
    lists it as skipped with this reason instead of leaving it out."""


#: ``--scale`` values: ``standard`` (the default full suite, up to 1M transactions, under 30
#: minutes on 2 cores) and ``large`` (adds the 10M-transaction sizes).
SCALES = ("standard", "large")


@dataclass
class BenchContext:
    """What a case may use: the run's options and a scratch folder.

    ``scale`` is ``standard`` or ``large``; cases add their 10M-transaction sizes only when
    :attr:`large` is true (see :meth:`sizes`). ``external`` holds the ``(format, path)`` pairs
    given with ``--external`` (:mod:`benchmarks.cases.external`).
    """

    quick: bool = False
    scale: str = "standard"
    seed: int = 7
    workdir: Path = field(default_factory=lambda: _default_workdir())
    results_dir: Path = field(default_factory=lambda: Path("benchmarks/results"))
    cache: dict[str, Any] = field(default_factory=dict)
    #: (title, file name in results_dir) of the plots cases drew; the report embeds them.
    plots: list[tuple[str, str]] = field(default_factory=list)
    external: list[tuple[str, Path]] = field(default_factory=list)

    @property
    def large(self) -> bool:
        """True when the run asked for the opt-in 10M-transaction sizes (``--scale large``)."""
        return not self.quick and self.scale == "large"

    def sizes(self, quick: list[Any], standard: list[Any], large: list[Any]) -> list[Any]:
        """The sizes a case runs: ``quick``; else ``standard``, plus ``large`` when opted in."""
        if self.quick:
            return list(quick)
        return list(standard) + (list(large) if self.large else [])

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """Compute ``make()`` once per run and share it between cases (for example a graph)."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable[[BenchContext], list[Measurement]]
    quick: bool
    description: str


CASES: dict[str, Case] = {}


def case(
    name: str, *, quick: bool = True
) -> Callable[
    [Callable[[BenchContext], list[Measurement]]], Callable[[BenchContext], list[Measurement]]
]:
    """Register a benchmark case. ``quick=False`` leaves it out of ``--quick`` runs."""

    def register(
        fn: Callable[[BenchContext], list[Measurement]],
    ) -> Callable[[BenchContext], list[Measurement]]:
        CASES[name] = Case(name, fn, quick, (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return register


def timed(fn: Callable[..., Any], *args: Any, repeat: int = 1, **kwargs: Any) -> tuple[Any, float]:
    """Run ``fn(*args, **kwargs)`` ``repeat`` times; return the last result and the best time."""
    best = float("inf")
    result = None
    for _ in range(max(1, repeat)):
        gc.collect()
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return result, best
