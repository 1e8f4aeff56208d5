"""What the projects API reads and answers: the request bodies, the If-Match header, and the
shapes of its answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from fastapi import Request
from pydantic import AwareDatetime, Field

from services.projects.domain import (
    Approval,
    AwardKind,
    DeadlineState,
    PlannedInstallment,
    QualityInspection,
    Review,
    ReviewKind,
    in_warranty,
)
from services.projects.domain.customer import PlanLine, due_now, mask_address, mask_name
from services.projects.domain.model import WarrantyCard
from services.projects.queries import records
from services.projects.workflow import ProjectFile
from services.projects.workflow.customer import CustomerView
from shared.calendar import local_date
from shared.contracts.values import (
    Deadline,
    DocumentKind,
    DocumentParty,
    Installment,
    SignoffParty,
    Stage,
)
from shared.validation import Address, Code, LongText, Moment, Month, Name, Notes, ShortText
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
    customer_id: Code
    address: Address
    designer: Code | None = None
    project_manager: Code | None = None
    at: Moment | None = None


class AssignIn(Strict):
    designer: Code | None = None
    project_manager: Code | None = None
    supervisor: Code | None = None
    foreman: Code | None = None


class TransitionIn(Strict):
    to: Stage
    at: Moment | None = None
    note: Notes | None = None


class ApprovalIn(Strict):
    what: Approval
    at: Moment | None = None


class SignoffIn(Strict):
    stage: Stage
    party: SignoffParty
    name: Name
    signed_at: Moment | None = None


class DesignAcceptanceIn(Strict):
    on: AwareDatetime = Field(description="The appointment on site (a plan: may lie ahead)")
    at: Moment | None = None


class DesignResultIn(Strict):
    accepted: bool = Field(description="The customer accepted the design as built")
    notes: Notes = Field(default="", description="What the customer wants changed")
    customer_name: Name = Field(description="The customer's name as signed on the result")
    at: Moment | None = None


class FactIn(Strict):
    fact: Literal["renderings_delivered", "contract_to_finance", "contract_handed_to_finance"]
    at: Moment | None = None


# --------------------------------------------------------------------------------------- money
class PlanIn(Strict):
    first_pct: int = Field(ge=0, le=100)
    midterm_pct: int = Field(ge=0, le=100)
    final_pct: int = Field(ge=0, le=100)


class ContractIn(Strict):
    amount_fen: int = Field(gt=0, le=100_000_000_000)
    signed_at: Moment | None = None
    plan: PlanIn | None = None
    main_materials_by_company: bool = Field(
        default=False,
        description="The customer asks the company to buy the main materials (主材代购): the "
        "main-materials purchase agreement is then needed before the works start",
    )


class PaymentIn(Strict):
    installment: Installment
    amount_fen: int = Field(gt=0, le=100_000_000_000)
    paid_at: Moment | None = None


class AdditionIn(Strict):
    description: LongText
    amount_fen: int = Field(gt=0, le=100_000_000_000)
    at: Moment | None = None


# ----------------------------------------------------------------------------------- documents
class PartyIn(Strict):
    role: DocumentParty
    name: Name = Field(description="The party's name as written on the document")


class DocumentSignatureIn(Strict):
    party: DocumentParty
    name: Name = Field(description="Who signed for the party")
    signed_at: Moment | None = None


class DocumentIn(Strict):
    kind: DocumentKind
    number: Code = Field(description="The number printed on the document")
    parties: list[PartyIn] = Field(min_length=1, max_length=2)
    signatures: list[DocumentSignatureIn] = Field(default_factory=list, max_length=2)
    amount_fen: int | None = Field(default=None, gt=0, le=100_000_000_000)
    file_id: Code = Field(description="A file uploaded to this project (POST …/files)")
    at: Moment | None = Field(default=None, description="The document's date (issued, handed)")


# ---------------------------------------------------------------------------------- settlement
class FeedbackIn(Strict):
    receipt_no: Code = Field(description="The final payment's receipt the customer brings")
    satisfaction: int = Field(ge=1, le=5, description="Overall satisfaction, 1–5")
    comments: Notes = ""
    filled_at: Moment | None = None


class CardSignatureIn(Strict):
    name: Name = Field(description="The customer's name as signed on the card")
    signed_at: Moment | None = None


class CardIssueIn(Strict):
    at: Moment | None = None


class CardArchiveIn(Strict):
    at: Moment | None = None
    file_id: Code | None = Field(
        default=None, description="The signed card's scan, uploaded to the project (…/files)"
    )


# ------------------------------------------------------------------------------------- quality
class MaterialIn(Strict):
    category: Name
    supplier: Name | None = None
    brand: Name | None = None
    model: ShortText | None = None
    spec: ShortText | None = None
    colour: ShortText | None = None
    quantity: Decimal | None = Field(
        default=None, ge=0, le=1_000_000_000, max_digits=13, decimal_places=3
    )


class MaterialsIn(Strict):
    items: list[MaterialIn] = Field(min_length=1, max_length=500)
    at: Moment | None = None


class DeliveredIn(Strict):
    category: Name
    brand: Name | None = None
    model: ShortText | None = None
    quantity: Decimal | None = Field(
        default=None, ge=0, le=1_000_000_000, max_digits=13, decimal_places=3
    )
    quality_ok: bool = Field(description="The delivered material passed the quality check")
    note: Notes = ""


class MaterialCheckIn(Strict):
    items: list[DeliveredIn] = Field(min_length=1, max_length=500)
    at: Moment | None = None


class MaterialChangeIn(Strict):
    description: LongText
    signed_by_customer: bool
    at: Moment | None = None


class InspectionIn(Strict):
    quality: int = Field(ge=0, le=100)
    progress: int = Field(ge=0, le=100)
    tidiness: int = Field(ge=0, le=100)
    problems: list[Notes] = Field(default_factory=list, max_length=100)
    at: Moment | None = None


# ------------------------------------------------------------------------------------- reviews
class ReviewIn(Strict):
    kind: ReviewKind
    designer: Code | None = Field(default=None, description="Token `sub`; default: the caller")
    at: Moment | None = None


class AwardIn(Strict):
    month: Month = Field(description="The rated month, YYYY-MM (over)")
    project_id: Code
    kind: AwardKind
    amount_fen: int = Field(gt=0, le=100_000_000_000, description="The reward or penalty in fen")
    reason: Notes = ""
    at: Moment | None = None


class PanelIn(Strict):
    members: list[Code] = Field(
        min_length=1,
        max_length=20,
        description="The reviewers' token `sub`s (2–7, not the designer)",
    )
    at: Moment | None = None


class ScoresIn(Strict):
    scores: dict[Code, int] = Field(max_length=20)
    details: LongText
    at: Moment | None = None


class AtIn(Strict):
    at: Moment | None = None


class ReturnIn(Strict):
    note: Notes = ""
    at: Moment | None = None


class DisputeIn(Strict):
    reason: LongText
    at: Moment | None = None


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
        "documents": doc["documents"],
        "feedback": doc["feedback"],
        "design_acceptance": doc["design_acceptance"],
    }


def customer_view_body(v: CustomerView) -> dict[str, Any]:
    """GET /v1/projects/{id}/customer-view: the project as its customer's link shows it."""
    p = v.project
    return {
        "id": p.id,
        "stage": p.stage.value,
        "address": mask_address(v.address),
        "customer_name": mask_name(v.customer_name) if v.customer_name else None,
        "stages": [
            {"stage": s.stage.value, "done": s.done, "current": s.current, "at": s.at}
            for s in v.steps
        ],
        "next": {
            "stage": v.next.stage.value if v.next.stage else None,
            "automatic": v.next.automatic,
            "waiting_for": list(v.next.waiting_for),
        },
        "contract_fen": p.contract.amount_fen if p.contract else None,
        "deposit_paid_fen": p.deposit_paid_fen,
        "plan": [_plan_line(line) for line in v.plan],
        "due_now": _due_now(due_now(v.plan)),
        "warranty": _customer_card(v.card, local_date(v.now)),
        "as_of": v.now,
    }


def _plan_line(line: PlanLine) -> dict[str, Any]:
    row = line.row
    return {
        "installment": row.installment.value,
        "amount_fen": row.amount_fen,
        "paid_fen": row.paid_fen,
        "outstanding_fen": row.outstanding_fen,
        "due_after": row.due_after.value,
        "due_on": row.due_on,
        "state": line.state,
    }


def _due_now(due: PlanLine | None) -> dict[str, Any] | None:
    if due is None:
        return None
    return {
        "installment": due.row.installment.value,
        "outstanding_fen": due.row.outstanding_fen,
        "due_on": due.row.due_on,
        "overdue": due.state == "overdue",
    }


def _customer_card(card: WarrantyCard | None, today: date) -> dict[str, Any] | None:
    if card is None:
        return None
    return {
        "card_no": card.card_no,
        "starts_on": card.starts_on,
        "ends_on": card.ends_on,
        "covered": in_warranty(card, today),
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
