"""The stations' evaluation: violations of the prohibitions and the monthly compliance report."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from services.logistics.api.models import ViolationIn
from services.logistics.api.roles import READERS, STAFF_READERS
from services.logistics.domain import ComplianceLine, DelayReport, StationScore, Violation
from services.logistics.workflow import stations
from shared.validation import Code, Cursor, Month
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["stations"])


def _violation(v: Violation) -> dict[str, Any]:
    return {
        "violation_id": v.violation_id,
        "branch": v.branch,
        "region": v.region,
        "kind": v.kind.value,
        "note": v.note,
        "waybill": v.waybill,
        "staff": v.staff,
        "at": v.at.isoformat(),
    }


@router.post("/violations", status_code=201)
async def record_violation(
    body: ViolationIn,
    request: Request,
    who: Principal = require("logistics", "manager", "dept_head"),
) -> dict[str, Any]:
    """Record a branch's breach of one of the customer-service prohibitions (客服工作禁令)."""
    report = stations.ViolationReport(**body.model_dump())
    async with change(request) as ctx:
        found = await stations.register(ctx, who, report)
    return _violation(found)


@router.get("/violations")
async def list_violations(
    request: Request,
    month: Month,
    branch: Code | None = None,
    region: Code | None = None,
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*READERS),
) -> dict[str, Any]:
    """A month's violations, newest first; a branch sees its own."""
    key = after(cursor, datetime, str)
    async with view(request) as ctx:
        found = await stations.violations(ctx, who, month, branch, region, key, limit + 1)
    return page([_violation(v) for v in found], limit, key=("at", "violation_id"))


def _compliance_csv(lines: list[ComplianceLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("branch", "total", *stations.KINDS))
    for line in lines:
        writer.writerow((line.branch, line.total, *(line.by_kind[k] for k in stations.KINDS)))
    return out.getvalue()


@router.get("/reports/violations/monthly", response_model=None)
async def monthly_compliance(
    request: Request,
    month: Month,
    region: Code | None = None,
    format: Literal["json", "csv"] = Query(default="json", description="json or csv"),
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any] | Response:
    """Per branch, the month's violations counted by prohibition (the compliance report)."""
    async with view(request) as ctx:
        lines = await stations.compliance(ctx, who, month, region)
    if format == "csv":
        return Response(_compliance_csv(lines), media_type="text/csv")
    return {
        "month": month,
        "total": sum(line.total for line in lines),
        "branches": [
            {"branch": x.branch, "total": x.total, "by_kind": x.by_kind, "compliant": x.compliant}
            for x in lines
        ],
    }


SCORE_COLUMNS = (
    "station",
    "delays",
    "exceptions",
    *(f"exceptions_{k}" for k in ("damage", "shortage", "mismatch")),
    "truck_checks",
    "truck_findings",
    "receipts_late",
    "receipts_abnormal",
    "abnormal_missed",
    "violations",
    "complaints",
)


def _score(x: StationScore) -> dict[str, Any]:
    return {
        "station": x.station,
        "delays": x.delays,
        "exceptions": x.exceptions_total,
        "exceptions_by_kind": x.exceptions,
        "truck_checks": x.truck_checks,
        "truck_findings": x.truck_findings,
        "receipts_late": x.receipts_late,
        "receipts_abnormal": x.receipts_abnormal,
        "abnormal_missed": x.abnormal_missed,
        "violations": x.violations,
        "complaints": x.complaints,
    }


def _scores_csv(lines: list[StationScore]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SCORE_COLUMNS)
    for x in lines:
        kinds = x.exceptions
        writer.writerow(
            [
                x.station,
                x.delays,
                x.exceptions_total,
                *(kinds.get(k, 0) for k in ("damage", "shortage", "mismatch")),
                x.truck_checks,
                x.truck_findings,
                x.receipts_late,
                x.receipts_abnormal,
                x.abnormal_missed,
                x.violations,
                x.complaints,
            ]
        )
    return out.getvalue()


@router.get("/reports/stations/monthly", response_model=None)
async def station_scorecards(
    request: Request,
    month: Month,
    region: Code | None = None,
    format: Literal["json", "csv"] = Query(default="json", description="json or csv"),
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any] | Response:
    """Each station's month: delays, exceptions, truck checks, late and abnormal receipts of its
    deliveries, violations, complaints (监督考评联盟质量运营)."""
    async with view(request) as ctx:
        lines = await stations.scorecards(ctx, who, month, region)
    if format == "csv":
        return Response(_scores_csv(lines), media_type="text/csv")
    return {"month": month, "stations": [_score(x) for x in lines]}


def _delays(month: str, region: str | None, found: DelayReport) -> dict[str, Any]:
    return {
        "month": month,
        "region": region,
        "shipments": found.shipments,
        "delayed": found.delayed,
        "delay_rate_pct": found.delay_rate_pct,
        "routes": [
            {
                "origin_branch": r.origin_branch,
                "destination_branch": r.destination_branch,
                "shipments": r.shipments,
                "delayed": r.delayed,
                "delay_rate_pct": r.delay_rate_pct,
            }
            for r in found.routes
        ],
        "stations": [{"station": x.station, "delays": x.delays} for x in found.stations],
    }


@router.get("/reports/delays/monthly")
async def monthly_delays(
    request: Request,
    month: Month,
    region: Code | None = None,
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any]:
    """The month's delays: per route (origin → destination) the shipments dispatched and how
    many missed their promised arrival, worst first; per station the delay reports naming it."""
    async with view(request) as ctx:
        read, found = await stations.delays(ctx, who, month, region)
    return _delays(month, read, found)
