"""The engineering manager's weekly spot check (《家装公司客服部工作流程》客户档案建立与客情维护流程:
项目经理每周定期走访/电话回访客户—工程部经理每周抽查走访一次客户)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    SPOT_CHECK_HOUR,
    SpotCandidate,
    SpotWeek,
    next_pick_at,
    pick_spot_check,
    spot_week,
)
from shared.errors import Invalid

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")


def test_duty_spot_check_picks_the_project_visited_longest_ago() -> None:
    """抽查 (our reading): never picked first, then the earliest picked, then the longest under
    construction, then by id; nothing under construction picks nothing."""
    start = datetime(2026, 1, 5, 10, tzinfo=SH)
    fresh_old = SpotCandidate("p-b", start)
    fresh_new = SpotCandidate("p-a", start + timedelta(days=9))
    seen_long_ago = SpotCandidate("p-c", start, date(2026, 2, 2))
    seen_lately = SpotCandidate("p-d", start - timedelta(days=30), date(2026, 3, 2))
    everyone = [seen_lately, seen_long_ago, fresh_new, fresh_old]
    assert pick_spot_check(everyone) == fresh_old
    assert pick_spot_check([seen_lately, seen_long_ago, fresh_new]) == fresh_new
    assert pick_spot_check([seen_lately, seen_long_ago]) == seen_long_ago
    assert (
        pick_spot_check([SpotCandidate("p-z", start), SpotCandidate("p-y", start)]).project_id
        == "p-y"
    )  # type: ignore[union-attr]
    assert pick_spot_check([SpotCandidate("p-x", None), fresh_new]) == fresh_new
    assert pick_spot_check([]) is None


def test_the_week_and_the_next_pick_are_local() -> None:
    """Weeks are ISO weeks in Shanghai; the pick is Monday 09:00 local."""
    sunday_late = datetime(2026, 3, 15, 23, 30, tzinfo=SH)
    assert spot_week(sunday_late) == SpotWeek("2026-W11", date(2026, 3, 9), date(2026, 3, 15))
    # 2026-03-15 16:30 UTC is already Monday in Shanghai: week 12.
    assert spot_week(datetime(2026, 3, 15, 16, 30, tzinfo=ZoneInfo("UTC"))).week == "2026-W12"
    assert spot_week(datetime(2027, 1, 1, 12, tzinfo=SH)).week == "2026-W53"
    assert SPOT_CHECK_HOUR == 9
    monday_9 = datetime(2026, 3, 16, 9, tzinfo=SH)
    assert next_pick_at(sunday_late) == monday_9
    assert next_pick_at(monday_9 - timedelta(minutes=1)) == monday_9
    assert next_pick_at(monday_9) == monday_9 + timedelta(weeks=1)
    with pytest.raises(Invalid):
        next_pick_at(datetime(2026, 3, 16, 9))
