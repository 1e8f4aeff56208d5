"""The managers' report pages as tables: each service's report answer mapped, figure for
figure, onto rows and columns (the charts and the exports are drawn from these tables), and
the periods a page asks for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from shared.contracts.values import Role

from .charts import Series

# Who sees the reports link; what each section shows is what the services answer that role.
REPORT_ROLES = frozenset({Role.MANAGER, Role.DEPT_HEAD, Role.FINANCE, Role.ADMIN})
TREND_WEEKS = 12
TREND_MONTHS = 6
EXCEPTION_WEEKS = 8
SLOWEST = 10
# The complaint statuses that count as still open (the report's `open`).
OPEN_STATUSES = ("open", "in_progress", "escalated")
FIGURES = ("opened", "resolved", "escalated", "open")

Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    """A column: its heading's message key and how its cells read (`label`: a code worded by
    the catalogue under that prefix; `yuan`: fen shown as yuan; `link`: a path; `time`: a
    moment in ISO 8601)."""

    key: str
    label: str = ""
    yuan: bool = False
    link: str = ""
    time: bool = False


@dataclass(frozen=True)
class Table:
    """One section's figures: its name (message key), columns and rows."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def values(self, key: str) -> tuple[Cell, ...]:
        """One column's cells, top to bottom."""
        at = [c.key for c in self.columns].index(key)
        return tuple(row[at] for row in self.rows)


def row(*cells: Cell) -> tuple[Cell, ...]:
    """One row of a table."""
    return cells


def series(table: Table, keys: Sequence[str]) -> tuple[list[str], list[Series]]:
    """The first column as the labels and the named columns as series, for a chart (headings
    and labels still as keys and codes)."""
    labels = [str(v) for v in table.values(table.columns[0].key)]
    money = {c.key for c in table.columns if c.yuan}
    return labels, [
        Series(key, tuple(_number(v, key in money) for v in table.values(key))) for key in keys
    ]


def _number(value: Cell, yuan: bool = False) -> float | None:
    if not isinstance(value, int | float):
        return None
    return value / 100 if yuan else value  # a chart of money is drawn in yuan, as the table says


def week_of(day: date) -> str:
    """The ISO week label of a day, e.g. 2026-W47."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_back(label: str, count: int) -> list[str]:
    """`count` ISO week labels ending with `label`, oldest first (ValueError for a bad one)."""
    year, _, week = label.strip().partition("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return [week_of(monday - timedelta(weeks=n)) for n in range(count - 1, -1, -1)]


def short(label: str) -> str:
    """A period as a chart's axis writes it: a week without its year (W47), else as it is."""
    year, sep, week = label.partition("-W")
    return f"W{week}" if sep and year.isdigit() else label


def trend_weeks(label: str) -> list[str]:
    """The weeks of a complaint trend ending with `label`."""
    return weeks_back(label, TREND_WEEKS)


def month_of(day: date) -> str:
    """The month label of a day, e.g. 2026-11."""
    return f"{day.year}-{day.month:02d}"


def months_back(label: str, count: int) -> list[str]:
    """`count` month labels ending with `label`, oldest first (ValueError for a bad one)."""
    year, _, month = label.strip().partition("-")
    index = int(year) * 12 + int(month) - 1
    if not 1 <= int(month) <= 12:
        raise ValueError(f"{label} is not a month")
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def month_end(label: str) -> date:
    """The last day of a month label (ValueError for a bad one)."""
    following = months_back(label, 1)[0]
    year, month = (int(x) for x in following.split("-"))
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def exception_weeks_of(month: str, today: date) -> list[str]:
    """The weeks of the exception trend: EXCEPTION_WEEKS ending with the month's last week, or
    with this week while the month is not over."""
    return weeks_back(week_of(min(month_end(month), today)), EXCEPTION_WEEKS)


def complaint_departments(report: Mapping[str, Any], department: str = "") -> Table:
    """The week per department: opened, resolved, escalated, open at its end, median hours."""
    rows = tuple(
        (
            line["department"],
            *(int(line[f]) for f in FIGURES),
            line["median_hours_to_resolve"],
        )
        for line in report["departments"]
        if not department or line["department"] == department
    )
    return Table(
        "report.complaints.week",
        (
            Column("report.department", label="complaint.department"),
            *(Column(f"report.{f}") for f in FIGURES),
            Column("report.median_hours"),
        ),
        rows,
    )


