"""Recurring call schedules in Asia/Shanghai (DOMAIN.md §2.1 warranty, §2.3 weekly, §4.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.notifications.domain import ScheduleKind, add_months, next_occurrence, occurrences
from shared.calendar import BUSINESS_TZ

pytestmark = pytest.mark.quick

WEEKLY, MONTHLY, QUARTERLY = ScheduleKind.WEEKLY, ScheduleKind.MONTHLY, ScheduleKind.QUARTERLY


def local(y: int, mo: int, d: int, h: int = 10) -> datetime:
    return datetime(y, mo, d, h, tzinfo=BUSINESS_TZ)


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
