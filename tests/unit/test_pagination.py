"""The one keyset cursor codec: what a list returned comes back as the same sort key."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.web.errors import Problem
from shared.web.pagination import after, encode, page

pytestmark = pytest.mark.quick


def test_a_cursor_from_a_page_comes_back_as_its_sort_key() -> None:
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    body = page(
        [{"created_at": at, "id": "a"}, {"created_at": at, "id": "b"}], 1, ("created_at", "id")
    )
    assert after(body["next_cursor"], datetime, str) == (at, "a")
    assert after(None, datetime, str) is None and after("", str) is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        encode(["x"]),
        encode(["2026-01-01", "a", "b"]),
        encode([1, "a"]),
        encode(["no date", "a"]),
    ],
)
def test_a_cursor_no_list_returned_is_a_422_naming_the_cursor(cursor: str) -> None:
    with pytest.raises(Problem) as caught:
        after(cursor, datetime, str)
    assert caught.value.status == 422 and caught.value.errors == [
        {"field": "cursor", "message": "not a cursor this API returned"}
    ]


def test_numbers_are_numbers_and_booleans_are_not() -> None:
    assert after(encode([3, "x"]), int, str) == (3, "x")
    with pytest.raises(Problem):
        after(encode([True, "x"]), int, str)


def test_a_day_comes_back_as_a_date() -> None:
    body = page(
        [{"due_on": date(2026, 3, 1), "id": "a"}, {"due_on": date(2026, 3, 2)}], 1, ("due_on", "id")
    )
    assert after(body["next_cursor"], date, str) == (date(2026, 3, 1), "a")
    with pytest.raises(Problem):
        after(encode(["1 March", "a"]), date, str)