def _opened_by(report: Mapping[str, Any], department: str, by: str, name: str) -> Table:
    """The week's opened complaints counted `by` cause or category (the report's `by_<by>`), of
    one department or of every department."""
    if department:
        lines = [d for d in report["departments"] if d["department"] == department]
        counts = lines[0][f"by_{by}"] if lines else {}
    else:
        counts = report[f"by_{by}"]
    return Table(
        name,
        (Column(f"report.{by}", label=f"complaint.{by}"), Column("report.opened")),
        tuple((value, int(n)) for value, n in counts.items()),
    )


def complaint_causes(report: Mapping[str, Any], department: str = "") -> Table:
    """The week's opened complaints by cause (one department's, or every department's)."""
    return _opened_by(report, department, "cause", "report.complaints.causes")


def complaint_categories(report: Mapping[str, Any], department: str = "") -> Table:
    """The week's opened complaints by the category they were registered under (one
    department's, or every department's)."""
    return _opened_by(report, department, "category", "report.complaints.categories")


def complaint_trend(reports: Sequence[Mapping[str, Any]], department: str = "") -> Table:
    """Week by week: the four figures summed over the departments shown."""
    rows = []
    for report in reports:
        lines = complaint_departments(report, department)
        rows.append(
            (
                report["week"],
                *(sum(int(v or 0) for v in lines.values(f"report.{f}")) for f in FIGURES),
            )
        )
    return Table(
        "report.complaints.trend",
        (Column("report.week"), *(Column(f"report.{f}") for f in FIGURES)),
        tuple(rows),
    )


def pivot(
    name: str, first: str, periods: Sequence[tuple[str, Mapping[str, int]]], prefix: str
) -> Table:
    """Period by period, one column per key seen in any period (first seen, first), worded
    under `prefix`; a key a period lacks counts 0."""
    seen: list[str] = []
    for _, counts in periods:
        seen.extend(k for k in counts if k not in seen)
    return Table(
        name,
        (Column(first), *(Column(f"{prefix}.{k}") for k in seen)),
        tuple((label, *(int(counts.get(k) or 0) for k in seen)) for label, counts in periods),
    )


def complaint_trend_by(
    reports: Sequence[Mapping[str, Any]], by: str, department: str = ""
) -> Table:
    """Week by week, the complaints opened per department (`by` = department), per cause
    (`by` = cause) or per category (`by` = category): one column for each that had any in the
    period."""
    periods = []
    for report in reports:
        table = (
            complaint_departments(report, department)
            if by == "department"
            else complaint_categories(report, department)
            if by == "category"
            else complaint_causes(report, department)
        )
        # Each table has the label first and the complaints opened next.
        periods.append((str(report["week"]), {str(r[0]): int(r[1] or 0) for r in table.rows}))
    return pivot(f"report.complaints.trend_{by}", "report.week", periods, f"complaint.{by}")


def slowest_open(items: Sequence[Mapping[str, Any]], now: datetime, count: int = SLOWEST) -> Table:
    """The open complaints that have waited longest, oldest first, with their age in days."""
    waiting = sorted(
        (i for i in items if i["status"] in OPEN_STATUSES),
        key=lambda i: (datetime.fromisoformat(str(i["opened_at"])), str(i["id"])),
    )[:count]
    return Table(
        "report.complaints.slowest",
        (
            Column("report.case", link="/complaints/"),
            Column("report.department", label="complaint.department"),
            Column("report.status", label="complaint.status"),
            Column("report.opened_at", time=True),
            Column("report.days_open"),
        ),
        tuple(
            (
                str(i["id"]),
                str(i["department"]),
                str(i["status"]),
                str(i["opened_at"]),
                (now - datetime.fromisoformat(str(i["opened_at"]))).days,
            )
            for i in waiting
        ),
    )


# Logistics: the receipts' monthly report, the stations' scorecards, the weekly exceptions.
EXCEPTION_KINDS = ("damage", "shortage", "mismatch")
RECEIPT_FIGURES = ("unreturned", "overdue", "late", "abnormal", "lost")
PENALTIES = ("overdue_penalty_fen", "abnormal_penalty_fen", "lost_staff_fen", "penalties_fen")
SCORE_FIGURES = (
    "delays",
    "exceptions",
    *EXCEPTION_KINDS,
    "truck_checks",
    "truck_findings",
    "receipts_late",
    "receipts_abnormal",
    "abnormal_missed",
    "violations",
)


