"""The customers' pages: public (no sign-in), opened from the link in an SMS — a shipment's for
its consignee or shipper, a renovation project's for its customer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.console.api.pages import render
from services.console.workflow import renovation, tracking
from services.console.workflow.services import ServiceError
from shared.web.deps import view

router = APIRouter()
# The token is in the address: no page it links to may learn it, no search engine keep it.
PUBLIC = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


@router.get("/t/{token}")
async def customer_page(request: Request, token: str) -> Response:
    """The record a link names, as its audience may see it; a forged, altered, expired or
    revoked link and an unknown waybill or project all get the one "not found" page (404)."""
    client = request.client
    wait = request.app.state.link_limit.refuse(client.host if client else "unknown")
    if wait is not None:
        headers = {**PUBLIC, "Retry-After": str(wait)}
        return render(request, "track_notice.html", status=429, headers=headers, notice="busy")
    config = request.app.state.svc.config
    link = tracking.genuine(config.link_secret, token)
    if link is not None:
        async with view(request) as ctx:
            link = await tracking.admitted(ctx, link)
    if link is None:
        return render(request, "track_missing.html", status=404, headers=PUBLIC)
    services, ttl = request.app.state.services, config.link_token_ttl_seconds
    try:
        if link.audience.names_project:
            reno = await renovation.project(services, link, ttl)
            if reno is not None:
                return render(request, "renovation.html", headers=PUBLIC, reno=reno)
        else:
            found = await tracking.shipment(services, link, ttl)
            if found is not None:
                return render(request, "track.html", headers=PUBLIC, tracked=found)
    except ServiceError:
        return render(request, "track_notice.html", status=503, headers=PUBLIC, notice="down")
    return render(request, "track_missing.html", status=404, headers=PUBLIC)
