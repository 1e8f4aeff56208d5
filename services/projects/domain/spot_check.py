"""The engineering manager's weekly spot check (工程部经理每周抽查走访一次客户, DOMAIN.md §2.3):
each week one project under construction is picked for the manager to visit."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.calendar import local_date, start_of_local_day

from .errors import require_aware

SPOT_CHECK_HOUR = 9  # Monday 09:00 local: the week's pick is on the manager's list


@dataclass(frozen=True)
class SpotCandidate:
    """A project under construction: when its works started and when it was last picked."""

    project_id: str
    started_at: datetime | None
    last_picked: date | None = None


@dataclass(frozen=True)
class SpotWeek:
    """The ISO week a spot check belongs to and its last day (the visit is due by its end)."""

    week: str
    first_day: date
    last_day: date


def spot_week(at: datetime) -> SpotWeek:
    """The local ISO week `at` falls in."""
    require_aware(at, "at")
    day = local_date(at)
    monday = day - timedelta(days=day.weekday())
    year, number, _ = day.isocalendar()
    return SpotWeek(f"{year}-W{number:02d}", monday, monday + timedelta(days=6))


def next_pick_at(after: datetime) -> datetime:
    """The next Monday 09:00 local strictly after `after`."""
    require_aware(after, "after")
    week = spot_week(after)
    this = start_of_local_day(week.first_day) + timedelta(hours=SPOT_CHECK_HOUR)
    return this if this > after else this + timedelta(weeks=1)


def pick_spot_check(candidates: Iterable[SpotCandidate]) -> SpotCandidate | None:
    """Our reading of 抽查: the project visited longest ago — one never picked first, then the
    earliest picked — and among those the longest under construction, then by id; None when no
    project is under construction."""
    return min(
        candidates,
        key=lambda c: (
            c.last_picked or date.min,
            c.started_at.timestamp() if c.started_at else math.inf,
            c.project_id,
        ),
        default=None,
    )
