"""The service-level report's period rules and its grace table, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.notifications.domain import (
    OVERDUE_GRACE,
    overdue_graces,
    previous_week,
    range_period,
    report_period,
    week_period,
)
from shared.calendar import BUSINESS_TZ
from shared.errors import Invalid

pytestmark = pytest.mark.quick


def test_a_week_runs_from_monday_midnight_to_the_next_local_monday() -> None:
    period = week_period(" 2026-W01 ")
    # ISO week 1 of 2026 starts on Monday 29 December 2025.
    assert period.start == datetime(2025, 12, 29, tzinfo=BUSINESS_TZ)
    assert period.end == datetime(2026, 1, 5, tzinfo=BUSINESS_TZ)
    assert period.start == datetime(2025, 12, 28, 16, tzinfo=UTC)
    assert period.week == "2026-W01"


def test_a_range_includes_both_days_and_is_at_most_a_year() -> None:
    period = range_period(date(2026, 11, 1), date(2026, 11, 30))
    assert (period.start, period.end, period.week) == (
        datetime(2026, 11, 1, tzinfo=BUSINESS_TZ),
        datetime(2026, 12, 1, tzinfo=BUSINESS_TZ),
        None,
    )
    assert range_period(date(2026, 1, 1), date(2026, 12, 31)).end == datetime(
        2027, 1, 1, tzinfo=BUSINESS_TZ
    )  # 365 days
    with pytest.raises(Invalid) as long:
        range_period(date(2024, 1, 1), date(2025, 1, 1))  # 367 days
    with pytest.raises(Invalid) as backwards:
        range_period(date(2026, 3, 2), date(2026, 3, 1))
    assert long.value.field == backwards.value.field == "to"


def test_by_default_the_last_complete_local_week() -> None:
    # Monday 00:30 in Shanghai is still Sunday in UTC: the local week decides.
    monday = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)
    assert previous_week(monday) == "2026-W49"
    assert previous_week(monday - timedelta(hours=1)) == "2026-W48"
    assert report_period(None, None, None, monday).week == "2026-W49"


@pytest.mark.parametrize(
    ("week", "first", "last", "field"),
    [
        ("2026-W54", None, None, "week"),
        ("2026-47", None, None, "week"),
        ("2026-W10", date(2026, 3, 2), date(2026, 3, 8), "week"),
        (None, date(2026, 3, 2), None, "to"),
        (None, None, date(2026, 3, 2), "from"),
        # Dates any business fact can have (year 1 and 9999 overflow date arithmetic).
        ("0001-W01", None, None, "week"),
        (None, date(1, 1, 1), date(1, 1, 2), "from"),
        (None, date(2026, 3, 2), date(9999, 12, 31), "to"),
    ],
)
def test_a_period_that_cannot_be_read_names_its_field(
    week: str | None, first: date | None, last: date | None, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        report_period(week, first, last, datetime(2026, 12, 6, tzinfo=UTC))
    assert refused.value.field == field


def test_the_grace_table_for_sql_is_the_overdue_rule() -> None:
    purposes, graces = overdue_graces()
    assert dict(zip(purposes, graces, strict=True)) == {
        p.value: g for p, g in OVERDUE_GRACE.items()
    }


# --- the exact bounds and the words of each refusal (a 422's detail) ---------------------------
NOW = datetime(2026, 12, 6, tzinfo=UTC)


def refused(week: str | None, first: date | None, last: date | None) -> tuple[str, str, str]:
    with pytest.raises(Invalid) as err:
        report_period(week, first, last, NOW)
    return err.value.code, err.value.field or "", err.value.detail


def test_a_range_of_exactly_366_days_is_taken_and_367_is_refused() -> None:
    leap = range_period(date(2024, 1, 1), date(2024, 12, 31))  # 366 days
    assert (leap.start, leap.end) == (
        datetime(2024, 1, 1, tzinfo=BUSINESS_TZ),
        datetime(2025, 1, 1, tzinfo=BUSINESS_TZ),
    )
    assert refused(None, date(2024, 1, 1), date(2025, 1, 1)) == (
        "invalid_value",
        "to",
        "a range covers at most 366 days",
    )


def test_a_range_of_one_day_is_that_local_day() -> None:
    one = range_period(date(2026, 2, 28), date(2026, 2, 28))
    assert (one.start, one.end) == (
        datetime(2026, 2, 28, tzinfo=BUSINESS_TZ),
        datetime(2026, 3, 1, tzinfo=BUSINESS_TZ),
    )
    assert one.start == datetime(2026, 2, 27, 16, tzinfo=UTC)
    assert refused(None, date(2026, 3, 2), date(2026, 3, 1)) == (
        "invalid_value",
        "to",
        "must not be before from (2026-03-02)",
    )


def test_the_first_and_last_days_any_report_may_cover() -> None:
    first = range_period(date(2000, 1, 1), date(2000, 1, 1))
    assert first.start == datetime(2000, 1, 1, tzinfo=BUSINESS_TZ)
    last = range_period(date(2099, 12, 31), date(2099, 12, 31))
    assert last.end == datetime(2100, 1, 1, tzinfo=BUSINESS_TZ)
    words = "must be between 2000-01-01 and 2099-12-31"
    assert refused(None, date(1999, 12, 31), date(2000, 1, 1)) == ("invalid_value", "from", words)
    assert refused(None, date(2099, 12, 31), date(2100, 1, 1)) == ("invalid_value", "to", words)
    assert refused("1999-W52", None, None) == ("invalid_value", "week", words)
    assert week_period("2099-W52").week == "2099-W52"


def test_a_week_is_written_yyyy_www_and_must_exist_in_its_year() -> None:
    assert refused("2026-47", None, None) == (
        "invalid_value",
        "week",
        "a week is written YYYY-Www, e.g. 2026-W47, not '2026-47'",
    )
    assert refused(" 2026-W54 ", None, None) == (
        "invalid_value",
        "week",
        "2026-W54 is not a week of 2026",
    )
    assert week_period("2026-W53").start == datetime(2026, 12, 28, tzinfo=BUSINESS_TZ)
    assert refused("2025-W53", None, None)[2] == "2025-W53 is not a week of 2025"
    week = week_period("2026-W10")
    assert (week.start, week.end, week.week) == (
        datetime(2026, 3, 2, tzinfo=BUSINESS_TZ),
        datetime(2026, 3, 9, tzinfo=BUSINESS_TZ),
        "2026-W10",
    )


def test_a_week_and_a_range_together_or_half_a_range_are_refused_in_words() -> None:
    both = "give a week or a date range (from, to), not both"
    assert refused("2026-W10", date(2026, 3, 2), date(2026, 3, 8)) == (
        "invalid_value",
        "week",
        both,
    )
    assert refused("2026-W10", date(2026, 3, 2), None)[1:] == ("week", both)
    assert refused("2026-W10", None, date(2026, 3, 8))[1:] == ("week", both)
    half = "a date range needs both from and to"
    assert refused(None, date(2026, 3, 2), None) == ("invalid_value", "to", half)
    assert refused(None, None, date(2026, 3, 8)) == ("invalid_value", "from", half)
    chosen = report_period(None, date(2026, 3, 2), date(2026, 3, 8), NOW)
    assert (chosen.start, chosen.week) == (datetime(2026, 3, 2, tzinfo=BUSINESS_TZ), None)
    assert report_period("2026-W10", None, None, NOW).week == "2026-W10"


def test_the_previous_week_across_the_turn_of_the_year() -> None:
    # Monday 2027-01-04 00:00 in Shanghai: the week before is 2026's 53rd
    assert previous_week(datetime(2027, 1, 3, 16, 0, tzinfo=UTC)) == "2026-W53"
    assert previous_week(datetime(2027, 1, 3, 15, 59, tzinfo=UTC)) == "2026-W52"
    assert previous_week(datetime(2026, 3, 9, 2, tzinfo=UTC)) == "2026-W10"


def test_the_grace_table_for_sql_is_sorted_by_purpose() -> None:
    purposes, graces = overdue_graces()
    assert purposes == [
        "alert",
        "key_customer_monthly",
        "return_visit",
        "sla_task",
        "warranty_quarterly",
        "weekly_satisfaction",
        "weekly_works",
    ]
    assert graces[0] == timedelta(hours=4) and graces[2] == timedelta(days=61)
