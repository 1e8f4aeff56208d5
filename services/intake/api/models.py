"""Request and response bodies of intake's HTTP API, with examples."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    ComplaintCause,
    ComplaintStatus,
    Department,
    EscalationLevel,
    ReceivedBy,
    Severity,
    SubjectKind,
)
from shared.validation import (
    Address,
    Code,
    Day,
    LongText,
    Moment,
    Name,
    Notes,
    Phone,
    ShortText,
    Uuid,
)
from shared.web.models import Strict

Text = LongText

_CUSTOMER: JsonDict = {"name": "王芳", "phone": "+86 138-1234-5678"}
_AT = "2026-11-23T10:30:00+08:00"


class CustomerIn(Strict):
    """A customer as a form gives it; the phone is normalised (duplicates merge by phone)."""

    name: Name
    phone: Phone = Field(description="Chinese mobile or fixed line; +86, spaces and dashes allowed")


class HouseIn(Strict):
    """The house a lead is about."""

    address: Address
    area_m2: float = Field(gt=0, le=100_000, description="Floor area in m²")
    layout: ShortText = Field(default="", description="Free text, e.g. '3室2厅'")


class LeadIn(Strict):
    """A lead (客户资源登记) as registered at the first enquiry."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customer": _CUSTOMER,
                    "house": {
                        "address": "上海市浦东新区锦绣路100弄5号1201",
                        "area_m2": 98.5,
                        "layout": "3室2厅",
                    },
                    "requirements": "现代简约, 儿童房",
                    "budget_fen": 25_000_000,
                    "expected_measure_on": "2026-12-01",
                    "expected_sign_on": "2026-12-20",
                    "source": "referral",
                }
            ]
        },
    )

    customer: CustomerIn
    house: HouseIn
    requirements: Notes = ""
    budget_fen: int | None = Field(
        default=None, ge=0, le=100_000_000_000, description="Budget in fen"
    )
    expected_measure_on: Day | None = None
    expected_sign_on: Day | None = None
    source: ShortText | None = Field(
        default=None, description="Where the lead came from (客户来源): free text, no fixed list"
    )
    registered_at: Moment | None = Field(
        default=None, description="When the enquiry came in (forms entered later); default now"
    )


class SubjectIn(Strict):
    """What a complaint concerns: a project, a shipment (its waybill) or a repair."""

    kind: SubjectKind
    id: Code = Field(description="A project or repair id (uuid), or a waybill")


class ComplaintIn(Strict):
    """A complaint form (投诉登记表); give `customer` or `customer_id`, not both."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customer": _CUSTOMER,
                    "channel": "phone",
                    "category": "quality",
                    "severity": "normal",
                    "description": "卫生间墙面开裂",
                    "department": "engineering",
                    "subject": {"kind": "project", "id": "7f1c0a52-3f8e-4c55-9d55-0c2d1e0b9a11"},
                }
            ]
        },
    )

    customer: CustomerIn | None = None
    customer_id: Uuid | None = None
    channel: Channel
    category: ComplaintCategory
    severity: Severity
    description: Text
    department: Department = Field(description="The responsible department")
    subject: SubjectIn | None = None
    assignee: Code | None = Field(default=None, description="Token `sub` of who handles it")
    opened_at: Moment | None = Field(
        default=None, description="Business time of the complaint (forms entered later); now"
    )


class HandoffIn(Strict):
    """Hand the complaint to another department (a handling sheet)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "to_department": "customer_service",
                    "to_assignee": "cs-li",
                    "note": "工程部无法解决, 转客服协调",
                }
            ]
        },
    )

    to_department: Department
    to_assignee: Code | None = None
    note: Text
    at: Moment | None = Field(default=None, description="Business time; now")


class EscalationIn(Strict):
    """Escalate to the next level (department head, then the manager)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "客户第三次来电, 问题仍未解决"}]},
    )

    reason: Text
    at: Moment | None = Field(default=None, description="Business time; now")


class CauseIn(Strict):
    """Why the complaint arose, as those handling it found (调查出现投诉原因)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cause": "workmanship",
                    "detail": "墙面批荡未挂网, 干缩开裂",
                    "at": _AT,
                }
            ]
        },
    )

    cause: ComplaintCause = Field(description="A value of the cause list (API.md)")
    detail: Notes = Field(default="", description="What the investigation found")
    at: Moment | None = Field(default=None, description="Business time; now")


class ResolutionIn(Strict):
    """The result the responsible party reports; closing waits for the confirmation call."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "result": "已重新批荡并刷漆",
                    "alternatives_offered": ["更换瓷砖", "补偿500元"],
                    "at": _AT,
                }
            ]
        },
    )

    result: Text
    alternatives_offered: list[Text] = Field(default_factory=list, max_length=20)
    at: Moment | None = Field(default=None, description="Business time; now")


class RepairRequestIn(Strict):
    """A repair request (报修); give `customer` or `customer_id` (or a `complaint_id`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customer": _CUSTOMER,
                    "project_id": "7f1c0a52-3f8e-4c55-9d55-0c2d1e0b9a11",
                    "address": "上海市浦东新区锦绣路100弄5号1201",
                    "problem": "厨房水管漏水",
                }
            ]
        },
    )

    customer: CustomerIn | None = None
    customer_id: Uuid | None = None
    project_id: Code | None = None
    complaint_id: Uuid | None = None
    address: Address
    problem: Text


# Responses


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
    phone_full: str | None = Field(
        default=None, description="The whole number, for the roles that call customers"
    )
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


class CauseOut(BaseModel):
    cause: ComplaintCause
    detail: str
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
    confirmation_assignee: str | None = Field(
        default=None, description="Who makes the confirmation call by name (None: the desk's team)"
    )
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
    cause: CauseOut | None = Field(description="The latest recorded cause (调查出现投诉原因)")
    causes: list[CauseOut] = Field(description="Every cause recorded, oldest first")


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
    by_cause: dict[str, int] = Field(
        description="The week's opened complaints by recorded cause (`not_recorded`: none yet)"
    )
    by_category: dict[str, int] = Field(
        description="The week's opened complaints by the category they were registered under"
    )


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
                            "by_cause": {"workmanship": 2, "materials": 1, "not_recorded": 1},
                            "by_category": {"quality": 3, "delay": 1},
                        }
                    ],
                    "by_cause": {"workmanship": 2, "materials": 1, "not_recorded": 1},
                    "by_category": {"quality": 3, "delay": 1},
                }
            ]
        }
    )

    week: str
    departments: list[DepartmentLine]
    by_cause: dict[str, int] = Field(
        description="The week's opened complaints by recorded cause, every department"
    )
    by_category: dict[str, int] = Field(
        description="The week's opened complaints by category, every department"
    )


class ArchiveIn(Strict):
    """The service file put in order and archived (客户资料整理入档案)."""

    note: Notes = Field(default="", description="What was filed, or anything missing")
    at: Moment | None = None
