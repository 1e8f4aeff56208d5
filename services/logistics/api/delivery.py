"""Release at delivery: the ID rules, the release record, the shipper's consignee change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.logistics import metrics
from services.logistics.api import views
from services.logistics.api.models import ChangeProofIn, Person, ReleaseIn
from services.logistics.api.roles import WRITERS
from services.logistics.domain import id_fingerprint
from services.logistics.workflow import delivery
from shared.errors import Invalid
from shared.web.auth import Principal, require
from shared.web.deps import change, service_config
from shared.web.errors import problem_response

router = APIRouter(prefix="/v1", tags=["delivery"])


def _person(p: Person, key: bytes, field: str) -> delivery.Person:
    """The person with their ID as HMAC + last 4 (at once: the number goes no further), or a
    422 that never repeats the number."""
    if not (p.id_number or "").strip():
        return delivery.Person(p.name)
    try:
        digest, last4 = id_fingerprint(p.id_number or "", key)
    except ValueError as exc:
        raise Invalid(field, str(exc)) from None
    return delivery.Person(p.name, digest, last4)


def _request(body: ReleaseIn, key: bytes) -> delivery.ReleaseRequest:
    return delivery.ReleaseRequest(
        presented=_person(body.presented, key, "presented.id_number"),
        delegate=_person(body.delegate, key, "delegate.id_number") if body.delegate else None,
        consignee_phone_confirmed=body.consignee_phone_confirmed,
        company_stamp=body.company_stamp,
        authorisation_letter=body.authorisation_letter,
        at=body.at,
        reserved_phone=body.reserved_phone,
    )


@router.post("/shipments/{waybill}/release", response_model=None)
async def release(
    waybill: str, body: ReleaseIn, request: Request, who: Principal = require(*WRITERS)
) -> dict[str, Any] | JSONResponse:
    """Hand the goods over only on the release rules; record who released, to whom, on what."""
    req = _request(body, service_config(request).id_key())
    async with change(request) as ctx:
        done = await delivery.release(ctx, who, waybill, req)
    if not done.decision.allowed:
        metrics.RELEASES.labels("refused").inc()
        # The refusal is on record (committed above); every reason is returned.
        reasons = done.decision.reasons
        return problem_response(
            409,
            "Conflict",
            "; ".join(reasons),
            reasons=reasons,
            codes=done.decision.codes,
            release_id=str(done.release_id),
        )
    metrics.RELEASES.labels("released").inc()
    return views.released_json(waybill, who.sub, req, done)


@router.post("/shipments/{waybill}/consignee-change-proof", status_code=201)
async def consignee_change_proof(
    waybill: str,
    body: ChangeProofIn,
    request: Request,
    who: Principal = require("branch", "logistics", "cs"),
) -> dict[str, Any]:
    """The shipper's proof that the goods go to someone else (a differing name then passes)."""
    async with change(request) as ctx:
        change_id, name, at = await delivery.change_proof(
            ctx, who, waybill, body.new_name, body.note
        )
    return {"id": str(change_id), "waybill": waybill, "new_name": name, "at": at.isoformat()}
