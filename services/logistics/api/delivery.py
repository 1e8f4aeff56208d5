"""Release at delivery: the ID rules, the release record, the shipper's consignee change."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from services.logistics import metrics, queries, scanning, state
from services.logistics.api import common
from services.logistics.domain import Delegate, check_release, id_fingerprint
from shared.contracts.values import ScanKind
from shared.web.auth import Principal, require
from shared.web.deps import tx

router = APIRouter(prefix="/v1", tags=["delivery"])


class Person(common.Strict):
    name: str = Field(max_length=200)
    # The national ID number: fingerprinted at once, never stored, logged or echoed.
    id_number: str | None = Field(default=None, max_length=32, repr=False)


class ReleaseIn(common.Strict):
    presented: Person
    delegate: Person | None = None
    consignee_phone_confirmed: bool = False
    company_stamp: bool = False
    authorisation_letter: bool = False
    consignee_change_proof: bool = Field(
        default=False, description="Informational: only a proof recorded from the shipper counts"
    )
    at: AwareDatetime | None = None


class ChangeProofIn(common.Strict):
    new_name: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)


def _fingerprint(p: Person | None, key: bytes, field: str) -> tuple[str | None, str | None]:
    """HMAC + last 4 of a presented ID, or 422 that never repeats the number."""
    if p is None or not (p.id_number or "").strip():
        return None, None
    try:
        return id_fingerprint(p.id_number or "", key)
    except ValueError as exc:
        raise common.invalid(field, str(exc)) from None


@router.post("/shipments/{waybill}/release", response_model=None)
async def release(
    waybill: str, body: ReleaseIn, request: Request, who: Principal = require(*common.WRITERS)
) -> dict[str, Any] | JSONResponse:
    """Hand the goods over only on the release rules; record who released, to whom, on what."""
    key = common.settings_of(request).id_key()
    presented_hmac, presented_last4 = _fingerprint(body.presented, key, "presented.id_number")
    delegate_hmac, delegate_last4 = _fingerprint(body.delegate, key, "delegate.id_number")
    release_id = uuid.uuid4()
    async with tx(request) as conn:
        rows = await queries.lock_shipments(conn, waybills=[waybill])
        row = common.visible(who, rows[0] if rows else None, waybill)
        if who.is_branch and who.branch != row["destination_branch"]:
            raise common.forbidden("only the destination branch releases the goods")
        at = await common.business_time(request, conn, body.at)
        name = body.presented.name.strip()
        proof = await queries.find_consignee_change(conn, waybill=waybill, name=name)
        d = body.delegate
        decision = check_release(
            state.to_shipment(row),
            presented_name=name,
            presented_id_present=presented_hmac is not None,
            delegate=Delegate(d.name, delegate_hmac is not None) if d is not None else None,
            consignee_phone_confirmed=body.consignee_phone_confirmed,
            company_stamp=body.company_stamp,
            authorisation_letter=body.authorisation_letter,
            consignee_change_proof=proof is not None,
        )
        await queries.insert_release(
            conn,
            values=dict(
                id=release_id,
                waybill=waybill,
                allowed=decision.allowed,
                released_by=who.sub,
                presented_name=name,
                presented_id_hmac=presented_hmac,
                presented_id_last4=presented_last4,
                delegate_name=d.name.strip() if d is not None else None,
                delegate_id_hmac=delegate_hmac,
                delegate_id_last4=delegate_last4,
                phone_confirmed=body.consignee_phone_confirmed,
                company_stamp=body.company_stamp,
                authorisation_letter=body.authorisation_letter,
                change_proof_id=proof,
                evidence=json.dumps(decision.evidence, ensure_ascii=False),
                reasons=json.dumps(decision.reasons, ensure_ascii=False),
                at=at,
            ),
        )
        to = {"name": name, "id_last4": presented_last4}
        delegate = {"name": d.name.strip(), "id_last4": delegate_last4} if d else None
        if decision.allowed:
            await queries.add_log(
                conn,
                waybill=waybill,
                type_="released",
                at=at,
                by=who.sub,
                detail={
                    "release_id": str(release_id),
                    "to": to,
                    "delegate": delegate,
                    "evidence": decision.evidence,
                },
            )
            # Handing the goods over is the signing: the same path as a scanner's `signed` scan.
            signed = scanning.ScanIn(
                f"release-{release_id}", waybill, ScanKind.SIGNED, row["destination_branch"],
                None, at,
            )  # fmt: skip
            rules = common.settings_of(request).rules()
            current = await scanning.apply_scans(conn, [signed], rules)
    if not decision.allowed:
        metrics.RELEASES.labels("refused").inc()
        # The refusal is on record (committed above); every reason is returned.
        return common.problem_json(
            409,
            "Conflict",
            "; ".join(decision.reasons),
            reasons=decision.reasons,
            release_id=str(release_id),
        )
    metrics.RELEASES.labels("released").inc()
    return {
        "status": "released",
        "waybill": waybill,
        "release_id": str(release_id),
        "released_by": who.sub,
        "to": to,
        "delegate": delegate,
        "evidence": decision.evidence,
        "shipment_status": current[waybill].status.value,
        "at": at.isoformat(),
    }


@router.post("/shipments/{waybill}/consignee-change-proof", status_code=201)
async def consignee_change_proof(
    waybill: str,
    body: ChangeProofIn,
    request: Request,
    who: Principal = require("branch", "logistics", "cs"),
) -> dict[str, Any]:
    """The shipper's proof that the goods go to someone else (a differing name then passes)."""
    change_id = uuid.uuid4()
    async with tx(request) as conn:
        common.visible(who, await queries.get_shipment(conn, waybill=waybill), waybill)
        at = await common.now(request, conn)
        name = body.new_name.strip()
        await queries.insert_consignee_change(
            conn,
            change_id=change_id,
            waybill=waybill,
            new_name=name,
            note=body.note,
            by=who.sub,
            at=at,
        )
        await queries.add_log(
            conn,
            waybill=waybill,
            type_="consignee_change_proof",
            at=at,
            by=who.sub,
            detail={"new_name": name, "note": body.note},
        )
    return {"id": str(change_id), "waybill": waybill, "new_name": name, "at": at.isoformat()}
