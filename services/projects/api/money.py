"""Routes of the money: the contract and its payment plan, payments, added items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.projects import workflow
from services.projects.api.models import (
    AdditionIn,
    ContractIn,
    PaymentIn,
    if_match,
    installments_body,
    project_body,
)
from services.projects.api.roles import FINANCE, MONEY
from shared.web.auth import Principal, require
from shared.web.deps import change

router = APIRouter(prefix="/v1", tags=["payments"])


@router.post("/projects/{project_id}/contract")
async def contract(
    project_id: str, body: ContractIn, request: Request, who: Principal = require(*MONEY)
) -> dict[str, Any]:
    """Sign the construction contract and enter `contract`; answers with the payment plan."""
    plan = body.plan.model_dump() if body.plan else None
    async with change(request) as ctx:
        f = await workflow.sign_contract(
            ctx,
            project_id,
            body.amount_fen,
            body.signed_at,
            plan,
            who.sub,
            if_match(request),
            main_materials_by_company=body.main_materials_by_company,
        )
        return {**project_body(f), "plan": installments_body(f.installments)}


@router.post("/projects/{project_id}/payments")
async def payment(
    project_id: str, body: PaymentIn, request: Request, who: Principal = require(*FINANCE)
) -> dict[str, Any]:
    """Money received towards the deposit or an instalment; the final one may start warranty."""
    async with change(request) as ctx:
        f = await workflow.record_payment(
            ctx,
            project_id,
            body.installment,
            body.amount_fen,
            body.paid_at,
            if_match(request),
            by=who.sub,
        )
        return project_body(f)


@router.post("/projects/{project_id}/additions", status_code=201)
async def addition(
    project_id: str, body: AdditionIn, request: Request, who: Principal = require(*MONEY)
) -> dict[str, Any]:
    """An added work item, due with the mid-term payment."""
    async with change(request) as ctx:
        project, plan = await workflow.add_item(
            ctx, project_id, body.description, body.amount_fen, body.at, if_match(request)
        )
    return {
        "project_id": project.id,
        "version": project.version,
        "description": body.description.strip(),
        "amount_fen": body.amount_fen,
        "additions_fen": project.additions_fen,
        "installments": installments_body(plan),
    }
