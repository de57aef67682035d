"""Check-digit arithmetic shared by the checks (value formats) and the results (the 個人番号 mask).

Pure functions on ASCII digit strings; they live here, in the lowest layer, so that the masking of
reports can recognise a 個人番号 without importing the checks.
"""

from __future__ import annotations


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
