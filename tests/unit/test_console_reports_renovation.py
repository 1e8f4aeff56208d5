"""The renovation page's deadlines and payments as tables: projects' two monthly reports mapped
figure for figure onto rows and columns, money charted in yuan as the table shows it."""

from __future__ import annotations

import pytest

from services.console.domain.charts import Series
from services.console.domain.reports import (
    Column,
    deadline_branches,
    deadline_people,
    missed_deadlines,
    overdue_payments,
    payment_branches,
    series,
)

pytestmark = pytest.mark.quick

FIGURES = {"due": 4, "met": 1, "missed": 2, "open_past_due": 1, "pending": 1}
DEADLINES = {
    "month": "2026-05",
    "branches": [{"branch_id": "SH01", **FIGURES}, {"branch_id": None, **FIGURES, "due": 9}],
    "people": [
        {"person": "des-1", "due": 1, "met": 0, "missed": 1, "open_past_due": 0, "pending": 0},
        {"person": None, "due": 2, "met": 1, "missed": 0, "open_past_due": 0, "pending": 1},
    ],
    "missed": [
        {
            "project_id": "p1",
            "branch_id": "SH01",
            "deadline": "renderings",
            "responsible": "des-1",
            "due_on": "2026-05-04",
            "due_at": "2026-05-04T16:00:00+00:00",
            "satisfied_at": "2026-05-06T02:00:00+00:00",
            "status": "late",
        },
        {
            "project_id": "p2",
            "branch_id": None,
            "deadline": "works_start",
            "responsible": None,
            "due_on": "2026-05-31",
            "due_at": "2026-05-31T16:00:00+00:00",
            "satisfied_at": None,
            "status": "open_past_due",
        },
    ],
}
DEADLINE_COLUMNS = tuple(
    Column(f"report.deadlines.{f}") for f in ("due", "met", "missed", "open_past_due", "pending")
)


def test_the_deadlines_per_branch_and_per_person_in_the_reports_order() -> None:
    branches = deadline_branches(DEADLINES)
    assert branches.name == "report.renovation.deadlines"
    assert branches.columns == (Column("report.branch"), *DEADLINE_COLUMNS)
    assert branches.rows == (("SH01", 4, 1, 2, 1, 1), ("—", 9, 1, 2, 1, 1))
    people = deadline_people(DEADLINES)
    assert people.name == "report.renovation.deadline_people"
    assert people.columns == (Column("report.responsible"), *DEADLINE_COLUMNS)
    assert people.rows == (("des-1", 1, 0, 1, 0, 0), ("—", 2, 1, 0, 0, 1))


def test_the_missed_deadlines_link_their_projects_and_word_their_kind_and_status() -> None:
    table = missed_deadlines(DEADLINES)
    assert table.name == "report.renovation.missed"
    assert table.columns == (
        Column("report.project", link="/projects/"),
        Column("report.branch"),
        Column("report.deadline", label="project.deadline"),
        Column("report.responsible"),
        Column("report.due_on"),
        Column("report.deadline_status", label="report.deadline_status"),
    )
    assert table.rows == (
        ("p1", "SH01", "renderings", "des-1", "2026-05-04", "late"),
        ("p2", None, "works_start", None, "2026-05-31", "open_past_due"),
    )


PAYMENTS = {
    "month": "2026-05",
    "branches": [
        {
            "branch_id": "SH01",
            "due": 2,
            "due_fen": 6_450_000,
            "paid_fen": 2_000_000,
            "outstanding_fen": 4_450_000,
            "overdue": 3,
            "overdue_fen": 10_950_000,
        },
        {
            "branch_id": None,
            "due": 1,
            "due_fen": 150,
            "paid_fen": 0,
            "outstanding_fen": 150,
            "overdue": 0,
            "overdue_fen": 0,
        },
    ],
    "overdue": [
        {
            "project_id": "p3",
            "branch_id": "SH01",
            "project_manager": "pm-1",
            "installment": "first",
            "due_on": "2026-04-28",
            "amount_fen": 6_500_000,
            "paid_fen": 0,
            "outstanding_fen": 6_500_000,
        },
        {
            "project_id": "p4",
            "branch_id": None,
            "project_manager": None,
            "installment": "final",
            "due_on": "2026-05-31",
            "amount_fen": 450_000,
            "paid_fen": 1,
            "outstanding_fen": 449_999,
        },
    ],
}


def test_the_payments_per_branch_in_fen_shown_as_yuan() -> None:
    table = payment_branches(PAYMENTS)
    assert table.name == "report.renovation.payments"
    assert table.columns == (
        Column("report.branch"),
        Column("report.payments.due"),
        Column("report.payments.due_fen", yuan=True),
        Column("report.payments.paid_fen", yuan=True),
        Column("report.payments.outstanding_fen", yuan=True),
        Column("report.payments.overdue"),
        Column("report.payments.overdue_fen", yuan=True),
    )
    assert table.rows == (
        ("SH01", 2, 6_450_000, 2_000_000, 4_450_000, 3, 10_950_000),
        ("—", 1, 150, 0, 150, 0, 0),
    )


def test_the_overdue_instalments_to_chase() -> None:
    table = overdue_payments(PAYMENTS)
    assert table.name == "report.renovation.overdue"
    assert table.columns == (
        Column("report.project", link="/projects/"),
        Column("report.branch"),
        Column("report.project_manager"),
        Column("report.installment", label="payment.installment"),
        Column("report.due_on"),
        Column("report.payments.amount_fen", yuan=True),
        Column("report.payments.paid_fen", yuan=True),
        Column("report.payments.outstanding_fen", yuan=True),
    )
    assert table.rows == (
        ("p3", "SH01", "pm-1", "first", "2026-04-28", 6_500_000, 0, 6_500_000),
        ("p4", None, None, "final", "2026-05-31", 450_000, 1, 449_999),
    )


def test_money_is_charted_in_yuan_and_counts_as_they_are() -> None:
    labels, runs = series(
        payment_branches(PAYMENTS), ["report.payments.due", "report.payments.overdue_fen"]
    )
    assert labels == ["SH01", "—"]
    assert runs == [
        Series("report.payments.due", (2, 1)),
        Series("report.payments.overdue_fen", (109_500.0, 0.0)),
    ]
    assert isinstance(runs[0].values[0], int)
