"""The worklist: the home page, its rows for live refreshes, and recording an outcome."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.console.api import guard
from services.console.api.i18n import lang_of
from services.console.api.models import OutcomeForm, invalid_fields
from services.console.api.pages import redirect, render
from services.console.domain.desk import lands_on_desk
from services.console.workflow.services import ServiceError
from services.console.workflow.sessions import Visit
from services.console.workflow.worklist import record_outcome, worklist

router = APIRouter()


async def worklist_page(
    request: Request, visit: Visit, *, template: str, status: int = 200, **values: Any
) -> Response:
    """The worklist (page or rows) as notifications answers it now; its outage is shown."""
    try:
        found = await worklist(
            request.app.state.services,
            visit.staff,
            now=visit.now,
            size=request.app.state.svc.config.worklist_size,
            lang=lang_of(request),
        )
    except ServiceError as exc:
        return render(request, "unavailable.html", visit=visit, status=503, error=exc)
    values = {"failed": None, "fields": {}, "recorded": request.query_params, **values}
    return render(request, template, visit=visit, status=status, worklist=found, **values)


@router.get("/")
async def home(request: Request) -> Response:
    """The signed-in person's worklist (branch staff have no callbacks: their desk)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    if lands_on_desk(visit.staff):
        return redirect("/desk")
    return await worklist_page(request, visit, template="worklist.html")


@router.get("/worklist/rows")
async def rows(request: Request) -> Response:
    """The worklist's groups alone, for the page to refresh itself when told of a change."""
    visit = await guard.visit(request)
    if visit is None:
        return Response(status_code=401)
    return await worklist_page(request, visit, template="_worklist.html")


@router.post("/callbacks/{callback_id}/outcome")
async def outcome(request: Request, callback_id: str) -> Response:
    """Record a call's outcome through notifications; back to the worklist saying what follows."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    raw = dict(await request.form())
    if not guard.form_ok(request, visit, str(raw.get("csrf_token") or "")):
        return render(request, "refused.html", visit=visit, status=403)
    try:
        form = OutcomeForm.model_validate(raw)
        answer = await record_outcome(
            request.app.state.services, visit.staff, callback_id, form.body()
        )
    except ValidationError as exc:
        fields = invalid_fields(exc)
        return await worklist_page(
            request, visit, template="worklist.html", status=422, failed=callback_id, fields=fields
        )
    except ServiceError as exc:
        fields = exc.field_errors() or {"form": exc.detail or exc.title}
        return await worklist_page(
            request,
            visit,
            template="worklist.html",
            status=exc.status,
            failed=callback_id,
            fields=fields,
        )
    summary = {"recorded": callback_id, "status": answer.get("status", "")}
    if answer.get("retry_due_at"):
        summary["retry"] = str(answer["retry_due_at"])
    return redirect(f"/?{urlencode(summary)}")
