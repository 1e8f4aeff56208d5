"""The month's dues: stage deadlines met, missed (late or still open), pending, and instalments
due, paid, outstanding, overdue, per branch and person, `now` passed in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain.dues import (
    DeadlineTally,
    DueDeadline,
    Outcome,
    PaymentTally,
    ProjectPlan,
    deadline_report,
    in_month,
    outcome,
    payment_report,
)
from services.projects.domain.money import Due, PlannedInstallment
from shared.contracts.values import Deadline, Installment, Stage
from shared.errors import Invalid

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2026, 5, 1), date(2026, 5, 31)
NOW = datetime(2026, 6, 10, 12, tzinfo=SH)


def bound(day: date) -> datetime:
    """The exclusive bound of a duty whose last on-time day is `day` (midnight after it)."""
    return datetime(day.year, day.month, day.day, tzinfo=SH) + timedelta(days=1)


def deadline(
    project: str,
    day: date,
    *,
    branch: str | None = "SH01",
    kind: Deadline = Deadline.WORKS_START,
    who: str | None = "pm-1",
    done: datetime | None = None,
) -> DueDeadline:
    return DueDeadline(project, branch, kind, who, bound(day), day, done)


# Outcome of one deadline: the bound is exclusive.


def test_a_fact_before_the_bound_meets_it_and_one_at_or_after_is_late() -> None:
    d = deadline("p", date(2026, 5, 10))
    at = d.due_at
    assert outcome(deadline("p", d.due_on, done=at - timedelta(seconds=1)), NOW) == "met"
    assert outcome(deadline("p", d.due_on, done=at), NOW) == "late"
    assert outcome(deadline("p", d.due_on, done=at + timedelta(days=3)), NOW) == "late"
    # A fact recorded counts even when asked before the bound (it cannot be undone).
    early = deadline("p", d.due_on, done=at - timedelta(days=1))
    assert outcome(early, at - timedelta(hours=1)) == "met"


def test_without_its_fact_a_deadline_is_open_past_due_from_its_bound_on() -> None:
    d = deadline("p", date(2026, 5, 10))
    assert outcome(d, d.due_at - timedelta(seconds=1)) == "pending"
    assert outcome(d, d.due_at) == "open_past_due"
    assert outcome(d, NOW) == "open_past_due"


def test_now_must_carry_its_zone() -> None:
    with pytest.raises(Invalid) as refused:
        outcome(deadline("p", date(2026, 5, 10)), datetime(2026, 6, 1, 12))
    assert refused.value.field == "now"


def test_a_tally_counts_missed_as_late_plus_still_open() -> None:
    tally = DeadlineTally()
    for found in (Outcome.MET, Outcome.LATE, Outcome.OPEN_PAST_DUE, Outcome.PENDING):
        tally = tally.add(found)
    tally = tally.add(Outcome.MET).add(Outcome.LATE)
    assert tally == DeadlineTally(due=6, met=2, missed=3, open_past_due=1, pending=1)


def test_the_month_is_its_first_and_last_day_inclusive() -> None:
    assert in_month(FIRST, FIRST, LAST) and in_month(LAST, FIRST, LAST)
    assert not in_month(FIRST - timedelta(days=1), FIRST, LAST)
    assert not in_month(LAST + timedelta(days=1), FIRST, LAST)
    assert not in_month(None, FIRST, LAST)


# The month's deadlines.


def test_the_months_deadlines_per_branch_and_person_with_the_missed_ones() -> None:
    early = deadline("a", FIRST, kind=Deadline.RENDERINGS, who="des-1", done=bound(FIRST))
    met = deadline("b", date(2026, 5, 12), done=bound(date(2026, 5, 11)))
    still_open = deadline("c", LAST, branch="BJ02", who="pm-2")
    renderings = deadline("c", LAST, branch="BJ02", kind=Deadline.RENDERINGS, who=None)
    nobody = deadline("d", date(2026, 5, 20), branch=None, who="pm-1", done=bound(FIRST))
    outside = [
        deadline("e", FIRST - timedelta(days=1)),  # April's
        deadline("f", LAST + timedelta(days=1)),  # June's
    ]
    report = deadline_report(
        [still_open, renderings, met, early, nobody, *outside], FIRST, LAST, NOW
    )
    assert report.total == DeadlineTally(due=5, met=2, missed=3, open_past_due=2, pending=0)
    assert report.by_branch == [
        ("BJ02", DeadlineTally(due=2, missed=2, open_past_due=2)),
        ("SH01", DeadlineTally(due=2, met=1, missed=1)),
        (None, DeadlineTally(due=1, met=1)),
    ]
    assert report.by_person == [
        ("des-1", DeadlineTally(due=1, missed=1)),
        ("pm-1", DeadlineTally(due=2, met=2)),
        ("pm-2", DeadlineTally(due=1, missed=1, open_past_due=1)),
        (None, DeadlineTally(due=1, missed=1, open_past_due=1)),
    ]
    # By due day, project, then kind (renderings before works_start).
    assert [(d.project_id, d.kind.value, str(found)) for d, found in report.missed] == [
        ("a", "renderings", "late"),
        ("c", "renderings", "open_past_due"),
        ("c", "works_start", "open_past_due"),
    ]


def test_deadlines_not_yet_at_their_bound_are_pending() -> None:
    now = bound(date(2026, 5, 15)) - timedelta(hours=1)  # the evening of 15 May
    report = deadline_report(
        [deadline("a", date(2026, 5, 15)), deadline("b", date(2026, 5, 14))], FIRST, LAST, now
    )
    assert report.total == DeadlineTally(due=2, missed=1, open_past_due=1, pending=1)
    assert [d.project_id for d, _ in report.missed] == ["b"]


def test_a_month_without_deadlines_has_no_lines() -> None:
    report = deadline_report([], FIRST, LAST, NOW)
    assert report.total == DeadlineTally()
    assert report.by_branch == [] and report.by_person == [] and report.missed == []


# The month's payments.


def instalment(
    which: Installment, amount: int, day: date | None, paid: int = 0
) -> PlannedInstallment:
    return PlannedInstallment(
        installment=which,
        amount_fen=amount,
        due_after=Stage.CONTRACT,
        due_days=3,
        due=Due(day, bound(day)) if day is not None else None,
        paid_fen=paid,
    )


def plan(project: str, *rows: PlannedInstallment, branch: str | None = "SH01") -> ProjectPlan:
    return ProjectPlan(project, branch, f"pm-{project}", rows)


def test_the_months_instalments_per_branch_and_the_overdue_ones() -> None:
    a = plan(
        "a",
        instalment(Installment.FIRST, 130_000_00, date(2026, 4, 3), paid=130_000_00),
        instalment(Installment.MIDTERM, 60_000_00, date(2026, 5, 20), paid=20_000_00),
        instalment(Installment.FINAL, 9_500_00, None),
    )
    b = plan(
        "b",
        instalment(Installment.FIRST, 65_000_00, date(2026, 4, 28)),  # April's, still unpaid
        instalment(Installment.MIDTERM, 30_000_00, FIRST, paid=30_000_00),
        instalment(Installment.FINAL, 4_500_00, LAST),
        branch="BJ02",
    )
    c = plan(
        "c",
        instalment(Installment.FIRST, 13_000_00, date(2026, 6, 1)),  # June's: not May's debt
        branch=None,
    )
    report = payment_report([a, b, c], FIRST, LAST, NOW)
    assert report.by_branch == [
        (
            "BJ02",
            PaymentTally(
                due=2,
                due_fen=34_500_00,
                paid_fen=30_000_00,
                outstanding_fen=4_500_00,
                overdue=2,
                overdue_fen=69_500_00,
            ),
        ),
        (
            "SH01",
            PaymentTally(
                due=1,
                due_fen=60_000_00,
                paid_fen=20_000_00,
                outstanding_fen=40_000_00,
                overdue=1,
                overdue_fen=40_000_00,
            ),
        ),
    ]
    assert report.total == PaymentTally(
        due=3,
        due_fen=94_500_00,
        paid_fen=50_000_00,
        outstanding_fen=44_500_00,
        overdue=3,
        overdue_fen=109_500_00,
    )
    assert [(o.project.project_id, o.installment.installment.value) for o in report.overdue] == [
        ("b", "first"),
        ("a", "midterm"),
        ("b", "final"),
    ]
    assert report.overdue[0].project.project_manager == "pm-b"


def test_an_instalment_is_overdue_only_from_its_bound_and_while_unpaid() -> None:
    day = date(2026, 5, 20)
    rows = [
        plan("a", instalment(Installment.MIDTERM, 100, day, paid=40)),
        plan("b", instalment(Installment.MIDTERM, 100, day, paid=100), branch="SH02"),
    ]
    before = payment_report(rows, FIRST, LAST, bound(day) - timedelta(seconds=1))
    assert before.total == PaymentTally(due=2, due_fen=200, paid_fen=140, outstanding_fen=60)
    assert before.overdue == []
    at = payment_report(rows, FIRST, LAST, bound(day))
    assert at.total == PaymentTally(
        due=2, due_fen=200, paid_fen=140, outstanding_fen=60, overdue=1, overdue_fen=60
    )
    assert [o.project.project_id for o in at.overdue] == ["a"]


def test_a_paid_or_later_instalment_and_one_without_a_due_day_are_no_line() -> None:
    rows = [
        plan("a", instalment(Installment.FIRST, 100, date(2026, 4, 3), paid=100)),
        plan("b", instalment(Installment.FINAL, 100, None), branch="BJ02"),
        plan("c", instalment(Installment.FIRST, 100, date(2026, 6, 2)), branch="GZ03"),
    ]
    report = payment_report(rows, FIRST, LAST, NOW)
    assert report.total == PaymentTally() and report.by_branch == [] and report.overdue == []


def test_two_instalments_of_one_project_due_the_same_day_are_listed_in_plan_order() -> None:
    p = plan(
        "a",
        instalment(Installment.FINAL, 5, date(2026, 5, 9)),
        instalment(Installment.MIDTERM, 30, date(2026, 5, 9)),
        instalment(Installment.FIRST, 65, date(2026, 5, 9)),
    )
    report = payment_report([p], FIRST, LAST, NOW)
    assert [o.installment.installment.value for o in report.overdue] == [
        "first",
        "midterm",
        "final",
    ]
    assert report.total.overdue_fen == 100


def test_payments_need_now_with_its_zone() -> None:
    with pytest.raises(Invalid) as refused:
        payment_report([], FIRST, LAST, datetime(2026, 6, 1, 12))
    assert refused.value.field == "now"
