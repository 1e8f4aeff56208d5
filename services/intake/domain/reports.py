"""The weekly complaint report customer service brings to the manager's meeting."""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from shared.calendar import local_date, start_of_local_day
from shared.contracts.values import ComplaintCategory, ComplaintCause, ComplaintStatus, Department

_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
# Complaints opened in the week with no cause recorded yet (调查出现投诉原因 still to do).
NOT_RECORDED = "not_recorded"
CAUSES: tuple[str, ...] = (*(c.value for c in ComplaintCause), NOT_RECORDED)
CATEGORIES: tuple[str, ...] = tuple(c.value for c in ComplaintCategory)
CSV_HEADER = (
    "department",
    "opened",
    "resolved",
    "escalated",
    "open",
    "median_hours_to_resolve",
    *(f"cause_{c}" for c in CAUSES),
    *(f"category_{c}" for c in CATEGORIES),
)


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    """What the report needs of one complaint (its current responsible department)."""

    department: Department
    status: ComplaintStatus
    opened_at: datetime
    resolved_at: datetime | None = None
    escalated_at: tuple[datetime, ...] = ()
    cause: ComplaintCause | None = None  # the latest recorded
    category: ComplaintCategory | None = None  # as registered (None: not counted by category)

    @property
    def settled_at(self) -> datetime | None:
        """When it was resolved, if it still is (a reopened complaint is not)."""
        settled = self.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)
        return self.resolved_at if settled else None


@dataclass(frozen=True, slots=True)
class DepartmentWeek:
    """One department's line of the weekly report."""

    department: Department
    opened: int
    resolved: int
    escalated: int
    open: int
    median_hours_to_resolve: float | None
    # The week's opened complaints by their recorded cause (only causes with a count).
    by_cause: dict[str, int] = field(default_factory=dict)
    # The week's opened complaints by the category they were registered under (likewise).
    by_category: dict[str, int] = field(default_factory=dict)


def parse_iso_week(label: str) -> tuple[datetime, datetime]:
    """Turn "2026-W47" into Monday 00:00 .. the next Monday 00:00, Asia/Shanghai."""
    match = _ISO_WEEK.fullmatch(label.strip())
    if match is None:
        raise ValueError(f"a week is written YYYY-Www, e.g. 2026-W47, not {label!r}")
    year, week = int(match[1]), int(match[2])
    try:
        monday = datetime.fromisocalendar(year, week, 1).date()
    except ValueError:
        raise ValueError(f"{label} is not a week of {year}") from None
    return start_of_local_day(monday), start_of_local_day(monday + timedelta(days=7))


def previous_week(now: datetime) -> str:
    """The ISO week label of the last complete week in Asia/Shanghai."""
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    year, week, _ = (local_date(now) - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def _within(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def _open_at(row: ComplaintRow, end: datetime) -> bool:
    return row.opened_at < end and (row.settled_at is None or row.settled_at >= end)


def _median_hours(durations: list[timedelta]) -> float | None:
    if not durations:
        return None
    hours = statistics.median(d.total_seconds() / 3600 for d in durations)
    # Half-up, as people round: 30.25 h reads 30.3, not the float-rounded 30.2.
    return float(Decimal(str(hours)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def weekly_report(
    rows: Iterable[ComplaintRow], week_start: datetime, week_end: datetime
) -> list[DepartmentWeek]:
    """Per department: opened, resolved and escalated in the week, open at its end, median."""
    if week_end <= week_start:
        raise ValueError("the week must end after it starts")
    by_department: dict[Department, list[ComplaintRow]] = {}
    for row in rows:
        by_department.setdefault(row.department, []).append(row)
    lines = []
    for department in Department:  # the value list's order, so reports read the same each week
        dept_rows = by_department.get(department, [])
        resolved = [r for r in dept_rows if _within(r.settled_at, week_start, week_end)]
        opened = [r for r in dept_rows if _within(r.opened_at, week_start, week_end)]
        line = DepartmentWeek(
            department=department,
            opened=len(opened),
            resolved=len(resolved),
            escalated=sum(
                _within(at, week_start, week_end) for r in dept_rows for at in r.escalated_at
            ),
            open=sum(_open_at(r, week_end) for r in dept_rows),
            median_hours_to_resolve=_median_hours(
                [r.resolved_at - r.opened_at for r in resolved if r.resolved_at is not None]
            ),
            by_cause=counts_by_cause(opened),
            by_category=counts_by_category(opened),
        )
        if line.opened or line.resolved or line.escalated or line.open:
            lines.append(line)
    return lines


def counts_by_cause(rows: Iterable[ComplaintRow]) -> dict[str, int]:
    """How many complaints per recorded cause (`not_recorded` without one), in the value
    list's order, only causes with a count."""
    counted = Counter(r.cause.value if r.cause else NOT_RECORDED for r in rows)
    return {cause: counted[cause] for cause in CAUSES if counted[cause]}


def _total(counts: Iterable[dict[str, int]], order: tuple[str, ...]) -> dict[str, int]:
    """Counts added up over the departments, in `order`, only values with a count."""
    total: Counter[str] = Counter()
    for line in counts:
        total.update(line)
    return {value: total[value] for value in order if total[value]}


def total_by_cause(lines: Iterable[DepartmentWeek]) -> dict[str, int]:
    """The week's opened complaints by cause over every department."""
    return _total((line.by_cause for line in lines), CAUSES)


def counts_by_category(rows: Iterable[ComplaintRow]) -> dict[str, int]:
    """How many complaints per category, in the value list's order, only categories with a
    count."""
    counted = Counter(r.category.value for r in rows if r.category is not None)
    return {category: counted[category] for category in CATEGORIES if counted[category]}


def total_by_category(lines: Iterable[DepartmentWeek]) -> dict[str, int]:
    """The week's opened complaints by category over every department."""
    return _total((line.by_category for line in lines), CATEGORIES)


def report_csv(lines: Iterable[DepartmentWeek]) -> str:
    """The report as CSV (RFC 4180, header first; an empty median when nothing was resolved)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for line in lines:
        median = line.median_hours_to_resolve
        writer.writerow(
            (
                line.department.value,
                line.opened,
                line.resolved,
                line.escalated,
                line.open,
                "" if median is None else f"{median:.1f}",
                *(line.by_cause.get(cause, 0) for cause in CAUSES),
                *(line.by_category.get(category, 0) for category in CATEGORIES),
            )
        )
    return out.getvalue()
