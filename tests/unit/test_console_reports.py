"""The report pages' tables: intake's weekly complaint report mapped figure for figure onto
rows and columns (and from them the charts' series), the weeks and months a page asks for,
the slowest open complaints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.console.domain.charts import Series
from services.console.domain.reports import (
    REPORT_ROLES,
    Column,
    Table,
    callbacks_by,
    care_compliance,
    complaint_causes,
    complaint_departments,
    complaint_trend,
    complaint_trend_by,
    exception_stations,
    exception_weeks,
    exception_weeks_of,
    messages_by_channel,
    month_end,
    month_of,
    months_back,
    penalty_lines,
    pivot,
    rated_projects,
    receipt_regions,
    receipt_trend,
    repair_kinds,
    repair_levels,
    repair_statuses,
    series,
    short,
    slowest_open,
    station_scores,
    trend_weeks,
    week_of,
    weeks_back,
)
from shared.contracts.values import Role

pytestmark = pytest.mark.quick


def line(
    department: str, *figures: int, median: float | None = None, **causes: int
) -> dict[str, Any]:
    opened, resolved, escalated, still_open = figures
    return {
        "department": department,
        "opened": opened,
        "resolved": resolved,
        "escalated": escalated,
        "open": still_open,
        "median_hours_to_resolve": median,
        "by_cause": causes,
    }


def weekly(week: str, *lines: dict[str, Any]) -> dict[str, Any]:
    total: dict[str, int] = {}
    for x in lines:
        for cause, n in x["by_cause"].items():
            total[cause] = total.get(cause, 0) + n
    return {"week": week, "departments": list(lines), "by_cause": total}


W47 = weekly(
    "2026-W47",
    line("engineering", 4, 3, 2, 5, median=30.5, workmanship=3, not_recorded=1),
    line("design", 1, 0, 0, 1, design=1),
)
W48 = weekly("2026-W48", line("design", 2, 1, 1, 2, design=2), line("finance", 1, 1, 0, 0))


def test_the_week_per_department_is_the_reports_lines_in_its_order() -> None:
    table = complaint_departments(W47)
    assert table.name == "report.complaints.week"
    assert table.columns == (
        Column("report.department", label="complaint.department"),
        Column("report.opened"),
        Column("report.resolved"),
        Column("report.escalated"),
        Column("report.open"),
        Column("report.median_hours"),
    )
    assert table.rows == (("engineering", 4, 3, 2, 5, 30.5), ("design", 1, 0, 0, 1, None))


def test_one_departments_week() -> None:
    assert complaint_departments(W47, "design").rows == (("design", 1, 0, 0, 1, None),)
    assert complaint_departments(W47, "logistics").rows == ()


def test_the_weeks_causes_over_every_department_or_one() -> None:
    table = complaint_causes(W47)
    assert table.name == "report.complaints.causes"
    assert table.columns == (
        Column("report.cause", label="complaint.cause"),
        Column("report.opened"),
    )
    assert table.rows == (("workmanship", 3), ("not_recorded", 1), ("design", 1))
    assert complaint_causes(W47, "engineering").rows == (("workmanship", 3), ("not_recorded", 1))
    assert complaint_causes(W47, "logistics").rows == ()


def test_the_trend_sums_each_weeks_departments() -> None:
    table = complaint_trend([W47, W48])
    assert table.name == "report.complaints.trend"
    assert [c.key for c in table.columns] == [
        "report.week",
        "report.opened",
        "report.resolved",
        "report.escalated",
        "report.open",
    ]
    assert table.rows == (("2026-W47", 5, 3, 2, 6), ("2026-W48", 3, 2, 1, 2))
    assert complaint_trend([W47, W48], "design").rows == (
        ("2026-W47", 1, 0, 0, 1),
        ("2026-W48", 2, 1, 1, 2),
    )


def test_the_trend_per_department_has_a_column_for_each_seen_in_the_period() -> None:
    table = complaint_trend_by([W47, W48], "department")
    assert table.name == "report.complaints.trend_department"
    assert [c.key for c in table.columns] == [
        "report.week",
        "complaint.department.engineering",
        "complaint.department.design",
        "complaint.department.finance",
    ]
    assert table.rows == (("2026-W47", 4, 1, 0), ("2026-W48", 0, 2, 1))


def test_the_trend_per_cause_and_for_one_department() -> None:
    table = complaint_trend_by([W47, W48], "cause")
    assert table.name == "report.complaints.trend_cause"
    assert [c.key for c in table.columns] == [
        "report.week",
        "complaint.cause.workmanship",
        "complaint.cause.not_recorded",
        "complaint.cause.design",
    ]
    assert table.rows == (("2026-W47", 3, 1, 1), ("2026-W48", 0, 0, 2))
    one = complaint_trend_by([W47, W48], "cause", "design")
    assert [c.key for c in one.columns] == ["report.week", "complaint.cause.design"]
    assert one.rows == (("2026-W47", 1), ("2026-W48", 2))


def test_a_tables_columns_become_a_charts_labels_and_series() -> None:
    labels, runs = series(complaint_departments(W47), ["report.opened", "report.median_hours"])
    assert labels == ["engineering", "design"]
    assert runs == [Series("report.opened", (4, 1)), Series("report.median_hours", (30.5, None))]
    text = Table("t", (Column("a"), Column("b")), (("x", "words"),))
    assert series(text, ["b"]) == (["x"], [Series("b", (None,))])


@pytest.mark.parametrize(
    ("day", "week"),
    [
        (date(2026, 12, 7), "2026-W50"),
        (date(2026, 1, 14), "2026-W03"),
        (date(2027, 1, 1), "2026-W53"),
    ],
)
def test_a_days_iso_week(day: date, week: str) -> None:
    assert week_of(day) == week


def test_weeks_back_end_with_the_week_asked_for_oldest_first() -> None:
    assert weeks_back(" 2026-W02 ", 3) == ["2025-W52", "2026-W01", "2026-W02"]
    assert weeks_back("2026-W47", 1) == ["2026-W47"]
    assert trend_weeks("2026-W47")[0] == "2026-W36"
    assert len(trend_weeks("2026-W47")) == 12
    for bad in ("2026-W60", "2026-47", "W47", ""):
        with pytest.raises(ValueError):
            weeks_back(bad, 1)


def test_months_back_end_with_the_month_asked_for_oldest_first() -> None:
    assert month_of(date(2026, 3, 31)) == "2026-03"
    assert months_back("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert months_back(" 2026-12", 1) == ["2026-12"]
    assert months_back("2026-01", 2) == ["2025-12", "2026-01"]
    for bad in ("2026-13", "2026-00", "2026", "x-01"):
        with pytest.raises(ValueError):
            months_back(bad, 1)


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def complaint(n: int, status: str, days: float, department: str = "engineering") -> dict[str, Any]:
    return {
        "id": f"c{n}",
        "status": status,
        "department": department,
        "opened_at": (NOW - timedelta(days=days)).isoformat(),
    }


def test_the_slowest_open_complaints_oldest_first_with_their_days() -> None:
    items = [
        complaint(1, "open", 2.5),
        complaint(2, "resolved", 30),
        complaint(3, "escalated", 9.9, "design"),
        complaint(4, "in_progress", 4),
        complaint(5, "closed", 40),
    ]
    table = slowest_open(items, NOW)
    assert table.name == "report.complaints.slowest"
    assert table.columns == (
        Column("report.case", link="/complaints/"),
        Column("report.department", label="complaint.department"),
        Column("report.status", label="complaint.status"),
        Column("report.opened_at", time=True),
        Column("report.days_open"),
    )
    assert [(r[0], r[1], r[2], r[4]) for r in table.rows] == [
        ("c3", "design", "escalated", 9),
        ("c4", "engineering", "in_progress", 4),
        ("c1", "engineering", "open", 2),
    ]
    assert table.rows[0][3] == items[2]["opened_at"]


def test_at_most_ten_slowest_and_the_same_time_by_id() -> None:
    items = [complaint(n, "open", 3) for n in range(12, 0, -1)]
    rows = slowest_open(items, NOW).rows
    assert [r[0] for r in rows] == ["c1", "c10", "c11", "c12", *(f"c{n}" for n in range(2, 8))]
    assert len(slowest_open(items, NOW, 3).rows) == 3


def test_the_reports_are_for_managers_department_heads_finance_and_admins() -> None:
    assert frozenset({Role.MANAGER, Role.DEPT_HEAD, Role.FINANCE, Role.ADMIN}) == REPORT_ROLES


def test_a_charts_axis_writes_a_week_without_its_year() -> None:
    assert short("2026-W47") == "W47"
    assert short("2026-11") == "2026-11"
    assert short("工程部") == "工程部"
    assert short("x-W47") == "x-W47"


def test_the_trend_per_department_for_one_department_and_a_week_with_none_opened() -> None:
    quiet = weekly("2026-W49", line("design", 0, 1, 0, 1), line("logistics", 2, 0, 0, 2))
    one = complaint_trend_by([W47, W48, quiet], "department", "design")
    assert [c.key for c in one.columns] == ["report.week", "complaint.department.design"]
    assert one.rows == (("2026-W47", 1), ("2026-W48", 2), ("2026-W49", 0))
    every = complaint_trend_by([quiet], "department")
    assert every.rows == (("2026-W49", 0, 2),)


def test_a_pivot_counts_what_a_period_lacks_as_none() -> None:
    table = pivot("t", "report.month", [("2026-10", {"a": 1}), ("2026-11", {"b": 2, "a": 3})], "x")
    assert table.name == "t"
    assert table.columns == (Column("report.month"), Column("x.a"), Column("x.b"))
    assert table.rows == (("2026-10", 1, 0), ("2026-11", 3, 2))


# Logistics


def region(name: str, **figures: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "region": name,
        "unreturned": 0,
        "overdue": 0,
        "late": 0,
        "abnormal": 0,
        "lost": 0,
        "overdue_penalty_fen": 0,
        "abnormal_penalty_fen": 0,
        "lost_staff_fen": 0,
        "penalties_fen": 0,
        "chase_penalty_waybills": [],
        "abnormal_penalty_waybills": [],
    }
    return {**line, **figures}


NOV = {
    "month": "2026-11",
    "regions": [
        region(
            "east",
            unreturned=5,
            overdue=3,
            late=2,
            abnormal=1,
            lost=1,
            overdue_penalty_fen=10_000,
            abnormal_penalty_fen=10_000,
            lost_staff_fen=2_500,
            penalties_fen=22_500,
            chase_penalty_waybills=["W1", "W2"],
            abnormal_penalty_waybills=["W3"],
        ),
        region("west", unreturned=1, abnormal_penalty_waybills=["W9"]),
    ],
}
OCT = {"month": "2026-10", "regions": [region("west", overdue=4), region("north", overdue=0)]}


def test_the_receipts_per_region_with_each_penalty_in_fen() -> None:
    table = receipt_regions(NOV)
    assert table.name == "report.logistics.receipts"
    assert table.columns == (
        Column("report.region"),
        Column("report.receipts.unreturned"),
        Column("report.receipts.overdue"),
        Column("report.receipts.late"),
        Column("report.receipts.abnormal"),
        Column("report.receipts.lost"),
        Column("report.receipts.overdue_penalty_fen", yuan=True),
        Column("report.receipts.abnormal_penalty_fen", yuan=True),
        Column("report.receipts.lost_staff_fen", yuan=True),
        Column("report.receipts.penalties_fen", yuan=True),
    )
    assert table.rows == (
        ("east", 5, 3, 2, 1, 1, 10_000, 10_000, 2_500, 22_500),
        ("west", 1, 0, 0, 0, 0, 0, 0, 0, 0),
    )


def test_the_penalty_lines_name_each_waybill_and_why() -> None:
    table = penalty_lines(NOV)
    assert table.name == "report.logistics.penalty_lines"
    assert table.columns == (
        Column("report.region"),
        Column("report.penalty", label="report.penalty"),
        Column("report.waybill"),
    )
    assert table.rows == (
        ("east", "late", "W1"),
        ("east", "late", "W2"),
        ("east", "abnormal", "W3"),
        ("west", "abnormal", "W9"),
    )


def test_the_overdue_receipts_month_by_month_per_region() -> None:
    table = receipt_trend([OCT, NOV])
    assert table.name == "report.logistics.receipt_trend"
    assert [c.key for c in table.columns] == [
        "report.month",
        "region.west",
        "region.north",
        "region.east",
    ]
    assert table.rows == (("2026-10", 4, 0, 0), ("2026-11", 0, 0, 3))


def test_the_station_scorecards_with_the_exceptions_by_kind() -> None:
    score = {
        "station": "SH01",
        "delays": 2,
        "exceptions": 4,
        "exceptions_by_kind": {"damage": 3, "mismatch": 1},
        "truck_checks": 5,
        "truck_findings": 6,
        "receipts_late": 7,
        "receipts_abnormal": 8,
        "abnormal_missed": 9,
        "violations": 10,
    }
    table = station_scores({"month": "2026-11", "stations": [score]})
    assert table.name == "report.logistics.stations"
    assert [c.key for c in table.columns] == [
        "report.station",
        "report.scores.delays",
        "report.scores.exceptions",
        "report.scores.damage",
        "report.scores.shortage",
        "report.scores.mismatch",
        "report.scores.truck_checks",
        "report.scores.truck_findings",
        "report.scores.receipts_late",
        "report.scores.receipts_abnormal",
        "report.scores.abnormal_missed",
        "report.scores.violations",
    ]
    assert table.rows == (("SH01", 2, 4, 3, 0, 1, 5, 6, 7, 8, 9, 10),)


def exceptions(week: str, *lines: tuple[str, str, int]) -> dict[str, Any]:
    return {
        "week": week,
        "total": sum(n for _, _, n in lines),
        "lines": [{"station": s, "kind": k, "count": n, "waybills": []} for s, k, n in lines],
    }


W1 = exceptions("2026-W48", ("HZ", "damage", 2), ("SH", "shortage", 1), ("HZ", "damage", 1))
W2 = exceptions("2026-W49", ("SH", "mismatch", 4), ("HZ", "unknown_kind", 2), ("HZ", "shortage", 1))


def test_the_exceptions_week_by_week_by_kind_and_in_all() -> None:
    table = exception_weeks([W1, W2])
    assert table.name == "report.logistics.exception_weeks"
    assert [c.key for c in table.columns] == [
        "report.week",
        "report.scores.damage",
        "report.scores.shortage",
        "report.scores.mismatch",
        "report.scores.exceptions",
    ]
    # A kind the page does not know yet is counted in the total alone.
    assert table.rows == (("2026-W48", 3, 1, 0, 4), ("2026-W49", 0, 1, 4, 7))


def test_a_weeks_exceptions_per_station_in_the_order_met() -> None:
    table = exception_stations(W2)
    assert table.name == "report.logistics.exception_stations"
    assert [c.key for c in table.columns] == [
        "report.station",
        "report.scores.damage",
        "report.scores.shortage",
        "report.scores.mismatch",
        "report.scores.exceptions",
    ]
    assert table.rows == (("SH", 0, 0, 4, 4), ("HZ", 0, 1, 0, 1))
    assert exception_stations(W1).rows == (("HZ", 3, 0, 0, 3), ("SH", 0, 1, 0, 1))


def test_a_months_last_day() -> None:
    assert month_end("2026-11") == date(2026, 11, 30)
    assert month_end("2026-12") == date(2026, 12, 31)
    assert month_end("2028-02") == date(2028, 2, 29)
    assert month_end("2026-01") == date(2026, 1, 31)
    with pytest.raises(ValueError):
        month_end("2026-13")


def test_the_exception_weeks_end_with_the_months_last_week_or_this_one() -> None:
    # 30 November 2026 is a Monday: the month's last week is W49.
    weeks = exception_weeks_of("2026-11", date(2026, 12, 7))
    assert weeks == [
        "2026-W42",
        "2026-W43",
        "2026-W44",
        "2026-W45",
        "2026-W46",
        "2026-W47",
        "2026-W48",
        "2026-W49",
    ]
    assert exception_weeks_of("2026-12", date(2026, 12, 7))[-1] == "2026-W50"
    assert exception_weeks_of("2026-12", date(2026, 12, 31))[-1] == "2026-W53"
    assert exception_weeks_of("2026-11", date(2026, 11, 29))[-1] == "2026-W48"


# After-sales, service levels, renovation

REPAIRS = {
    "month": "2026-11",
    "opened": {"total": 3, "by_status": {"opened": 1, "assigned": 0, "closed": 2}},
    "service_levels": [
        {"step": "first_contact", "due": 4, "met": 3, "breached": 1, "pending": 0},
        {"step": "survey", "due": 2, "met": 0, "breached": 1, "pending": 1},
    ],
    "repairs": {
        "surveyed": {"covered": 5, "paid": 2, "quoted_fen": 30_000},
        "completed": {"covered": 4, "paid": 1, "paid_fen": 12_000},
    },
}


def test_the_months_tickets_by_status_in_the_reports_order() -> None:
    table = repair_statuses(REPAIRS)
    assert table.name == "report.aftersales.statuses"
    assert table.columns == (
        Column("report.status", label="repair.status"),
        Column("report.tickets"),
    )
    assert table.rows == (("opened", 1), ("assigned", 0), ("closed", 2))


def test_the_service_levels_per_step() -> None:
    table = repair_levels(REPAIRS)
    assert table.name == "report.aftersales.levels"
    assert table.columns == (
        Column("report.step", label="report.sla"),
        Column("report.sla_due"),
        Column("report.sla_met"),
        Column("report.sla_breached"),
        Column("report.sla_pending"),
    )
    assert table.rows == (("first_contact", 4, 3, 1, 0), ("survey", 2, 0, 1, 1))


def test_warranty_against_paid_repairs_with_the_fees() -> None:
    table = repair_kinds(REPAIRS)
    assert table.name == "report.aftersales.kinds"
    assert table.columns == (
        Column("report.repair_kind", label="report.repair_kind"),
        Column("report.surveyed"),
        Column("report.quoted", yuan=True),
        Column("report.completed"),
        Column("report.paid", yuan=True),
    )
    assert table.rows == (("covered", 5, None, 4, None), ("paid", 2, 30_000, 1, 12_000))


def figures(n: int) -> dict[str, int]:
    names = ("created", "open", "overdue", "completed", "completed_late", "given_up")
    return {f: n + i for i, f in enumerate(names)}


LEVELS = {
    "callbacks": {
        "by_purpose": [{"purpose": "complaint_handling", **figures(1)}],
        "by_team": [{"team": "customer_service", **figures(10)}, {"team": None, **figures(20)}],
    },
    "messages": {
        "by_channel": [
            {"channel": "sms", "sent": 9, "failed": 2, "queued_late": 1},
            {"channel": "email", "sent": 3, "failed": 0, "queued_late": 0},
        ]
    },
}


def test_callbacks_per_purpose_and_per_team() -> None:
    heads = [
        "report.callbacks.created",
        "report.callbacks.open",
        "report.callbacks.overdue",
        "report.callbacks.completed",
        "report.callbacks.completed_late",
        "report.callbacks.given_up",
    ]
    purposes = callbacks_by(LEVELS, "purpose")
    assert purposes.name == "report.levels.purpose"
    assert purposes.columns == (
        Column("report.purpose", label="purpose"),
        *(Column(h) for h in heads),
    )
    assert purposes.rows == (("complaint_handling", 1, 2, 3, 4, 5, 6),)
    teams = callbacks_by(LEVELS, "team")
    assert teams.name == "report.levels.team"
    assert teams.columns[0] == Column("report.team", label="team")
    assert teams.rows == (
        ("customer_service", 10, 11, 12, 13, 14, 15),
        ("—", 20, 21, 22, 23, 24, 25),
    )


def test_messages_per_channel() -> None:
    table = messages_by_channel(LEVELS)
    assert table.name == "report.levels.channels"
    assert table.columns == (
        Column("report.channel", label="report.channel"),
        Column("report.messages.sent"),
        Column("report.messages.failed"),
        Column("report.messages.queued_late"),
    )
    assert table.rows == (("sms", 9, 2, 1), ("email", 3, 0, 0))


RATING = {
    "best": [
        {
            "rank": 1,
            "project_id": "p1",
            "project_manager": "chen",
            "score": 9.5,
            "mean_inspection": 4.5,
            "mean_satisfaction": 5.0,
            "complaints": 0,
            "inspections": 2,
        }
    ],
    "worst": [
        {
            "rank": 1,
            "project_id": "p9",
            "project_manager": None,
            "score": 3.25,
            "mean_inspection": None,
            "mean_satisfaction": 2.0,
            "complaints": 3,
            "inspections": 1,
        }
    ],
}


def test_the_best_and_worst_projects_by_rank() -> None:
    best = rated_projects(RATING, "best")
    assert best.name == "report.renovation.best"
    assert best.columns == (
        Column("report.rank"),
        Column("report.project", link="/projects/"),
        Column("report.project_manager"),
        Column("report.rated.score"),
        Column("report.rated.mean_inspection"),
        Column("report.rated.mean_satisfaction"),
        Column("report.rated.complaints"),
        Column("report.rated.inspections"),
    )
    assert best.rows == ((1, "p1", "chen", 9.5, 4.5, 5.0, 0, 2),)
    worst = rated_projects(RATING, "worst")
    assert worst.name == "report.renovation.worst"
    assert worst.rows == ((1, "p9", None, 3.25, None, 2.0, 3, 1),)


def test_care_compliance_per_project_manager() -> None:
    care = {
        "rows": [
            {
                "project_manager": "chen",
                "projects": 2,
                "required_calls": 6,
                "made_calls": 3,
                "compliance_pct": 50.0,
                "pending_calls": 1,
            },
            {
                "project_manager": None,
                "projects": 1,
                "required_calls": 2,
                "made_calls": 2,
                "compliance_pct": 100.0,
                "pending_calls": 0,
            },
        ]
    }
    table = care_compliance(care)
    assert table.name == "report.renovation.care"
    assert table.columns == (
        Column("report.project_manager"),
        Column("report.care.projects"),
        Column("report.care.required_calls"),
        Column("report.care.made_calls"),
        Column("report.care.compliance_pct"),
        Column("report.care.pending_calls"),
    )
    assert table.rows == (("chen", 2, 6, 3, 50.0, 1), ("—", 1, 2, 2, 100.0, 0))
