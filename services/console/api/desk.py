"""The branch desk: its lists, a shipment's page with the scan and receipt forms, and the
release form (what the rules require, then the ID check; an ID number is never shown again)."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.console.api import guard
from services.console.api.models import (
    RELEASE_FIELDS,
    ReceiptStepForm,
    ReleaseForm,
    ScanForm,
    invalid_fields,
)
from services.console.api.pages import redirect, render
from services.console.domain.desk import (
    SCAN_KINDS,
    Line,
    Route,
    desk_branch,
    may_release,
    may_work_desk,
    receipt_step,
    refusal_lines,
    requirement_lines,
    scan_stations,
)
from services.console.workflow import desk as work
from services.console.workflow.services import ServiceError
from services.console.workflow.sessions import Visit

router = APIRouter()

BRANCH_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
# What the release form shows again after a refusal: never an ID number.
KEPT = ("name", "delegate_name", "phone_confirmed", "company_stamp", "authorisation_letter")


def shipment_url(waybill: str, **done: str) -> str:
    """A shipment's page, saying what was just done on it."""
    query = f"?{urlencode(done)}" if done else ""
    return f"/shipments/{quote(waybill, safe='')}{query}"


def failed(request: Request, visit: Visit, exc: ServiceError, waybill: str = "") -> Response:
    """A service's refusal to read: not found (also another branch's waybill: the service
    answers 404 off the route), not allowed, or unavailable."""
    if exc.status in (401, 403):
        return render(request, "forbidden.html", visit=visit, status=403)
    if 400 <= exc.status < 500:
        return render(request, "shipment_missing.html", visit=visit, status=404, waybill=waybill)
    return render(request, "unavailable.html", visit=visit, status=503, error=exc)


@router.get("/desk")
async def desk_page(request: Request, branch: str = Query("", max_length=64)) -> Response:
    """Shipments at my branch: arriving, late, awaiting release; receipts overdue and due."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    if not may_work_desk(visit.staff):
        return render(request, "forbidden.html", visit=visit, status=403)
    config = request.app.state.svc.config
    asked = branch.strip() if BRANCH_CODE.match(branch.strip()) else None
    try:
        found = await work.desk(
            request.app.state.services,
            visit.staff,
            branch=desk_branch(visit.staff, asked),
            size=config.desk_size,
            receipt_days=config.desk_receipt_days,
        )
    except ServiceError as exc:
        return failed(request, visit, exc)
    return render(
        request,
        "desk.html",
        visit=visit,
        desk=found,
        asked=asked or "",
        receipt_days=config.desk_receipt_days,
    )


@router.get("/desk/open")
async def open_waybill(request: Request, waybill: str = Query("", max_length=64)) -> Response:
    """The desk's waybill box: straight to that shipment's page."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    wanted = waybill.strip()
    return redirect(shipment_url(wanted) if wanted else "/desk")


async def shipment_view(
    request: Request, visit: Visit, waybill: str, *, status: int = 200, error: Line | None = None
) -> Response:
    """A shipment's page: where it is, its history, its receipt, and what this person may do."""
    try:
        s = await work.shipment(request.app.state.services, visit.staff, waybill)
    except ServiceError as exc:
        return failed(request, visit, exc, waybill)
    route = Route.of(s)
    receipt = s.get("receipt") or {}
    return render(
        request,
        "shipment.html",
        visit=visit,
        status=status,
        s=s,
        route=route,
        receipt=receipt,
        history=list(reversed(s["history"])),
        stations=scan_stations(visit.staff, route),
        scan_kinds=SCAN_KINDS,
        releasable=may_release(visit.staff, route, s["status"]),
        step=receipt_step(
            visit.staff, route, str(receipt.get("status", "")), bool(s["arrived_batches"])
        ),
        query=request.query_params,
        error=error,
    )


@router.get("/shipments/{waybill}")
async def shipment_page(request: Request, waybill: str) -> Response:
    """A shipment's page (not found when the person's branch is not on its route)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    return await shipment_view(request, visit, waybill)


async def _form(request: Request, visit: Visit) -> dict[str, Any] | None:
    """The posted form when it carries the session's token from our own origin, else None."""
    raw = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return raw if guard.form_ok(request, visit, raw.get("csrf_token")) else None


