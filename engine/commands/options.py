"""Options shared by the commands that open a store."""

from __future__ import annotations

from typing import Annotated

import typer

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store backend: embedded (default; env MONEYTRAIL_STORE) or neo4j.",
        show_default=False,
    ),
]
HomeOption = Annotated[
    str | None,
    typer.Option(
        "--home",
        help="EmbeddedStore folder (env MONEYTRAIL_HOME, default ./moneytrail-data).",
        show_default=False,
    ),
]
