"""What the projects API reads and answers: the request bodies, the If-Match header, and the
shapes of its answers."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from fastapi import Request
from pydantic import AwareDatetime, Field

from services.projects.domain import (
    Approval,
    DeadlineState,
    PlannedInstallment,
    QualityInspection,
    Review,
    ReviewKind,
)
from services.projects.queries import records
from services.projects.workflow import ProjectFile
from shared.contracts.values import Deadline, Installment, SignoffParty, Stage
from shared.web.models import Strict

FACTS: dict[str, Deadline] = {
    "renderings_delivered": Deadline.RENDERINGS,
    "contract_to_finance": Deadline.CONTRACT_TO_FINANCE,
    "contract_handed_to_finance": Deadline.CONTRACT_TO_FINANCE,
}


def if_match(request: Request) -> str | None:
    """The version an `If-Match` header makes the change conditional on, if any."""
    expected = request.headers.get("if-match")
    return expected.strip('" W/') if expected is not None else None


# ------------------------------------------------------------------------------------ projects
class ProjectIn(Strict):
    customer_id: str = Field(min_length=1)
    address: str = Field(min_length=1)
    designer: str | None = None
    project_manager: str | None = None
    at: AwareDatetime | None = None


class AssignIn(Strict):
    designer: str | None = None
    project_manager: str | None = None
    supervisor: str | None = None
    foreman: str | None = None


class TransitionIn(Strict):
    to: Stage
    at: AwareDatetime | None = None
    note: str | None = None


class ApprovalIn(Strict):
    what: Approval
    at: AwareDatetime | None = None


class SignoffIn(Strict):
    stage: Stage
    party: SignoffParty
    name: str
    signed_at: AwareDatetime | None = None


class FactIn(Strict):
    fact: Literal["renderings_delivered", "contract_to_finance", "contract_handed_to_finance"]
    at: AwareDatetime | None = None


# --------------------------------------------------------------------------------------- money
class PlanIn(Strict):
    first_pct: int = Field(ge=0, le=100)
    midterm_pct: int = Field(ge=0, le=100)
    final_pct: int = Field(ge=0, le=100)


class ContractIn(Strict):
    amount_fen: int = Field(gt=0)
    signed_at: AwareDatetime | None = None
    plan: PlanIn | None = None


class PaymentIn(Strict):
    installment: Installment
    amount_fen: int = Field(gt=0)
    paid_at: AwareDatetime | None = None


class AdditionIn(Strict):
    description: str = Field(min_length=1)
    amount_fen: int = Field(gt=0)
    at: AwareDatetime | None = None


# ------------------------------------------------------------------------------------- quality
class MaterialIn(Strict):
    category: str = Field(min_length=1)
    supplier: str | None = None
    brand: str | None = None
    model: str | None = None
    spec: str | None = None
    colour: str | None = None
    quantity: Decimal | None = Field(default=None, ge=0)


class MaterialsIn(Strict):
    items: list[MaterialIn] = Field(min_length=1)
    at: AwareDatetime | None = None


class MaterialChangeIn(Strict):
    description: str = Field(min_length=1)
    signed_by_customer: bool
    at: AwareDatetime | None = None


class InspectionIn(Strict):
    quality: int
    progress: int
    tidiness: int
    problems: list[str] = Field(default_factory=list)
    at: AwareDatetime | None = None


# ------------------------------------------------------------------------------------- reviews
class ReviewIn(Strict):
    kind: ReviewKind
    designer: str | None = Field(default=None, description="Token `sub`; default: the caller")
    at: AwareDatetime | None = None


class ScoresIn(Strict):
    scores: dict[str, int]
    details: str
    at: AwareDatetime | None = None


class AtIn(Strict):
    at: AwareDatetime | None = None


class ReturnIn(Strict):
    note: str = ""
    at: AwareDatetime | None = None


class DisputeIn(Strict):
    reason: str
    at: AwareDatetime | None = None


# ------------------------------------------------------------------------------------- answers
def installments_body(rows: Iterable[PlannedInstallment]) -> list[dict[str, Any]]:
    """The payment plan with due dates and the sums paid."""
    return [
        {
            "installment": r.installment.value,
            "amount_fen": r.amount_fen,
            "due_after": r.due_after.value,
            "due_on": r.due_on,
            "due_at": r.due_at,
            "paid_fen": r.paid_fen,
            "outstanding_fen": r.outstanding_fen,
            "fully_paid": r.fully_paid,
        }
        for r in rows
    ]


def _deadline(d: DeadlineState, responsible: str | None) -> dict[str, Any]:
    return {
        "deadline": d.kind.value,
        "started_at": d.started_at,
        "due_at": d.due_at,
        "due_on": d.due_on,
        "responsible": responsible,
        "satisfied_at": d.satisfied_at,
        "missed_at": d.missed_at,
        "status": d.status,
    }


def _history(entries: list[dict[str, Any]], f: ProjectFile) -> list[dict[str, Any]]:
    by_stage = {c.to_stage.value: c for c in f.changes}
    return [
        {
            **entry,
            "by": change.by if (change := by_stage.get(entry["stage"])) else None,
            "note": change.note if change else None,
        }
        for entry in entries
    ]


def project_body(f: ProjectFile) -> dict[str, Any]:
    """The project as GET /v1/projects/{id} shows it."""
    p = f.project
    doc = records.project_to_json(p)
    return {
        "id": p.id,
        "customer_id": p.customer_id,
        "lead_id": f.lead_id,
        "address": f.address,
        "stage": p.stage.value,
        "version": p.version,
        "designer": p.designer,
        "project_manager": p.project_manager,
        "supervisor": p.supervisor,
        "foreman": p.foreman,
        "history": _history(doc["history"], f),
        "approvals": {
            "scheme_and_quote": doc["scheme_approved_at"],
            "construction_drawings": doc["drawings_signed_at"],
        },
        "deposit_paid_fen": p.deposit_paid_fen,
        "contract": doc["contract"],
        "installments": installments_body(f.installments),
        "payments": doc["payments"],
        "additions": doc["additions"],
        "signoffs": doc["signoffs"],
        "deadlines": [_deadline(d, f.responsible(d)) for d in f.deadlines],
        "completed_on": doc["completed_on"],
        "warranty": doc["warranty"],
    }


def inspection_body(inspection_id: str, found: QualityInspection) -> dict[str, Any]:
    """A recorded inspection with its mean mark."""
    return {
        "id": inspection_id,
        "project_id": found.project_id,
        "inspector": found.inspector,
        "at": found.at,
        "quality": found.quality,
        "progress": found.progress,
        "tidiness": found.tidiness,
        "problems": list(found.problems),
        "mean": round(float(found.mean), 2),
    }


def review_body(review: Review) -> dict[str, Any]:
    """A review with its scores and audit trail (the API shows the stored document)."""
    return records.review_to_json(review)
