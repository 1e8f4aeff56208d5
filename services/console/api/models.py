"""The forms the pages post, checked like any request body (unknown fields refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from services.console.domain.projects import fen_of
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import ProblemKind, Stage
from shared.web.models import Strict

RATING_ROLES = ("designer", "inspector", "foreman", "engineering_manager")
Score = Literal["", "1", "2", "3", "4", "5"]


class SignInForm(Strict):
    """The sign-in form."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    csrf_token: str = Field(default="", max_length=256)
    next: str = Field(default="/", max_length=2000)


class SignOutForm(Strict):
    """The sign-out button."""

    csrf_token: str = Field(default="", max_length=256)


class OutcomeForm(Strict):
    """One call's outcome as the agent enters it on the worklist."""

    csrf_token: str = Field(default="", max_length=256)
    reached: Literal["yes", "no"]
    satisfied: Literal["", "yes", "no"] = ""
    satisfaction: Score = ""
    rating_designer: Score = ""
    rating_inspector: Score = ""
    rating_foreman: Score = ""
    rating_engineering_manager: Score = ""
    comment: str = Field(default="", max_length=4000)

    def body(self) -> dict[str, Any]:
        """The outcome as notifications' API takes it."""
        ratings = {
            role: int(score) for role in RATING_ROLES if (score := getattr(self, f"rating_{role}"))
        }
        out: dict[str, Any] = {"reached": self.reached == "yes", "ratings": ratings}
        if self.satisfied:
            out["satisfied"] = self.satisfied == "yes"
        if self.satisfaction:
            out["satisfaction"] = int(self.satisfaction)
        if self.comment.strip():
            out["comment"] = self.comment.strip()
        return out


class TransitionForm(Strict):
    """A project manager's move to the project's next stage."""

    csrf_token: str = Field(default="", max_length=256)
    to: Stage
    note: str = Field(default="", max_length=2000)

    def body(self) -> dict[str, Any]:
        """The transition as projects' API takes it."""
        out: dict[str, Any] = {"to": self.to.value}
        if self.note.strip():
            out["note"] = self.note.strip()
        return out


class StepForm(Strict):
    """A repair step with nothing to enter (accept the quote, start the repair)."""

    csrf_token: str = Field(default="", max_length=256)

    def body(self) -> dict[str, Any]:
        """The step as aftersales' API takes it."""
        return {}


class AssignmentForm(StepForm):
    """Who of after-sales handles the ticket."""

    staff: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")

    def body(self) -> dict[str, Any]:
        return {"staff": self.staff}


class SurveyBookingForm(StepForm):
    """The survey time agreed with the customer, as the clock on the wall reads it (Shanghai)."""

    at: datetime

    def body(self) -> dict[str, Any]:
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=BUSINESS_TZ)
        return {"at": at.isoformat()}


class SurveyForm(StepForm):
    """What the site survey found and the fix proposed."""

    findings: str = Field(min_length=1, max_length=4000)
    proposed_fix: str = Field(min_length=1, max_length=4000)
    problem_kind: ProblemKind

    def body(self) -> dict[str, Any]:
        return {
            "findings": self.findings.strip(),
            "proposed_fix": self.proposed_fix.strip(),
            "problem_kind": self.problem_kind.value,
        }


class ScheduleForm(StepForm):
    """The repair's first day and how many days it takes."""

    day: date
    duration_days: int = Field(ge=1, le=365)

    def body(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "duration_days": self.duration_days}


def _fen(value: str) -> int | None:
    return fen_of(value) if value.strip() else None


class CompletionForm(StepForm):
    """The customer's evaluation at completion, and the fee paid for a paid repair (yuan)."""

    evaluation_score: Literal["1", "2", "3", "4", "5"]
    comment: str = Field(default="", max_length=4000)
    fee_paid: str = Field(default="", max_length=32)

    @field_validator("fee_paid")
    @classmethod
    def _amount(cls, value: str) -> str:
        _fen(value)
        return value

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "evaluation_score": int(self.evaluation_score),
            "comment": self.comment.strip(),
        }
        if (fee := _fen(self.fee_paid)) is not None:
            out["fee_paid_fen"] = fee
        return out


