"""Shippers as customers: the file, long-term rates, the monthly return visits and their
compilation for the supervisor, data requests a superior approves."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from asyncpg import Record
from fastapi import APIRouter, Depends, Query, Request, Response

from services.logistics.api.models import (
    DataDecisionIn,
    DataRequestIn,
    RateIn,
    ShipperFileIn,
    VisitIn,
)
from services.logistics.api.roles import STAFF_READERS
from services.logistics.api.views import mask_phone
from services.logistics.domain import (
    DataRequest,
    Rate,
    RequestStatus,
    SatisfactionLine,
    Visit,
    VisitReport,
)
from services.logistics.workflow import shippers
from shared.validation import Cursor, Month
from shared.web.auth import Principal, require
from shared.web.deps import change, view
from shared.web.pagination import after, limit_param, page

router = APIRouter(prefix="/v1", tags=["shippers"])

DESK = ("cs", "logistics")
SUPERIORS = ("dept_head", "manager")


def _rate(r: Rate) -> dict[str, Any]:
    return {
        "origin": r.origin,
        "destination": r.destination,
        "unit": r.unit.value,
        "price_fen": r.price_fen,
        "min_charge_fen": r.min_charge_fen,
        "valid_from": r.valid_from.isoformat(),
        "valid_to": r.valid_to.isoformat() if r.valid_to else None,
    }


def _file(row: Record, rates: list[Rate]) -> dict[str, Any]:
    updated = row["file_updated_at"]
    return {
        "shipper_id": row["shipper_id"],
        "name": row["name"],
        "phone": mask_phone(row["phone"]),
        "key_customer": row["key_customer"],
        "branch": row["branch_id"],
        "contact_person": row["contact_person"],
        "address": row["address"],
        "notes": row["notes"],
        "registered_at": row["created_at"].isoformat(),
        "file_updated_by": row["file_updated_by"],
        "file_updated_at": updated.isoformat() if updated else None,
        "rates": [_rate(r) for r in rates],
    }


@router.get("/shippers/{shipper_id}")
async def shipper_file(
    shipper_id: str, request: Request, who: Principal = require("branch", *STAFF_READERS)
) -> dict[str, Any]:
    """The shipper's file (建档): who it is, its contact, address and notes, its rates; a
    branch reads its own shippers only."""
    async with view(request) as ctx:
        row = await shippers.shipper(ctx, who, shipper_id)
        rates = await shippers.rates(ctx, who, shipper_id)
    return _file(row, rates)


@router.patch("/shippers/{shipper_id}")
async def update_shipper_file(
    shipper_id: str,
    body: ShipperFileIn,
    request: Request,
    who: Principal = require("branch", *DESK),
) -> dict[str, Any]:
    """客户资料更新: the fields given change; a new name or key-customer flag is told on."""
    change_ = shippers.FileChange(**body.model_dump())
    async with change(request) as ctx:
        row, rates = await shippers.update_file(ctx, who, shipper_id, change_)
    return _file(row, rates)


@router.post("/shippers/{shipper_id}/rates", status_code=201)
async def add_rate(
    shipper_id: str, body: RateIn, request: Request, who: Principal = require("branch", *DESK)
) -> dict[str, Any]:
    """长期合作的运价: a rate agreed with the shipper on a lane from a day on."""
    r = Rate(shipper_id=shipper_id, **body.model_dump())
    async with change(request) as ctx:
        agreed = await shippers.add_rate(ctx, who, r)
    return {"shipper_id": shipper_id, **_rate(agreed)}


def _visit(v: Visit | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "reached": v.reached,
        "satisfaction": v.satisfaction,
        "feedback": v.feedback,
        "by": v.by,
        "at": v.at.isoformat(),
    }


@router.get("/shipper-visits")
async def visit_list(
    request: Request, month: Month, who: Principal = require(*STAFF_READERS)
) -> dict[str, Any]:
    """The month's return visits (每月定期对重点客户及部分新客户进行回访): every key customer and
    a sample of last month's new shippers, each with its visit if made."""
    async with view(request) as ctx:
        listed = await shippers.visits(ctx, month)
    return {
        "month": month,
        "items": [
            {
                "shipper_id": x.shipper_id,
                "name": x.name,
                "branch": x.branch,
                "kind": x.kind.value,
                "visit": _visit(x.visit),
            }
            for x in listed
        ],
    }


@router.post("/shippers/{shipper_id}/visits", status_code=201)
async def record_visit(
    shipper_id: str, body: VisitIn, request: Request, who: Principal = require(*DESK)
) -> dict[str, Any]:
    """A return visit: reached or not, the satisfaction (1–5) and what the customer said."""
    async with change(request) as ctx:
        v = await shippers.visit(
            ctx, who, shipper_id, body.month, body.reached, body.satisfaction, body.feedback
        )
    return {"shipper_id": shipper_id, "month": v.month, "kind": v.kind.value, **(_visit(v) or {})}


