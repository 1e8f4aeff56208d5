"""The monthly unreturned-receipt report per region and the penalties it proposes (§4.3)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from shared.calendar import end_of_local_day, start_of_local_day

from .abnormal import AbnormalReceipt, abnormal_penalty_at
from .owners import ReceiptOwner
from .receipts import Receipt, receipt_status, returned_by
from .rules import DEFAULT_RULES, LogisticsRules, check_aware

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


class LateCause(StrEnum):
    """Why a receipt came back late, as the region explains it (回单未返情况说明)."""

    CHASING = "chasing"  # 催单不力
    TRANSMISSION = "transmission"  # 耽误传送
    CONSIGNEE = "consignee"  # the consignee kept or delayed it
    FORCE_MAJEURE = "force_majeure"  # 不可抗拒因素
    OTHER = "other"


# Our reading of 凡因催单不力或耽误传送造成不能及时结款的,处罚责任人50元/票: the receipt owner
# answers for every late receipt unless the region's explanation shows a cause outside their
# chasing and sending.
EXCUSING_CAUSES: Final = frozenset({LateCause.CONSIGNEE, LateCause.FORCE_MAJEURE})


@dataclass(frozen=True, slots=True)
class Explanation:
    """The region's explanation of one late receipt (下发区域公司做情况说明)."""

    waybill: str
    cause: LateCause
    text: str
    by: str
    at: datetime

    @property
    def excuses(self) -> bool:
        """The cause lies outside the owner's chasing and sending."""
        return self.cause in EXCUSING_CAUSES


def went_overdue_on(r: Receipt) -> date | None:
    """The first local day it was overdue (due day + 1) if it was not back by its due day."""
    if r.due_on is None or returned_by(r, end_of_local_day(r.due_on)):
        return None
    return r.due_on + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RegionLine:
    """One region's unreturned receipts at month end and the penalties proposed for them."""

    region: str
    month: str
    unreturned: int = 0
    overdue: int = 0
    hard_breaches: int = 0
    overdue_penalty_fen: int = 0  # 50 yuan per late receipt the owner answers for
    hard_breach_penalty_fen: int = 0  # kept for readers of the report; the manual fines none
    lost: int = 0
    lost_staff_fen: int = 0
    lost_company_fen: int = 0
    penalties_fen: int = 0  # proposed; a supervisor confirms
    overdue_waybills: tuple[str, ...] = field(default_factory=tuple)
    late: int = 0  # went overdue this month (back late since, or still out)
    chase_penalty_waybills: tuple[str, ...] = field(default_factory=tuple)
    excused_waybills: tuple[str, ...] = field(default_factory=tuple)
    abnormal: int = 0  # abnormal receipts found this month
    abnormal_penalty_fen: int = 0  # 100 yuan per one not found or not handled in time
    abnormal_penalty_waybills: tuple[str, ...] = field(default_factory=tuple)
    explanations: tuple[Explanation, ...] = field(default_factory=tuple)
    owner: str | None = None  # the region's receipt owner, who answers for the 50s
    superior: str | None = None  # the owner's superior (no owner named: the region's management)


@dataclass(frozen=True, slots=True)
class _Month:
    """The month being reported and what is known of it."""

    label: str
    start: datetime
    end: datetime
    now: datetime
    rules: LogisticsRules


def _late_in(r: Receipt, m: _Month) -> bool:
    """It went overdue within the month, on a day already begun."""
    day = went_overdue_on(r)
    if day is None:
        return False
    first = start_of_local_day(day)
    return m.start <= first < m.end and first <= m.now