class ReimbursementForm(StepForm):
    """The repair expenses to reimburse (yuan)."""

    amount: str = Field(min_length=1, max_length=32)

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str) -> str:
        fen_of(value)
        return value

    def body(self) -> dict[str, Any]:
        return {"amount_fen": fen_of(self.amount)}


class ApprovalForm(StepForm):
    """A reimbursement signature at one level."""

    level: Literal["dept_head", "finance"]

    def body(self) -> dict[str, Any]:
        return {"level": self.level}


class ClosureForm(StepForm):
    """The repair summary that closes the ticket."""

    summary: str = Field(min_length=1, max_length=4000)

    def body(self) -> dict[str, Any]:
        return {"summary": self.summary.strip()}


# Each repair step's form, by the step's path in aftersales' API.
STEP_FORMS: dict[str, type[StepForm]] = {
    "assignment": AssignmentForm,
    "survey-booking": SurveyBookingForm,
    "survey": SurveyForm,
    "quote-acceptance": StepForm,
    "schedule": ScheduleForm,
    "start": StepForm,
    "completion": CompletionForm,
    "reimbursement": ReimbursementForm,
    "approval": ApprovalForm,
    "closure": ClosureForm,
}
# The API path of a step where it is not the step's own name.
STEP_PATHS = {"approval": "reimbursement/approvals"}


def invalid_fields(exc: ValidationError) -> dict[str, str]:
    """The form fields a validation error names, with pydantic's message."""
    return {".".join(str(p) for p in e["loc"]) or "form": e["msg"] for e in exc.errors()}


class ComplaintForm(Strict):
    """The complaint form (投诉登记表) as reception or an agent fills it; intake checks the
    values and names what it refuses."""

    csrf_token: str = Field(default="", max_length=256)
    customer_id: str = Field(default="", max_length=64)
    name: str = Field(default="", max_length=400)
    phone: str = Field(default="", max_length=100)
    channel: str = Field(default="", max_length=40)
    category: str = Field(default="", max_length=40)
    severity: str = Field(default="", max_length=40)
    department: str = Field(default="", max_length=40)
    description: str = Field(default="", max_length=8000)
    subject_kind: str = Field(default="", max_length=40)
    subject_id: str = Field(default="", max_length=200)
    assignee: str = Field(default="", max_length=200)

    def body(self) -> dict[str, Any]:
        """The complaint as intake's API takes it: the known customer, or name and phone."""
        out: dict[str, Any] = {
            "channel": self.channel,
            "category": self.category,
            "severity": self.severity,
            "description": self.description.strip(),
            "department": self.department,
        }
        if self.customer_id:
            out["customer_id"] = self.customer_id
        else:
            out["customer"] = {"name": self.name.strip(), "phone": self.phone.strip()}
        if self.subject_kind or self.subject_id.strip():
            out["subject"] = {"kind": self.subject_kind, "id": self.subject_id.strip()}
        if self.assignee.strip():
            out["assignee"] = self.assignee.strip()
        return out


class HandoffForm(Strict):
    """Hand the complaint to another department (a handling sheet)."""

    csrf_token: str = Field(default="", max_length=256)
    to_department: str = Field(default="", max_length=40)
    to_assignee: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=8000)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"to_department": self.to_department, "note": self.note.strip()}
        if self.to_assignee.strip():
            out["to_assignee"] = self.to_assignee.strip()
        return out


class EscalationForm(Strict):
    """Escalate to the next level, saying why."""

    csrf_token: str = Field(default="", max_length=256)
    reason: str = Field(default="", max_length=8000)

    def body(self) -> dict[str, Any]:
        return {"reason": self.reason.strip()}


class CauseForm(Strict):
    """Why the complaint arose, as the investigation found."""

    csrf_token: str = Field(default="", max_length=256)
    cause: str = Field(default="", max_length=40)
    detail: str = Field(default="", max_length=8000)

    def body(self) -> dict[str, Any]:
        return {"cause": self.cause, "detail": self.detail.strip()}


