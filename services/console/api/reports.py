"""The managers' report pages: each service's report for the chosen period and filters as
charts with their numbers in a table beside them (`sections`), exported as CSV or XLSX, and
printable; a report the service refuses the person's role says 无权查看 and shows nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.console.api import guard
from services.console.api.i18n import Translator, lang_of, translator
from services.console.api.pages import render
from services.console.api.projects import failure, served
from services.console.api.sections import Section, exported, readable_or, refused, section
from services.console.domain.reports import (
    EXCEPTION_KINDS,
    FIGURES,
    SLA_FIGURES,
    SLOWEST,
    TREND_MONTHS,
    callbacks_by,
    care_compliance,
    complaint_categories,
    complaint_causes,
    complaint_departments,
    complaint_trend,
    complaint_trend_by,
    deadline_branches,
    deadline_people,
    exception_stations,
    exception_weeks,
    exception_weeks_of,
    messages_by_channel,
    missed_deadlines,
    month_end,
    month_of,
    months_back,
    overdue_payments,
    payment_branches,
    penalty_lines,
    rated_projects,
    receipt_regions,
    receipt_trend,
    repair_kinds,
    repair_levels,
    repair_statuses,
    route_delays,
    slowest_open,
    station_delays,
    station_scores,
    trend_weeks,
    week_of,
    weeks_back,
)
from services.console.workflow import reports as work
from services.console.workflow.services import ServiceError
from services.console.workflow.sessions import Visit
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import Department
from shared.web.downloads import attachment

router = APIRouter()


def _week(request: Request, now: datetime) -> tuple[str, bool]:
    """The week asked for (default: this week in the business calendar), and whether it was
    readable."""
    asked = request.query_params.get("week", "").strip()
    today = week_of(now.astimezone(BUSINESS_TZ).date())
    if not asked:
        return today, True
    try:
        weeks_back(asked, 1)
    except ValueError:
        return today, False
    return asked, True


def _department(request: Request) -> str:
    asked = request.query_params.get("department", "")
    return asked if asked in {d.value for d in Department} else ""


# The complaint page's sections before the slowest open cases, in the page's order.
COMPLAINT_SECTIONS = (
    "week",
    "causes",
    "categories",
    "trend",
    "trend_department",
    "trend_cause",
    "trend_category",
)


async def _complaint_sections(
    request: Request, visit: Visit, t: Translator
) -> tuple[str, str, bool, list[Section]]:
    week, ok = _week(request, visit.now)
    department = _department(request)
    found = await work.complaints(
        request.app.state.services,
        visit.staff,
        trend_weeks(week),
        department,
        SLOWEST,
    )
    names = [f"report.complaints.{n}" for n in COMPLAINT_SECTIONS]
    if isinstance(found.trend, work.Refused) or isinstance(found.week, work.Refused):
        sections = [refused(n) for n in names]
    else:
        sections = [
            section(
                t,
                complaint_departments(found.week, department),
                "bar",
                [f"report.{f}" for f in FIGURES],
            ),
            section(t, complaint_causes(found.week, department), "bar"),
            section(t, complaint_categories(found.week, department), "bar"),
            section(t, complaint_trend(found.trend, department), "line"),
            section(t, complaint_trend_by(found.trend, "department", department), "line"),
            section(t, complaint_trend_by(found.trend, "cause", department), "line"),
            section(t, complaint_trend_by(found.trend, "category", department), "line"),
        ]
    if isinstance(found.open_items, work.Refused):
        sections.append(refused("report.complaints.slowest"))
    else:
        sections.append(section(t, slowest_open(found.open_items, visit.now)))
    return week, department, ok, sections


def _month(request: Request, now: datetime) -> tuple[str, bool]:
    """The month asked for (default: this one in the business calendar), and whether it was
    readable."""
    asked = request.query_params.get("month", "").strip()
    this = month_of(now.astimezone(BUSINESS_TZ).date())
    if not asked:
        return this, True
    try:
        month_end(asked)
    except ValueError:
        return this, False
    return asked, True


def _region(request: Request) -> str:
    return request.query_params.get("region", "").strip()[:64]


RECEIPT_CHART = [f"report.receipts.{f}" for f in ("unreturned", "overdue", "late", "abnormal")]
SCORE_CHART = [
    f"report.scores.{f}" for f in ("delays", "exceptions", "receipts_late", "violations")
]
KIND_CHART = [f"report.scores.{k}" for k in EXCEPTION_KINDS]
ROUTE_CHART = ["report.delays.shipments", "report.delays.delayed"]


def _delay_sections(t: Translator, found: dict[str, Any] | work.Refused) -> list[Section]:
    """The month's delays: the routes with the most delayed shipments, the stations' reports."""
    return readable_or(
        found,
        ["report.logistics.routes", "report.logistics.station_delays"],
        lambda month: [
            section(t, route_delays(month), "bar", ROUTE_CHART),
            section(t, station_delays(month), "bar"),
        ],
    )


async def _logistics_sections(
    request: Request, visit: Visit, t: Translator
) -> tuple[str, str, bool, list[Section]]:
    month, ok = _month(request, visit.now)
    region = _region(request)
    found = await work.logistics(
        request.app.state.services,
        visit.staff,
        months_back(month, TREND_MONTHS),
        exception_weeks_of(month, visit.now.astimezone(BUSINESS_TZ).date()),
        region,
    )
    sections = readable_or(
        found.receipts,
        [f"report.logistics.{n}" for n in ("receipts", "penalty_lines", "receipt_trend")],
        lambda months: [
            section(t, receipt_regions(months[-1]), "bar", RECEIPT_CHART),
            section(t, penalty_lines(months[-1])),
            section(t, receipt_trend(months), "line"),
        ],
    )
    sections += readable_or(
        found.stations,
        ["report.logistics.stations"],
        lambda month: [section(t, station_scores(month), "bar", SCORE_CHART)],
    )
    sections += _delay_sections(t, found.delays)
    sections += readable_or(
        found.exceptions,
        ["report.logistics.exception_weeks", "report.logistics.exception_stations"],
        lambda weeks: [
            section(t, exception_weeks(weeks), "bar", KIND_CHART),
            section(t, exception_stations(weeks[-1]), "bar", KIND_CHART),
        ],
    )
    return month, region, ok, sections


@router.get("/reports")
async def reports_index(request: Request) -> Response:
    """The report pages this person may open."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    return render(request, "reports.html", visit=visit, pages=PAGES)


