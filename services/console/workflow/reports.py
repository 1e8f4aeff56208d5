"""The managers' reports, read from each service's own report endpoints with the person's
token: a report the service refuses this role (403) is marked refused, never worked out from
anything else."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.console.domain import Staff
from services.console.domain.reports import OPEN_STATUSES
from services.console.workflow.services import Fetched, ServiceError, Services

T = TypeVar("T")


class Refused:
    """The service answered 403: this role may not read that report."""

    def __bool__(self) -> bool:
        return False


REFUSED = Refused()


async def readable(call: Awaitable[T]) -> T | Refused:
    """The answer, or REFUSED when the service refuses this role (anything else is raised)."""
    try:
        return await call
    except ServiceError as exc:
        if exc.status == 403:
            return REFUSED
        raise


@dataclass(frozen=True)
class ComplaintReports:
    """The chosen week, the weeks of its trend (oldest first) and the open complaints."""

    week: dict[str, Any] | Refused
    trend: list[dict[str, Any]] | Refused
    open_items: list[dict[str, Any]] | Refused


async def _weeks(services: Services, staff: Staff, weeks: list[str]) -> list[dict[str, Any]]:
    return list(
        await asyncio.gather(
            *(services.get(staff, "intake", "/v1/reports/complaints/weekly", week=w) for w in weeks)
        )
    )


async def _open(services: Services, staff: Staff, department: str, size: int) -> list[Any]:
    # Registration order is oldest first: the first page of each open status holds its longest
    # waiting complaints.
    pages = await asyncio.gather(
        *(
            services.get(
                staff,
                "intake",
                "/v1/complaints",
                status=status,
                department=department or None,
                limit=size,
            )
            for status in OPEN_STATUSES
        )
    )
    return [item for page in pages for item in page["items"]]


async def complaints(
    services: Services, staff: Staff, weeks: list[str], department: str, size: int
) -> ComplaintReports:
    """intake's weekly report for each week (the last is the chosen one) and the oldest open
    complaints of every open status."""
    trend, open_items = await asyncio.gather(
        readable(_weeks(services, staff, weeks)),
        readable(_open(services, staff, department, size)),
    )
    week = trend[-1] if not isinstance(trend, Refused) else REFUSED
    return ComplaintReports(week, trend, open_items)


@dataclass(frozen=True)
class LogisticsReports:
    """Receipts per month (the chosen last), the chosen month's station scorecards, the
    cargo exceptions per week (the last is the chosen month's last week), and the chosen
    month's delays per route and station."""

    receipts: list[dict[str, Any]] | Refused
    stations: dict[str, Any] | Refused
    exceptions: list[dict[str, Any]] | Refused
    delays: dict[str, Any] | Refused


async def _each(
    services: Services, staff: Staff, path: str, key: str, periods: list[str], **params: Any
) -> list[dict[str, Any]]:
    return list(
        await asyncio.gather(
            *(services.get(staff, "logistics", path, **{key: p}, **params) for p in periods)
        )
    )


async def logistics(
    services: Services, staff: Staff, months: list[str], weeks: list[str], region: str
) -> LogisticsReports:
    """logistics' monthly receipts report for each month, its station scorecards and its delays
    report for the last month, its weekly exception report for each week (a region narrows all
    but the weekly report, which has no region)."""
    where = {"region": region or None}
    receipts, stations, exceptions, delays = await asyncio.gather(
        readable(_each(services, staff, "/v1/reports/receipts/monthly", "month", months, **where)),
        readable(
            services.get(
                staff, "logistics", "/v1/reports/stations/monthly", month=months[-1], **where
            )
        ),
        readable(_each(services, staff, "/v1/reports/exceptions/weekly", "week", weeks)),
        readable(
            services.get(
                staff, "logistics", "/v1/reports/delays/monthly", month=months[-1], **where
            )
        ),
    )
    return LogisticsReports(receipts, stations, exceptions, delays)


async def exception_sheet(
    services: Services, staff: Staff, station: str, day: str, kind: str = "html"
) -> Fetched:
    """A station's printable cargo exception report of a day (打印货物异常报表), as logistics
    renders it for this person: its page (`html`) or its A4 PDF (`pdf`)."""
    return await services.fetch(
        staff,
        "logistics",
        "/v1/reports/exceptions/daily",
        {"station": station, "day": day, "format": kind},
    )


async def report(
    services: Services, staff: Staff, service: str, path: str, **params: Any
) -> dict[str, Any] | Refused:
    """One report of one service for the given period and filters (REFUSED: not this role's)."""
    found: dict[str, Any] | Refused = await readable(services.get(staff, service, path, **params))
    return found


@dataclass(frozen=True)
class Renovation:
    """The renovation page's four reads from projects, each an answer or refused."""

    rating: dict[str, Any] | Refused
    care: dict[str, Any] | Refused
    deadlines: dict[str, Any] | Refused
    payments: dict[str, Any] | Refused


async def renovation(services: Services, staff: Staff, month: str, branch: str) -> Renovation:
    """projects' monthly rating for the month (the company's), its care-call compliance as of
    now, and the stage deadlines and payments due in the month (of one branch, or all), read
    at once."""
    where = {"month": month, "branch": branch or None}
    rating, care, deadlines, payments = await asyncio.gather(
        report(services, staff, "projects", "/v1/reports/rating/monthly", month=month),
        report(services, staff, "projects", "/v1/reports/care-compliance", branch=branch or None),
        report(services, staff, "projects", "/v1/reports/deadlines/monthly", **where),
        report(services, staff, "projects", "/v1/reports/payments/monthly", **where),
    )
    return Renovation(rating, care, deadlines, payments)