def _line(x: SatisfactionLine) -> dict[str, Any]:
    return {
        "group": x.group,
        "visited": x.visited,
        "reached": x.reached,
        "scored": x.scored,
        "average": x.average,
        "satisfied": x.satisfied,
        "scores": {str(k): n for k, n in x.scores.items()},
    }


REPORT_COLUMNS = (
    "group",
    "visited",
    "reached",
    "scored",
    "average",
    "satisfied",
    "s1",
    "s2",
    "s3",
    "s4",
    "s5",
)


def _report_csv(rep: VisitReport) -> str:
    """The compilation's lines as CSV: all, each kind, each branch (`branch:<code>`)."""
    lines = [
        rep.total,
        *rep.by_kind,
        *(replace(x, group=f"branch:{x.group}") for x in rep.by_branch),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for x in lines:
        average = x.average if x.average is not None else ""
        writer.writerow(
            [x.group, x.visited, x.reached, x.scored, average, x.satisfied]
            + [x.scores[n] for n in range(1, 6)]
        )
    return out.getvalue()


def _report_json(rep: VisitReport, names: dict[str, str]) -> dict[str, Any]:
    """The compilation as JSON, with the shippers' names."""
    return {
        "month": rep.month,
        "listed": rep.listed,
        "total": _line(rep.total),
        "by_kind": [_line(x) for x in rep.by_kind],
        "by_branch": [_line(x) for x in rep.by_branch],
        "feedback": [
            {
                "shipper_id": v.shipper_id,
                "name": names.get(v.shipper_id),
                "kind": v.kind.value,
                **(_visit(v) or {}),
            }
            for v in rep.feedback
        ],
        "not_visited": [{"shipper_id": s, "name": names.get(s)} for s in rep.not_visited],
    }


@router.get("/reports/shipper-visits/monthly", response_model=None)
async def visits_report(
    request: Request,
    month: Month,
    format: Literal["json", "csv"] = Query(default="json", description="json or csv"),
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any] | Response:
    """整理递交主管: the month's return visits compiled — the list visited or not, satisfaction
    overall, by kind and by the shippers' branch (考评数据), and every customer's feedback."""
    async with view(request) as ctx:
        rep, names = await shippers.report(ctx, month)
    if format == "csv":
        return Response(_report_csv(rep), media_type="text/csv")
    return _report_json(rep, names)


def _request(r: DataRequest) -> dict[str, Any]:
    return {
        "request_id": r.request_id,
        "department": r.department,
        "scope": r.scope,
        "purpose": r.purpose,
        "status": r.status.value,
        "requested_by": r.requested_by,
        "requested_at": r.requested_at.isoformat(),
        "decided_by": r.decided_by,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "decision_note": r.decision_note,
        "provided_by": r.provided_by,
        "provided_at": r.provided_at.isoformat() if r.provided_at else None,
    }


@router.post("/data-requests", status_code=201)
async def ask_for_data(
    body: DataRequestIn, request: Request, who: Principal = require(*DESK)
) -> dict[str, Any]:
    """根据相关部门需求: another department's request for data, on record, waiting for a
    superior's approval."""
    async with change(request) as ctx:
        r = await shippers.ask(ctx, who, body.department, body.scope, body.purpose)
    return _request(r)


@router.post("/data-requests/{request_id}/decision")
async def decide_data_request(
    request_id: str, body: DataDecisionIn, request: Request, who: Principal = require(*SUPERIORS)
) -> dict[str, Any]:
    """经上级同意: a superior approves or rejects it (never their own request)."""
    async with change(request) as ctx:
        r = await shippers.decide(ctx, who, request_id, body.approve, body.note)
    return _request(r)


@router.post("/data-requests/{request_id}/provided")
async def data_provided(
    request_id: str, request: Request, who: Principal = require(*DESK)
) -> dict[str, Any]:
    """提供相关数据与资料: recorded only once a superior approved the request (409 otherwise)."""
    async with change(request) as ctx:
        r = await shippers.provide(ctx, who, request_id)
    return _request(r)


@router.get("/data-requests")
async def data_requests(
    request: Request,
    status: list[RequestStatus] | None = Query(
        default=None, max_length=4, description="Any of these statuses (repeat)"
    ),
    limit: int = Depends(limit_param),
    cursor: Cursor | None = None,
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any]:
    """The data requests, newest first: who asked for what and why, who decided, when given."""
    key = after(cursor, datetime, str)
    async with view(request) as ctx:
        found = await shippers.requests(ctx, status, key, limit + 1)
    return page([_request(r) for r in found], limit, key=("requested_at", "request_id"))
