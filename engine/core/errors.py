"""The exception tree: every error a user can cause is one of these.

The CLI and the dashboard turn a :class:`MoneytrailError` into one clear line (``str(exc)``);
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class MoneytrailError(Exception):
    """Base of every error a user can cause and fix."""


class InputError(MoneytrailError):
    """A file (or one of its rows or fields) that cannot be used.

    Parameters
    ----------
    message:
        What is wrong, in words an analyst understands.
    file, row, field:
        Where it is wrong; ``row`` is 1-based (data rows, or element index for XML).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ConfigError(MoneytrailError):
    """A setting (flag, environment variable, mapping file) that is missing or invalid."""


class StoreError(MoneytrailError):
    """A store operation that failed; the store is left as it was before the operation."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or opened (a Neo4j address, a data folder)."""

    def __init__(self, message: str, *, address: str) -> None:
        self.address = address
        super().__init__(f"{address}: {message}")


class AccessDenied(MoneytrailError):
    """The signed-in user's role does not allow the action."""
