"""Request bodies of the logistics API (unknown fields are a 422 naming them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from shared.contracts.values import ConsigneeKind, ExceptionKind, ScanKind
from shared.web.models import Strict

# A branch, hub or region code: one NATS subject token, so it can name an ingest subject.
CODE_PATTERN = r"^[A-Za-z0-9_\-]+$"


def code(description: str | None = None) -> Any:
    """A branch, region or waybill code field."""
    return Field(min_length=1, max_length=64, pattern=CODE_PATTERN, description=description)


# --- shipments --------------------------------------------------------------------------------


class ShipperIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=5, max_length=32)
    key_customer: bool | None = Field(default=None, description="Monthly key-customer calls")


class ConsigneeIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=5, max_length=32)
    kind: ConsigneeKind = ConsigneeKind.PERSON


class ReceiptIn(Strict):
    required: bool = False
    signature: bool = True
    stamp: bool = False
    id_number: bool = False
    copies: int = Field(default=1, ge=0, le=20)


class ShipmentIn(Strict):
    waybill: str = code()
    origin_branch: str = code()
    destination_branch: str = code()
    region: str = code(
        "The company's own region code (e.g. `north`), no fixed list: receipts, their penalties"
        " and a staff token's `region` claim go by it"
    )
    transfers: int = Field(default=0, ge=0, le=2)
    transfer_branches: list[str] = Field(default_factory=list, max_length=2)
    batches: int = Field(default=1, ge=1, le=100)
    promised_arrival_at: AwareDatetime
    dispatched_at: AwareDatetime | None = Field(default=None, description="Defaults to now")
    urgent: bool = False
    shipper: ShipperIn
    consignee: ConsigneeIn
    receipt: ReceiptIn = Field(default_factory=ReceiptIn)


class ScanBody(Strict):
    kind: ScanKind
    station: str = code()
    batch: int | None = Field(default=None, ge=1)
    at: AwareDatetime | None = None


class NoteIn(Strict):
    kind: Literal["vehicle", "outsourced"]
    note: str = Field(min_length=1, max_length=2000)
    at: AwareDatetime | None = None


class EtaIn(Strict):
    eta: AwareDatetime
    station: str = code()
    note: str = Field(default="", max_length=2000)
    force_majeure: bool = False


# --- cargo exceptions -------------------------------------------------------------------------


class ExceptionIn(Strict):
    kind: ExceptionKind
    note: str = Field(min_length=1, max_length=2000)
    station: str = code()
    photo_ids: list[str] = Field(default_factory=list, max_length=50)
    at: AwareDatetime | None = None


class Line(Strict):
    waybill: str = Field(min_length=1, max_length=64)
    pieces: int = Field(ge=0, le=1_000_000)


class TruckCheckIn(Strict):
    station: str = code()
    truck: str = Field(min_length=1, max_length=64)
    handover: list[Line] = Field(max_length=2000)
    received: list[Line] = Field(max_length=2000)
    at: AwareDatetime | None = None


# --- delivery ---------------------------------------------------------------------------------


class Person(Strict):
    name: str = Field(max_length=200)
    # The national ID number: fingerprinted at once, never stored, logged or echoed.
    id_number: str | None = Field(default=None, max_length=32, repr=False)


class ReleaseIn(Strict):
    presented: Person
    delegate: Person | None = None
    consignee_phone_confirmed: bool = False
    company_stamp: bool = False
    authorisation_letter: bool = False
    consignee_change_proof: bool = Field(
        default=False, description="Informational: only a proof recorded from the shipper counts"
    )
    at: AwareDatetime | None = None


class ChangeProofIn(Strict):
    new_name: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000)


# --- receipts ---------------------------------------------------------------------------------


class StepIn(Strict):
    at: AwareDatetime | None = None
    compliant: bool = True


class LostIn(Strict):
    loss_fen: int = Field(ge=0, le=10**15)
    at: AwareDatetime | None = None
