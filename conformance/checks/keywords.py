"""The JSON Schema keywords the suite checks: the registry `KEYWORDS`, one entry per keyword.

Each entry (`@keyword`, on the function that writes its Japanese message) names its finding code and,
when the compiler translates the keyword, its SQL predicate: TRUE for a violating record (NULL values
are `required`'s business), and the predicate's exact Python twin (`python`: True for a violating value,
None being NULL), which evaluates the compiled checks of a small table (schema_python.py). A keyword without a predicate is checked by the row-wise fallback only; its
finding is named after it. Structure (`$ref`, `allOf`, `type: string`, the closed root object) is the
compiler's own business (compile.py). Messages never quote a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from conformance.checks.database import literal
from conformance.checks.formats import VALUE_FORMATS
from conformance.checks.registry import KeywordCheck, Message, Predicate, PythonTwin, register
from conformance.results import codes
from conformance.spec.ecma_regex import translate

KEYWORDS: dict[str, KeywordCheck] = {}
"""Every keyword whose violation the suite reports, by its JSON Schema name."""


def keyword(
    name: str, *, code: str, precedence: int = 50, sql: Predicate | None = None, python: PythonTwin | None = None,
    compiles: Callable[[Any], bool] | None = None,
) -> Callable[[Message], Message]:
    """Register the decorated message function as keyword `name`'s (see KeywordCheck)."""

    def decorate(message: Message) -> Message:
        entry = KeywordCheck(name, code, message, sql, compiles or (lambda value: True), precedence=precedence, python=python)
        register(KEYWORDS, name, entry)
        return message

    return decorate


def precedence(keyword: str, value: Any) -> int:
    """The precedence of one use of a keyword (a `format`: its value format's): of the keywords of one
    requirement that one value breaks, the lowest gives the finding (registry.KeywordCheck.precedence)."""
    if keyword == "format" and value in VALUE_FORMATS:
        return VALUE_FORMATS[value].precedence
    entry = KEYWORDS.get(keyword)
    return entry.precedence if entry is not None else OTHER_KEYWORD_PRECEDENCE


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


@cache
def _python_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern).python)


