"""Phone numbers: one canonical digit string per Chinese number, masked wherever shown."""

from __future__ import annotations

import re
import unicodedata

# NFKC first turns full-width digits, brackets and spaces (common in Chinese input) into ASCII.
_DROP = str.maketrans("", "", " \t-().")
_DIGITS = re.compile(r"[0-9]+")
MOBILE_DIGITS = 11
MIN_DIGITS, MAX_DIGITS = 7, 12


def normalize_phone(raw: str) -> str:
    """The canonical form of a Chinese phone number: mobiles 11 digits, landlines with area code."""
    # Messages never echo the number itself: they end up in logs, where phones must be masked.
    cleaned = unicodedata.normalize("NFKC", raw).strip().translate(_DROP)
    if any(ch.isalpha() for ch in cleaned):
        raise ValueError("a phone number must not contain letters")
    if not cleaned:
        raise ValueError(f"a phone number is required ({MIN_DIGITS} to {MAX_DIGITS} digits)")
    international = cleaned.startswith("+")
    if international:
        cleaned = cleaned[1:]
    if not _DIGITS.fullmatch(cleaned):
        raise ValueError(
            "a phone number may only contain digits, spaces, dashes, dots and parentheses"
        )
    national = _strip_country_code(cleaned, international)
    if not MIN_DIGITS <= len(national) <= MAX_DIGITS:
        raise ValueError(
            f"a phone number has {MIN_DIGITS} to {MAX_DIGITS} digits "
            f"(landlines with their area code), this one has {len(national)}"
        )
    if national.startswith("1") and len(national) != MOBILE_DIGITS:
        raise ValueError(
            f"a mobile number has {MOBILE_DIGITS} digits starting with 1, "
            f"this one has {len(national)}"
        )
    return national


def _strip_country_code(digits: str, international: bool) -> str:
    """Drop +86 / 0086 / 86; abroad, a landline's area code loses its 0, so put it back."""
    if digits.startswith("0086"):
        national = digits[4:]
    elif international:
        if not digits.startswith("86"):
            raise ValueError("only Chinese (+86) phone numbers are accepted")
        national = digits[2:]
    elif len(digits) == MOBILE_DIGITS + 2 and digits.startswith("861"):
        return digits[2:]
    else:
        return digits
    is_mobile = len(national) == MOBILE_DIGITS and national.startswith("1")
    if not is_mobile and not national.startswith("0"):
        national = "0" + national  # "+86 10 8888 6666" is Beijing's 010
    return national


def mask_phone(phone: str) -> str:
    """The number as logs and screens show it: "13812345678" → "138****5678"."""
    tail = 4
    if len(phone) <= tail:
        return "*" * len(phone)
    head = 3 if len(phone) >= 10 else 0  # short local numbers would give too much away
    return phone[:head] + "*" * (len(phone) - head - tail) + phone[-tail:]
