"""The service-level report's rules: which period it covers, when a completed callback was
late, and when a queued message counts as not sent in time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from services.notifications.domain.callbacks import OVERDUE_GRACE
from shared.calendar import local_date, start_of_local_day
from shared.errors import Invalid

# A message still queued this long after its send time was not sent in time (the sender
# takes due messages within a second or so; a retry or the quiet hours move the send time).
SEND_LATE_AFTER: Final = timedelta(minutes=5)
# A date range covers at most a year of days, within years any business fact can have.
MAX_RANGE_DAYS: Final = 366
FIRST_DAY: Final = date(2000, 1, 1)
LAST_DAY: Final = date(2099, 12, 31)
_WEEK: Final = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class Period:
    """The local days a report covers: [start, end) in Asia/Shanghai; `week` when an ISO week."""

    start: datetime
    end: datetime
    week: str | None = None


def week_period(label: str) -> Period:
    """'2026-W47' → that ISO week, Monday 00:00 to the next Monday 00:00 local time."""
    found = _WEEK.fullmatch(label.strip())
    if found is None:
        raise Invalid("week", f"a week is written YYYY-Www, e.g. 2026-W47, not {label!r}")
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise Invalid("week", f"{label.strip()} is not a week of {found[1]}") from None
    _within_years(monday, "week")
    return Period(
        start_of_local_day(monday),
        start_of_local_day(monday + timedelta(days=7)),
        f"{found[1]}-W{found[2]}",
    )


def range_period(first: date, last: date) -> Period:
    """The local days `first` to `last`, both included."""
    _within_years(first, "from")
    _within_years(last, "to")
    if last < first:
        raise Invalid("to", f"must not be before from ({first.isoformat()})")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise Invalid("to", f"a range covers at most {MAX_RANGE_DAYS} days")
    return Period(
        start_of_local_day(first),
        start_of_local_day(last + timedelta(days=1)),
    )


def _within_years(day: date, field: str) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(field, f"must be between {FIRST_DAY} and {LAST_DAY}")


def previous_week(now: datetime) -> str:
    """The ISO week before the one `now` falls in (local time), as YYYY-Www."""
    year, week, _ = (local_date(now) - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def report_period(week: str | None, first: date | None, last: date | None, now: datetime) -> Period:
    """A week, or a date range (both ends), or by default the last complete week."""
    if week is not None and (first is not None or last is not None):
        raise Invalid("week", "give a week or a date range (from, to), not both")
    if first is not None or last is not None:
        if first is None:
            raise Invalid("from", "a date range needs both from and to")
        if last is None:
            raise Invalid("to", "a date range needs both from and to")
        return range_period(first, last)
    return week_period(week if week is not None else previous_week(now))


def overdue_graces() -> tuple[list[str], list[timedelta]]:
    """Each purpose with a grace and its grace, for SQL: a callback completed after its due
    time plus this grace (none for the rest) was completed late, as the overdue timer sees it."""
    purposes = sorted(OVERDUE_GRACE)  # StrEnum members sort as their values
    return [p.value for p in purposes], [OVERDUE_GRACE[p] for p in purposes]
