"""Event contracts of catalogue v1 (DESIGN.md §3.1): one pydantic model per subject."""

from __future__ import annotations

from pydantic import BaseModel

from shared.contracts.aftersales import (
    RepairClosed,
    RepairCompleted,
    RepairOpened,
    RepairScheduled,
    RepairSlaBreached,
)
from shared.contracts.envelope import Event
from shared.contracts.ingest import ShipmentScanned, branch_of, scan_subject
from shared.contracts.intake import (
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintHandedOff,
    ComplaintOpened,
    ComplaintReopened,
    ComplaintResolved,
    CustomerRegistered,
    CustomerUpdated,
    LeadRegistered,
    RepairRequested,
)
from shared.contracts.logistics import (
    ReceiptOverdue,
    ReceiptReturned,
    ShipmentArrived,
    ShipmentDelayed,
    ShipmentDispatched,
    ShipmentExceptionRegistered,
    ShipmentLoadingUnconfirmed,
    ShipmentSigned,
    ShipperRegistered,
)
from shared.contracts.notifications import (
    CallbackCompleted,
    CallbackOverdue,
    CallbackScheduled,
    NotificationSent,
)
from shared.contracts.projects import (
    ProjectDeadlineMissed,
    ProjectMaterialsRecorded,
    ProjectOpened,
    ProjectPaymentDue,
    ProjectPaymentOverdue,
    ProjectPaymentReceived,
    ProjectStageChanged,
)
from shared.contracts.reports import ReportPublished

ALL_EVENTS: tuple[type[BaseModel], ...] = (
    CustomerRegistered,
    CustomerUpdated,
    LeadRegistered,
    ComplaintOpened,
    ComplaintHandedOff,
    ComplaintEscalated,
    ComplaintResolved,
    ComplaintReopened,
    ComplaintClosed,
    RepairRequested,
    ProjectOpened,
    ProjectStageChanged,
    ProjectMaterialsRecorded,
    ProjectPaymentDue,
    ProjectPaymentOverdue,
    ProjectPaymentReceived,
    ProjectDeadlineMissed,
    RepairOpened,
    RepairScheduled,
    RepairCompleted,
    RepairClosed,
    RepairSlaBreached,
    ShipperRegistered,
    ShipmentDispatched,
    ShipmentArrived,
    ShipmentSigned,
    ShipmentDelayed,
    ShipmentLoadingUnconfirmed,
    ShipmentExceptionRegistered,
    ReceiptReturned,
    ReceiptOverdue,
    CallbackScheduled,
    CallbackCompleted,
    CallbackOverdue,
    NotificationSent,
    ReportPublished,
    ShipmentScanned,
)

BY_SUBJECT: dict[str, type[BaseModel]] = {
    getattr(model, "SUBJECT"): model  # noqa: B009 - SUBJECT is a ClassVar of every contract
    for model in ALL_EVENTS
}


def model_for(subject: str) -> type[BaseModel] | None:
    """The contract of a subject, resolving concrete `ingest.<branch>.…` subjects too."""
    model = BY_SUBJECT.get(subject)
    if model is None and branch_of(subject) is not None:
        model = ShipmentScanned
    return model


__all__ = [
    "ALL_EVENTS",
    "BY_SUBJECT",
    "CallbackCompleted",
    "CallbackOverdue",
    "CallbackScheduled",
    "ComplaintClosed",
    "ComplaintEscalated",
    "ComplaintHandedOff",
    "ComplaintOpened",
    "ComplaintReopened",
    "ComplaintResolved",
    "CustomerRegistered",
    "CustomerUpdated",
    "Event",
    "LeadRegistered",
    "NotificationSent",
    "ProjectDeadlineMissed",
    "ProjectMaterialsRecorded",
    "ProjectOpened",
    "ProjectPaymentDue",
    "ProjectPaymentOverdue",
    "ProjectPaymentReceived",
    "ProjectStageChanged",
    "ReceiptOverdue",
    "ReceiptReturned",
    "RepairClosed",
    "RepairCompleted",
    "RepairOpened",
    "RepairRequested",
    "RepairScheduled",
    "RepairSlaBreached",
    "ReportPublished",
    "ShipmentArrived",
    "ShipmentDelayed",
    "ShipmentDispatched",
    "ShipmentExceptionRegistered",
    "ShipmentLoadingUnconfirmed",
    "ShipmentScanned",
    "ShipmentSigned",
    "ShipperRegistered",
    "branch_of",
    "model_for",
    "scan_subject",
]
