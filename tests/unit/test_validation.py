"""The platform's shared values (shared/validation.py): phone numbers and resident ID numbers
checked by maintained libraries, weeks, months and the plausible window of times."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.privacy import mask_id_in_text
from shared.validation import (
    Code,
    Day,
    LongText,
    Moment,
    Month,
    Name,
    NationalId,
    Week,
    normalise_national_id,
    normalise_phone,
)

pytestmark = pytest.mark.quick


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("(+86) 138.1234.5678", "13812345678"),
        ("１３８ １２３４ ５６７８", "13812345678"),  # full-width input
        ("010-8888 6666", "01088886666"),
        ("(010) 88886666", "01088886666"),
        ("（0755）8888-6666", "075588886666"),
        ("+86 10 8888 6666", "01088886666"),
        ("+86 (0)21 6666 8888", "02166668888"),
    ],
)
def test_phone_numbers_have_one_canonical_form(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12345678901", "not a valid Chinese phone number"),  # no such mobile prefix
        ("138abc45678", "letters"),
        ("", "not a phone number"),
        ("12345", "not a valid"),
        ("1381234567", "not a valid"),
        ("8888666", "not a valid"),  # a local number without its area code
        ("+1 415 555 0100", "only Chinese"),
        ("400-800-1234", "mobile or a fixed-line"),  # cannot receive a text or a callback
    ],
)
def test_impossible_phone_numbers_are_refused_without_repeating_them(
    raw: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as info:
        normalise_phone(raw)
    assert "5678" not in str(info.value) and "0100" not in str(info.value)


@pytest.mark.parametrize(
    "raw",
    [
        "110101199003070000",  # wrong check digit
        "110101199002300012",  # 30 February
        "000000000000000000",  # all zeros
        "999999199003078888",  # no such place
        "110105491231002",  # the 15-digit cards stopped being valid in 2013
        "11010519491231002",
    ],
)
def test_impossible_id_numbers_are_refused_without_repeating_them(raw: str) -> None:
    with pytest.raises(ValueError, match="not a valid resident ID number") as info:
        normalise_national_id(raw)
    assert raw not in str(info.value)


def test_a_real_id_number_is_kept_compact_and_upper_case() -> None:
    assert TypeAdapter(NationalId).validate_python(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("adapter", "good", "bad"),
    [
        (Week, "2026-W53", ["9999-W52", "2025-W53", "2026-W00", "2026-47", "0001-W01"]),
        (Month, "2026-11", ["9999-12", "2026-13", "2026-00", "202611", "1999-12"]),
        (
            Moment,
            datetime(2026, 12, 6, tzinfo=UTC),
            ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-12-06T10:00:00", 0],
        ),
        (Day, date(2026, 12, 6), ["9999-12-31", "0001-01-01"]),
        (Name, "王芳", ["", "x" * 101, "王\x00芳", "王\n芳"]),
        (LongText, "第一行\n第二行", ["", "x" * 2001, "a\x00b", "a\x07b"]),
    ],
)
def test_values_outside_their_bounds_are_refused(
    adapter: object, good: object, bad: list[object]
) -> None:
    check = TypeAdapter(adapter)
    assert check.validate_python(good) == good
    for value in bad:
        with pytest.raises(ValidationError):
            check.validate_python(value)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("身份证110101198001010010请核实", "身份证**************0010请核实"),
        ("ID 11010519491231002x.", "ID **************002X."),
        ("卡号 110101 19800101 0010", "卡号 **************0010"),  # grouped as on the card
        ("旧证 110101800101001", "旧证 ***********1001"),  # legacy 15 digits, real date and place
        ("运单 123456789012345678", "运单 123456789012345678"),  # wrong check digit: a waybill
        ("110101199002300012", "110101199002300012"),  # 30 February: not an ID number
        ("订单 202612061234567", "订单 202612061234567"),  # 15 digits, no real place
        ("电话 13812345678", "电话 13812345678"),
    ],
)
def test_id_numbers_in_free_text_are_masked_other_numbers_kept(typed: str, stored: str) -> None:
    assert mask_id_in_text(typed) == stored
    assert TypeAdapter(LongText).validate_python(typed) == stored


def test_codes_are_never_rewritten() -> None:
    # A code that happens to be a valid ID number (a waybill, an id) is kept as given.
    assert TypeAdapter(Code).validate_python("110101198001010010") == "110101198001010010"
