"""Routes of the settlement: printable receipts, the feedback form, the warranty card's steps
and the printable card."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.projects import workflow
from services.projects.api.models import (
    CardArchiveIn,
    CardIssueIn,
    CardSignatureIn,
    FeedbackIn,
    if_match,
    project_body,
)
from services.projects.api.printed import card_page, receipt_page
from services.projects.api.roles import CARD, FINANCE, READERS
from services.projects.config import ProjectsSettings
from shared.errors import NotFound
from shared.web.auth import Principal, require
from shared.web.deps import change, view

router = APIRouter(prefix="/v1", tags=["settlement"])


def config(request: Request) -> ProjectsSettings:
    cfg: ProjectsSettings = request.app.state.svc.config
    return cfg


@router.get("/projects/{project_id}/receipts/{receipt_no}", response_class=HTMLResponse)
async def receipt(
    project_id: str, receipt_no: str, request: Request, who: Principal = require(*FINANCE)
) -> HTMLResponse:
    """The receipt finance gave for a payment, to print (收款收据)."""
    async with view(request) as ctx:
        f, payment = await workflow.payment_receipt(ctx, project_id, receipt_no)
    return HTMLResponse(receipt_page(f, payment, config(request).company_name))


@router.post("/projects/{project_id}/feedback-form")
async def feedback(
    project_id: str, body: FeedbackIn, request: Request, who: Principal = require(*FINANCE)
) -> dict[str, Any]:
    """The customer's feedback form, filled with the final payment's receipt."""
    async with change(request) as ctx:
        f = await workflow.record_feedback(
            ctx,
            project_id,
            receipt_no=body.receipt_no,
            satisfaction=body.satisfaction,
            comments=body.comments,
            filled_at=body.filled_at,
            by=who.sub,
            if_match=if_match(request),
        )
        return project_body(f)


@router.post("/projects/{project_id}/warranty-card/signature")
async def sign_card(
    project_id: str, body: CardSignatureIn, request: Request, who: Principal = require(*CARD)
) -> dict[str, Any]:
    """The customer confirms the filled card and signs it."""
    async with change(request) as ctx:
        f = await workflow.sign_card(
            ctx, project_id, name=body.name, signed_at=body.signed_at, if_match=if_match(request)
        )
        return project_body(f)


@router.post("/projects/{project_id}/warranty-card/issue")
async def issue_card(
    project_id: str, body: CardIssueIn, request: Request, who: Principal = require(*CARD)
) -> dict[str, Any]:
    """Hand the signed card to the customer with the feedback form."""
    async with change(request) as ctx:
        f = await workflow.issue_card(
            ctx, project_id, at=body.at, by=who.sub, if_match=if_match(request)
        )
        return project_body(f)


@router.post("/projects/{project_id}/warranty-card/archive")
async def archive_card(
    project_id: str, body: CardArchiveIn, request: Request, who: Principal = require(*CARD)
) -> dict[str, Any]:
    """File the company's copy of the issued card (with its scan, when kept)."""
    async with change(request) as ctx:
        f = await workflow.archive_card(
            ctx,
            project_id,
            at=body.at,
            file_id=body.file_id,
            by=who.sub,
            if_match=if_match(request),
        )
        return project_body(f)


@router.get("/projects/{project_id}/warranty-card", response_class=HTMLResponse)
async def card(
    project_id: str, request: Request, who: Principal = require(*READERS)
) -> HTMLResponse:
    """The warranty card to print: filled, then with the customer's signature and its issue."""
    async with view(request) as ctx:
        f = await workflow.project_file(ctx, project_id)
    if f.project.warranty is None:
        raise NotFound("warranty card of project", project_id)
    cfg = config(request)
    return HTMLResponse(card_page(f, cfg.company_name, cfg.warranty_years))
