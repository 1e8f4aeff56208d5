"""Response bodies of intake's HTTP API (API.md § intake)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.intake.routes.models import HouseIn
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    ComplaintStatus,
    Department,
    EscalationLevel,
    ReceivedBy,
    Severity,
)


class LeadCreated(BaseModel):
    id: str
    customer_id: str


class Created(BaseModel):
    id: str


class ComplaintCreated(BaseModel):
    id: str
    status: ComplaintStatus


class RefOut(BaseModel):
    kind: str
    id: str


class TimelineEntry(BaseModel):
    kind: str = Field(description="lead, complaint or repair_request")
    id: str
    at: datetime
    status: ComplaintStatus | None = None
    detail: str | None = Field(default=None, description="Lead source, complaint category, problem")
    refers_to: list[RefOut] = Field(default_factory=list, description="Projects, shipments, ...")


class CustomerOut(BaseModel):
    id: str
    name: str
    phone: str = Field(description="Masked, e.g. 138****5678")
    timeline: list[TimelineEntry]


class LeadOut(BaseModel):
    id: str
    customer_id: str
    house: HouseIn
    requirements: str
    budget_fen: int | None
    expected_measure_on: date | None
    expected_sign_on: date | None
    source: str | None
    created_at: datetime


class RepairRequestOut(BaseModel):
    id: str
    customer_id: str
    project_id: str | None
    complaint_id: str | None
    address: str
    problem: str
    created_at: datetime


class HandoffOut(BaseModel):
    from_department: Department
    to_department: Department
    from_assignee: str | None
    to_assignee: str | None
    by: str
    at: datetime
    note: str | None


class EscalationOut(BaseModel):
    level: EscalationLevel
    reason: str
    automatic: bool
    by: str | None
    at: datetime


class ResolutionOut(BaseModel):
    result: str
    alternatives_offered: list[str]
    by: str
    at: datetime


class ConfirmationOut(BaseModel):
    callback_id: str
    satisfied: bool
    by: str | None
    comment: str | None
    at: datetime


class ComplaintSummary(BaseModel):
    id: str
    customer_id: str
    status: ComplaintStatus
    channel: Channel
    category: ComplaintCategory
    severity: Severity
    description: str
    department: Department
    assignee: str | None
    received_by: ReceivedBy
    received_by_sub: str
    subject: RefOut | None
    escalation_level: EscalationLevel | None
    opened_at: datetime
    resolved_at: datetime | None
    version: int
    created_at: datetime


class ComplaintOut(ComplaintSummary):
    handoffs: list[HandoffOut]
    escalations: list[EscalationOut]
    resolution: ResolutionOut | None
    confirmation: ConfirmationOut | None


class ComplaintPage(BaseModel):
    items: list[ComplaintSummary]
    next_cursor: str | None


class DepartmentLine(BaseModel):
    department: Department
    opened: int
    resolved: int
    escalated: int
    open: int
    median_hours_to_resolve: float | None


class WeeklyReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "week": "2026-W47",
                    "departments": [
                        {
                            "department": "engineering",
                            "opened": 4,
                            "resolved": 3,
                            "escalated": 3,
                            "open": 2,
                            "median_hours_to_resolve": 30.0,
                        }
                    ],
                }
            ]
        }
    )

    week: str
    departments: list[DepartmentLine]
