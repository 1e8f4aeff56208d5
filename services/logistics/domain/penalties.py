"""The monthly unreturned-receipt report per region and the penalties it proposes (§4.3)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shared.calendar import start_of_local_day

from .receipts import Receipt, receipt_status, returned_by
from .rules import DEFAULT_RULES, LogisticsRules

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def parse_month(month: str) -> tuple[datetime, datetime]:
    """'2026-11' → [start, end) of that month in Asia/Shanghai."""
    m = _MONTH.fullmatch(month.strip())
    if m is None:
        raise ValueError("month must look like YYYY-MM")
    year, mon = int(m.group(1)), int(m.group(2))
    following = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return start_of_local_day(date(year, mon, 1)), start_of_local_day(following)


def parse_week(week: str) -> tuple[datetime, datetime]:
    """'2026-W45' → [Monday, next Monday) of that ISO week in Asia/Shanghai."""
    m = _WEEK.fullmatch(week.strip())
    if m is None:
        raise ValueError("week must look like YYYY-Www")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError as exc:
        raise ValueError(f"no such ISO week: {week.strip()}") from exc
    return start_of_local_day(monday), start_of_local_day(monday + timedelta(days=7))


def lost_receipt_split(loss_fen: int, staff_pct: int = 50) -> tuple[int, int]:
    """Split a lost receipt's direct loss: staff 50 %, company the rest (odd fen included)."""
    if loss_fen < 0:
        raise ValueError("a loss cannot be negative")
    if not 0 <= staff_pct <= 100:
        raise ValueError("the staff share is a percentage between 0 and 100")
    staff = loss_fen * staff_pct // 100
    return staff, loss_fen - staff


@dataclass(frozen=True, slots=True)
class RegionLine:
    """One region's unreturned receipts at month end and the penalties proposed for them."""

    region: str
    month: str
    unreturned: int = 0
    overdue: int = 0
    hard_breaches: int = 0
    overdue_penalty_fen: int = 0
    hard_breach_penalty_fen: int = 0
    lost: int = 0
    lost_staff_fen: int = 0
    lost_company_fen: int = 0
    penalties_fen: int = 0  # proposed; a supervisor confirms
    overdue_waybills: tuple[str, ...] = field(default_factory=tuple)


def _region_line(
    region: str,
    month: str,
    receipts: list[Receipt],
    start: datetime,
    end: datetime,
    rules: LogisticsRules,
) -> RegionLine:
    """Count one region's receipts as they stood at the end of the month."""
    as_of = end - timedelta(microseconds=1)  # still the month's last local day
    unreturned = overdue = hard = lost = lost_staff = lost_company = 0
    late: list[str] = []
    for r in receipts:
        if r.lost_at is not None and start <= r.lost_at < end:
            lost += 1
            staff, company = lost_receipt_split(r.loss_fen, rules.lost_receipt_staff_pct)
            lost_staff += staff
            lost_company += company
        if r.arrival_at is None or r.arrival_at >= end or returned_by(r, as_of):
            continue
        unreturned += 1
        status = receipt_status(r, as_of)
        if status.overdue:
            overdue += 1
            late.append(r.waybill)
        if status.hard_breach:
            hard += 1
    # Our reading of the seed: "delayed by poor chasing" = overdue at month end (50 each);
    # "abnormal, not caught in time" = past the 25-day limit (100 each, on top).
    overdue_pen = overdue * rules.penalty_overdue_fen
    hard_pen = hard * rules.penalty_abnormal_fen
    return RegionLine(
        region=region,
        month=month,
        unreturned=unreturned,
        overdue=overdue,
        hard_breaches=hard,
        overdue_penalty_fen=overdue_pen,
        hard_breach_penalty_fen=hard_pen,
        lost=lost,
        lost_staff_fen=lost_staff,
        lost_company_fen=lost_company,
        penalties_fen=overdue_pen + hard_pen + lost_staff,
        overdue_waybills=tuple(sorted(late)),
    )


def monthly_receipts_report(
    receipts: Iterable[Receipt],
    month: str,
    rules: LogisticsRules = DEFAULT_RULES,
    region: str | None = None,
) -> list[RegionLine]:
    """Per region: receipts unreturned at month end (arrived by then), overdue, hard breaches."""
    start, end = parse_month(month)
    by_region: dict[str, list[Receipt]] = {}
    for r in receipts:
        if r.requirements.required and (region is None or r.region == region):
            by_region.setdefault(r.region, []).append(r)
    label = month.strip()
    return [
        _region_line(name, label, rs, start, end, rules) for name, rs in sorted(by_region.items())
    ]


REPORT_COLUMNS = (
    "region",
    "month",
    "unreturned",
    "overdue",
    "hard_breaches",
    "overdue_penalty_fen",
    "hard_breach_penalty_fen",
    "lost",
    "lost_staff_fen",
    "lost_company_fen",
    "penalties_fen",
    "overdue_waybills",
)


def report_csv(lines: Iterable[RegionLine]) -> str:
    """The monthly report as CSV, one row per region."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for line in lines:
        row = [getattr(line, c) for c in REPORT_COLUMNS[:-1]]
        writer.writerow([*row, " ".join(line.overdue_waybills)])
    return out.getvalue()
