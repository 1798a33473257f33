"""Column mappings for the dashboard: the mapping-file parser of :mod:`loaders.mapping`, offered
as a service (the dashboard reaches loaders only through engine services)."""

from __future__ import annotations

import os
from typing import Any

from loaders.mapping import Mapping, parse_mapping, read_mapping


def parse(data: dict[str, Any], name: str = "mapping") -> Mapping:
    """A :class:`~loaders.mapping.Mapping` from a parsed mapping document (see docs/formats.md).

    Raises ``InputError`` naming ``name`` and the wrong key."""
    return parse_mapping(data, name=name)


def read(path: str | os.PathLike[str]) -> Mapping:
    """Read a TOML or YAML mapping file (as ``moneytrail ingest --mapping``)."""
    return read_mapping(path)


__all__ = ["Mapping", "parse", "read"]
