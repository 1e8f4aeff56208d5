"""The durable consumers of every service, as data (docs/EVENTS.md, "consumed by").

Kept in the platform so `kefu bus declare` can create them with administrative credentials
without importing any service; each service binds its handlers to these by name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsumerSpec:
    """One durable pull consumer: a (service, handler) pair and what it filters."""

    service: str
    name: str
    subjects: tuple[str, ...]
    stream: str = "EVENTS"
    bulk: bool = False
    max_deliver: int = 5
    ack_wait: float = 30.0
    max_ack_pending: int = 2000

    @property
    def durable(self) -> str:
        return f"{self.service}-{self.name}"


NOTIFICATIONS_SUBJECTS: tuple[str, ...] = (
    "customer.registered",
    "customer.updated",
    "complaint.opened",
    "complaint.handed_off",
    "complaint.escalated",
    "complaint.resolved",
    "complaint.reopened",
    "complaint.closed",
    "project.opened",
    "project.stage.changed",
    "project.renderings.delivered",
    "project.inspection.recorded",
    "project.design_acceptance.booked",
    "project.spot_check.due",
    "project.payment.due",
    "project.payment.overdue",
    "project.payment.received",
    "project.deadline.missed",
    "repair.opened",
    "repair.scheduled",
    "repair.completed",
    "repair.closed",
    "repair.sla.breached",
    "shipper.registered",
    "shipment.dispatched",
    "shipment.arrived",
    "shipment.signed",
    "shipment.delayed",
    "shipment.loading.unconfirmed",
    "shipment.exception.registered",
    "shipment.tracking.flagged",
    "shipment.shipper_slip.missing",
    "receipt.returned",
    "receipt.overdue",
    "receipt.cancelled",
    "receipt.collected",
    "callback.completed",
    "receipt.abnormal",
    "report.published",
)

CONSUMERS: tuple[ConsumerSpec, ...] = (
    ConsumerSpec("intake", "on_callback_completed", ("callback.completed",)),
    ConsumerSpec("intake", "on_repair_completed", ("repair.completed",)),
    ConsumerSpec("intake", "on_project_opened", ("project.opened",)),
    ConsumerSpec("intake", "on_project_stage_changed", ("project.stage.changed",)),
    ConsumerSpec("projects", "on_lead_registered", ("lead.registered",)),
    ConsumerSpec("projects", "on_complaint_opened", ("complaint.opened",)),
    ConsumerSpec("projects", "on_callback_scheduled", ("callback.scheduled",)),
    ConsumerSpec("projects", "on_callback_completed", ("callback.completed",)),
    ConsumerSpec("aftersales", "on_repair_requested", ("repair.requested",)),
    ConsumerSpec("aftersales", "on_complaint_opened", ("complaint.opened",)),
    ConsumerSpec("aftersales", "on_project_stage_changed", ("project.stage.changed",)),
    ConsumerSpec("aftersales", "on_project_materials_recorded", ("project.materials.recorded",)),
    ConsumerSpec("aftersales", "on_callback_completed", ("callback.completed",)),
    ConsumerSpec("logistics", "on_complaint_opened", ("complaint.opened",)),
    ConsumerSpec(
        "logistics",
        "on_shipment_scanned",
        ("ingest.*.shipment.scanned",),
        stream="INGEST",
        bulk=True,
        max_ack_pending=20000,
    ),
    ConsumerSpec("notifications", "on_event", NOTIFICATIONS_SUBJECTS),
)


# NATS Object Store buckets each service keeps files in (photos, documents): its NATS user is
# granted exactly these (deploy/nats/accounts.conf is generated from this catalogue).
OBJECT_BUCKETS: dict[str, tuple[str, ...]] = {
    "projects": ("kefu-projects",),
    "aftersales": ("kefu-aftersales",),
    "logistics": ("kefu-logistics",),
}


def consumers_of(service: str) -> tuple[ConsumerSpec, ...]:
    """The consumers a service binds to."""
    return tuple(c for c in CONSUMERS if c.service == service)


def spec(service: str, name: str) -> ConsumerSpec:
    """Look up one consumer by service and handler name."""
    for c in CONSUMERS:
        if c.service == service and c.name == name:
            return c
    raise KeyError(f"no consumer {service}.{name} in shared/consumers.py")
