"""The console's pure rules: worklist scopes and due groups, phone masking, sessions and the
sign-in throttle, account checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.console.domain import (
    Due,
    SessionRules,
    Staff,
    Task,
    Throttle,
    check_password,
    concerns,
    dial_link,
    group,
    mask,
    may_call,
    merge,
    minutes,
    needs_touch,
    new_staff,
    retry_after,
    scopes,
    session_expiry,
)
from services.console.domain.worklist import due_group
from shared.contracts.values import LINK_ROLES, Role, Team
from shared.errors import Invalid

pytestmark = pytest.mark.quick

# 2025-03-10 09:00 in Shanghai.
NOW = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)


def task(ident: str, due: datetime, status: str = "scheduled") -> Task:
    return Task(ident, "complaint_handling", due, status, "complaint", "C1")


def test_due_groups_follow_the_shanghai_calendar() -> None:
    # 23:59 Shanghai the same day is today; 00:01 Shanghai the next day (16:01 UTC) is later.
    today_late = datetime(2025, 3, 10, 15, 59, tzinfo=UTC)
    tomorrow = datetime(2025, 3, 10, 16, 1, tzinfo=UTC)
    assert due_group(task("a", today_late), NOW) is Due.TODAY
    assert due_group(task("b", tomorrow), NOW) is Due.LATER
    assert due_group(task("c", NOW - timedelta(minutes=1)), NOW) is Due.OVERDUE
    assert due_group(task("d", NOW), NOW) is Due.OVERDUE, "due now is due, not later"
    # notifications' own overdue status wins even when the due time is ahead (moved retry).
    assert due_group(task("e", tomorrow, status="overdue"), NOW) is Due.OVERDUE


def test_group_keeps_order_within_each_group() -> None:
    tasks = [
        task("1", NOW - timedelta(hours=2)),
        task("2", NOW - timedelta(hours=1)),
        task("3", NOW + timedelta(hours=1)),
        task("4", NOW + timedelta(days=2)),
    ]
    g = group(tasks, NOW)
    assert [t.id for t in g.overdue] == ["1", "2"]
    assert [t.id for t in g.today] == ["3"]
    assert [t.id for t in g.later] == ["4"]
    assert g.total == 4
    assert [d for d, _ in g] == [Due.OVERDUE, Due.TODAY, Due.LATER]


def test_merge_is_a_due_ordered_union_without_repeats() -> None:
    mine = [task("a", NOW), task("c", NOW + timedelta(hours=2))]
    team = [
        task("a", NOW),
        task("b", NOW + timedelta(hours=1)),
        task("d", NOW + timedelta(hours=3)),
    ]
    assert [t.id for t in merge([mine, team], 10)] == ["a", "b", "c", "d"]
    assert [t.id for t in merge([mine, team], 2)] == ["a", "b"]


def test_scopes_are_mine_and_my_team_and_everything_for_an_overseer() -> None:
    agent = Staff("li", Role.CS, team="customer_service")
    assert scopes(agent) == [{"assignee": "li"}, {"team": "customer_service"}]
    assert scopes(Staff("wu", Role.ENGINEERING)) == [{"assignee": "wu"}]
    assert scopes(Staff("boss", Role.MANAGER)) == [{}]
    assert scopes(Staff("boss", Role.MANAGER, team="finance")) == [
        {"assignee": "boss"},
        {"team": "finance"},
    ]


def test_a_change_concerns_the_assignee_the_team_and_overseers_only() -> None:
    agent = Staff("li", Role.CS, team="customer_service")
    assert concerns(agent, "li", None)
    assert concerns(agent, None, "customer_service")
    assert concerns(agent, "wu", "customer_service")
    assert not concerns(agent, "wu", "engineering")
    assert not concerns(agent, None, None)
    assert concerns(Staff("root", Role.ADMIN), None, "engineering")


def test_phones_are_masked_and_dialled_only_by_callers() -> None:
    assert mask("13912345678") == "139****5678"
    assert mask("+8613912345678") == "+86*******5678"
    assert mask("12345678") == "****5678"
    assert mask("1234") == "**34"
    assert mask(None) == "" and mask("") == ""
    assert dial_link("139 1234 5678", Role.CS) == "tel:13912345678"
    assert dial_link("13912345678", Role.FINANCE) is None
    assert dial_link("13912345678", Role.BRANCH) is None
    assert dial_link(None, Role.CS) is None
    assert dial_link("139****5678", Role.CS) is None, "a masked number is not dialled"
    assert may_call(Role.RECEPTION) and not may_call(Role.FINANCE)


def test_sessions_end_when_idle_or_at_their_maximum_age() -> None:
    rules = SessionRules(idle=timedelta(minutes=30), absolute=timedelta(hours=8))
    start = NOW
    assert session_expiry(start, start, rules) == start + timedelta(minutes=30)
    late_use = start + timedelta(hours=7, minutes=50)
    assert session_expiry(start, late_use, rules) == start + timedelta(hours=8)
    assert not needs_touch(start, start + timedelta(seconds=59), rules)
    assert needs_touch(start, start + timedelta(minutes=1), rules)


def test_the_throttle_waits_for_the_oldest_counted_failure_to_leave_the_window() -> None:
    rule = Throttle(3, timedelta(minutes=15))
    two = [NOW - timedelta(minutes=1), NOW - timedelta(minutes=2)]
    assert retry_after(two, NOW, rule) == timedelta(0)
    three = [*two, NOW - timedelta(minutes=10)]
    assert retry_after(three, NOW, rule) == timedelta(minutes=5)
    # A failure outside the window does not count.
    assert retry_after([*two, NOW - timedelta(minutes=15)], NOW, rule) == timedelta(0)
    # With more than enough, the third newest decides.
    four = [*three, NOW - timedelta(minutes=3)]
    assert retry_after(four, NOW, rule) == timedelta(minutes=12)
    assert minutes(timedelta(seconds=1)) == 1 and minutes(timedelta(minutes=4, seconds=1)) == 5


def test_accounts_are_checked() -> None:
    staff = new_staff("li.na", "cs", team="customer_service")
    assert staff.claims() == {
        "sub": "li.na",
        "branch": None,
        "region": None,
        "department": None,
        "team": "customer_service",
    }
    for name, role, kw, field in (
        ("Li", "cs", {}, "username"),
        ("li", "boss", {}, "role"),
        ("sh01", "branch", {}, "branch"),
        ("li", "cs", {"team": "sales"}, "team"),
    ):
        with pytest.raises(Invalid) as refused:
            new_staff(name, role, **kw)
        assert refused.value.field == field
    with pytest.raises(Invalid):
        check_password("short")
    with pytest.raises(Invalid):
        check_password("x" * 257)
    assert check_password("long enough pw") == "long enough pw"


def test_an_account_keeps_every_claim_it_was_given() -> None:
    staff = new_staff(
        "sh01.desk",
        "branch",
        branch="SH01",
        region="east",
        department="logistics",
        team="customer_service",
    )
    assert staff == Staff("sh01.desk", Role.BRANCH, "SH01", "east", "logistics", "customer_service")
    assert staff.role is Role.BRANCH
    # No team is no team, not a refused one.
    assert new_staff("wu", "engineering").team is None


def test_a_refused_account_names_its_field_and_says_what_is_allowed() -> None:
    roles = ", ".join(r.value for r in Role if r not in LINK_ROLES)
    teams = ", ".join(t.value for t in Team)
    for name, role, kw, field, detail in (
        ("Li", "cs", {}, "username", "lowercase letters, digits, '.', '_' or '-', at most 64"),
        ("li", "boss", {}, "role", f"one of {roles}"),
        ("li", "tracking", {}, "role", f"one of {roles}"),  # a link's token, not a person
        ("li", "project_view", {}, "role", f"one of {roles}"),
        ("sh01", "branch", {}, "branch", "a branch account names its branch"),
        ("li", "cs", {"team": "sales"}, "team", f"one of {teams}"),
    ):
        with pytest.raises(Invalid) as refused:
            new_staff(name, role, **kw)
        assert (refused.value.field, refused.value.detail) == (field, detail)


def test_a_password_is_10_to_256_characters() -> None:
    assert check_password("x" * 10) == "x" * 10
    assert check_password("x" * 256) == "x" * 256
    with pytest.raises(Invalid) as short:
        check_password("x" * 9)
    assert (short.value.field, short.value.detail) == ("password", "at least 10 characters")
    with pytest.raises(Invalid) as long:
        check_password("x" * 257)
    assert (long.value.field, long.value.detail) == ("password", "at most 256 characters")


def test_a_number_of_six_digits_keeps_four_and_an_international_one_its_plus() -> None:
    assert mask("123456") == "**3456"
    assert mask("12345") == "***45"
    assert dial_link("+86 139 1234 5678", Role.CS) == "tel:+8613912345678"


def test_a_failure_exactly_one_window_old_no_longer_counts() -> None:
    rule = Throttle(1, timedelta(minutes=15))
    assert retry_after([NOW - timedelta(minutes=15)], NOW, rule) == timedelta(0)
    assert retry_after([NOW - timedelta(minutes=14)], NOW, rule) == timedelta(minutes=1)
    # Old failures beyond the count do not hold sign-in back, in any order.
    old = [NOW - timedelta(hours=h) for h in (1, 2, 3)]
    assert retry_after([*old, NOW - timedelta(minutes=5)], NOW, rule) == timedelta(minutes=10)
    assert retry_after(old, NOW, Throttle(3, timedelta(minutes=15))) == timedelta(0)
