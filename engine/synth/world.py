"""Generate a world and write it: the entry points behind :mod:`engine.synth`."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from engine.core import schema
from engine.core.errors import ConfigError
from engine.synth.params import Params, make_params
from engine.synth.profiles import WorldParams


@dataclass
class World:
    """A generated world: canonical input tables, ground truth, and the parameters used.

    ``tables`` holds ``accounts``, ``parties``, ``holdings``, ``transactions`` and ``travel``
    with exactly the schemas of :mod:`engine.core.schema` (``batch_id`` null); ``truth`` the ground
    truth tables described in ``docs/generator.md``.
    """

    tables: dict[str, pa.Table]
    truth: dict[str, pa.Table]
    params: Params | WorldParams
    timings: dict[str, float] = field(default_factory=dict)  # seconds per generation stage
    #: What a ``lookalike`` or ``random`` world realised (transfers per kind, accounts,
    #: laundering accounts, the legitimate-to-laundering ratio); empty for ``default``.
    realised: dict[str, float] = field(default_factory=dict)


def generate(
    scale: str = "tiny", seed: int = 0, profile: str = "default", **overrides: object
) -> World:
    """Generate a synthetic world of money, travel and identities with planted operations.

    Parameters
    ----------
    scale:
        ``tiny`` (~10k transactions), ``small`` (~200k), ``medium`` (~2M) or ``large`` (~10M);
        for the ``lookalike`` and ``random`` profiles 600, 5k, 60k or 200k customers.
    seed:
        Seed of the one random generator; the same seed gives the same world, byte for byte.
    profile:
        ``default`` (smuggling, trafficking, typologies and hard negatives), ``lookalike``
        (laundering in the eight generic typologies among legitimate look-alikes, drawn like
        normal traffic) or ``random`` (the look-alike world with its hyper-parameters drawn
        per seed); see ``docs/generator.md``.
    **overrides:
        Any field of :class:`engine.synth.params.Params` (for example ``n_smuggling=5``), or
        of :class:`engine.synth.profiles.WorldParams` for the other profiles.

    Raises
    ------
    ConfigError
        For an unknown profile, scale or parameter.

    Notes
    -----
    Vectorised with numpy: one call per kind of activity, Python loops only per planted
    operation, group or identity record. Time and memory grow linearly with the scale.
    """
    from engine.synth import negatives, smuggling, trafficking, typologies
    from engine.synth.assemble import assemble
    from engine.synth.background import background_transactions, build_economy
    from engine.synth.builder import Builder
    from engine.synth.trips import ordinary_trips

    if profile != "default":
        return _generate_profile(profile, scale, seed, **overrides)
    p = make_params(scale, seed, **overrides)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    b = Builder(p)
    eco = build_economy(b)
    lap("economy")
    smuggling.plant(b, eco)
    trafficking.plant(b, eco)
    lap("smuggling_trafficking")
    typologies.plant(b, eco)
    negatives.plant(b, eco)
    lap("typologies_negatives")
    ordinary_trips(b, eco)
    lap("ordinary_trips")
    background_transactions(b, eco, planted=b.n_tx)
    lap("background")
    tables, truth = assemble(b)
    lap("assemble")
    return World(tables, truth, p, timings)


def _generate_profile(profile: str, scale: str, seed: int, **overrides: object) -> World:
    """A ``lookalike`` or ``random`` world (:mod:`engine.synth.lookalike`)."""
    from engine.synth.assemble import assemble
    from engine.synth.lookalike import build
    from engine.synth.profiles import make_world_params

    wp = make_world_params(profile, scale, seed, **overrides)
    b, timings, counts = build(wp)
    clock = time.perf_counter()
    tables, truth = assemble(b)
    timings["assemble"] = time.perf_counter() - clock
    laundering = truth["accounts"].filter(
        pc.is_in(truth["accounts"]["op_id"], truth["operations"].filter(
            pc.equal(truth["operations"]["category"], "typology"))["op_id"])
    )  # fmt: skip
    n_laundering = len(set(laundering["account_id"].to_pylist()))
    realised: dict[str, float] = {
        **counts,
        "customers": wp.n_customers,
        "laundering_accounts": n_laundering,
        "laundering_account_share": n_laundering / wp.n_customers,
        "patterns": int(pc.sum(pc.equal(
            truth["operations"]["category"], "typology")).as_py() or 0),
        "lookalike_per_laundering_transfer": counts["lookalike_transfers"]
        / max(1, counts["laundering_transfers"]),
    }  # fmt: skip
    return World(tables, truth, wp, timings, realised)


def write_world(world: World, out: Path | str, fmt: str = "parquet") -> list[Path]:
    """Write ``out/<table>.parquet`` (or ``.csv``) per canonical table and ``out/truth/*.parquet``.

    Returns the paths written. The truth is always Parquet, with ``truth/params.json``.
    """
    if fmt not in ("parquet", "csv"):
        raise ConfigError(f"unknown format {fmt!r}; choose parquet or csv")
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in schema.INPUT_TABLES:
        table = world.tables[name]
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            pq.write_table(table, path, compression="zstd")
        else:
            pacsv.write_csv(table, path)
        written.append(path)
    for name, table in world.truth.items():
        path = out / "truth" / f"{name}.parquet"
        pq.write_table(table, path, compression="zstd")
        written.append(path)
    params = out / "truth" / "params.json"
    values = asdict(world.params)
    if world.realised:
        values["realised"] = world.realised
    params.write_text(json.dumps(values, default=str, indent=1) + "\n")
    written.append(params)
    return written
