"""How values from the target appear in reports: masked by default, 個人番号 never, and inert.

Two independent protections:

- `shown_value` applies an item's `x-personal` annotation to the value of a finding (by item).
- `mask_my_numbers` masks anything that looks like a 個人番号 in any text (by value, whatever the
  item, file name or library message it is in). The result model applies it to every string it is
  built from (results/model.py), and again when it serialises, so no reporter can forget it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from typing import Any

from conformance.results.check_digits import has_mod11_check_digit

MASK = "…"
"""Stands for the hidden rest of a masked value: an ellipsis, not one mark per character, so that the
length does not leak and the value does not look longer than it is."""

MY_NUMBER_MASK = "［個人番号］"
"""What replaces a 個人番号-looking digit run in any report text (no digit of it is kept)."""

# A per-process random key: two different values masked in one run get different tags, the same value
# gets the same tag, and a tag cannot be matched against a dictionary of names (the key is never written).
_RUN_KEY = secrets.token_bytes(16)
_TAG_LENGTH = 4
# Tags issued in this process -> the keyed digest of the value each stands for (never the value).
_TAGS: dict[str, str] = {}
_TAGS_LOCK = threading.Lock()

# 個人番号: 12 digits, ASCII or full-width (a classic conversion of a number typed in a 全角 field), and
# in a longer run every 12-digit window (a number zero-padded to a wider column, or with a suffix).
_DIGIT = "[0-9\uff10-\uff19]"
_DIGIT_RUN = re.compile(f"{_DIGIT}{{12,}}")
# The grouping printed on the 個人番号カード and typed by people: 4-4-4 with one space or hyphen.
_GROUPED = re.compile(f"(?<!{_DIGIT})({_DIGIT}{{4}})([ \u3000\\-\uff0d\u2010])({_DIGIT}{{4}})\\2({_DIGIT}{{4}})(?!{_DIGIT})")
_TO_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")
_FOUR_DIGITS = re.compile(f"{_DIGIT}{{4}}")  # both forms need one: most texts are let through on this alone
_MY_NUMBER_LENGTH = 12

# Characters that print as nothing (Unicode's format characters Cf, the line and paragraph separators Zl
# and Zp) and the Hangul fillers, which print as blank: a BOM or a zero-width space inside a header name
# or at the start of a value makes a report line look right when it is not. A test keeps the Cf list
# equal to unicodedata's. Variation selectors (Mn, part of 行政事務標準文字's IVS sequences) are not here.
INVISIBLE = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"  # Cf
    "\u2028\u2029"  # Zl, Zp
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
# For a terminal: C0/C1 controls (an ESC starts a terminal escape sequence that can rewrite the screen or
# the window title), lone surrogates (an undecodable file name), which cannot be printed at all, and the
# invisible characters above (among them the bidirectional overrides that make text read differently
# from its bytes, U+2028 and U+FEFF).
_UNSAFE_IN_TERMINAL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff{INVISIBLE}]")


def name_invisible(text: str) -> str:
    """`text` with every invisible character named by its code point (`<U+FEFF>`), so that a header
    「\\ufeff個人番号」 does not read as 「個人番号」."""
    return _INVISIBLE.sub(lambda match: f"<U+{ord(match.group()):04X}>", text) if _INVISIBLE.search(text) else text


def terminal_safe(text: str) -> str:
    """Text for a terminal or a CI log: every control character as a visible `\\xNN` / `\\uNNNN`,
    and no 個人番号."""
    return _UNSAFE_IN_TERMINAL.sub(
        lambda match: f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100
        else f"\\u{ord(match.group()):04x}" if ord(match.group()) < 0x10000 else f"\\U{ord(match.group()):08x}",
        mask_my_numbers(text),
    )


LIBRARY_MESSAGE_LIMIT = 160
"""How many characters of a library's own message a finding or an error may quote."""


def library_message(error: BaseException, limit: int = LIBRARY_MESSAGE_LIMIT, *, typed: bool = True) -> str:
    """A third-party library's exception (calamine, openpyxl, json, csv, zipfile, yaml, DuckDB) as a
    finding or an error may quote it: its type (unless `typed` is False) and its first line, cut at
    `limit` characters, controls escaped, and no 個人番号 (a library quotes the data it choked on, e.g.
    an unknown XML entity `&123456789018;`). Every library message shown to a user goes through here."""
    text = sanitised(str(error), limit)
    if not typed:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def sanitised(text: str, limit: int = LIBRARY_MESSAGE_LIMIT) -> str:
    """Foreign text (a library's message) made fit to show: its first line only, no 個人番号 (masked before
    the cut, so that a cut cannot split a number out of the mask), at most `limit` characters, controls
    escaped."""
    lines = text.strip().splitlines()
    first = mask_my_numbers(lines[0]) if lines else ""
    if len(first) > limit or len(lines) > 1:
        first = first[:limit] + "…"
    return terminal_safe(first)


