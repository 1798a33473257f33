"""The synthetic world generator: money, travel and identities with planted smuggling and
trafficking operations, generic laundering typologies, hard negatives and ground truth; and
(``profile="lookalike"`` or ``"random"``) laundering hidden among legitimate look-alikes.

Public API (imported lazily so ``import engine.synth`` stays light)::

    generate(scale="tiny", seed=0, profile="default", **overrides) -> World
    write_world(world, out, fmt="parquet") -> list[Path]
    write_goaml(world, path, max_transactions=...) -> Path
    write_camt053(world, path, account_id=...) -> Path

See ``docs/generator.md`` for every parameter and the ground-truth layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.synth.camt import write_camt053
    from engine.synth.goaml import write_goaml
    from engine.synth.world import World, generate, write_world

__all__ = ["World", "generate", "write_camt053", "write_goaml", "write_world"]

_HOME = {
    "World": "engine.synth.world",
    "generate": "engine.synth.world",
    "write_world": "engine.synth.world",
    "write_goaml": "engine.synth.goaml",
    "write_camt053": "engine.synth.camt",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'engine.synth' has no attribute {name!r}")
