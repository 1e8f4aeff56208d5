"""Recurring call schedules in the business calendar (Asia/Shanghai).

An anchor is the fact a schedule counts from (works start, completion, registration), not a
call: occurrences are anchor + period×k for k ≥ 1, so the first call is one period after it.
Months are counted from the anchor each time (never from the previous call), and a day the
month lacks is clamped to its last day: anchored on Jan 31 → Feb 28, Mar 31, Apr 30, ...
A stop bound is exclusive.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final

from shared.calendar import BUSINESS_TZ

# Calls scheduled for a day are placed at 10:00 local: business hours, after the morning
# meeting, and outside the SMS quiet hours.
CALL_TIME: Final = time(10, 0)
DEFAULT_LIMIT: Final = 1000


class ScheduleKind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


MONTHS_PER_PERIOD: Final[dict[ScheduleKind, int]] = {
    ScheduleKind.MONTHLY: 1,
    ScheduleKind.QUARTERLY: 3,
}


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def call_time(day: date) -> datetime:
    """The instant a call planned for a business-calendar day is due (10:00 local)."""
    return datetime.combine(day, CALL_TIME, tzinfo=BUSINESS_TZ)


def occurrence(kind: ScheduleKind, anchor: datetime, k: int) -> datetime:
    """The k-th occurrence after the anchor, in local wall-clock time."""
    local = anchor.astimezone(BUSINESS_TZ)
    if kind is ScheduleKind.WEEKLY:
        return local + timedelta(days=7 * k)
    day = add_months(local.date(), MONTHS_PER_PERIOD[kind] * k)
    return datetime.combine(day, local.timetz())


def next_occurrence(kind: ScheduleKind, anchor: datetime, after: datetime) -> datetime:
    """The first occurrence strictly after `after` (never the anchor itself)."""
    after = max(after, anchor)  # before the anchor: its first occurrence
    if kind is ScheduleKind.WEEKLY:
        k = (after - anchor) // timedelta(days=7)
    else:
        a, b = anchor.astimezone(BUSINESS_TZ), after.astimezone(BUSINESS_TZ)
        k = ((b.year - a.year) * 12 + b.month - a.month) // MONTHS_PER_PERIOD[kind]
    # Occurrence k (k = 0: the anchor) is the last one at or before `after`, or, falling in
    # `after`'s own month on a later day or hour, already the one sought; k + 1 is after it.
    at = occurrence(kind, anchor, k)
    return at if at > after else occurrence(kind, anchor, k + 1)


def occurrences(
    kind: ScheduleKind,
    anchor: datetime,
    stop: datetime | None,
    limit: int = DEFAULT_LIMIT,
) -> list[datetime]:
    """Every occurrence after the anchor and before the exclusive `stop`, at most `limit`."""
    found: list[datetime] = []
    k = 1
    while len(found) < limit:
        at = occurrence(kind, anchor, k)
        if stop is not None and at >= stop:
            break
        found.append(at)
        k += 1
    return found
