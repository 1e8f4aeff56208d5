"""Request bodies of intake's HTTP API (API.md § intake), with examples."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.config import JsonDict

from services.intake.domain import normalize_phone
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    Department,
    Severity,
    SubjectKind,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Ident = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

_CUSTOMER: JsonDict = {"name": "王芳", "phone": "+86 138-1234-5678"}
_AT = "2026-11-23T10:30:00+08:00"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerIn(_In):
    """A customer as a form gives it; the phone is normalised (duplicates merge by phone)."""

    name: Name
    phone: str = Field(max_length=40, description="Chinese number; +86, spaces and dashes allowed")

    @field_validator("phone")
    @classmethod
    def _normalised(cls, value: str) -> str:
        return normalize_phone(value)


class HouseIn(_In):
    """The house a lead is about."""

    address: Text
    area_m2: float = Field(gt=0, le=100_000, description="Floor area in m²")
    layout: str = Field(default="", max_length=100, description="Free text, e.g. '3室2厅'")


class LeadIn(_In):
    """A lead (客户资源登记) as registered at the first enquiry."""

    model_config = ConfigDict(
        extra="forbid",
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
    requirements: str = Field(default="", max_length=2000)
    budget_fen: int | None = Field(default=None, ge=0, description="Budget in fen")
    expected_measure_on: date | None = None
    expected_sign_on: date | None = None
    source: str | None = Field(default=None, max_length=100, description="Where the lead came from")
    registered_at: AwareDatetime | None = Field(
        default=None, description="When the enquiry came in (forms entered later); default now"
    )


class SubjectIn(_In):
    """What a complaint concerns: a project, a shipment (its waybill) or a repair."""

    kind: SubjectKind
    id: Ident


class ComplaintIn(_In):
    """A complaint form (投诉登记表); give `customer` or `customer_id`, not both."""

    model_config = ConfigDict(
        extra="forbid",
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
    customer_id: Ident | None = None
    channel: Channel
    category: ComplaintCategory
    severity: Severity
    description: Text
    department: Department = Field(description="The responsible department")
    subject: SubjectIn | None = None
    assignee: Ident | None = Field(default=None, description="Token `sub` of who handles it")
    opened_at: AwareDatetime | None = Field(
        default=None, description="Business time of the complaint (forms entered later); now"
    )


class HandoffIn(_In):
    """Hand the complaint to another department (a handling sheet)."""

    model_config = ConfigDict(
        extra="forbid",
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
    to_assignee: Ident | None = None
    note: Text
    at: AwareDatetime | None = Field(default=None, description="Business time; now")


class EscalationIn(_In):
    """Escalate to the next level (department head, then the manager)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "客户第三次来电, 问题仍未解决"}]},
    )

    reason: Text
    at: AwareDatetime | None = Field(default=None, description="Business time; now")


class ResolutionIn(_In):
    """The result the responsible party reports; closing waits for the confirmation call."""

    model_config = ConfigDict(
        extra="forbid",
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
    at: AwareDatetime | None = Field(default=None, description="Business time; now")


class RepairRequestIn(_In):
    """A repair request (报修); give `customer` or `customer_id` (or a `complaint_id`)."""

    model_config = ConfigDict(
        extra="forbid",
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
    customer_id: Ident | None = None
    project_id: Ident | None = None
    complaint_id: Ident | None = None
    address: Text
    problem: Text
