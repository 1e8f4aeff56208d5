"""Cargo exceptions: photos, registration, the daily truck check and the weekly summary."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import AwareDatetime, Field

from services.logistics import metrics, queries, reports, state
from services.logistics.api import common
from services.logistics.domain import CargoException, reconcile_truck, register_exception
from shared import outbox
from shared.calendar import local_date
from shared.contracts.logistics import ShipmentExceptionRegistered
from shared.contracts.values import ExceptionKind
from shared.objects import ObjectStore
from shared.web.auth import Principal, require
from shared.web.deps import read, tx
from shared.web.errors import not_found

router = APIRouter(prefix="/v1", tags=["cargo exceptions"])
BUCKET = "kefu-logistics"


class ExceptionIn(common.Strict):
    kind: ExceptionKind
    note: str = Field(min_length=1, max_length=2000)
    station: str = common.code()
    photo_ids: list[str] = Field(default_factory=list, max_length=50)
    at: AwareDatetime | None = None


class Line(common.Strict):
    waybill: str = Field(min_length=1, max_length=64)
    pieces: int = Field(ge=0, le=1_000_000)


class TruckCheckIn(common.Strict):
    station: str = common.code()
    truck: str = Field(min_length=1, max_length=64)
    handover: list[Line] = Field(max_length=2000)
    received: list[Line] = Field(max_length=2000)
    at: AwareDatetime | None = None


def _store(request: Request) -> ObjectStore:
    """The photo bucket, opened once per process."""
    store: ObjectStore | None = getattr(request.app.state, "photo_store", None)
    if store is None:
        cfg = common.settings_of(request)
        store = ObjectStore(
            request.app.state.runtime.js,
            BUCKET,
            max_bytes=cfg.photo_max_bytes,
            allowed_types=frozenset(cfg.photo_types),
        )
        request.app.state.photo_store = store
    return store


@router.post("/shipments/{waybill}/photos", status_code=201)
async def upload_photo(
    waybill: str,
    request: Request,
    file: UploadFile = File(...),
    who: Principal = require(*common.WRITERS),
) -> dict[str, Any]:
    """Store a photo of the cargo (object store, SHA-256 recorded)."""
    async with read(request) as conn:
        common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
    data = await file.read()
    content_type = (file.content_type or "application/octet-stream").split(";")[0].strip()
    stored = await _store(request).put(data, content_type)
    async with tx(request) as conn:
        await queries.insert_photo(
            conn,
            photo_id=stored.id,
            waybill=waybill,
            sha256=stored.sha256,
            size=stored.size,
            content_type=stored.content_type,
            by=who.sub,
        )
    return {
        "photo_id": stored.id,
        "sha256": stored.sha256,
        "size": stored.size,
        "content_type": stored.content_type,
    }


@router.get("/shipments/{waybill}/photos/{photo_id}")
async def get_photo(
    waybill: str, photo_id: str, request: Request, who: Principal = require(*common.READERS)
) -> Response:
    """A stored photo."""
    async with read(request) as conn:
        common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
        row = await queries.get_photo(conn, waybill=waybill, photo_id=photo_id)
    if row is None:
        raise not_found("photo", photo_id)
    data = await _store(request).get(photo_id)
    return Response(data, media_type=row["content_type"])


def _event(
    e: CargoException, region: str | None, branch: str | None
) -> ShipmentExceptionRegistered:
    return ShipmentExceptionRegistered(
        source=state.SOURCE,
        branch_id=branch,
        waybill=e.waybill,
        exception_id=e.exception_id,
        kind=e.kind,
        station=e.station,
        photos=list(e.photo_ids),
        note=e.note,
        region=region,
    )


def _row(e: CargoException, by: str, truck_check: uuid.UUID | None = None) -> tuple[Any, ...]:
    return (
        uuid.UUID(e.exception_id),
        e.waybill,
        e.kind.value,
        e.station,
        e.note,
        json.dumps(list(e.photo_ids)),
        e.at,
        by,
        truck_check,
    )


@router.post("/shipments/{waybill}/exceptions", status_code=201)
async def register(
    waybill: str, body: ExceptionIn, request: Request, who: Principal = require(*common.WRITERS)
) -> dict[str, Any]:
    """Damage, shortage or mismatch at a station, with its photos: the supervisor is told."""
    async with tx(request) as conn:
        row = common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
        known = await queries.photos_of(conn, waybill=waybill, photo_ids=body.photo_ids)
        missing = [p for p in body.photo_ids if p not in known]
        if missing:
            raise common.invalid("photo_ids", f"not photos of waybill {waybill}: {missing}")
        at = await common.business_time(request, conn, body.at)
        e = register_exception(
            state.to_shipment(row),
            str(uuid.uuid4()),
            body.kind,
            body.station,
            body.note,
            at,
            body.photo_ids,
        )
        await queries.insert_exceptions(conn, rows=[_row(e, who.sub)])
        await outbox.add(conn, _event(e, row["region"], row["origin_branch"]))
    metrics.EXCEPTIONS.labels(e.kind.value).inc()
    return {
        "exception_id": e.exception_id,
        "waybill": waybill,
        "kind": e.kind.value,
        "station": e.station,
        "photo_ids": list(e.photo_ids),
        "at": e.at.isoformat(),
    }


@router.post("/truck-checks", status_code=201)
async def truck_check(
    body: TruckCheckIn, request: Request, who: Principal = require(*common.WRITERS)
) -> dict[str, Any]:
    """Check a truck against its handover list; every discrepancy becomes an exception."""
    if who.is_branch and body.station != who.branch:
        raise common.forbidden(f"branch {who.branch} checks its own trucks only")
    handover = [(x.waybill, x.pieces) for x in body.handover]
    received = [(x.waybill, x.pieces) for x in body.received]
    check_id = uuid.uuid4()
    async with tx(request) as conn:
        at = await common.business_time(request, conn, body.at)
        listed = sorted({w for w, _ in handover} | {w for w, _ in received})
        rows = {r["waybill"]: r for r in await queries.lock_shipments(conn, waybills=listed)}
        findings = reconcile_truck(handover, received, set(rows))
        found = [
            CargoException(
                str(uuid.uuid4()),
                f.waybill,
                f.kind,
                body.station,
                f"truck {body.truck}: {f.note}",
                at,
            )
            for f in findings
        ]
        out = [
            {
                "waybill": e.waybill,
                "kind": e.kind.value,
                "note": e.note,
                "exception_id": e.exception_id,
            }
            for e in found
        ]
        await queries.insert_truck_check(
            conn,
            check_id=check_id,
            station=body.station,
            truck=body.truck,
            handover=[x.model_dump() for x in body.handover],
            received=[x.model_dump() for x in body.received],
            findings=out,
            by=who.sub,
            at=at,
        )
        await queries.insert_exceptions(conn, rows=[_row(e, who.sub, check_id) for e in found])
        events = []
        for e in found:
            ship = rows.get(e.waybill)
            region = ship["region"] if ship is not None else None
            events.append(_event(e, region, ship["origin_branch"] if ship else body.station))
        await outbox.add(conn, *events)
    for e in found:
        metrics.EXCEPTIONS.labels(e.kind.value).inc()
    return {
        "id": str(check_id),
        "station": body.station,
        "truck": body.truck,
        "at": at.isoformat(),
        "waybills_checked": len(listed),
        "findings": out,
    }


@router.get("/reports/exceptions/weekly", response_model=None)
async def weekly_exceptions(
    request: Request,
    week: str | None = Query(default=None, description="YYYY-Www; default: last week"),
    format: str = Query(default="json", pattern="^(json|csv)$"),
    who: Principal = require(*common.STAFF_READERS),
) -> dict[str, Any] | Response:
    """Exceptions per station and kind for one ISO week (JSON or CSV)."""
    async with read(request) as conn:
        if week is None:
            week = reports.previous_week(_today(await common.now(request, conn)))
        try:
            summary, csv_text = await reports.exceptions_week(conn, week)
        except ValueError as exc:
            raise common.invalid("week", str(exc)) from exc
    if format == "csv":
        return Response(csv_text, media_type="text/csv")
    return summary


def _today(now: datetime) -> date:
    return local_date(now)