PAGES = ("complaints", "logistics", "aftersales", "renovation", "levels")


@router.get("/reports/complaints")
async def complaints_report(request: Request) -> Response:
    """Complaints: the week by department, cause and category, twelve weeks' trend, the slowest
    open."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    t = translator(lang_of(request))
    try:
        week, department, ok, sections = await _complaint_sections(request, visit, t)
    except ServiceError as exc:
        return failure(request, visit, exc)
    query = urlencode({"week": week, "department": department})
    return render(
        request,
        "report_complaints.html",
        visit=visit,
        status=200 if ok else 422,
        week=week,
        week_ok=ok,
        department=department,
        departments=[d.value for d in Department],
        sections=sections,
        query=query,
        export="/reports/complaints/export",
    )


@router.get("/reports/complaints/export")
async def complaints_export(request: Request) -> Response:
    """The complaint report's tables as CSV (one) or XLSX (all)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    t = translator(lang_of(request))
    try:
        week, department, _, sections = await _complaint_sections(request, visit, t)
    except ServiceError as exc:
        return failure(request, visit, exc)
    return exported(request, f"complaints-{week}{'-' + department if department else ''}", sections)


@router.get("/reports/logistics")
async def logistics_report(request: Request) -> Response:
    """Logistics: receipts per region with the penalty lines, six months of overdue receipts,
    the stations' scorecards, delays per route and per station, cargo exceptions per week and
    per station."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    t = translator(lang_of(request))
    try:
        month, region, ok, sections = await _logistics_sections(request, visit, t)
    except ServiceError as exc:
        return failure(request, visit, exc)
    return render(
        request,
        "report_logistics.html",
        visit=visit,
        status=200 if ok else 422,
        month=month,
        month_ok=ok,
        region=region,
        sections=sections,
        query=urlencode({"month": month, "region": region}),
        export="/reports/logistics/export",
        today=visit.now.astimezone(BUSINESS_TZ).date().isoformat(),
    )


@router.get("/reports/logistics/export")
async def logistics_export(request: Request) -> Response:
    """The logistics report's tables as CSV (one) or XLSX (all)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    t = translator(lang_of(request))
    try:
        month, region, _, sections = await _logistics_sections(request, visit, t)
    except ServiceError as exc:
        return failure(request, visit, exc)
    return exported(request, f"logistics-{month}{'-' + region if region else ''}", sections)


@router.get("/reports/logistics/exceptions/print")
async def exception_sheet(request: Request, station: str = "", day: str = "") -> Response:
    """A station's cargo exception report of a day to print (打印货物异常报表), as logistics
    renders it for this person (its page, served from the console, sandboxed)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    try:
        found = await work.exception_sheet(request.app.state.services, visit.staff, station, day)
    except ServiceError as exc:
        return failure(request, visit, exc)
    return served(found)


@router.get("/reports/logistics/exceptions/pdf")
async def exception_pdf(request: Request, station: str = "", day: str = "") -> Response:
    """The same report as logistics' A4 PDF, fetched with this person's token and downloaded
    (下载 PDF)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    try:
        found = await work.exception_sheet(
            request.app.state.services, visit.staff, station, day, "pdf"
        )
    except ServiceError as exc:
        return failure(request, visit, exc)
    answer = served(found)
    answer.headers["Content-Disposition"] = attachment(
        f"exceptions-{station.strip()}-{day.strip()}.pdf"
    )
    return answer


@dataclass(frozen=True)
class Filter:
    """A period field of a report page's form: its name, input type, value, whether valid."""

    name: str
    kind: str
    value: str
    ok: bool