def receipt_regions(report: Mapping[str, Any]) -> Table:
    """The month per region: receipts out, overdue, gone late, abnormal, lost, and the penalty
    lines proposed (fen)."""
    rows = tuple(
        row(
            str(line["region"]),
            *(int(line[f]) for f in RECEIPT_FIGURES),
            *(int(line[p]) for p in PENALTIES),
        )
        for line in report["regions"]
    )
    return Table(
        "report.logistics.receipts",
        (
            Column("report.region"),
            *(Column(f"report.receipts.{f}") for f in RECEIPT_FIGURES),
            *(Column(f"report.receipts.{p}", yuan=True) for p in PENALTIES),
        ),
        rows,
    )


def receipt_trend(reports: Sequence[Mapping[str, Any]]) -> Table:
    """Month by month, the receipts overdue at its end per region."""
    periods = [
        (str(r["month"]), {str(line["region"]): int(line["overdue"]) for line in r["regions"]})
        for r in reports
    ]
    return pivot("report.logistics.receipt_trend", "report.month", periods, "region")


def station_scores(report: Mapping[str, Any]) -> Table:
    """Each station's month: delays, exceptions by kind, truck checks, receipts, violations."""
    rows = tuple(
        row(
            str(x["station"]),
            *(
                int(x["exceptions_by_kind"].get(f, 0) if f in EXCEPTION_KINDS else x[f])
                for f in SCORE_FIGURES
            ),
        )
        for x in report["stations"]
    )
    return Table(
        "report.logistics.stations",
        (Column("report.station"), *(Column(f"report.scores.{f}") for f in SCORE_FIGURES)),
        rows,
    )


# The delays report: the routes with the most delayed shipments, the stations' delay reports.
ROUTES = 20
DELAY_FIGURES = ("shipments", "delayed", "delay_rate_pct")


def route_delays(report: Mapping[str, Any], count: int = ROUTES) -> Table:
    """The month's routes with the most delayed shipments, as logistics orders them (at most
    `count`): shipments dispatched, delayed, the rate in percent."""
    rows = tuple(
        row(
            f"{x['origin_branch']} → {x['destination_branch']}",
            int(x["shipments"]),
            int(x["delayed"]),
            x["delay_rate_pct"],
        )
        for x in report["routes"][:count]
    )
    return Table(
        "report.logistics.routes",
        (Column("report.route"), *(Column(f"report.delays.{f}") for f in DELAY_FIGURES)),
        rows,
    )


def station_delays(report: Mapping[str, Any]) -> Table:
    """The month's delay reports per station named to call, the most first."""
    return Table(
        "report.logistics.station_delays",
        (Column("report.station"), Column("report.scores.delays")),
        tuple(row(str(x["station"]), int(x["delays"])) for x in report["stations"]),
    )


def _kinds(report: Mapping[str, Any], station: str | None = None) -> dict[str, int]:
    counts = dict.fromkeys(EXCEPTION_KINDS, 0)
    for line in report["lines"]:
        if line["kind"] in counts and station in (None, line["station"]):
            counts[str(line["kind"])] += int(line["count"])
    return counts


def exception_weeks(reports: Sequence[Mapping[str, Any]]) -> Table:
    """Week by week, the cargo exceptions by kind and in all."""
    rows = tuple(
        row(str(report["week"]), *_kinds(report).values(), int(report["total"]))
        for report in reports
    )
    return Table(
        "report.logistics.exception_weeks",
        (
            Column("report.week"),
            *(Column(f"report.scores.{k}") for k in EXCEPTION_KINDS),
            Column("report.scores.exceptions"),
        ),
        rows,
    )


def exception_stations(report: Mapping[str, Any]) -> Table:
    """One week's cargo exceptions per station, by kind and in all."""
    stations: list[str] = []
    for line in report["lines"]:
        if line["station"] not in stations:
            stations.append(str(line["station"]))
    rows = []
    for station in stations:
        counts = _kinds(report, station)
        rows.append(row(station, *counts.values(), sum(counts.values())))
    return Table(
        "report.logistics.exception_stations",
        (
            Column("report.station"),
            *(Column(f"report.scores.{k}") for k in EXCEPTION_KINDS),
            Column("report.scores.exceptions"),
        ),
        tuple(rows),
    )


