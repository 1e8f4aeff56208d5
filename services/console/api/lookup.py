"""The search box of an inbound call and the customer card."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.console.api import guard
from services.console.api.pages import redirect, render
from services.console.domain.complaints import REGISTRARS
from services.console.domain.lookup import Kind, parse
from services.console.workflow.lookup import customer_card, search
from services.console.workflow.services import ServiceError

router = APIRouter()


@router.get("/lookup")
async def lookup(request: Request, q: str = "") -> Response:
    """Search by phone (whole, or last four digits with the name), waybill or id; one
    customer or complaint found opens straight away."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    query = parse(q)
    found = None
    if not query.empty:
        found = await search(request.app.state.services, visit.staff, query)
        only = found.hits[0] if len(found.hits) == 1 else None
        if only and only.href and only.kind in (Kind.CUSTOMER, Kind.COMPLAINT):
            if not found.refused and not found.failed:
                return redirect(only.href)
    return render(request, "lookup.html", visit=visit, query=query, found=found, typed=q)


@router.get("/customers/{customer_id}")
async def customer(request: Request, customer_id: str) -> Response:
    """The customer card: every service's records of them the person may read, newest first;
    a source the role may not read says so."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    try:
        card = await customer_card(request.app.state.services, visit.staff, customer_id)
    except ServiceError as exc:
        if exc.status == 403:
            return render(request, "forbidden.html", visit=visit, status=403)
        if exc.status == 404:
            return render(request, "lookup_missing.html", visit=visit, status=404, kind="customer")
        return render(request, "unavailable.html", visit=visit, status=503, error=exc)
    may_register = visit.staff.role in REGISTRARS
    return render(request, "customer.html", visit=visit, card=card, may_register=may_register)
