"""Placeholder, filled in the next step."""

from __future__ import annotations

from engine.synth.background import Economy
from engine.synth.builder import Builder


def plant(b: Builder, eco: Economy) -> None:
    """Nothing yet."""