def penalty_lines(report: Mapping[str, Any]) -> Table:
    """The waybills each region's proposed penalties are for: a receipt chased late (逾期回单)
    or an abnormal receipt not found or handled in time (异常回单)."""
    rows = tuple(
        row(str(line["region"]), kind, str(waybill))
        for line in report["regions"]
        for kind, field in (
            ("late", "chase_penalty_waybills"),
            ("abnormal", "abnormal_penalty_waybills"),
        )
        for waybill in line[field]
    )
    return Table(
        "report.logistics.penalty_lines",
        (
            Column("report.region"),
            Column("report.penalty", label="report.penalty"),
            Column("report.waybill"),
        ),
        rows,
    )


# After-sales: the monthly repairs report.
SLA_FIGURES = ("due", "met", "breached", "pending")


def repair_statuses(report: Mapping[str, Any]) -> Table:
    """The month's tickets by their status now, in life-cycle order."""
    return Table(
        "report.aftersales.statuses",
        (Column("report.status", label="repair.status"), Column("report.tickets")),
        tuple(row(str(s), int(n)) for s, n in report["opened"]["by_status"].items()),
    )


def repair_levels(report: Mapping[str, Any]) -> Table:
    """Per service-level step: deadlines due in the month, met, breached, still pending."""
    return Table(
        "report.aftersales.levels",
        (
            Column("report.step", label="report.sla"),
            *(Column(f"report.sla_{f}") for f in SLA_FIGURES),
        ),
        tuple(
            row(str(x["step"]), *(int(x[f]) for f in SLA_FIGURES)) for x in report["service_levels"]
        ),
    )


def repair_kinds(report: Mapping[str, Any]) -> Table:
    """Warranty and paid repairs: surveyed with the fees quoted, completed with the fees paid."""
    surveyed, completed = report["repairs"]["surveyed"], report["repairs"]["completed"]
    return Table(
        "report.aftersales.kinds",
        (
            Column("report.repair_kind", label="report.repair_kind"),
            Column("report.surveyed"),
            Column("report.quoted", yuan=True),
            Column("report.completed"),
            Column("report.paid", yuan=True),
        ),
        (
            row("covered", int(surveyed["covered"]), None, int(completed["covered"]), None),
            row(
                "paid",
                int(surveyed["paid"]),
                int(surveyed["quoted_fen"]),
                int(completed["paid"]),
                int(completed["paid_fen"]),
            ),
        ),
    )


# The platform's service levels: callbacks overdue, messages not delivered.
CALLBACK_FIGURES = ("created", "open", "overdue", "completed", "completed_late", "given_up")
MESSAGE_FIGURES = ("sent", "failed", "queued_late")


def callbacks_by(report: Mapping[str, Any], by: str) -> Table:
    """The period's callbacks per purpose (`by` = purpose) or per team (`by` = team; a task
    assigned to a person has no team)."""
    label = "purpose" if by == "purpose" else "team"
    return Table(
        f"report.levels.{by}",
        (
            Column(f"report.{by}", label=label),
            *(Column(f"report.callbacks.{f}") for f in CALLBACK_FIGURES),
        ),
        tuple(
            row(str(x[by] or "—"), *(int(x[f]) for f in CALLBACK_FIGURES))
            for x in report["callbacks"][f"by_{by}"]
        ),
    )


def messages_by_channel(report: Mapping[str, Any]) -> Table:
    """The period's messages per channel: sent, failed, still queued past their time."""
    return Table(
        "report.levels.channels",
        (
            Column("report.channel", label="report.channel"),
            *(Column(f"report.messages.{f}") for f in MESSAGE_FIGURES),
        ),
        tuple(
            row(str(x["channel"]), *(int(x[f]) for f in MESSAGE_FIGURES))
            for x in report["messages"]["by_channel"]
        ),
    )


# Renovation: the monthly rating, care-call compliance.
RATED = ("score", "mean_inspection", "mean_satisfaction", "complaints", "inspections")
CARE = ("projects", "required_calls", "made_calls", "compliance_pct", "pending_calls")


def rated_projects(report: Mapping[str, Any], which: str) -> Table:
    """The month's best (`which` = best) or worst projects with their scores, by rank."""
    return Table(
        f"report.renovation.{which}",
        (
            Column("report.rank"),
            Column("report.project", link="/projects/"),
            Column("report.project_manager"),
            *(Column(f"report.rated.{f}") for f in RATED),
        ),
        tuple(
            row(int(x["rank"]), str(x["project_id"]), x["project_manager"], *(x[f] for f in RATED))
            for x in report[which]
        ),
    )


