"""Personal data kept out of logs, events, traces and dead letters."""

from __future__ import annotations

import re

# National ID numbers (18 chars, or 15 digits) vanish; mobile numbers keep 3 + 4 digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_id_numbers(text: str) -> str:
    """Remove national ID numbers (kept nowhere in clear: not in logs, events or dead letters)."""
    return _ID_NUMBER.sub("[id-number]", text)


def mask(text: str) -> str:
    """Remove national ID numbers and mask phone numbers in free text."""
    return _MOBILE.sub(r"\1****\2", _ID_NUMBER.sub("[id-number]", text))