class ResolutionForm(Strict):
    """The result, and what was offered (one per line)."""

    csrf_token: str = Field(default="", max_length=256)
    result: str = Field(default="", max_length=8000)
    alternatives_offered: str = Field(default="", max_length=40000)

    def body(self) -> dict[str, Any]:
        offered = [x.strip() for x in self.alternatives_offered.splitlines() if x.strip()]
        return {"result": self.result.strip(), "alternatives_offered": offered}


class ConfirmationForm(Strict):
    """The confirmation call's result on its task."""

    csrf_token: str = Field(default="", max_length=256)
    callback_id: str = Field(min_length=1, max_length=64)
    reached: Literal["yes", "no"]
    satisfied: Literal["", "yes", "no"] = ""
    comment: str = Field(default="", max_length=4000)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reached": self.reached == "yes"}
        if self.satisfied:
            out["satisfied"] = self.satisfied == "yes"
        if self.comment.strip():
            out["comment"] = self.comment.strip()
        return out


Yes = Literal["", "yes"]


class ScanForm(Strict):
    """A scan at the desk: what happened, at which station, for which batch (blank: all)."""

    csrf_token: str = Field(default="", max_length=256)
    kind: Literal["departed", "arrived_hub", "arrived_destination"]
    station: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    batch: str = Field(default="", pattern=r"^([1-9][0-9]?|100)?$")

    def body(self) -> dict[str, Any]:
        """The scan as logistics' API takes it."""
        out: dict[str, Any] = {"kind": self.kind, "station": self.station}
        if self.batch:
            out["batch"] = int(self.batch)
        return out


class ReleaseForm(Strict):
    """What the person at the counter presented. The ID numbers are passed on once and never
    kept, shown again or put in a repr (a log line or an error report)."""

    csrf_token: str = Field(default="", max_length=256)
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(default="", max_length=40, repr=False)
    delegate_name: str = Field(default="", max_length=100)
    delegate_id_number: str = Field(default="", max_length=40, repr=False)
    phone_confirmed: Yes = ""
    company_stamp: Yes = ""
    authorisation_letter: Yes = ""
    reserved_phone: str = Field(default="", max_length=40)

    def body(self) -> dict[str, Any]:
        """The release as logistics' API takes it: a delegate only when one is named or their
        ID given."""
        presented: dict[str, Any] = {"name": self.name.strip()}
        if self.id_number.strip():
            presented["id_number"] = self.id_number.strip()
        out: dict[str, Any] = {
            "presented": presented,
            "consignee_phone_confirmed": self.phone_confirmed == "yes",
            "company_stamp": self.company_stamp == "yes",
            "authorisation_letter": self.authorisation_letter == "yes",
        }
        if self.reserved_phone.strip():
            out["reserved_phone"] = self.reserved_phone.strip()
        if self.delegate_name.strip() or self.delegate_id_number.strip():
            delegate: dict[str, Any] = {"name": self.delegate_name.strip()}
            if self.delegate_id_number.strip():
                delegate["id_number"] = self.delegate_id_number.strip()
            out["delegate"] = delegate
        return out

    def kept(self) -> dict[str, str]:
        """What the form shows again after a refusal: everything but the ID numbers."""
        return self.model_dump(exclude={"csrf_token", "id_number", "delegate_id_number"})


class ReceiptStepForm(Strict):
    """The receipt's next step, and whether what was checked failed the rules (back to redo)."""

    csrf_token: str = Field(default="", max_length=256)
    step: Literal["signed", "sent", "received", "handed_over", "settled"]
    noncompliant: Yes = ""


# The release API's fields as the form names them (its 422 names the API's field).
RELEASE_FIELDS = {
    "presented.name": "name",
    "presented.id_number": "id_number",
    "delegate.name": "delegate_name",
    "delegate.id_number": "delegate_id_number",
    "reserved_phone": "reserved_phone",
}