def _region_line(
    region: str,
    receipts: list[Receipt],
    abnormal: list[AbnormalReceipt],
    explanations: Mapping[str, Explanation],
    owner: ReceiptOwner | None,
    m: _Month,
) -> RegionLine:
    """Count one region's receipts as they stood at the end of the month."""
    rules = m.rules
    as_of = m.end - timedelta(microseconds=1)  # still the month's last local day
    unreturned = overdue = hard = lost = lost_staff = lost_company = 0
    late_out: list[str] = []
    charged: list[str] = []
    excused: list[str] = []
    for r in receipts:
        if r.lost_at is not None and m.start <= r.lost_at < m.end:
            lost += 1
            staff, company = lost_receipt_split(r.loss_fen, rules.lost_receipt_staff_pct)
            lost_staff += staff
            lost_company += company
        if _late_in(r, m):
            why = explanations.get(r.waybill)
            (excused if why is not None and why.excuses else charged).append(r.waybill)
        if r.arrival_at is None or r.arrival_at >= m.end or returned_by(r, as_of):
            continue
        unreturned += 1
        status = receipt_status(r, as_of)
        if status.overdue:
            overdue += 1
            late_out.append(r.waybill)
        if status.hard_breach:
            hard += 1
    found = [a for a in abnormal if m.start <= a.found_at < m.end]
    fined = sorted(
        a.waybill
        for a in abnormal
        if (due := abnormal_penalty_at(a, min(m.now, as_of), rules)) is not None
        and m.start <= due < m.end
    )
    chase_pen = len(charged) * rules.penalty_overdue_fen
    abnormal_pen = len(fined) * rules.penalty_abnormal_fen
    shown = sorted(set(late_out) | set(charged) | set(excused))
    return RegionLine(
        region=region,
        month=m.label,
        unreturned=unreturned,
        overdue=overdue,
        hard_breaches=hard,
        overdue_penalty_fen=chase_pen,
        lost=lost,
        lost_staff_fen=lost_staff,
        lost_company_fen=lost_company,
        penalties_fen=chase_pen + abnormal_pen + lost_staff,
        overdue_waybills=tuple(sorted(late_out)),
        late=len(charged) + len(excused),
        chase_penalty_waybills=tuple(sorted(charged)),
        excused_waybills=tuple(sorted(excused)),
        abnormal=len(found),
        abnormal_penalty_fen=abnormal_pen,
        abnormal_penalty_waybills=tuple(fined),
        explanations=tuple(explanations[w] for w in shown if w in explanations),
        owner=owner.owner if owner is not None else None,
        superior=owner.superior if owner is not None else None,
    )


def monthly_receipts_report(
    receipts: Iterable[Receipt],
    month: str,
    rules: LogisticsRules = DEFAULT_RULES,
    region: str | None = None,
    *,
    abnormal: Iterable[AbnormalReceipt] = (),
    explanations: Mapping[str, Explanation] | None = None,
    now: datetime | None = None,
    owners: Mapping[str, ReceiptOwner] | None = None,
) -> list[RegionLine]:
    """Per region (回单管理及签收标准考核 5)–8)): receipts unreturned at month end, overdue ones and
    hard breaches; 50 yuan per receipt that went overdue this month unless the region's
    explanation excuses it; 100 per abnormal receipt not found or not handled in time (due this
    month); the staff share of receipts lost this month. `now` (default: the month's end) keeps
    a month still running from counting what has not happened yet."""
    start, end = parse_month(month)
    if now is not None:
        check_aware(now, "now")
    m = _Month(month.strip(), start, end, min(now, end) if now is not None else end, rules)
    by_region: dict[str, list[Receipt]] = {}
    for r in receipts:
        if r.requirements.required and (region is None or r.region == region):
            by_region.setdefault(r.region, []).append(r)
    found: dict[str, list[AbnormalReceipt]] = {}
    for a in abnormal:
        if region is None or a.region == region:
            found.setdefault(a.region, []).append(a)
    told, named = explanations or {}, owners or {}
    return [
        _region_line(name, by_region.get(name, []), found.get(name, []), told, named.get(name), m)
        for name in sorted(by_region.keys() | found.keys())
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
    "late",
    "chase_penalty_waybills",
    "excused_waybills",
    "abnormal",
    "abnormal_penalty_fen",
    "abnormal_penalty_waybills",
    "owner",
    "superior",
)


def report_csv(lines: Iterable[RegionLine]) -> str:
    """The monthly report as CSV, one row per region (lists of waybills space-separated)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for line in lines:
        row = [getattr(line, c) for c in REPORT_COLUMNS]
        writer.writerow([" ".join(v) if isinstance(v, tuple) else v for v in row])
    return out.getvalue()
