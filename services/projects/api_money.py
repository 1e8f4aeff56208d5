"""Routes of the money: the contract and its payment plan, payments, added items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, Field

from services.projects.api_common import FINANCE, MONEY, Body, installments, load, view
from services.projects.domain import PaymentPlan, add_item, record_payment, sign_contract
from services.projects.workflow import payment_event, utcnow
from shared.contracts.projects import ProjectPaymentReceived
from shared.contracts.values import Installment, Stage
from shared.web.auth import Principal, require
from shared.web.deps import tx

router = APIRouter(prefix="/v1", tags=["payments"])


class PlanIn(Body):
    first_pct: int = Field(ge=0, le=100)
    midterm_pct: int = Field(ge=0, le=100)
    final_pct: int = Field(ge=0, le=100)


class ContractIn(Body):
    amount_fen: int = Field(gt=0)
    signed_at: AwareDatetime | None = None
    plan: PlanIn | None = None


class PaymentIn(Body):
    installment: Installment
    amount_fen: int = Field(gt=0)
    paid_at: AwareDatetime | None = None


class AdditionIn(Body):
    description: str = Field(min_length=1)
    amount_fen: int = Field(gt=0)
    at: AwareDatetime | None = None


@router.post("/projects/{project_id}/contract")
async def contract(
    project_id: str, body: ContractIn, request: Request, who: Principal = require(*MONEY)
) -> dict[str, Any]:
    """Sign the construction contract and enter `contract`; answers with the payment plan."""
    signed_at = body.signed_at or utcnow()
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        plan = PaymentPlan(**body.plan.model_dump()) if body.plan else unit.cfg.payment_plan()
        unit.project = sign_contract(unit.project, body.amount_fen, signed_at, plan)
        await unit.transition(Stage.CONTRACT, signed_at, who.sub, "construction contract signed")
        await unit.commit()
        return {
            **await view(unit),
            "plan": installments(unit.project, unit.cfg),
        }


@router.post("/projects/{project_id}/payments")
async def payment(
    project_id: str, body: PaymentIn, request: Request, who: Principal = require(*FINANCE)
) -> dict[str, Any]:
    """Money received towards the deposit or an instalment; the final one may start warranty."""
    paid_at = body.paid_at or utcnow()
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        unit.project = record_payment(
            unit.project,
            body.installment,
            body.amount_fen,
            paid_at,
            deposit_max_fen=unit.cfg.deposit_max_fen,
        )
        row = await unit.paid(body.installment)
        p = unit.project
        if row is not None:
            unit.emit(payment_event(ProjectPaymentReceived, p, row, paid_at=paid_at))
        else:  # the design deposit, before any contract
            unit.emit(
                ProjectPaymentReceived(
                    project_id=p.id,
                    customer_id=p.customer_id,
                    installment=Installment.DEPOSIT,
                    amount_fen=p.deposit_paid_fen,
                    paid_fen=p.deposit_paid_fen,
                    paid_at=paid_at,
                    version=p.version,
                )
            )
        await unit.maybe_warranty(paid_at)
        await unit.commit()
        return await view(unit)


@router.post("/projects/{project_id}/additions", status_code=201)
async def addition(
    project_id: str, body: AdditionIn, request: Request, who: Principal = require(*MONEY)
) -> dict[str, Any]:
    """An added work item, due with the mid-term payment."""
    async with tx(request) as conn:
        unit = await load(conn, request, project_id)
        unit.project = add_item(
            unit.project, body.description, body.amount_fen, body.at or utcnow()
        )
        await unit.commit()
        return {
            "project_id": unit.project.id,
            "version": unit.project.version,
            "description": body.description.strip(),
            "amount_fen": body.amount_fen,
            "additions_fen": unit.project.additions_fen,
            "installments": installments(unit.project, unit.cfg),
        }
