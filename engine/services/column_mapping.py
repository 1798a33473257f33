"""Column mappings for the dashboard: the mapping-file parser of :mod:`loaders.mapping`, offered
as a service (the dashboard reaches loaders only through engine services)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from loaders.mapping import Mapping, parse_mapping, read_mapping
from loaders.tabular import csv_header


def parse(data: dict[str, Any], name: str = "mapping") -> Mapping:
    """A :class:`~loaders.mapping.Mapping` from a parsed mapping document (see docs/formats.md).

    Raises ``InputError`` naming ``name`` and the wrong key."""
    return parse_mapping(data, name=name)


def read(path: str | os.PathLike[str]) -> Mapping:
    """Read a TOML or YAML mapping file (as ``moneytrail ingest --mapping``)."""
    return read_mapping(path)


def header(path: str | os.PathLike[str], name: str) -> tuple[list[str], str]:
    """Column names and delimiter of a delimited file, as the loader will see them."""
    return csv_header(Path(path), name)


__all__ = ["Mapping", "header", "parse", "read"]
