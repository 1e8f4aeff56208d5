"""The business calendar: Asia/Shanghai local days (docs/ARCHITECTURE.md §6)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def local_date(at: datetime, tz: ZoneInfo = BUSINESS_TZ) -> date:
    """The business-calendar date of an instant."""
    return at.astimezone(tz).date()


def end_of_local_day(day: date, tz: ZoneInfo = BUSINESS_TZ) -> datetime:
    """The first instant after `day` ends in the business calendar (exclusive bound)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def due_within_days(fact_at: datetime, days: int, tz: ZoneInfo = BUSINESS_TZ) -> datetime:
    """A fact on local day D with "within N days" is due by the end of local day D+N."""
    return end_of_local_day(local_date(fact_at, tz) + timedelta(days=days), tz)


def due_date_within_days(fact_at: datetime, days: int, tz: ZoneInfo = BUSINESS_TZ) -> date:
    """The last local day on which a "within N days" duty is still on time."""
    return local_date(fact_at, tz) + timedelta(days=days)


def start_of_local_day(day: date, tz: ZoneInfo = BUSINESS_TZ) -> datetime:
    """The first instant of `day` in the business calendar."""
    return datetime.combine(day, time.min, tzinfo=tz)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28/29)."""
    import calendar as _cal

    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def next_occurrence(
    every: str, anchor: datetime, after: datetime, tz: ZoneInfo = BUSINESS_TZ
) -> datetime:
    """The first occurrence of a weekly/monthly/quarterly schedule strictly after `after`.

    Occurrences keep the anchor's local wall-clock time in the business calendar.
    """
    local = anchor.astimezone(tz)
    step_months = {"monthly": 1, "quarterly": 3}.get(every)
    if every != "weekly" and step_months is None:
        raise ValueError(f"unknown schedule {every!r}: weekly, monthly or quarterly")
    k = 1
    while True:
        if every == "weekly":
            day = local.date() + timedelta(days=7 * k)
        else:
            assert step_months is not None
            day = add_months(local.date(), step_months * k)
        candidate = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
        if candidate > after:
            return candidate
        k += 1 if every != "weekly" else max(1, (after - candidate).days // 7)
