"""Projects: the list a project manager or a branch starts from, the project page (stages, the
next step and its unmet rules, the payment plan, sign-offs, deadlines, warranty card,
documents), its files and card, and the move to the next stage."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.console.api import guard
from services.console.api.models import TransitionForm
from services.console.api.pages import HEADERS, redirect, render
from services.console.domain.projects import (
    MOVERS,
    plan_totals,
    project_filters,
    signoffs_by_stage,
    timeline,
)
from services.console.workflow import projects as work
from services.console.workflow.services import Fetched, ServiceError
from services.console.workflow.sessions import Visit
from shared.contracts.values import Stage

router = APIRouter()
PAGE_SIZE = 50
# What a file from a service may be shown as in the browser; anything else is downloaded.
SHOWN = {"image/jpeg", "image/png", "image/webp", "application/pdf", "text/html"}


def failure(request: Request, visit: Visit, exc: ServiceError) -> Response:
    """A service's refusal as the console's page: forbidden, not found, or unavailable."""
    if exc.status == 403:
        return render(request, "forbidden.html", visit=visit, status=403)
    if exc.status in (404, 422):  # 422: an id the service would never have issued
        return render(request, "notfound.html", visit=visit, status=404)
    return render(request, "unavailable.html", visit=visit, status=503, error=exc)


def served(found: Fetched) -> Response:
    """A file fetched with the person's token, served from the console (never a link past the
    service's authorisation); shown only for the types the services store, sandboxed."""
    kind = found.content_type.split(";", 1)[0].strip().lower()
    headers = {
        **HEADERS,
        # The service's own page (the printed card) keeps its inline style and runs nothing.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'self'; sandbox allow-modals",
        "Cache-Control": "private, no-store",
    }
    if kind == "application/pdf":
        headers.pop("Content-Security-Policy")  # the browser's PDF viewer does not run sandboxed
    if found.etag:
        headers["ETag"] = found.etag
    if kind not in SHOWN:
        headers["Content-Disposition"] = "attachment"
        kind = "application/octet-stream"
    return Response(found.content, media_type=kind, headers=headers)


@router.get("/projects")
async def project_list(request: Request) -> Response:
    """Projects newest first: an engineer's own, a branch's own, by stage, as chosen."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    query = dict(request.query_params)
    filters = project_filters(visit.staff, query)
    try:
        listing = await work.projects(
            request.app.state.services, visit.staff, filters, query.get("cursor"), PAGE_SIZE
        )
    except ServiceError as exc:
        return failure(request, visit, exc)
    more = urlencode({**query, "cursor": listing.next_cursor or ""})
    return render(
        request,
        "projects.html",
        visit=visit,
        listing=listing,
        filters=filters,
        more=more,
        stage_names=[s.value for s in Stage],
    )


async def project_page(
    request: Request,
    visit: Visit,
    project_id: str,
    *,
    status: int = 200,
    refusal: list[dict[str, str]] | None = None,
) -> Response:
    """The project page as this person may read it (a refused transition's reasons shown)."""
    try:
        found = await work.project(request.app.state.services, visit.staff, project_id)
    except ServiceError as exc:
        return failure(request, visit, exc)
    p = found.project
    return render(
        request,
        "project.html",
        visit=visit,
        status=status,
        p=p,
        step=found.next,
        repairs=found.repairs,
        stages=timeline(p["stage"], p.get("history") or []),
        totals=plan_totals(p.get("installments") or []),
        signoffs=signoffs_by_stage(p.get("signoffs") or []),
        may_move=visit.staff.role in MOVERS,
        moved=request.query_params.get("moved") == "1",
        refusal=refusal,
    )


@router.get("/projects/{project_id}")
async def project(request: Request, project_id: str) -> Response:
    """One project."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    return await project_page(request, visit, project_id)


@router.post("/projects/{project_id}/transitions")
async def move(request: Request, project_id: str) -> Response:
    """Move the project to its next stage through projects; a refusal lists every unmet rule."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    raw = dict(await request.form())
    if not guard.form_ok(request, visit, str(raw.get("csrf_token") or "")):
        return render(request, "refused.html", visit=visit, status=403)
    try:
        form = TransitionForm.model_validate(raw)
    except ValidationError:
        return await project_page(request, visit, project_id, status=422)
    try:
        await work.transition(request.app.state.services, visit.staff, project_id, form.body())
    except ServiceError as exc:
        if exc.status == 409:
            rules = exc.rules or [{"code": exc.code or "refused", "rule": exc.detail}]
            return await project_page(request, visit, project_id, status=409, refusal=rules)
        return failure(request, visit, exc)
    return redirect(f"/projects/{quote(project_id, safe='')}?moved=1")


@router.get("/projects/{project_id}/warranty-card")
async def card(request: Request, project_id: str) -> Response:
    """The warranty card to print, as projects renders it for this person."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    try:
        found = await work.warranty_card(request.app.state.services, visit.staff, project_id)
    except ServiceError as exc:
        return failure(request, visit, exc)
    return served(found)


@router.get("/projects/{project_id}/files/{file_id}")
async def document_file(request: Request, project_id: str, file_id: str) -> Response:
    """A document's file, fetched from projects with this person's token."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    try:
        found = await work.project_file(
            request.app.state.services, visit.staff, project_id, file_id
        )
    except ServiceError as exc:
        return failure(request, visit, exc)
    return served(found)
