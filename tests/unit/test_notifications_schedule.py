"""Recurring call schedules in Asia/Shanghai (DOMAIN.md §2.1 warranty, §2.3 weekly, §4.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications.domain import ScheduleKind, add_months, next_occurrence, occurrences
from shared.calendar import BUSINESS_TZ
from shared.calendar import add_months as calendar_add_months

pytestmark = pytest.mark.quick

WEEKLY, MONTHLY, QUARTERLY = ScheduleKind.WEEKLY, ScheduleKind.MONTHLY, ScheduleKind.QUARTERLY


def local(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


def test_a_stop_at_the_start_of_a_day_makes_no_call_on_that_day() -> None:
    # The stop is exclusive: a stop at 00:00 on 2028-01-15 leaves out the call of that day.
    calls = occurrences(QUARTERLY, local(2026, 1, 15), local(2028, 1, 15, 0))
    assert [c.date() for c in calls] == [
        date(2026, 4, 15),
        date(2026, 7, 15),
        date(2026, 10, 15),
        date(2027, 1, 15),
        date(2027, 4, 15),
        date(2027, 7, 15),
        date(2027, 10, 15),
    ]
    assert all(c.hour == 10 for c in calls)
    # A stop at the end of 2028-01-15 (the warranty's last day) includes its call: 8.
    assert len(occurrences(QUARTERLY, local(2026, 1, 15), local(2028, 1, 16, 0))) == 8


def test_weekly_is_seven_days_apart_from_the_anchor() -> None:
    calls = occurrences(WEEKLY, local(2026, 1, 5, 9), None, limit=3)
    assert calls == [local(2026, 1, 12, 9), local(2026, 1, 19, 9), local(2026, 1, 26, 9)]


def test_monthly_keeps_the_anchor_day_clamped_to_the_month_end() -> None:
    calls = occurrences(MONTHLY, local(2026, 1, 31), local(2026, 6, 1), limit=10)
    assert [c.date() for c in calls] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)  # leap year
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_next_occurrence_is_strictly_after() -> None:
    anchor = local(2026, 1, 15)
    assert next_occurrence(QUARTERLY, anchor, anchor) == local(2026, 4, 15)
    assert next_occurrence(QUARTERLY, anchor, local(2026, 4, 15)) == local(2026, 7, 15)
    assert next_occurrence(QUARTERLY, anchor, local(2026, 4, 14)) == local(2026, 4, 15)
    assert next_occurrence(QUARTERLY, anchor, local(2027, 3, 1)) == local(2027, 4, 15)
    assert next_occurrence(QUARTERLY, anchor, local(2025, 1, 1)) == local(2026, 4, 15)
    assert next_occurrence(WEEKLY, local(2026, 1, 5), local(2026, 3, 2)) == local(2026, 3, 9)
    assert next_occurrence(WEEKLY, local(2026, 1, 5), local(2026, 3, 1)) == local(2026, 3, 2)
    assert next_occurrence(MONTHLY, local(2026, 1, 31), local(2026, 2, 28)) == local(2026, 3, 31)


def test_next_occurrence_agrees_with_the_list_for_any_instant() -> None:
    anchor = local(2026, 1, 31, 10)
    calls = occurrences(MONTHLY, anchor, None, limit=30)
    for after in calls[:-1]:
        assert next_occurrence(MONTHLY, anchor, after) == calls[calls.index(after) + 1]


def test_schedules_run_on_the_business_calendar_whatever_the_input_zone() -> None:
    # 2026-01-31 18:00 UTC is 2026-02-01 02:00 in Shanghai: the anchor day is Feb 1.
    anchor = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)
    first = next_occurrence(MONTHLY, anchor, anchor)
    assert (first.date(), first.hour) == (date(2026, 3, 1), 2)
    assert first.tzinfo == BUSINESS_TZ


# --- exact bounds, and the next occurrence against a plain count --------------------------------
def test_the_call_time_and_the_default_limit() -> None:
    from services.notifications.domain import call_time
    from services.notifications.domain.schedule import CALL_TIME, DEFAULT_LIMIT

    assert CALL_TIME == time(10, 0) and DEFAULT_LIMIT == 1000
    assert call_time(date(2026, 2, 28)) == local(2026, 2, 28, 10)
    assert len(occurrences(WEEKLY, local(2026, 1, 5), None)) == 1000


def test_a_stop_at_exactly_an_occurrence_leaves_it_out() -> None:
    anchor = local(2026, 1, 5, 9)
    assert occurrences(WEEKLY, anchor, local(2026, 1, 26, 9)) == [
        local(2026, 1, 12, 9),
        local(2026, 1, 19, 9),
    ]
    assert occurrences(WEEKLY, anchor, local(2026, 1, 12, 9)) == []
    assert occurrences(WEEKLY, anchor, local(2026, 1, 12, 9, 1)) == [local(2026, 1, 12, 9)]
    assert occurrences(WEEKLY, anchor, None, limit=0) == []
    assert occurrences(WEEKLY, anchor, None, limit=1) == [local(2026, 1, 12, 9)]


def test_add_months_across_years_and_backwards() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 2) == date(2027, 1, 30)
    assert add_months(date(2026, 12, 31), 12) == date(2027, 12, 31)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)
    assert add_months(date(2026, 5, 15), 0) == date(2026, 5, 15)


def test_the_next_occurrence_at_each_edge() -> None:
    anchor = local(2026, 1, 31, 10)
    # just before, at and just after the anchor: the first occurrence
    for after in (local(2026, 1, 31, 9, 59), anchor, local(2026, 1, 31, 10, 1)):
        assert next_occurrence(MONTHLY, anchor, after) == local(2026, 2, 28, 10)
    # later in the month than the clamped day: that month's is past, the next month's
    assert next_occurrence(MONTHLY, anchor, local(2026, 2, 28, 10)) == local(2026, 3, 31, 10)
    assert next_occurrence(MONTHLY, anchor, local(2026, 2, 28, 9)) == local(2026, 2, 28, 10)
    assert next_occurrence(MONTHLY, anchor, local(2026, 3, 1)) == local(2026, 3, 31, 10)
    # years later: counted from the anchor, not walked from a guess
    assert next_occurrence(MONTHLY, anchor, local(2029, 6, 30, 11)) == local(2029, 7, 31, 10)
    assert next_occurrence(QUARTERLY, anchor, local(2029, 6, 30, 11)) == local(2029, 7, 31, 10)
    assert next_occurrence(QUARTERLY, anchor, local(2029, 7, 31, 10)) == local(2029, 10, 31, 10)
    weekly = local(2026, 1, 5, 10)
    assert next_occurrence(WEEKLY, weekly, weekly) == local(2026, 1, 12, 10)
    assert next_occurrence(WEEKLY, weekly, local(2026, 1, 12, 9, 59)) == local(2026, 1, 12, 10)
    assert next_occurrence(WEEKLY, weekly, local(2026, 1, 12, 10)) == local(2026, 1, 19, 10)
    assert next_occurrence(WEEKLY, weekly, local(2029, 12, 31, 10)) == local(2030, 1, 7, 10)
    assert next_occurrence(WEEKLY, weekly, local(2025, 6, 1)) == local(2026, 1, 12, 10)


def test_months_are_counted_in_shanghai_at_the_turn_of_a_month() -> None:
    # 16:30 UTC on Mar 31 is 00:30 on Apr 1 in Shanghai: April's call on the 1st is next
    anchor = local(2026, 1, 1, 10)
    after = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    assert next_occurrence(MONTHLY, anchor, after) == local(2026, 4, 1, 10)
    assert next_occurrence(QUARTERLY, anchor, after) == local(2026, 4, 1, 10)
    # an anchor in the first hours of a month in Shanghai is still the month before in UTC
    first_hours = local(2026, 2, 1, 2)
    assert next_occurrence(MONTHLY, first_hours, local(2026, 3, 1, 1)) == local(2026, 3, 1, 2)
    assert next_occurrence(QUARTERLY, first_hours, local(2026, 5, 1, 1)) == local(2026, 5, 1, 2)
    # an anchor given in UTC on the evening of Jan 31 is Feb 1 in Shanghai
    utc_anchor = datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
    assert next_occurrence(MONTHLY, utc_anchor, datetime(2026, 2, 28, 16, 30, tzinfo=UTC)) == (
        local(2026, 4, 1, 0)
    )


def counted(kind: ScheduleKind, anchor: datetime, after: datetime) -> datetime:
    """The occurrence after `after` by counting periods one by one from the anchor."""
    start = anchor.astimezone(BUSINESS_TZ)
    k = 1
    while True:
        if kind is WEEKLY:
            at = start + timedelta(days=7 * k)
        else:
            months = k * (1 if kind is MONTHLY else 3)
            at = datetime.combine(calendar_add_months(start.date(), months), start.timetz())
        if at > after:
            return at
        k += 1


INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.sampled_from(list(ScheduleKind)), INSTANTS, INSTANTS)
def test_property_the_next_occurrence_is_the_first_counted_one_after(
    kind: ScheduleKind, anchor: datetime, after: datetime
) -> None:
    found = next_occurrence(kind, anchor, after)
    assert found == counted(kind, anchor, after)
    assert found > after and found > anchor


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.sampled_from(list(ScheduleKind)), INSTANTS, st.integers(1, 40))
def test_property_from_an_occurrence_the_next_is_the_one_after_it(
    kind: ScheduleKind, anchor: datetime, n: int
) -> None:
    calls = occurrences(kind, anchor, None, limit=n + 1)
    assert next_occurrence(kind, anchor, calls[n - 1]) == calls[n]
