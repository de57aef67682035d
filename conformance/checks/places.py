"""Where a table's findings are: a file (with line numbers) or the request that listed the records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conformance.results import Location


class Place(Protocol):
    """How a table's findings are located; the checks ask it, so a location is right from the start."""

    @property
    def display(self) -> str:
        """The table's source as reports and reasons name it."""
        ...

    def at(self, line: int | None = None, record: int | None = None, item: str | None = None) -> Location:
        """The location of one record's item (any part may be unknown)."""
        ...


@dataclass(frozen=True, slots=True)
class FilePlace:
    """A table read from a file (`住民.csv`, `exports.xlsx#住民`): file, line, record, item."""

    display: str

    def at(self, line: int | None = None, record: int | None = None, item: str | None = None) -> Location:
        """File + line + record + item."""
        return Location(self.display, line, record, item)


@dataclass(frozen=True, slots=True)
class RequestPlace:
    """A table gathered from a list endpoint: the request (GET + URL), the record's position, the item.

    A gathered record has no line: its number is its position in the list."""

    display: str

    def at(self, line: int | None = None, record: int | None = None, item: str | None = None) -> Location:
        """GET + URL + record + item (the line is not a property of a listed record)."""
        return Location(record=record, item=item, method="GET", url=self.display)