@router.post("/shipments/{waybill}/scans")
async def scan(request: Request, waybill: str) -> Response:
    """A scan at this desk, applied at once; the rules' refusal is shown on the page."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    raw = await _form(request, visit)
    if raw is None:
        return render(request, "refused.html", visit=visit, status=403)
    try:
        form = ScanForm.model_validate(raw)
        await work.scan(request.app.state.services, visit.staff, waybill, form.body())
    except ValidationError as exc:
        fields = ", ".join(invalid_fields(exc))
        error = Line("shipment.scan_invalid", {"fields": fields})
        return await shipment_view(request, visit, waybill, status=422, error=error)
    except ServiceError as exc:
        if exc.status not in (409, 422):
            return failed(request, visit, exc, waybill)
        text = exc.detail or "; ".join(exc.field_errors().values()) or exc.title
        error = Line("shipment.scan_refused", {"text": text})
        return await shipment_view(request, visit, waybill, status=exc.status, error=error)
    return redirect(shipment_url(waybill, done="scanned", kind=form.kind))


@router.post("/shipments/{waybill}/receipt")
async def receipt(request: Request, waybill: str) -> Response:
    """The receipt's next step, taken by its party from the shipment's page."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    raw = await _form(request, visit)
    if raw is None:
        return render(request, "refused.html", visit=visit, status=403)
    try:
        form = ReceiptStepForm.model_validate(raw)
        await work.receipt_step(
            request.app.state.services,
            visit.staff,
            waybill,
            form.step,
            compliant=form.noncompliant != "yes",
        )
    except ValidationError as exc:
        error = Line("receipt.invalid", {"fields": ", ".join(invalid_fields(exc))})
        return await shipment_view(request, visit, waybill, status=422, error=error)
    except ServiceError as exc:
        # Another party's step (403) or out of order (409) is said on the page.
        if exc.status not in (409, 422) and not (exc.status == 403 and exc.detail):
            return failed(request, visit, exc, waybill)
        error = Line("receipt.refused", {"text": exc.detail or exc.title})
        return await shipment_view(request, visit, waybill, status=exc.status, error=error)
    return redirect(shipment_url(waybill, done="receipt", step=form.step))


async def release_view(
    request: Request,
    visit: Visit,
    waybill: str,
    *,
    status: int = 200,
    kept: dict[str, Any] | None = None,
    refused: ServiceError | None = None,
    fields: dict[str, str] | None = None,
) -> Response:
    """The release form: what the rules require for this consignee, then the counter's
    fields; after a refusal the names entered, the reasons, and the ID fields empty."""
    services = request.app.state.services
    try:
        s, needs = await asyncio.gather(
            work.shipment(services, visit.staff, waybill),
            work.requirements(services, visit.staff, waybill),
        )
    except ServiceError as exc:
        return failed(request, visit, exc, waybill)
    kept = kept or {}
    return render(
        request,
        "release.html",
        visit=visit,
        status=status,
        s=s,
        needs=needs,
        requirements=requirement_lines(needs),
        releasable=may_release(visit.staff, Route.of(s), s["status"]),
        kept=kept,
        refusal=refusal(refused, kept, s) if refused is not None else [],
        fields=fields or {},
    )


def refusal(refused: ServiceError, kept: dict[str, Any], s: dict[str, Any]) -> list[Line]:
    """A refused release's reasons worded per code, with the names at the counter."""
    return refusal_lines(
        [str(c) for c in refused.extra.get("codes") or ()],
        [str(r) for r in refused.extra.get("reasons") or ()],
        presented=str(kept.get("name", "")).strip(),
        consignee=str((s.get("consignee") or {}).get("name", "")),
        delegate=str(kept.get("delegate_name", "")).strip(),
    )


@router.get("/shipments/{waybill}/release")
async def release_page(request: Request, waybill: str) -> Response:
    """The release form, starting with what the rules require."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    return await release_view(request, visit, waybill)


@router.post("/shipments/{waybill}/release")
async def release(request: Request, waybill: str) -> Response:
    """Release on the rules: done, back to the shipment; refused, the form again with every
    reason worded and the proof it needs; the ID numbers go to logistics and nowhere else."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    raw = await _form(request, visit)
    if raw is None:
        return render(request, "refused.html", visit=visit, status=403)
    kept = {k: raw[k] for k in KEPT if k in raw}
    try:
        form = ReleaseForm.model_validate(raw)
    except ValidationError as exc:
        fields = invalid_fields(exc)
        return await release_view(request, visit, waybill, status=422, kept=kept, fields=fields)
    try:
        await work.release(request.app.state.services, visit.staff, waybill, form.body())
    except ServiceError as exc:
        if exc.status == 409 and "codes" in exc.extra:
            return await release_view(
                request, visit, waybill, status=409, kept=form.kept(), refused=exc
            )
        if exc.status == 422:
            fields = {RELEASE_FIELDS.get(f, f): m for f, m in exc.field_errors().items()}
            return await release_view(
                request, visit, waybill, status=422, kept=form.kept(), fields=fields
            )
        return failed(request, visit, exc, waybill)
    return redirect(shipment_url(waybill, done="released"))
