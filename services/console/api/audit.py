"""The sign-in audit for admins."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from services.console import reports
from services.console.api import guard
from services.console.api.pages import render
from shared.contracts.values import Role
from shared.web.deps import view

router = APIRouter()


@router.get("/audit/sign-ins")
async def sign_in_audit(request: Request, hours: int = Query(24, ge=1, le=24 * 90)) -> Response:
    """Failed sign-ins per account and per address, and the sessions open now."""
    visit = await guard.visit(request)
    if visit is None:
        return guard.to_signin(request)
    if visit.staff.role is not Role.ADMIN:
        return render(request, "forbidden.html", visit=visit, status=403)
    async with view(request) as ctx:
        audit = await reports.sign_in_audit(ctx, hours=hours)
    return render(request, "audit.html", visit=visit, audit=audit, hours=hours)