def _levels(t: Translator, found: dict[str, Any]) -> list[Section]:
    overdue = ["report.callbacks.overdue", "report.callbacks.completed_late"]
    undelivered = ["report.messages.failed", "report.messages.queued_late"]
    return [
        section(t, callbacks_by(found, "purpose"), "bar", overdue),
        section(t, callbacks_by(found, "team"), "bar", overdue),
        section(t, messages_by_channel(found), "bar", undelivered),
    ]


def _repairs(t: Translator, found: dict[str, Any]) -> list[Section]:
    return [
        section(t, repair_statuses(found), "bar"),
        section(t, repair_levels(found), "bar", [f"report.sla_{f}" for f in SLA_FIGURES[1:]]),
        section(t, repair_kinds(found), "bar", ["report.surveyed", "report.completed"]),
    ]


async def _period_sections(
    request: Request, visit: Visit, t: Translator, page: str
) -> tuple[Filter, list[Section]]:
    services, staff = request.app.state.services, visit.staff
    branch = _branch(request, visit) or None
    if page == "levels":
        week, ok = _week(request, visit.now)
        found = await work.report(
            services, staff, "notifications", "/v1/reports/service-levels", week=week, branch=branch
        )
        names = [f"report.levels.{n}" for n in ("purpose", "team", "channels")]
        return Filter("week", "week", week, ok), readable_or(found, names, partial(_levels, t))
    month, ok = _month(request, visit.now)
    chosen = Filter("month", "month", month, ok)
    if page == "aftersales":
        found = await work.report(
            services, staff, "aftersales", "/v1/reports/repairs/monthly", month=month, branch=branch
        )
        names = [f"report.aftersales.{n}" for n in ("statuses", "levels", "kinds")]
        return chosen, readable_or(found, names, partial(_repairs, t))
    projects = await work.renovation(services, staff, month, branch or "")
    sections = [
        *readable_or(
            projects.rating,
            ["report.renovation.best", "report.renovation.worst"],
            lambda r: [
                section(t, rated_projects(r, which), "bar", ["report.rated.score"])
                for which in ("best", "worst")
            ],
        ),
        *readable_or(
            projects.care,
            ["report.renovation.care"],
            lambda c: [section(t, care_compliance(c), "bar", ["report.care.compliance_pct"])],
        ),
        *_dues_sections(t, projects),
    ]
    return chosen, sections


def _branch(request: Request, visit: Visit) -> str:
    """The branch a page is narrowed to: a branch's staff their own, others the one asked for
    (all when none)."""
    if visit.staff.branch:
        return visit.staff.branch
    return request.query_params.get("branch", "").strip()[:64]


DEADLINE_CHART = [f"report.deadlines.{f}" for f in ("met", "missed", "pending")]
PAYMENT_CHART = [f"report.payments.{f}" for f in ("paid_fen", "outstanding_fen", "overdue_fen")]


def _dues_sections(t: Translator, found: work.Renovation) -> list[Section]:
    """The renovation page's deadlines and payments of the month, for the chosen branch."""
    return [
        *readable_or(
            found.deadlines,
            [f"report.renovation.{n}" for n in ("deadlines", "deadline_people", "missed")],
            lambda d: [
                section(t, deadline_branches(d), "bar", DEADLINE_CHART),
                section(t, deadline_people(d), "bar", DEADLINE_CHART),
                section(t, missed_deadlines(d)),
            ],
        ),
        *readable_or(
            found.payments,
            ["report.renovation.payments", "report.renovation.overdue"],
            lambda p: [
                section(t, payment_branches(p), "bar", PAYMENT_CHART),
                section(t, overdue_payments(p)),
            ],
        ),
    ]


@router.get("/reports/{page}")
async def period_report(request: Request, page: str) -> Response:
    """After-sales (by month), renovation (by month) and the platform's service levels (by
    week): each service's report as charts with their numbers."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    if page not in PAGES:
        return render(request, "notfound.html", visit=visit, status=404)
    t = translator(lang_of(request))
    try:
        chosen, sections = await _period_sections(request, visit, t, page)
    except ServiceError as exc:
        return failure(request, visit, exc)
    branch = _branch(request, visit)  # every period page narrows by branch
    return render(
        request,
        "report_page.html",
        visit=visit,
        status=200 if chosen.ok else 422,
        page=page,
        chosen=chosen,
        sections=sections,
        query=urlencode({chosen.name: chosen.value, **({"branch": branch} if branch else {})}),
        export=f"/reports/{page}/export",
        branch=branch,
    )


@router.get("/reports/{page}/export")
async def period_export(request: Request, page: str) -> Response:
    """The page's tables as CSV (one) or XLSX (all)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    if page not in PAGES:
        return render(request, "notfound.html", visit=visit, status=404)
    t = translator(lang_of(request))
    try:
        chosen, sections = await _period_sections(request, visit, t, page)
    except ServiceError as exc:
        return failure(request, visit, exc)
    branch = _branch(request, visit)
    return exported(request, f"{page}-{chosen.value}{'-' + branch if branch else ''}", sections)
