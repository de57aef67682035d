"""The entries of the registry of checks: one per schema keyword, one per value format.

An entry carries everything the suite does with its check: the SQL predicate the compiler puts in the
one scan (and its large-table twin), the Python twin the row-wise fallback and the jsonschema format
checker use, the finding code (declared in conformance/results/codes.py) and the Japanese message.
The entries are registered where they are defined, with a decorator: value formats in
`conformance.checks.formats` (`VALUE_FORMATS`), keywords in `conformance.checks.keywords` (`KEYWORDS`).
An entry without a declared code or without a message cannot be built, so it cannot be registered;
neither can a keyword with an SQL predicate and no Python twin.
Each entry also declares its precedence: when one value breaks several keywords of one requirement,
the suite reports one finding, the lowest precedence's (`keywords.precedence`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from conformance.results.codes import finding_code

Entry = TypeVar("Entry", "ValueFormat", "KeywordCheck")


class RegistrationError(ValueError):
    """An entry that lacks its code or message, or a name registered twice."""


def _checked_code(what: str, code: str | None) -> str:
    if not code:
        raise RegistrationError(f"{what} has no finding code")
    try:
        return finding_code(code)
    except KeyError:
        raise RegistrationError(f"{what}: finding code {code!r} is not declared in conformance/results/codes.py") from None


@dataclass(frozen=True, slots=True)
class ValueFormat:
    """A value format of the `format` keyword: its Python test, its SQL twin, its code and message.

    `sql` is the body of a DuckDB macro of one VARCHAR parameter `v` (NULL in, NULL out); None registers
    `check` itself as a DuckDB scalar function instead. `large_table_sql` (column -> SQL TRUE when the
    value conforms) replaces it on tables large enough to repay its compile cost; `joinable`: that twin
    holds for items joined by ',' exactly when it holds for each of them. The message template may name
    `{item}` and `{chars}` (the code points outside the format's repertoire). `open_bound`: the text
    that stands for an unknown or open bound of a period (0000-01-01, 9999-12-31): valid, and NULL in the
    typed view the rules read, as an empty value is."""

    name: str
    check: Callable[[str], bool]
    code: str
    message: str
    sql: str | None = None
    large_table_sql: Callable[[str], str] | None = None
    joinable: bool = False
    outside: Callable[[str], str] | None = None
    open_bound: str | None = None
    # Which finding a value that breaks several keywords of one requirement gets (lower wins; see
    # KeywordCheck.precedence): a format is the least telling by default, its checks presuppose the form.
    precedence: int = 60

    def __post_init__(self) -> None:
        _checked_code(f"value format {self.name!r}", self.code)
        if not self.message or "{item}" not in self.message:
            raise RegistrationError(f"value format {self.name!r} has no message naming its {{item}}")
        if self.joinable and self.large_table_sql is None:
            raise RegistrationError(f"value format {self.name!r} is joinable without a large-table SQL twin")
        if self.open_bound is not None and not self.check(self.open_bound):
            raise RegistrationError(f"value format {self.name!r} rejects its own open bound {self.open_bound!r}")

    @property
    def function_name(self) -> str:
        """The name under which the format's function is registered in DuckDB."""
        return "fmt_" + self.name.replace("-", "_")

    def describe(self, item: str, raw: str | None) -> tuple[str, str]:
        """(code, message) of a value violating the format. `raw` only names code points, never quoted."""
        chars = self.outside(raw) if self.outside is not None and raw is not None else ""
        return self.code, self.message.format(item=item, chars=chars)


Predicate = Callable[[str, Any, bool], str]
"""(quoted column, keyword value, large table) -> SQL that is TRUE when the record violates the keyword."""
PythonTwin = Callable[["str | None", Any], bool]
"""(value, keyword value) -> True when the value violates the keyword: the predicate's exact Python twin
(None is an absent value, NULL in SQL: only `required` is violated by it)."""
Message = Callable[[str, Any, "str | None"], str]
"""(item name, keyword value, raw value) -> the Japanese message (never quoting the value)."""


@dataclass(frozen=True, slots=True)
class KeywordCheck:
    """A JSON Schema keyword: its code and message, and (when the compiler translates it) its SQL predicate
    and that predicate's Python twin (`python`: a small table's compiled checks run in Python, from one
    fetch of its rows; an entry with a predicate and no twin cannot be built).

    `compiles(value)` says whether this use of the keyword can be compiled; a keyword without a
    predicate is checked by the row-wise fallback only. `describe` overrides code and message where the
    keyword's value decides them (`format`: the value format's own)."""

    keyword: str
    code: str | None
    message: Message | None
    predicate: Predicate | None = None
    compiles: Callable[[Any], bool] = lambda value: True
    describe_value: Callable[[str, Any, str | None], tuple[str, str]] | None = None
    # One finding per record and item within a requirement: when one value breaks several of its
    # keywords, the finding is the lowest precedence's (the most telling: a wrong type before a wrong
    # code, a wrong code before a wrong length, length before pattern, pattern before format).
    precedence: int = 50
    python: PythonTwin | None = None

    def __post_init__(self) -> None:
        if self.predicate is not None and self.python is None:
            raise RegistrationError(f"keyword {self.keyword!r} has an SQL predicate without its Python twin")
        if self.describe_value is not None:
            if self.code is not None or self.message is not None:
                raise RegistrationError(f"keyword {self.keyword!r}: its value names code and message, not the keyword")
            return
        _checked_code(f"keyword {self.keyword!r}", self.code)
        if not callable(self.message):
            raise RegistrationError(f"keyword {self.keyword!r} has no message")

    def describe(self, item: str, value: Any, raw: str | None) -> tuple[str, str]:
        """(code, message) for a violation of this keyword."""
        if self.describe_value is not None:
            return self.describe_value(item, value, raw)
        assert self.code is not None and self.message is not None  # __post_init__
        return self.code, self.message(item, value, raw)


def register(registry: dict[str, Entry], name: str, entry: Entry) -> Entry:
    """Add `entry` under `name`, refusing a second entry of the same name."""
    if name in registry:
        raise RegistrationError(f"{name!r} is registered twice")
    registry[name] = entry
    return entry
