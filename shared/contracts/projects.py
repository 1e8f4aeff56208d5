"""Events projects publishes: the renovation project's life cycle (docs/EVENTS.md)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import Event
from shared.contracts.values import Deadline, Installment, Stage


class MaterialItem(BaseModel):
    """One material used on a project, as repairs need it to match the original."""

    model_config = ConfigDict(extra="ignore")

    category: str = Field(description="e.g. paint, tile, flooring, fixture")
    supplier: str | None = None
    brand: str | None = None
    model: str | None = None
    spec: str | None = Field(default=None, description="Specification (规格)")
    colour: str | None = Field(default=None, description="Colour or paint code")


class ProjectOpened(Event):
    """A project was opened (from a lead or directly)."""

    SUBJECT: ClassVar[str] = "project.opened"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    customer_id: str
    address: str
    designer: str | None = Field(default=None, description="Token `sub`, once assigned")
    project_manager: str | None = Field(default=None, description="Token `sub`, once assigned")
    lead_id: str | None = Field(default=None, description="The lead it was opened from, if any")


class ProjectStageChanged(Event):
    """A project moved from one stage to the next."""

    SUBJECT: ClassVar[str] = "project.stage.changed"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    customer_id: str
    from_stage: Stage
    to_stage: Stage
    at: AwareDatetime = Field(description="Business time of the transition (may be backdated)")
    by: str = Field(description="Token `sub` of who made the transition, or the service")
    project_manager: str | None = Field(default=None, description="Token `sub`")
    completed_on: date | None = Field(
        default=None, description="Completion date, set from `completed` onwards"
    )
    warranty_ends_on: date | None = Field(
        default=None,
        description=(
            "The warranty card's last day of cover (有效期至), inclusive: a repair surveyed on"
            " it is covered, from the next day it is not. Set from `completed` onwards; computed"
            " by projects only (completion + its `warranty_years`), consumers use it as given"
        ),
    )
    works_start_by: date | None = Field(
        default=None,
        description=(
            "The last day the works may start (合同签订三日后开工), set on the change to"
            " `contract`: engineering is told to arrange the start (通知工程部安排开工)"
        ),
    )

    @model_validator(mode="after")
    def _completion_carries_the_warranty(self) -> ProjectStageChanged:
        """From completion on, the event carries the completion and the warranty's last day."""
        if self.to_stage in (Stage.COMPLETED, Stage.WARRANTY):
            if self.completed_on is None or self.warranty_ends_on is None:
                raise ValueError(
                    f"a change to `{self.to_stage}` carries completed_on and warranty_ends_on"
                )
            if self.warranty_ends_on < self.completed_on:
                raise ValueError("warranty_ends_on is before completed_on")
        return self


class ProjectRenderingsDelivered(Event):
    """The designer delivered the renderings: the customer is asked to see them (通知客户看方案)."""

    SUBJECT: ClassVar[str] = "project.renderings.delivered"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    customer_id: str
    at: AwareDatetime = Field(description="Business time of the delivery (may be backdated)")
    designer: str | None = Field(default=None, description="Token `sub`")


class ProjectDesignAcceptanceBooked(Event):
    """The designer invited the customer to a design acceptance on site (提前约请客户设计验收)."""

    SUBJECT: ClassVar[str] = "project.design_acceptance.booked"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    customer_id: str
    on: AwareDatetime = Field(description="The appointment on site")
    designer: str | None = Field(default=None, description="Token `sub` of who booked it")


class ProjectSpotCheckDue(Event):
    """This week's project for the engineering manager's spot-check visit (每周抽查走访一次客户)."""

    SUBJECT: ClassVar[str] = "project.spot_check.due"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    customer_id: str
    project_manager: str | None = Field(default=None, description="Token `sub`")
    week: str = Field(description="The ISO week, e.g. 2026-W11")
    due_on: date = Field(description="The week's last day (Sunday): the visit is due by its end")


class ProjectInspectionRecorded(Event):
    """Engineering inspected a site under construction; problems are handled at once (及时处理)."""

    SUBJECT: ClassVar[str] = "project.inspection.recorded"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    customer_id: str
    inspection_id: str
    inspector: str = Field(description="Token `sub` of who inspected")
    at: AwareDatetime = Field(description="Business time of the inspection (may be backdated)")
    quality: int = Field(ge=1, le=5)
    progress: int = Field(ge=1, le=5)
    tidiness: int = Field(ge=1, le=5)
    problems: list[str] = Field(
        default_factory=list, description="The problems found, in the inspector's words"
    )
    project_manager: str | None = Field(default=None, description="Token `sub`")


class ProjectMaterialsRecorded(Event):
    """The materials used on a project were recorded (the customer file)."""

    SUBJECT: ClassVar[str] = "project.materials.recorded"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    items: list[MaterialItem] = Field(description="The full current list, not a diff")


class PaymentEvent(Event):
    """Base of project.payment.*: one instalment of the payment plan."""

    OWNER: ClassVar[str] = "projects"

    project_id: str
    customer_id: str
    installment: Installment
    amount_fen: int = Field(ge=0, description="The instalment's amount (plus added items)")
    due_on: date | None = Field(default=None, description="Last day it is on time")
    paid_fen: int = Field(default=0, ge=0, description="Paid towards this instalment so far")


class ProjectPaymentDue(PaymentEvent):
    """An instalment became due (e.g. 30 % within 3 days of mid-term acceptance)."""

    SUBJECT: ClassVar[str] = "project.payment.due"


class ProjectPaymentOverdue(PaymentEvent):
    """An instalment was not fully paid by its due date."""

    SUBJECT: ClassVar[str] = "project.payment.overdue"


class ProjectPaymentReceived(PaymentEvent):
    """A payment towards an instalment was recorded by finance."""

    SUBJECT: ClassVar[str] = "project.payment.received"

    paid_at: AwareDatetime | None = Field(default=None, description="Business time of payment")
    receipt_no: str | None = Field(
        default=None, description="The number of the receipt finance gave for this payment"
    )


class ProjectDeadlineMissed(Event):
    """A project deadline passed without the fact it waits for."""

    SUBJECT: ClassVar[str] = "project.deadline.missed"
    OWNER: ClassVar[str] = "projects"

    project_id: str
    deadline: Deadline
    due_at: AwareDatetime = Field(description="The exclusive bound that passed")
    responsible: str | None = Field(
        default=None, description="Token `sub` of who owed it (designer, project manager)"
    )
    project_manager: str | None = Field(default=None, description="Token `sub`")
