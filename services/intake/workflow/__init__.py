"""Intake's changes, one per transaction, for routes, bus handlers and timers alike."""

from services.intake.workflow.complaints import (
    ESCALATE,
    ComplaintFile,
    complaint,
    complaints,
    confirm,
    escalate,
    escalate_when_due,
    hand_off,
    may_see,
    open_complaint,
    resolve,
    resolve_by_repair,
)
from services.intake.workflow.customers import (
    NewCustomer,
    customer,
    customer_for,
    lead,
    register_lead,
    repair_request,
    request_repair,
)
from services.intake.workflow.reports import (
    WEEKLY_REPORT,
    WEEKLY_REPORT_KEY,
    publish_weekly_report,
    seed_weekly_report,
    weekly_report,
)

__all__ = [
    "ESCALATE",
    "WEEKLY_REPORT",
    "WEEKLY_REPORT_KEY",
    "ComplaintFile",
    "NewCustomer",
    "complaint",
    "complaints",
    "confirm",
    "customer",
    "customer_for",
    "escalate",
    "escalate_when_due",
    "hand_off",
    "lead",
    "may_see",
    "open_complaint",
    "publish_weekly_report",
    "register_lead",
    "repair_request",
    "request_repair",
    "resolve",
    "resolve_by_repair",
    "seed_weekly_report",
    "weekly_report",
]
