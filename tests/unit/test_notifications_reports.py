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
