"""Unicode General_Category values by every name ECMA-262 accepts in `\\p{…}`, and their code points as
Python's `unicodedata` knows them (the Unicode version of the running Python: 14.0 on Python 3.11)."""

from __future__ import annotations

import unicodedata
from functools import cache

_MAX = 0x10FFFF

# Each General_Category name and alias ECMA-262 accepts (PropertyValueAliases.txt): the two-letter categories it stands for.
GENERAL_CATEGORIES: dict[str, tuple[str, ...]] = {}
for _names, _members in (
    (("L", "Letter"), ("Lu", "Ll", "Lt", "Lm", "Lo")), (("LC", "Cased_Letter"), ("Lu", "Ll", "Lt")),
    (("Lu", "Uppercase_Letter"), ("Lu",)), (("Ll", "Lowercase_Letter"), ("Ll",)),
    (("Lt", "Titlecase_Letter"), ("Lt",)), (("Lm", "Modifier_Letter"), ("Lm",)), (("Lo", "Other_Letter"), ("Lo",)),
    (("M", "Mark", "Combining_Mark"), ("Mn", "Mc", "Me")), (("Mn", "Nonspacing_Mark"), ("Mn",)),
    (("Mc", "Spacing_Mark"), ("Mc",)), (("Me", "Enclosing_Mark"), ("Me",)),
    (("N", "Number"), ("Nd", "Nl", "No")), (("Nd", "Decimal_Number", "digit"), ("Nd",)),
    (("Nl", "Letter_Number"), ("Nl",)), (("No", "Other_Number"), ("No",)),
    (("P", "Punctuation", "punct"), ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po")),
    (("Pc", "Connector_Punctuation"), ("Pc",)), (("Pd", "Dash_Punctuation"), ("Pd",)),
    (("Ps", "Open_Punctuation"), ("Ps",)), (("Pe", "Close_Punctuation"), ("Pe",)),
    (("Pi", "Initial_Punctuation"), ("Pi",)), (("Pf", "Final_Punctuation"), ("Pf",)),
    (("Po", "Other_Punctuation"), ("Po",)),
    (("S", "Symbol"), ("Sm", "Sc", "Sk", "So")), (("Sm", "Math_Symbol"), ("Sm",)), (("Sc", "Currency_Symbol"), ("Sc",)),
    (("Sk", "Modifier_Symbol"), ("Sk",)), (("So", "Other_Symbol"), ("So",)),
    (("Z", "Separator"), ("Zs", "Zl", "Zp")), (("Zs", "Space_Separator"), ("Zs",)),
    (("Zl", "Line_Separator"), ("Zl",)), (("Zp", "Paragraph_Separator"), ("Zp",)),
    (("C", "Other"), ("Cc", "Cf", "Cs", "Co", "Cn")), (("Cc", "Control", "cntrl"), ("Cc",)), (("Cf", "Format"), ("Cf",)),
    (("Cs", "Surrogate"), ("Cs",)), (("Co", "Private_Use"), ("Co",)), (("Cn", "Unassigned"), ("Cn",)),
):
    for _name in _names:
        GENERAL_CATEGORIES[_name] = _members


@cache
def category_ranges() -> dict[str, tuple[tuple[int, int], ...]]:
    """Every code point by its General_Category (two letters), as inclusive ranges, per Python's unicodedata."""
    found: dict[str, list[tuple[int, int]]] = {}
    for code in range(_MAX + 1):
        ranges = found.setdefault(unicodedata.category(chr(code)), [])
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return {name: tuple(ranges) for name, ranges in found.items()}
