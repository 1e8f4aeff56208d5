"""Events logistics publishes: shippers, shipments, exceptions, receipts (docs/EVENTS.md)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.envelope import Event
from shared.contracts.values import ExceptionKind, ReceiptStep


class Contacts(BaseModel):
    """Phones notifications may message about a shipment."""

    model_config = ConfigDict(extra="ignore")

    shipper_phone: str | None = None
    consignee_phone: str | None = None


class ShipperRegistered(Event):
    """A shipper (logistics customer) was registered or updated."""

    SUBJECT: ClassVar[str] = "shipper.registered"
    OWNER: ClassVar[str] = "logistics"

    shipper_id: str
    name: str
    phone: str
    key_customer: bool = Field(default=False, description="Gets the monthly key-customer call")


class ShipmentMovement(Event):
    """Base of shipment.dispatched/arrived/signed: the shipment and the scan that moved it."""

    OWNER: ClassVar[str] = "logistics"

    waybill: str
    origin: str = Field(description="Origin branch code")
    destination: str = Field(description="Destination branch code")
    region: str
    transfers: int = Field(ge=0, le=2, description="Number of transfers (中转) on the route")
    promised_arrival_at: AwareDatetime
    urgent: bool = False
    batch: int | None = Field(default=None, ge=1, description="The batch, for split shipments")
    at: AwareDatetime = Field(description="Business time of the scan")
    contacts: Contacts = Field(default_factory=Contacts)
    receipt_required: bool = Field(default=False, description="A signed receipt must come back")
    customer_id: str | None = None
    shipper_id: str | None = None


class ShipmentDispatched(ShipmentMovement):
    """A shipment (or one batch of it) left its origin branch."""

    SUBJECT: ClassVar[str] = "shipment.dispatched"


class ShipmentArrived(ShipmentMovement):
    """A shipment (or one batch of it) arrived at its destination."""

    SUBJECT: ClassVar[str] = "shipment.arrived"


class ShipmentSigned(ShipmentMovement):
    """The consignee signed for the shipment."""

    SUBJECT: ClassVar[str] = "shipment.signed"


class ShipmentDelayed(Event):
    """A shipment had not arrived when promised."""

    SUBJECT: ClassVar[str] = "shipment.delayed"
    OWNER: ClassVar[str] = "logistics"

    waybill: str
    promised_arrival_at: AwareDatetime
    new_eta: AwareDatetime | None = Field(
        default=None, description="Confirmed with the downstream station, once known"
    )
    station: str = Field(description="The downstream station to call")
    contacts: Contacts = Field(default_factory=Contacts)
    region: str
    force_majeure: bool = Field(
        default=False,
        description="Not man-made (不可抗拒因素): the department supervisor handles it",
    )
    reason: str | None = Field(default=None, description="The station's note on the new time")


class ShipmentShipperSlipMissing(Event):
    """A station found the shipper's slip the remarks ask for missing: the origin confirms."""

    SUBJECT: ClassVar[str] = "shipment.shipper_slip.missing"
    OWNER: ClassVar[str] = "logistics"

    waybill: str
    region: str
    origin_branch: str = Field(description="The branch to confirm with (发货网点)")
    station: str = Field(description="The station that found it missing")
    note: str | None = None
    at: AwareDatetime = Field(description="When it was found")


class ShipmentLoadingUnconfirmed(Event):
    """Urgent cargo was not confirmed loaded on the day it was due."""

    SUBJECT: ClassVar[str] = "shipment.loading.unconfirmed"
    OWNER: ClassVar[str] = "logistics"

    waybill: str
    station: str
    day: date = Field(description="The business day it should have been loaded")


class ShipmentExceptionRegistered(Event):
    """Damage, shortage or a mismatch was registered at a hub."""

    SUBJECT: ClassVar[str] = "shipment.exception.registered"
    OWNER: ClassVar[str] = "logistics"

    waybill: str
    exception_id: str
    kind: ExceptionKind
    station: str
    photos: list[str] = Field(default_factory=list, description="Photo ids")
    note: str | None = None
    region: str | None = None


class ShipmentTrackingFlagged(Event):
    """A tracking call found something wrong: the department head and the station are told."""

    SUBJECT: ClassVar[str] = "shipment.tracking.flagged"
    OWNER: ClassVar[str] = "logistics"

    waybill: str
    region: str
    station: str = Field(description="The downstream station (where the cargo is or is heading)")
    kind: str = Field(description="vehicle / outsourced / delivery tracking")
    goods_state: str | None = Field(default=None, description="收货保证状态, when found")
    note: str
    at: AwareDatetime = Field(description="When the call was made")


class ReceiptEvent(Event):
    """Base of receipt.*: a proof-of-delivery receipt and its return deadline."""

    OWNER: ClassVar[str] = "logistics"

    waybill: str
    region: str
    origin_branch: str
    due_on: date = Field(description="Last day of the 10/15/20-day return deadline")
    days_overdue: int = Field(default=0, ge=0, description="Days past `due_on`")
    hard_breach: bool = Field(
        default=False, description="Past 25 days after arrival (two transfers): to the manager"
    )


class ReceiptReturned(ReceiptEvent):
    """A signed receipt came back to the origin branch."""

    SUBJECT: ClassVar[str] = "receipt.returned"

    at: AwareDatetime | None = Field(default=None, description="Business time of its return")


class ReceiptOverdue(ReceiptEvent):
    """A receipt was not back by its due date (raised again as it ages)."""

    SUBJECT: ClassVar[str] = "receipt.overdue"

    owner: str | None = Field(
        default=None, description="The region's receipt owner (staff sub): the chase is theirs"
    )
    superior: str | None = Field(
        default=None, description="The owner's superior: a chase the owner missed goes to them"
    )


class ReceiptAbnormal(ReceiptEvent):
    """A checked receipt does not meet the shipper's requirements: the supervisor is told."""

    SUBJECT: ClassVar[str] = "receipt.abnormal"

    abnormality_id: str
    destination_branch: str
    step: ReceiptStep = Field(
        description="The check that found it: signed (destination) or received (origin)"
    )
    defects: list[str] = Field(description="What the receipt lacks, in plain words")
    found_late: bool = Field(
        default=False, description="Only the origin found it: the destination's check missed it"
    )
    at: AwareDatetime = Field(description="Business time of the check")


class ReceiptClosed(Event):
    """Base of receipt.cancelled / receipt.collected: a receipt that ends without finance."""

    OWNER: ClassVar[str] = "logistics"

    waybill: str
    region: str
    origin_branch: str
    due_on: date | None = Field(default=None, description="Its return deadline, if it had one")
    contacts: Contacts = Field(default_factory=Contacts, description="The shipper's phone")
    at: AwareDatetime = Field(description="Business time it ended")


class ReceiptCancelled(ReceiptClosed):
    """A cash-paid (现付) receipt was cancelled and the customer is told (通知客户取消)."""

    SUBJECT: ClassVar[str] = "receipt.cancelled"

    reason: str = Field(default="cash_paid", description="cash_paid (现付)")
    note: str | None = Field(default=None, description="What the desk noted")


class ReceiptCollected(ReceiptClosed):
    """The customer collected the receipt at the origin and it was written off (回单核销)."""

    SUBJECT: ClassVar[str] = "receipt.collected"

    collected_by: str = Field(description="Who signed for it at the counter")
