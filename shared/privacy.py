"""Personal data kept out of logs, events, traces and dead letters, and identifiers derived
from personal data that cannot be reversed without the platform's secret key."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from stdnum.cn import ric

# National ID numbers (18 chars, or 15 digits) vanish; mobile numbers keep 3 + 4 digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")
# A resident ID number typed into free text: 18 characters or the legacy 15 digits, together
# or grouped as on the card (6 + 8 + 4, 6 + 6 + 3) with spaces or dashes.
_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx]|\d{6}[ -]?\d{6}[ -]?\d{3})(?![0-9A-Za-z])"
)
_SEPARATORS = re.compile(r"[ -]")

# The key of identifiers derived from personal data, published with Kefu: development only.
DEV_PERSONAL_DATA_KEY = "kefu-dev-only-id-hmac-key"
MIN_KEY_BYTES = 32  # as long as the HMAC-SHA256 output: not guessable by brute force


def mask_id_numbers(text: str) -> str:
    """Remove national ID numbers (kept nowhere in clear: not in logs, events or dead letters)."""
    return _ID_NUMBER.sub("[id-number]", text)


def mask(text: str) -> str:
    """Remove national ID numbers and mask phone numbers in free text."""
    return _MOBILE.sub(r"\1****\2", _ID_NUMBER.sub("[id-number]", text))


def is_id_number(candidate: str) -> bool:
    """Whether a number is a resident ID number: 18 characters with a real birth date and place
    and the right check digit, or a legacy 15-digit one whose date and place are real (read as
    its 18-character form). Ordinary long numbers (waybills, orders, accounts) almost never
    pass: one random 18-digit number in eleven has the right check digit, and far fewer a real
    place and date as well."""
    number = _SEPARATORS.sub("", candidate).upper()
    if len(number) == 15 and number.isdigit():
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    return len(number) == 18 and bool(ric.is_valid(number))


def mask_id_in_text(text: str) -> str:
    """Free text as it may be stored and published: every resident ID number in it replaced by
    its masked form (its last four characters, `**************123X`); other numbers untouched."""

    def masked(match: re.Match[str]) -> str:
        number = _SEPARATORS.sub("", match[0]).upper()
        return "*" * (len(number) - 4) + number[-4:] if is_id_number(number) else match[0]

    return _ID_IN_TEXT.sub(masked, text)


def key_problem(key: str, *, development: bool, setting: str) -> str | None:
    """Why a personal-data key must not serve (None when it may): outside development it must
    be set, not the published development key, and at least MIN_KEY_BYTES long."""
    if development:
        return None if key else f"{setting} must not be empty"
    if key == DEV_PERSONAL_DATA_KEY:
        return f"{setting} must be set: the development key is published with Kefu"
    if len(key.encode()) < MIN_KEY_BYTES:
        return f"{setting} must be at least {MIN_KEY_BYTES} bytes"
    return None


def keyed_digest(key: bytes, value: str) -> str:
    """HMAC-SHA256 of a value under the secret key (hex): the only way the platform derives
    a fingerprint or an identifier from personal data. A plain hash of a phone or an ID number
    falls to a dictionary of every possible number in seconds; this does not without the key."""
    if not key:
        raise ValueError("a secret key is required to derive anything from personal data")
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def pseudonym(key: bytes, purpose: str, value: str, *, size: int = 20) -> str:
    """A stable identifier for personal data under a purpose (keyed, so not reversible; the
    purpose keeps one value's identifiers for different uses apart)."""
    return keyed_digest(key, f"{purpose}\x1f{value}")[:size]


def random_id(prefix: str, *, size: int = 20) -> str:
    """A random identifier (`prefix_` + `size` hex digits): derived from nothing at all."""
    return f"{prefix}_{secrets.token_hex((size + 1) // 2)[:size]}"
