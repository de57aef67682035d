"""Check-digit arithmetic shared by the checks (value formats) and the results (the 個人番号 mask), and
what a declaration's `check_digits` means (read by the checks, the result and the fixture builder).

Pure functions on ASCII digit strings; they live here, in the lowest layer, so that the masking of
reports can recognise a 個人番号 without importing the checks.
"""

from __future__ import annotations

CHECK_DIGIT_PROFILES: dict[str, dict[str, str | None]] = {
    "legacy": {"jp-m11": None},
    "all": {},
}
"""What a declaration's `check_digits` may say, each as the formats it replaces (None: not asserted).

住民記録システム標準仕様書 1.1.13 gives 宛名番号・世帯番号 their modulus-11 check digit for new numbers
only: numbers assigned before it are valid without one. So by default (`legacy`) a `jp-m11` number is
judged by its shape alone (the `m11-number` pattern: 2 to 15 digits); a vendor declaring `all` (every
such number carries a check digit) has the check digits judged. National numbers (個人番号, 住民票コード,
団体コード, 法人番号) always carry theirs and are always checked."""
DEFAULT_CHECK_DIGITS = "legacy"


def mod11_weights_2_to_7(base: str) -> int:
    """Check digit of `base`: weights 2..7 cycling from the rightmost digit, remainder <= 1 gives 0.

    For a 個人番号 (11 digits before the check digit) these are the weights of 平成26年総務省令第85号
    第5条 (Qn = n + 1 for n <= 6, n - 5 for n >= 7)."""
    total = sum(int(digit) * (2 + position % 6) for position, digit in enumerate(reversed(base)))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def has_mod11_check_digit(digits: str) -> bool:
    """`digits` (ASCII digits only, at least 2) ends in the modulus-11 check digit of the rest."""
    return len(digits) >= 2 and mod11_weights_2_to_7(digits[:-1]) == int(digits[-1])
