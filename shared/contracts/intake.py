"""Events intake publishes: customers, leads, complaints, repair requests (docs/EVENTS.md)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.envelope import Event
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    Department,
    EscalationLevel,
    ReceivedBy,
    Severity,
    SubjectKind,
)


class House(BaseModel):
    """The house a lead is about."""

    model_config = ConfigDict(extra="ignore")

    address: str
    area_m2: float = Field(ge=0, description="Floor area in m²")
    layout: str = Field(default="", description="Free text, e.g. '3室2厅'")


class SubjectRef(BaseModel):
    """What a complaint concerns: a project, a shipment (waybill) or a repair."""

    model_config = ConfigDict(extra="ignore")

    kind: SubjectKind
    id: str = Field(description="Project or repair id, or the waybill for a shipment")


class CustomerEvent(Event):
    """Base of customer.*: the full current contact record, not a diff."""

    OWNER: ClassVar[str] = "intake"

    customer_id: str
    name: str
    phone: str = Field(description="Only customer.* carry it: notifications keeps the copy")
    language: str = Field(default="zh", description="Language of messages to this customer")


class CustomerRegistered(CustomerEvent):
    """A new customer was registered (duplicates are merged by phone)."""

    SUBJECT: ClassVar[str] = "customer.registered"


class CustomerUpdated(CustomerEvent):
    """A customer's name, phone or language changed."""

    SUBJECT: ClassVar[str] = "customer.updated"


class LeadRegistered(Event):
    """A lead (customer resource) was registered at the first enquiry."""

    SUBJECT: ClassVar[str] = "lead.registered"
    OWNER: ClassVar[str] = "intake"

    lead_id: str
    customer_id: str
    house: House
    requirements: str = Field(default="", description="The customer's design requirements")
    budget_fen: int | None = Field(default=None, ge=0)
    expected_measure_on: date | None = None
    expected_sign_on: date | None = None
    lead_source: str | None = Field(
        default=None,
        description="Where the lead came from (API field `source`; renamed here because "
        "the envelope's `source` names the producing service)",
    )
    registered_at: AwareDatetime | None = Field(
        default=None, description="When the enquiry came in (business time; default occurred_at)"
    )


class ComplaintEvent(Event):
    """Base of complaint.*: the complaint, its customer and its responsible department."""

    OWNER: ClassVar[str] = "intake"

    complaint_id: str
    customer_id: str
    department: Department = Field(description="The responsible department at this point")
    assignee: str | None = Field(
        default=None, description="Token `sub` of the person it is with at this point, if named"
    )
    escalation_level: EscalationLevel | None = Field(
        default=None,
        description="How far it has been escalated at this point (a hand-off keeps it)",
    )


class ComplaintOpened(ComplaintEvent):
    """A complaint was registered."""

    SUBJECT: ClassVar[str] = "complaint.opened"

    channel: Channel
    category: ComplaintCategory
    severity: Severity
    subject: SubjectRef | None = Field(default=None, description="What it concerns, if known")
    description: str | None = Field(
        default=None, description="As registered; aftersales uses it as the repair problem"
    )
    received_by: ReceivedBy = Field(
        description="The desk that confirms the result with the customer"
    )
    received_by_sub: str = Field(description="Token `sub` of the staff member who received it")


class ComplaintHandedOff(ComplaintEvent):
    """A complaint was handed to another department (a handling sheet)."""

    SUBJECT: ClassVar[str] = "complaint.handed_off"

    from_department: Department
    to_department: Department
    to_assignee: str | None = Field(default=None, description="Token `sub`, when named")
    by: str = Field(description="Token `sub` of who handed it off")
    note: str | None = None


class ComplaintEscalated(ComplaintEvent):
    """A complaint was escalated to a department head or the manager."""

    SUBJECT: ClassVar[str] = "complaint.escalated"

    level: EscalationLevel
    automatic: bool = Field(description="True when a timer escalated it, not a person")
    reason: str
    by: str | None = Field(default=None, description="Token `sub`; None when automatic")


class ComplaintResolved(ComplaintEvent):
    """The responsible party reported a result; the confirmation call is due."""

    SUBJECT: ClassVar[str] = "complaint.resolved"

    result: str
    alternatives_offered: list[str] = Field(
        default_factory=list, description="Options offered when full satisfaction is impossible"
    )
    received_by: ReceivedBy = Field(description="The desk the confirmation call is assigned to")
    received_by_sub: str | None = Field(
        default=None, description="Token `sub` of who received the complaint"
    )
    confirmation_assignee: str | None = Field(
        default=None,
        description="Token `sub` of the person who makes the confirmation call: who received "
        "the complaint, when they work at that desk (cs, reception); None: the desk's team",
    )
    resolved_by: str = Field(description="Token `sub`, or the service for automatic results")


class ComplaintReopened(ComplaintEvent):
    """A resolved complaint was reopened (the customer was not satisfied)."""

    SUBJECT: ClassVar[str] = "complaint.reopened"

    reason: str


class ComplaintClosed(ComplaintEvent):
    """A complaint was closed after the customer confirmed the result."""

    SUBJECT: ClassVar[str] = "complaint.closed"


class RepairRequested(Event):
    """A repair request (报修) was recorded; aftersales opens a ticket."""

    SUBJECT: ClassVar[str] = "repair.requested"
    OWNER: ClassVar[str] = "intake"

    request_id: str
    customer_id: str
    project_id: str | None = None
    complaint_id: str | None = None
    address: str
    problem: str = Field(description="The customer's description of the problem")
