"""Release at delivery: the release rules applied and recorded, the signing it causes, and the
shipper's proof that the goods go to someone else."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.logistics import queries
from services.logistics.domain import (
    Delegate,
    ReleaseDecision,
    ShipmentStatus,
    check_release,
    reserved_phone_matches,
)
from services.logistics.queries import records
from services.logistics.workflow import access, scans
from shared.context import Context
from shared.contracts.values import ScanKind
from shared.errors import Forbidden
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class Person:
    """Someone at the counter: the name given and the fingerprint of the ID shown, if any
    (the number itself never gets this far)."""

    name: str
    id_hmac: str | None = None
    id_last4: str | None = None

    def shown(self) -> dict[str, Any]:
        """Who, as the record and the answer name them."""
        return {"name": self.name.strip(), "id_last4": self.id_last4}


@dataclass(frozen=True, slots=True)
class ReleaseRequest:
    """What the person at the counter presented."""

    presented: Person
    delegate: Person | None
    consignee_phone_confirmed: bool
    company_stamp: bool
    authorisation_letter: bool
    at: datetime | None
    reserved_phone: str | None = None  # 核对票据预留电话: the number given at the counter


@dataclass(frozen=True, slots=True)
class Release:
    """A recorded release decision; `status` is the shipment's afterwards (signed if released)."""

    release_id: uuid.UUID
    decision: ReleaseDecision
    at: datetime
    status: ShipmentStatus | None


async def release(ctx: Context, who: Principal, waybill: str, req: ReleaseRequest) -> Release:
    """Hand the goods over only on the release rules; record every attempt, refused or not."""
    release_id = uuid.uuid4()
    row = await access.locked_shipment(ctx, who, waybill)
    if who.is_branch and who.branch != row["destination_branch"]:
        raise Forbidden("only the destination branch releases the goods")
    at = await ctx.business_time(req.at, "at")
    name = req.presented.name.strip()
    proof = await queries.find_consignee_change(ctx.conn, waybill=waybill, name=name)
    d = req.delegate
    s = records.to_shipment(row)
    decision = check_release(
        s,
        presented_name=name,
        presented_id_present=req.presented.id_hmac is not None,
        delegate=Delegate(d.name, d.id_hmac is not None) if d is not None else None,
        consignee_phone_confirmed=req.consignee_phone_confirmed,
        company_stamp=req.company_stamp,
        authorisation_letter=req.authorisation_letter,
        consignee_change_proof=proof is not None,
        reserved_phone=req.reserved_phone,
    )
    await queries.insert_release(
        ctx.conn,
        values=dict(
            id=release_id,
            waybill=waybill,
            allowed=decision.allowed,
            released_by=who.sub,
            presented_name=name,
            presented_id_hmac=req.presented.id_hmac,
            presented_id_last4=req.presented.id_last4,
            delegate_name=d.name.strip() if d is not None else None,
            delegate_id_hmac=d.id_hmac if d is not None else None,
            delegate_id_last4=d.id_last4 if d is not None else None,
            phone_confirmed=req.consignee_phone_confirmed,
            company_stamp=req.company_stamp,
            authorisation_letter=req.authorisation_letter,
            change_proof_id=proof,
            reserved_phone_checked=reserved_phone_matches(s, req.reserved_phone),
            evidence=json.dumps(decision.evidence, ensure_ascii=False),
            reasons=json.dumps(decision.reasons, ensure_ascii=False),
            at=at,
        ),
    )
    if not decision.allowed:
        return Release(release_id, decision, at, None)
    await queries.add_log(
        ctx.conn,
        waybill=waybill,
        type_="released",
        at=at,
        by=who.sub,
        detail={
            "release_id": str(release_id),
            "to": req.presented.shown(),
            "delegate": d.shown() if d is not None else None,
            "evidence": decision.evidence,
        },
    )
    # Handing the goods over is the signing: the same path as a scanner's `signed` scan.
    signed = scans.ScanIn(
        f"release-{release_id}", waybill, ScanKind.SIGNED, row["destination_branch"], None, at
    )
    current = await scans.apply_scans(ctx, [signed])
    return Release(release_id, decision, at, current[waybill].status)


async def change_proof(
    ctx: Context, who: Principal, waybill: str, new_name: str, note: str
) -> tuple[uuid.UUID, str, datetime]:
    """The shipper's proof that the goods go to someone else (a differing name then passes)."""
    change_id = uuid.uuid4()
    await access.shipment(ctx, who, waybill)
    at = await ctx.now()
    name = new_name.strip()
    await queries.insert_consignee_change(
        ctx.conn, change_id=change_id, waybill=waybill, new_name=name, note=note, by=who.sub, at=at
    )
    await queries.add_log(
        ctx.conn,
        waybill=waybill,
        type_="consignee_change_proof",
        at=at,
        by=who.sub,
        detail={"new_name": name, "note": note},
    )
    return change_id, name, at