@cache
def _members(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(values)


# The Python twins: True when a present value violates the keyword, as the predicate is TRUE; an absent
# value (None, NULL in SQL) makes every predicate but `required`'s NULL, so it violates nothing else.
# DuckDB's length() counts code points, as len() does; its text comparisons are exact, as Python's.
def _pattern_violated(raw: str | None, value: Any) -> bool:
    return raw is not None and _python_pattern(value).search(raw) is None


def _enum_violated(raw: str | None, value: Any) -> bool:
    return raw is not None and raw not in _members(tuple(value))


# Compiled from the root's list only (compile_constraints), never inside an item's subschema.
@keyword("required", code=codes.MISSING_ITEM, precedence=0, compiles=lambda value: False, sql=lambda column, value, large: f"{column} IS NULL",
         python=lambda raw, value: raw is None)
def _required(name: str, value: Any, raw: str | None) -> str:
    return f"必須項目「{name}」が空です。"


# ECMA-262 translated exactly (ecma_regex): `compiles` raises UntranslatablePattern for a pattern no engine
# here can check exactly, so the table's checks end in an `error` verdict naming it, never a wrong answer.
@keyword("pattern", code=codes.PATTERN_MISMATCH, precedence=40, compiles=lambda value: isinstance(value, str) and bool(translate(value)),
         sql=lambda column, value, large: f"NOT regexp_matches({column}, {literal(translate(value).re2)})", python=_pattern_violated)
def _pattern(name: str, value: Any, raw: str | None) -> str:
    return f"「{name}」が形式 {value} に一致しません。"


@keyword("maxLength", code=codes.TOO_LONG, precedence=30, sql=lambda column, value, large: f"length({column}) > {int(value)}",
         python=lambda raw, value: raw is not None and len(raw) > int(value))
def _max_length(name: str, value: Any, raw: str | None) -> str:
    length = f"（{len(raw)}文字）" if raw is not None else ""
    return f"「{name}」が{value}文字を超えています{length}。"


@keyword("minLength", code=codes.TOO_SHORT, precedence=30, sql=lambda column, value, large: f"length({column}) < {int(value)}",
         python=lambda raw, value: raw is not None and len(raw) < int(value))
def _min_length(name: str, value: Any, raw: str | None) -> str:
    return f"「{name}」が{value}文字に足りません。"


@keyword("enum", code=codes.NOT_IN_CODE_TABLE, precedence=20, compiles=_strings,
         sql=lambda column, value, large: f"{column} NOT IN ({', '.join(literal(v) for v in value)})", python=_enum_violated)
def _enum(name: str, value: Any, raw: str | None) -> str:
    shown = "、".join(str(v) for v in value[:20]) + ("…" if len(value) > 20 else "")
    return f"「{name}」がコード表の値（{shown}）ではありません。"


@keyword("const", code=codes.CONST_MISMATCH, precedence=20, compiles=lambda value: isinstance(value, str),
         sql=lambda column, value, large: f"{column} <> {literal(value)}", python=lambda raw, value: raw is not None and raw != value)
def _const(name: str, value: Any, raw: str | None) -> str:
    return f"「{name}」は {value} でなければなりません。"


@keyword("additionalProperties", code=codes.UNKNOWN_ITEM, precedence=0)
def _additional_properties(name: str, value: Any, raw: str | None) -> str:
    # Compiled as the header check (an unknown column), not as a predicate; row-wise, one per item.
    return f"「{name}」は標準にない項目です。"


def _format_predicate(column: str, value: Any, large: bool) -> str:
    # `large`: the table is big enough that a format's SQL twin, slow to compile but fast to run,
    # beats calling Python per value. A joinable format is then already checked by one regex per record
    # over the joined items (compile.candidate_predicates), so per item it runs on the few candidate
    # records only: the Python function there spares one regex compile per item (38 in 住民, ~30-100 ms
    # each for the character patterns), measured as most of the cost of the larger 行政事務標準文字 pattern.
    fmt = VALUE_FORMATS[value]
    if large and fmt.large_table_sql is not None and not fmt.joinable:
        return f"NOT {fmt.large_table_sql(column)}"
    return f"NOT {fmt.function_name}({column})"


def _format_violated(raw: str | None, value: Any) -> bool:
    # The value format's own function: tests/test_formats.py holds it equal to its SQL macro.
    return raw is not None and not VALUE_FORMATS[value].check(raw)


register(KEYWORDS, "format", KeywordCheck(
    "format", None, None, _format_predicate, compiles=lambda value: value in VALUE_FORMATS, python=_format_violated,
    describe_value=lambda name, value, raw: VALUE_FORMATS[value].describe(name, raw),
    precedence=60,  # each value format declares its own (precedence())
))


OTHER_KEYWORD_PRECEDENCE = 35
"""The precedence of a keyword checked row by row only: after a wrong type (10), before a pattern."""

OTHER_KEYWORD_MESSAGE = "「{name}」が {keyword} の条件を満たしません。"
"""The message of a keyword checked row by row only (and of one without an entry)."""


def _named_after(keyword: str) -> Message:
    def message(name: str, value: Any, raw: str | None) -> str:
        return OTHER_KEYWORD_MESSAGE.format(name=name, keyword=keyword)

    return message


# Checked row by row only; the finding code is the keyword in kebab case.
for _name, _code in {
    "type": codes.TYPE, "minimum": codes.MINIMUM, "maximum": codes.MAXIMUM,
    "exclusiveMinimum": codes.EXCLUSIVE_MINIMUM, "exclusiveMaximum": codes.EXCLUSIVE_MAXIMUM,
    "multipleOf": codes.MULTIPLE_OF, "minItems": codes.MIN_ITEMS, "maxItems": codes.MAX_ITEMS,
    "uniqueItems": codes.UNIQUE_ITEMS, "items": codes.ITEMS, "contains": codes.CONTAINS,
    "minContains": codes.MIN_CONTAINS, "maxContains": codes.MAX_CONTAINS,
    "minProperties": codes.MIN_PROPERTIES, "maxProperties": codes.MAX_PROPERTIES,
    "dependentRequired": codes.DEPENDENT_REQUIRED, "anyOf": codes.ANY_OF, "oneOf": codes.ONE_OF, "not": codes.NOT,
    "unevaluatedItems": codes.UNEVALUATED_ITEMS, "unevaluatedProperties": codes.UNEVALUATED_PROPERTIES,
    "false": codes.FALSE_SCHEMA,
}.items():
    register(KEYWORDS, _name, KeywordCheck(_name, _code, _named_after(_name),
                                           precedence=10 if _name == "type" else OTHER_KEYWORD_PRECEDENCE))
