"""Complaints: the registration form, the case page with its trail, and the forms for a
hand-off, an escalation, the cause, the resolution and the confirmation call's result."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from services.console.api import guard
from services.console.api.i18n import lang_of, translator
from services.console.api.models import (
    CauseForm,
    ComplaintForm,
    ConfirmationForm,
    EscalationForm,
    HandoffForm,
    ResolutionForm,
)
from services.console.api.pages import redirect, render
from services.console.domain import complaints as rules
from services.console.domain.complaints import REGISTRARS, actions, form_field
from services.console.workflow import complaints as flow
from services.console.workflow.lookup import attempt
from services.console.workflow.services import ServiceError
from services.console.workflow.sessions import Visit

router = APIRouter()

# Each form on the case page: its model and the API action it calls (None: the confirmation).
FORMS: dict[str, tuple[type[BaseModel], str | None]] = {
    "handoff": (HandoffForm, "handoffs"),
    "escalation": (EscalationForm, "escalations"),
    "cause": (CauseForm, "cause"),
    "resolution": (ResolutionForm, "resolution"),
    "confirmation": (ConfirmationForm, None),
}
CHOICES: dict[str, Any] = {
    "channels": rules.CHANNELS,
    "categories": rules.CATEGORIES,
    "severities": rules.SEVERITIES,
    "departments": rules.DEPARTMENTS,
    "causes": rules.CAUSES,
    "subject_kinds": rules.SUBJECT_KINDS,
}


def explain(request: Request, named: dict[str, str]) -> dict[str, str]:
    """Each refused field under the form's name with the message in the person's language
    (the service's own words only when the catalogue has none for that field)."""
    messages = translator(lang_of(request)).messages
    out: dict[str, str] = {}
    for api_field, said in named.items():
        name = form_field(api_field)
        out[name] = messages.get(f"complaint.invalid.{name}") or messages[
            "complaint.invalid"
        ].format(detail=said)
    return out


def refusal(request: Request, exc: ServiceError) -> dict[str, str]:
    """A service's refusal as field messages (422), or the whole form's (409 and others)."""
    if exc.status == 422 and exc.errors:
        return explain(request, exc.field_errors())
    messages = translator(lang_of(request)).messages
    if exc.status == 409:
        return {"form": messages["complaint.conflict"].format(detail=exc.detail or exc.title)}
    if exc.status == 403:
        return {"form": messages["complaint.not_permitted"]}
    return {"form": messages["complaint.unavailable"]}


async def new_page(
    request: Request,
    visit: Visit,
    *,
    customer_id: str = "",
    values: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The registration form, for a known customer when the id is given."""
    customer = None
    if customer_id:
        found = await attempt(
            request.app.state.services.get(
                visit.staff, "intake", f"/v1/customers/{quote(customer_id, safe='')}"
            )
        )
        customer = None if isinstance(found, ServiceError) else found
    default_channel = "reception" if visit.staff.role.value == "reception" else "phone"
    return render(
        request,
        "complaint_new.html",
        visit=visit,
        status=status,
        customer=customer,
        customer_id=customer_id,
        values={"channel": default_channel, **(values or {})},
        fields=fields or {},
        **CHOICES,
    )


@router.get("/complaints/new")
async def new(request: Request, customer_id: str = "") -> Response:
    """The complaint form (投诉登记表)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    if visit.staff.role not in REGISTRARS:
        return render(request, "forbidden.html", visit=visit, status=403)
    return await new_page(request, visit, customer_id=customer_id[:64])


@router.post("/complaints")
async def register(request: Request) -> Response:
    """Register through intake with the person's token; a refusal is shown at its field."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    raw = {k: str(v) for k, v in (await request.form()).items()}
    if not guard.form_ok(request, visit, raw.get("csrf_token")):
        return render(request, "refused.html", visit=visit, status=403)
    customer_id = raw.get("customer_id", "")[:64]
    try:
        form = ComplaintForm.model_validate(raw)
        complaint_id = await flow.register(request.app.state.services, visit.staff, form.body())
    except ValidationError as exc:
        named = {".".join(str(p) for p in e["loc"]) or "form": e["msg"] for e in exc.errors()}
        fields = explain(request, named)
        return await new_page(
            request, visit, customer_id=customer_id, values=raw, fields=fields, status=422
        )
    except ServiceError as exc:
        return await new_page(
            request,
            visit,
            customer_id=customer_id,
            values=raw,
            fields=refusal(request, exc),
            status=exc.status if exc.status in (403, 409, 422) else 503,
        )
    return redirect(f"/complaints/{complaint_id}?done=registered")


async def case_page(
    request: Request,
    visit: Visit,
    complaint_id: str,
    *,
    failed: str = "",
    fields: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The case as intake gives it to this person, with the forms its state allows."""
    services = request.app.state.services
    try:
        case = await flow.case(services, visit.staff, complaint_id, lang=lang_of(request))
    except ServiceError as exc:
        if exc.status == 403:
            return render(request, "forbidden.html", visit=visit, status=403)
        if exc.status == 404:
            return render(request, "lookup_missing.html", visit=visit, status=404, kind="complaint")
        return render(request, "unavailable.html", visit=visit, status=503, error=exc)
    return render(
        request,
        "complaint.html",
        visit=visit,
        status=status,
        case=case,
        c=case.complaint,
        allowed=actions(case.complaint, visit.staff.role),
        failed=failed,
        fields=fields or {},
        values=values or {},
        done=request.query_params.get("done", ""),
        **CHOICES,
    )


@router.get("/complaints/{complaint_id}")
async def case(request: Request, complaint_id: str) -> Response:
    """The case page: what was registered, the hand-off trail, what may be done next."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    return await case_page(request, visit, complaint_id)


@router.post("/complaints/{complaint_id}/{form_name}")
async def act(request: Request, complaint_id: str, form_name: str) -> Response:
    """One of the case page's forms, through intake (the confirmation through notifications)."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    if form_name not in FORMS:
        return Response(status_code=404)
    raw = {k: str(v) for k, v in (await request.form()).items()}
    if not guard.form_ok(request, visit, raw.get("csrf_token")):
        return render(request, "refused.html", visit=visit, status=403)
    model, action = FORMS[form_name]
    services = request.app.state.services
    try:
        form: Any = model.model_validate(raw)
        if action is None:
            await flow.confirm(services, visit.staff, form.callback_id, form.body())
        else:
            await flow.act(services, visit.staff, complaint_id, action, form.body())
    except ValidationError as exc:
        named = {".".join(str(p) for p in e["loc"]) or "form": e["msg"] for e in exc.errors()}
        return await case_page(
            request,
            visit,
            complaint_id,
            failed=form_name,
            fields=explain(request, named),
            values=raw,
            status=422,
        )
    except ServiceError as exc:
        return await case_page(
            request,
            visit,
            complaint_id,
            failed=form_name,
            fields=refusal(request, exc),
            values=raw,
            status=exc.status if exc.status in (403, 409, 422) else 503,
        )
    return redirect(f"/complaints/{complaint_id}?done={form_name}")
