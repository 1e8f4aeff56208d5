"""What every logistics route shares: who may see a shipment, the service clock, 422 helpers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg
from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.logistics import queries
from services.logistics.config import LogisticsSettings
from shared.contracts.values import Role
from shared.web.auth import Principal
from shared.web.errors import PROBLEM_JSON, Problem, not_found

# A branch, hub or region code: one NATS subject token, so it can name an ingest subject.
CODE_PATTERN = r"^[A-Za-z0-9_\-]+$"


def code() -> Any:
    """A branch, region or waybill code field."""
    return Field(min_length=1, max_length=64, pattern=CODE_PATTERN)


class Strict(BaseModel):
    """Request bodies refuse unknown fields (422 names them)."""

    model_config = ConfigDict(extra="forbid")


# Roles (admin may always): API.md "Who may do what".
READERS = ("branch", "cs", "logistics", "finance", "manager", "dept_head")
STAFF_READERS = ("cs", "logistics", "finance", "manager", "dept_head")
WRITERS = ("branch", "logistics")


def settings_of(request: Request) -> LogisticsSettings:
    """The logistics settings this process runs with."""
    cfg: LogisticsSettings = request.app.state.svc.config
    return cfg


async def now(request: Request, conn: asyncpg.Connection) -> datetime:
    """The service clock: the database's, plus the test-only offset the timers use too."""
    runtime = getattr(request.app.state, "runtime", None)
    worker = getattr(runtime, "timers", None)
    offset = float(getattr(worker, "clock_offset_seconds", 0.0) or 0.0)
    return await queries.clock_now(conn, offset_seconds=offset)


# Forms are often entered after the fact, never ahead of it (a few minutes of clock skew pass).
CLOCK_SKEW = timedelta(minutes=5)


async def business_time(
    request: Request, conn: asyncpg.Connection, at: datetime | None, field: str = "at"
) -> datetime:
    """The caller's business time (backdating allowed), or now; 422 when in the future."""
    current = await now(request, conn)
    if at is None:
        return current
    if at > current + CLOCK_SKEW:
        raise invalid(field, "a business time cannot lie in the future")
    return at


def route_of(row: asyncpg.Record) -> set[str]:
    """The branches a shipment passes: origin, transfers, destination."""
    return {row["origin_branch"], row["destination_branch"], *row["transfer_branches"]}


def may_see(who: Principal, row: asyncpg.Record) -> bool:
    """Branches see shipments on their route; staff with a region see that region's."""
    if who.is_branch:
        return who.branch in route_of(row)
    if who.region and who.role is not Role.ADMIN:
        return bool(row["region"] == who.region)
    return True


def visible(who: Principal, row: asyncpg.Record | None, waybill: str) -> asyncpg.Record:
    """The row, or 404 when unknown or not the caller's to see (the same answer on purpose)."""
    if row is None or not may_see(who, row):
        raise not_found("waybill", waybill)
    return row


def region_scope(who: Principal, region: str | None) -> str | None:
    """A staff token with a region only ever sees that region."""
    if who.region and who.role is not Role.ADMIN:
        return who.region
    return region


def invalid(field: str, message: str) -> Problem:
    """422 naming the field."""
    return Problem(
        422, "Invalid input", f"invalid field(s): {field}", [{"field": field, "message": message}]
    )


def forbidden(detail: str) -> Problem:
    """403 with the reason."""
    return Problem(403, "Forbidden", detail)


def problem_json(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """Problem details with extension members (e.g. every refusal reason)."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)
