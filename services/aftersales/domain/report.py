"""The monthly repairs report's calendar: a month of the business calendar (Asia/Shanghai)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final

from shared.calendar import local_date, start_of_local_day

_MONTH: Final = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def parse_month(month: str) -> tuple[datetime, datetime]:
    """'2026-11' → [start, end) of that month in Asia/Shanghai (ValueError otherwise)."""
    m = _MONTH.fullmatch(month.strip())
    if m is None:
        raise ValueError("month must look like YYYY-MM")
    year, mon = int(m.group(1)), int(m.group(2))
    following = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return start_of_local_day(date(year, mon, 1)), start_of_local_day(following)


def month_of(at: datetime) -> str:
    """The business-calendar month an instant falls in, as YYYY-MM."""
    day = local_date(at)
    return f"{day.year}-{day.month:02d}"
