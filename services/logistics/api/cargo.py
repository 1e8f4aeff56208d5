"""Cargo exceptions: photos, registration, the daily truck check and the weekly summary."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse

from services.logistics import metrics, reports
from services.logistics.api import pdf, printed
from services.logistics.api.models import ExceptionIn, SlipMissingIn, TruckCheckIn
from services.logistics.api.roles import READERS, STAFF_READERS, WRITERS
from services.logistics.config import LogisticsSettings
from services.logistics.workflow import cargo
from shared.errors import Forbidden
from shared.objects import ObjectStore
from shared.validation import Code, Day, Week
from shared.web.auth import Principal, require
from shared.web.deps import change, object_store, service_config, view
from shared.web.downloads import attachment
from shared.web.openapi import stored_file

router = APIRouter(prefix="/v1", tags=["cargo exceptions"])
BUCKET = "kefu-logistics"


def _store(request: Request) -> ObjectStore:
    """The photo bucket."""
    cfg = service_config(request)
    return object_store(
        request, BUCKET, max_bytes=cfg.photo_max_bytes, allowed_types=cfg.photo_types
    )


@router.post("/shipments/{waybill}/photos", status_code=201)
async def upload_photo(
    waybill: str,
    request: Request,
    file: UploadFile = File(...),
    who: Principal = require(*WRITERS),
) -> dict[str, Any]:
    """Store a photo of the cargo (object store, SHA-256 recorded)."""
    # Seen before storing, recorded after: the upload runs outside any transaction.
    async with view(request) as ctx:
        await cargo.photo_target(ctx, who, waybill)
    content_type = (file.content_type or "application/octet-stream").split(";")[0].strip()
    stored = await _store(request).put(await file.read(), content_type)
    async with change(request) as ctx:
        await cargo.add_photo(ctx, who, waybill, stored)
    return {
        "photo_id": stored.id,
        "sha256": stored.sha256,
        "size": stored.size,
        "content_type": stored.content_type,
    }


@router.get(
    "/shipments/{waybill}/photos/{photo_id}",
    response_class=Response,
    responses=stored_file(LogisticsSettings.model_fields["photo_types"].default),
)
async def get_photo(
    waybill: str, photo_id: str, request: Request, who: Principal = require(*READERS)
) -> Response:
    """A stored photo."""
    async with view(request) as ctx:
        row = await cargo.photo(ctx, who, waybill, photo_id)
    data = await _store(request).get(photo_id)
    return Response(data, media_type=row["content_type"])


@router.post("/shipments/{waybill}/exceptions", status_code=201)
async def register(
    waybill: str, body: ExceptionIn, request: Request, who: Principal = require(*WRITERS)
) -> dict[str, Any]:
    """Damage, shortage or mismatch at a station, with its photos: the supervisor is told."""
    async with change(request) as ctx:
        e = await cargo.register(
            ctx, who, waybill, body.kind, body.station, body.note, body.photo_ids, body.at
        )
    metrics.EXCEPTIONS.labels(e.kind.value).inc()
    return {
        "exception_id": e.exception_id,
        "waybill": waybill,
        "kind": e.kind.value,
        "station": e.station,
        "photo_ids": list(e.photo_ids),
        "at": e.at.isoformat(),
    }


@router.post("/shipments/{waybill}/shipper-slip/missing", status_code=201)
async def shipper_slip_missing(
    waybill: str, body: SlipMissingIn, request: Request, who: Principal = require(*WRITERS)
) -> dict[str, Any]:
    """The remarks ask for the shipper's own slip (发货方厂家单) and it is not with the waybill:
    logged, and the origin is told to confirm (shipment.shipper_slip.missing)."""
    async with change(request) as ctx:
        found = await cargo.slip_missing(ctx, who, waybill, body.station, body.note, body.at)
    return {
        "waybill": found.waybill,
        "station": found.station,
        "origin_branch": found.origin,
        "note": found.note,
        "at": found.at.isoformat(),
    }


@router.post("/truck-checks", status_code=201)
async def truck_check(
    body: TruckCheckIn, request: Request, who: Principal = require(*WRITERS)
) -> dict[str, Any]:
    """Check a truck against its handover list; every discrepancy becomes an exception."""
    if who.is_branch and body.station != who.branch:
        raise Forbidden(f"branch {who.branch} checks its own trucks only")
    handover = [x.model_dump() for x in body.handover]
    received = [x.model_dump() for x in body.received]
    async with change(request) as ctx:
        done = await cargo.check_truck(
            ctx, who, body.station, body.truck, handover, received, body.at
        )
    for e in done.found:
        metrics.EXCEPTIONS.labels(e.kind.value).inc()
    return {
        "id": str(done.check_id),
        "station": body.station,
        "truck": body.truck,
        "at": done.at.isoformat(),
        "waybills_checked": done.waybills_checked,
        "findings": [cargo.finding(e) for e in done.found],
    }


@router.get("/reports/exceptions/weekly", response_model=None)
async def weekly_exceptions(
    request: Request,
    week: Week | None = Query(default=None, description="YYYY-Www; default: last week"),
    format: Literal["json", "csv"] = Query(default="json", description="json or csv"),
    who: Principal = require(*STAFF_READERS),
) -> dict[str, Any] | Response:
    """Exceptions per station and kind for one ISO week (JSON or CSV)."""
    async with view(request) as ctx:
        summary, csv_text = await reports.exceptions_week(ctx, week)
    if format == "csv":
        return Response(csv_text, media_type="text/csv")
    return summary


@router.get(
    "/reports/exceptions/daily",
    response_model=None,
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def daily_exceptions(
    request: Request,
    station: Code,
    day: Day,
    format: Literal["json", "csv", "html", "pdf"] = Query(
        default="json", description="html: the page to print; pdf: the same report on A4"
    ),
    who: Principal = require(*READERS),
) -> dict[str, Any] | Response:
    """A station's cargo exceptions of one day, to print at the hub (打印货物异常报表)."""
    async with view(request) as ctx:
        rows = await reports.exceptions_day(ctx, who, station, day)
    if format == "html":
        return HTMLResponse(printed.exception_page(station, day, rows))
    if format == "pdf":
        # Laid out in a worker thread: a long day's table is tens of milliseconds of work.
        content = await asyncio.to_thread(pdf.exception_pdf, station, day, rows)
        return Response(
            content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": attachment(f"exceptions-{station}-{day}.pdf", inline=True)
            },
        )
    lines = printed.exception_lines(rows)
    if format == "csv":
        return Response(printed.exception_csv(lines), media_type="text/csv")
    return {"station": station, "day": day.isoformat(), "total": len(lines), "lines": lines}
