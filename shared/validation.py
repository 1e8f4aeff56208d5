"""The values every request model and event contract shares, each with its bounds: text with a
maximum length (and no character Postgres cannot store), phone numbers and national ID numbers
checked by maintained libraries, ids, weeks, months, and times and dates inside a plausible
window. A value outside its bounds is a 422 that names its field."""

from __future__ import annotations

import functools
import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, AwareDatetime, StringConstraints
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from shared.privacy import mask_id_in_text

# Nothing the business records happened before 2000 or is planned past 2100; outside these
# bounds date arithmetic overflows (year 9999 + a day) or the value is garbage (year 0001).
# Routes narrow this further with ctx.business_time / shared.context.planned_time.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# A backstop for any text field without its own bound (request models check every value).
MAX_TEXT = 10_000
# Numbers must fit a Postgres bigint.
BIGINT = 2**63 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
# The telephone kinds a customer, shipper or consignee can be called (and texted) on.
_CALLABLE = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def check_text(value: str) -> str:
    """Text may hold tabs and line breaks, never other control characters (NUL cannot even be
    stored)."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def check_line(value: str) -> str:
    """One line: no control characters at all."""
    if _LINE_CONTROL.search(value):
        raise ValueError("must be one line without control characters")
    return value


def free_text(value: str) -> str:
    """Free text is stored and published with any resident ID number in it masked (people type
    them into descriptions and notes); codes and ids are never rewritten."""
    return mask_id_in_text(value)


@functools.lru_cache(maxsize=8192)
def normalise_phone(value: str) -> str:
    """A Chinese mobile or fixed-line number in one canonical form: mobiles as their 11 digits,
    fixed lines with their area code and its 0 (010…). +86, 0086, spaces, dashes, dots and
    parentheses are accepted; the number itself is never repeated in the error (logs)."""
    # Cached: parsing costs ~70 µs and the same customers' numbers come back all day (lookups,
    # repeat callers); a refusal raises, and lru_cache never caches an exception.
    if any(ch.isalpha() for ch in value):  # the library would read letters as a keypad's
        raise ValueError("a phone number must not contain letters")
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if parsed.country_code != 86:
        raise ValueError("only Chinese (+86) phone numbers are accepted")
    # +86 has one region, so is_valid_number(n) is exactly number_type(n) != UNKNOWN: one
    # match against the metadata instead of two.
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise ValueError("not a valid Chinese phone number (landlines need their area code)")
    if kind not in _CALLABLE:
        raise ValueError("must be a mobile or a fixed-line number")
    national = str(parsed.national_number)
    return national if kind == phonenumbers.PhoneNumberType.MOBILE else "0" + national


def normalise_national_id(value: str) -> str:
    """A resident ID number (居民身份证号码): 18 characters, a real birth date, the ISO 7064
    check digit (stdnum.cn.ric). The 15-digit cards stopped being valid in 2013. Never echoed."""
    try:
        number: str = ric.validate(value)
    except StdnumError:
        raise ValueError(
            "not a valid resident ID number (18 characters, a real birth date, the check digit)"
        ) from None
    return number


def normalise_uuid(value: str) -> str:
    """A uuid in its canonical text form."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a uuid") from None


def check_week(value: str) -> str:
    """An ISO week (2026-W47) that exists, within the plausible years."""
    match = _WEEK.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO week like 2026-W47")
    year, week = int(match[1]), int(match[2])
    if not EARLIEST.year <= year < LATEST.year:
        raise ValueError(f"the year must be between {EARLIEST.year} and {LATEST.year - 1}")
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no week {week}") from None
    return value


def check_month(value: str) -> str:
    """A month (2026-11) within the plausible years."""
    match = _MONTH.fullmatch(value)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError("must be a month like 2026-11")
    if not EARLIEST.year <= int(match[1]) < LATEST.year:
        raise ValueError(f"the year must be between {EARLIEST.year} and {LATEST.year - 1}")
    return value


def check_moment(value: datetime) -> datetime:
    """A time within the plausible window."""
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must be between {EARLIEST.date()} and {LATEST.date()}")
    return value


def check_day(value: date) -> date:
    """A date within the plausible window."""
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must be between {EARLIEST.date()} and {LATEST.date()}")
    return value


# Ids and codes: branch codes, staff `sub`s, waybills, regions, kinds (one line, ≤ 64).
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(check_line),
]
# A person's or a company's name.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(check_line),
    AfterValidator(free_text),
]
# A short label (a layout, a source, a station note): may be empty.
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    AfterValidator(check_line),
    AfterValidator(free_text),
]
# An address.
Address = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(check_line),
    AfterValidator(free_text),
]
# Free text (descriptions, findings, notes, reasons): several lines allowed.
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(check_text),
    AfterValidator(free_text),
]
# Free text that may be left empty.
Notes = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(check_text),
    AfterValidator(free_text),
]
# A call's comment: longer than other free text (a conversation's summary).
Comment = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=4000),
    AfterValidator(check_text),
    AfterValidator(free_text),
]
Phone = Annotated[
    str,
    StringConstraints(max_length=40),
    AfterValidator(normalise_phone),
]
NationalId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=40),
    AfterValidator(normalise_national_id),
]
Uuid = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=36), AfterValidator(normalise_uuid)
]
Week = Annotated[
    str,
    StringConstraints(max_length=8, pattern=r"^\d{4}-W\d{2}$"),
    AfterValidator(check_week),
]
Month = Annotated[
    str,
    StringConstraints(max_length=7, pattern=r"^\d{4}-\d{2}$"),
    AfterValidator(check_month),
]
# An opaque keyset cursor as a list returned it.
Cursor = Annotated[str, StringConstraints(max_length=512)]
Moment = Annotated[AwareDatetime, AfterValidator(check_moment)]
Day = Annotated[date, AfterValidator(check_day)]


def check_values(value: Any) -> Any:
    """The backstop every request model runs on every field: text within MAX_TEXT and free
    of NUL, integers within bigint, through lists and mappings."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"must be at most {MAX_TEXT} characters")
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
    elif isinstance(value, bool):
        return value
    elif isinstance(value, int):
        if not -BIGINT - 1 <= value <= BIGINT:
            raise ValueError("is too large")
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_values(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_values(key)
            check_values(item)
    return value
