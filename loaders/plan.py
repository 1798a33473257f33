"""A loading plan: which canonical tables a tabular file fills, from which columns, and how.

Format modules (:mod:`loaders.canonical`, :mod:`loaders.public`, :mod:`loaders.mapped`) look at
a file's columns and return a :class:`Plan`; :mod:`loaders.chunked` carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.mapping import Mapping, Source


@dataclass(frozen=True)
class Plan:
    """``tables[name][field]`` is the source of each canonical field; ``mapping`` the options."""

    format: str
    mapping: Mapping
    tables: dict[str, dict[str, Source]]

    def columns(self) -> list[str]:
        """Source columns to read, in a stable order."""
        seen: dict[str, None] = {}
        for fields in self.tables.values():
            for source in fields.values():
                for column in source.columns:
                    seen.setdefault(column, None)
        return list(seen)
