"""How values from the target appear in reports: masked by default, 個人番号 never, and inert."""

from __future__ import annotations

import re

MASK = "***"
# C0/C1 controls (an ESC starts a terminal escape sequence that can rewrite the screen or the window
# title), the bidirectional overrides that make text read differently from its bytes, and lone
# surrogates (an undecodable file name), which cannot be printed at all.
_UNSAFE_IN_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def terminal_safe(text: str) -> str:
    """Text for a terminal or a CI log: every control character as a visible `\\xNN` / `\\uNNNN`."""
    return _UNSAFE_IN_TERMINAL.sub(
        lambda match: f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100 else f"\\u{ord(match.group()):04x}", text
    )


def shown_value(value: str | None, personal: str | None, show_values: bool) -> str | None:
    """The value as a report may show it.

    `personal` is the item's `x-personal` annotation: "never" (個人番号) gives None even with
    --show-values; "mask" keeps the first character only, with a fixed-length mask so that the
    length does not leak either.
    """
    if value is None or personal == "never":
        return None
    if personal == "mask" and not show_values:
        return value[:1] + MASK
    return value