def is_my_number_digits(digits: str) -> bool:
    """12 digits (ASCII or full-width) whose last is the 個人番号 check digit of the others."""
    ascii_digits = digits.translate(_TO_ASCII)
    return len(ascii_digits) == _MY_NUMBER_LENGTH and ascii_digits.isascii() and ascii_digits.isdigit() \
        and has_mod11_check_digit(ascii_digits)


def mask_my_numbers(text: str) -> str:
    """`text` with every 個人番号-looking digit run replaced by MY_NUMBER_MASK.

    A run of exactly 12 digits is masked when its check digit is valid (1 in 11 of all 12-digit
    numbers: a false mask hides a harmless number, a missed one would show a person's number). In a
    longer run each 12-digit window is tried, and the digits of every valid window are masked (the
    others stay); so a 宛名番号 of 13 to 15 digits is sometimes partly masked. 4-4-4 groups separated
    by one space or hyphen are tried as one number.
    """
    if len(text) < _MY_NUMBER_LENGTH or not _FOUR_DIGITS.search(text):
        return text
    return _GROUPED.sub(_mask_grouped, _DIGIT_RUN.sub(_mask_run, text))


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    hidden = [False] * len(run)
    for start in range(len(run) - _MY_NUMBER_LENGTH + 1):
        if is_my_number_digits(run[start : start + _MY_NUMBER_LENGTH]):
            hidden[start : start + _MY_NUMBER_LENGTH] = [True] * _MY_NUMBER_LENGTH
    if not any(hidden):
        return run
    parts: list[str] = []
    for index, character in enumerate(run):
        if not hidden[index]:
            parts.append(character)
        elif index == 0 or not hidden[index - 1]:
            parts.append(MY_NUMBER_MASK)
    return "".join(parts)


def _mask_grouped(match: re.Match[str]) -> str:
    return MY_NUMBER_MASK if is_my_number_digits(match.group(1) + match.group(3) + match.group(4)) else match.group()


def mask_my_numbers_in(value: Any) -> Any:
    """`mask_my_numbers` through a JSON-like value (str, list, tuple, dict keys and values)."""
    if isinstance(value, str):
        return mask_my_numbers(value)
    if isinstance(value, dict):
        return {mask_my_numbers_in(key): mask_my_numbers_in(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_my_numbers_in(item) for item in value)
    return value


def renew_masking_key() -> None:
    """A fresh random key and no tags issued: what a new process starts with. A process that serves many
    runs (`conformance batch` workers) calls it between runs, so that tags never link values across runs."""
    global _RUN_KEY
    with _TAGS_LOCK:
        _RUN_KEY = secrets.token_bytes(16)
        _TAGS.clear()


def masked_tag(value: str) -> str:
    """A short tag that tells two masked values of one run apart without revealing either.

    Distinct values never get the same tag in one process: a tag is lengthened, one hex digit at a
    time, past any shorter tag already issued for another value (only keyed digests are remembered)."""
    digest = hashlib.blake2s(value.encode("utf-8", "surrogatepass"), key=_RUN_KEY, digest_size=16).hexdigest()
    length = _TAG_LENGTH
    with _TAGS_LOCK:
        while (owner := _TAGS.setdefault(digest[:length], digest)) != digest and length < len(digest):
            length += 1
        assert owner == digest  # two values with one 128-bit keyed digest: not in this universe
    return "#" + digest[:length]


def shown_value(value: str | None, personal: str | None, show_values: bool) -> str | None:
    """The value as a report may show it.

    `personal` is the item's `x-personal` annotation: "never" (個人番号) gives None even with
    --show-values; "mask" keeps the first character of a value of two or more (none of a value of one,
    which it would show whole), then `…` and a tag of this run (`甲…#3f9a`): the length does not leak,
    no mark stands for a character (a value never looks longer than it is), and two different values
    never look equal (甲野 and 甲田: masked_tag). Any value, shown or masked, goes through
    `mask_my_numbers`.
    """
    if value is None or personal == "never":
        return None
    if personal == "mask" and not show_values:
        shown = value[:1] if len(value) > 1 else ""
        return mask_my_numbers(shown) + MASK + masked_tag(value)
    return mask_my_numbers(value)


EMPTY_VALUE = "（空）"
"""Stands for no value where a value is named inside a text (`宛名番号=（空）`): never a mask."""

HIDDEN_VALUE = "（非表示）"
"""Stands for a value that is never shown (個人番号, even with --show-values) inside a text."""


def shown_part(value: str | None, personal: str | None, show_values: bool) -> str:
    """A value as part of a longer text (a rule's `item=value`, a record's key, the key in a request's path):
    `shown_value`'s form (masked and tagged alike everywhere), `（空）` for no value, `（非表示）` for one never
    shown; a placeholder no reader takes for a masked value."""
    if value is None or value == "":
        return EMPTY_VALUE
    shown = shown_value(value, personal, show_values)
    return HIDDEN_VALUE if shown is None else shown
