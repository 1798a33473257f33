"""``moneytrail generate``: write a synthetic world (and optional goAML / camt.053 samples)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``generate`` command to ``app``."""

    @app.command()
    def generate(
        scale: Annotated[
            str, typer.Option(help="tiny (~10k tx), small (~200k), medium (~2M), large (~10M).")
        ] = "tiny",
        seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 0,
        profile: Annotated[
            str,
            typer.Option(
                help="default (smuggling, trafficking, typologies, hard negatives), lookalike "
                "(laundering among legitimate look-alikes, drawn like normal traffic) or random "
                "(the look-alike world with hyper-parameters drawn per seed)."
            ),
        ] = "default",
        out: Annotated[Path, typer.Option(help="Output folder.")] = Path("world"),
        fmt: Annotated[
            str, typer.Option("--format", help="parquet or csv for the input tables.")
        ] = "parquet",
        goaml: Annotated[
            int, typer.Option(help="Also write goaml.xml with up to N transactions.")
        ] = 0,
        camt: Annotated[
            int, typer.Option(help="Also write N camt.053 statements (busiest accounts).")
        ] = 0,
    ) -> None:
        """Generate a synthetic world of money, travel and identities with ground truth."""
        import time

        from rich.console import Console

        from engine.synth import generate as make_world
        from engine.synth import write_world

        console = Console(stderr=True)
        start = time.perf_counter()
        with console.status(f"generating a {scale} {profile} world (seed {seed})"):
            world = make_world(scale, seed, profile=profile)
            paths = write_world(world, out, fmt)
            if goaml:
                from engine.synth import write_goaml

                paths.append(write_goaml(world, out / "goaml.xml", max_transactions=goaml))
            if camt:
                from engine.synth.camt import busiest_accounts, write_camt053

                for i, account in enumerate(busiest_accounts(world, camt)):
                    path = out / f"camt053_{i + 1}.xml"
                    paths.append(write_camt053(world, path, account_id=account))
        counts = ", ".join(f"{t.num_rows:,} {name}" for name, t in world.tables.items())
        console.print(f"[green]wrote[/green] {out} in {time.perf_counter() - start:.1f}s: {counts}")
        console.print(f"{len(paths)} files; ground truth in {out / 'truth'}")