def care_compliance(report: Mapping[str, Any]) -> Table:
    """Per project manager: projects owing care calls, calls owed, made, the percentage, and
    the calls still open."""
    return Table(
        "report.renovation.care",
        (Column("report.project_manager"), *(Column(f"report.care.{f}") for f in CARE)),
        tuple(row(str(x["project_manager"] or "—"), *(x[f] for f in CARE)) for x in report["rows"]),
    )


# Renovation: the month's stage deadlines and payments due, per branch.
DEADLINE_FIGURES = ("due", "met", "missed", "open_past_due", "pending")
PAYMENT_COUNTS = ("due", "overdue")
PAYMENT_MONEY = ("due_fen", "paid_fen", "outstanding_fen", "overdue_fen")


def _deadline_lines(lines: Sequence[Mapping[str, Any]], name: str, by: str, key: str) -> Table:
    return Table(
        name,
        (Column(key), *(Column(f"report.deadlines.{f}") for f in DEADLINE_FIGURES)),
        tuple(row(str(x[by] or "—"), *(int(x[f]) for f in DEADLINE_FIGURES)) for x in lines),
    )


def deadline_branches(report: Mapping[str, Any]) -> Table:
    """Per branch: stage deadlines due in the month, met, missed, still open past due, pending."""
    return _deadline_lines(
        report["branches"], "report.renovation.deadlines", "branch_id", "report.branch"
    )


def deadline_people(report: Mapping[str, Any]) -> Table:
    """The same per person who owes them (the designer, or the project manager for the start)."""
    return _deadline_lines(
        report["people"], "report.renovation.deadline_people", "person", "report.responsible"
    )


def missed_deadlines(report: Mapping[str, Any]) -> Table:
    """The month's missed deadlines: project, branch, which, who owes it, its day, done late or
    still open."""
    return Table(
        "report.renovation.missed",
        (
            Column("report.project", link="/projects/"),
            Column("report.branch"),
            Column("report.deadline", label="project.deadline"),
            Column("report.responsible"),
            Column("report.due_on"),
            Column("report.deadline_status", label="report.deadline_status"),
        ),
        tuple(
            row(
                str(x["project_id"]),
                x["branch_id"],
                str(x["deadline"]),
                x["responsible"],
                str(x["due_on"]),
                str(x["status"]),
            )
            for x in report["missed"]
        ),
    )


def payment_branches(report: Mapping[str, Any]) -> Table:
    """Per branch: instalments due in the month, their amount, paid, outstanding; the overdue
    ones (fallen due by the month's end) and what they still owe."""
    return Table(
        "report.renovation.payments",
        (
            Column("report.branch"),
            Column("report.payments.due"),
            Column("report.payments.due_fen", yuan=True),
            Column("report.payments.paid_fen", yuan=True),
            Column("report.payments.outstanding_fen", yuan=True),
            Column("report.payments.overdue"),
            Column("report.payments.overdue_fen", yuan=True),
        ),
        tuple(
            row(
                str(x["branch_id"] or "—"),
                int(x["due"]),
                int(x["due_fen"]),
                int(x["paid_fen"]),
                int(x["outstanding_fen"]),
                int(x["overdue"]),
                int(x["overdue_fen"]),
            )
            for x in report["branches"]
        ),
    )


def overdue_payments(report: Mapping[str, Any]) -> Table:
    """The overdue instalments to chase: project, branch, project manager, which, due day,
    amount, paid, outstanding."""
    return Table(
        "report.renovation.overdue",
        (
            Column("report.project", link="/projects/"),
            Column("report.branch"),
            Column("report.project_manager"),
            Column("report.installment", label="payment.installment"),
            Column("report.due_on"),
            Column("report.payments.amount_fen", yuan=True),
            Column("report.payments.paid_fen", yuan=True),
            Column("report.payments.outstanding_fen", yuan=True),
        ),
        tuple(
            row(
                str(x["project_id"]),
                x["branch_id"],
                x["project_manager"],
                str(x["installment"]),
                x["due_on"],
                int(x["amount_fen"]),
                int(x["paid_fen"]),
                int(x["outstanding_fen"]),
            )
            for x in report["overdue"]
        ),
    )
