"""Request bodies of the logistics API (unknown fields are a 422 naming them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from services.logistics.domain import GoodsState, LateCause, RateUnit, ViolationKind
from shared.contracts.values import ConsigneeKind, ExceptionKind, ScanKind
from shared.validation import (
    Code,
    Day,
    LongText,
    Moment,
    Month,
    Name,
    NationalId,
    Notes,
    Phone,
    ShortText,
)
from shared.web.models import Strict

# A branch, hub or region code: one NATS subject token, so it can name an ingest subject.
CODE_PATTERN = r"^[A-Za-z0-9_\-]+$"


def code(description: str | None = None) -> Any:
    """A branch, region or waybill code field."""
    return Field(min_length=1, max_length=64, pattern=CODE_PATTERN, description=description)


BranchCode = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]


# --- shipments --------------------------------------------------------------------------------


class ShipperIn(Strict):
    name: Name
    phone: Phone = Field(description="Chinese mobile or fixed line; +86, spaces and dashes allowed")
    key_customer: bool | None = Field(default=None, description="Monthly key-customer calls")


class ConsigneeIn(Strict):
    name: Name
    phone: Phone = Field(description="Chinese mobile or fixed line; +86, spaces and dashes allowed")
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
    transfer_branches: list[BranchCode] = Field(default_factory=list, max_length=2)
    batches: int = Field(default=1, ge=1, le=100)
    promised_arrival_at: Moment
    dispatched_at: Moment | None = Field(default=None, description="Defaults to now")
    urgent: bool = False
    shipper: ShipperIn
    consignee: ConsigneeIn
    receipt: ReceiptIn = Field(default_factory=ReceiptIn)
    shipper_slip: bool = Field(
        default=False,
        description="备注需签发货方厂家单: the remarks ask for the shipper's own slip to be signed "
        "with the goods (a station that finds it missing tells the origin)",
    )


class ScanBody(Strict):
    kind: ScanKind
    station: str = code()
    batch: int | None = Field(default=None, ge=1, le=100)
    at: Moment | None = None


class NoteIn(Strict):
    kind: Literal["vehicle", "outsourced", "delivery"] = Field(
        description="车辆跟踪 / 外发跟踪 / 客户收货落实追踪 (the consignee's receipt of the goods)"
    )
    note: LongText
    at: Moment | None = None
    called_at: Moment | None = Field(default=None, description="追踪时间; defaults to `at`")
    contact: Name | None = Field(default=None, description="受话人: who answered")
    delayed: bool | None = Field(default=None, description="是否延误")
    goods_state: GoodsState | None = Field(default=None, description="收货保证状态")
    delivery_service: int | None = Field(
        default=None, ge=1, le=5, description="送货人员服务质量, 1 (poor) to 5 (excellent)"
    )
    abnormal: bool = Field(
        default=False, description="Something is wrong: the department head and station are told"
    )


class EtaIn(Strict):
    eta: Moment
    station: str = code()
    note: Notes = ""
    force_majeure: bool = False


# --- cargo exceptions -------------------------------------------------------------------------


class ExceptionIn(Strict):
    kind: ExceptionKind
    note: LongText
    station: str = code()
    photo_ids: list[Code] = Field(default_factory=list, max_length=50)
    at: Moment | None = None


class Line(Strict):
    waybill: Code
    pieces: int = Field(ge=0, le=1_000_000)


class ReceivedLine(Line):
    damaged: int = Field(default=0, ge=0, le=1_000_000, description="货损: pieces damaged")
    waybill_issue: ShortText | None = Field(
        default=None, description="托运单信息准确性: what is wrong with the waybill's information"
    )


class TruckCheckIn(Strict):
    station: str = code()
    truck: Code
    handover: list[Line] = Field(max_length=2000)
    received: list[ReceivedLine] = Field(max_length=2000)
    at: Moment | None = None


# --- delivery ---------------------------------------------------------------------------------


class Person(Strict):
    name: Name
    # The national ID number: checked, fingerprinted at once, never stored, logged or echoed.
    id_number: NationalId | None = Field(default=None, repr=False)


class ReleaseIn(Strict):
    presented: Person
    delegate: Person | None = None
    consignee_phone_confirmed: bool = False
    company_stamp: bool = False
    authorisation_letter: bool = False
    consignee_change_proof: bool = Field(
        default=False, description="Informational: only a proof recorded from the shipper counts"
    )
    reserved_phone: Phone | None = Field(
        default=None,
        description="核对票据预留电话: the number the person gives (or answers on); when it is the "
        "consignee's phone on the waybill, a differing name on the ID passes",
    )
    at: Moment | None = None


class ReceiptCancelIn(Strict):
    reason: Literal["cash_paid"] = Field(
        default="cash_paid", description="现付: the freight was paid at dispatch"
    )
    note: Notes = ""
    at: Moment | None = None


class ReceiptCollectedIn(Strict):
    collected_by: Name = Field(description="Who signed for the receipt at the counter")
    at: Moment | None = None


class SlipMissingIn(Strict):
    station: str = code("The station that found the shipper's slip missing")
    note: Notes = ""
    at: Moment | None = None


class ChangeProofIn(Strict):
    new_name: Name
    note: Notes = ""


# --- receipts ---------------------------------------------------------------------------------


class FindingsIn(Strict):
    signature: bool = Field(description="The consignee (or delegate) signed it")
    stamp: bool = Field(default=False, description="The receiving company's stamp is on it")
    id_number: bool = Field(default=False, description="The pickup person's ID number is written")
    copies: int = Field(default=1, ge=0, le=20, description="Signed copies")


class StepIn(Strict):
    at: Moment | None = None
    compliant: bool = Field(
        default=True, description="false: the station finds the signing irregular (say why in note)"
    )
    presented: FindingsIn | None = Field(
        default=None,
        description="signed/received: what the receipt carries, checked against the shipper's"
        " requirements",
    )
    note: Notes = ""
    to: Name | None = Field(
        default=None, description="handed_over: the customer or salesperson who took it"
    )
    business_owner: Code | None = Field(
        default=None, description="handed_over: staff `sub` of the salesperson it is filed under"
    )


class EnvelopeIn(Strict):
    from_branch: str = code("The destination branch sealing the envelope")
    to_branch: str = code("The origin branch it goes back to")
    waybills: list[Code] = Field(min_length=1, max_length=200)
    at: Moment | None = None


class EnvelopeCheckIn(Strict):
    found: list[Code] = Field(max_length=400, description="The receipts in the envelope")
    at: Moment | None = None


class ExplanationIn(Strict):
    cause: LateCause = Field(
        description="chasing / transmission (the receipt owner answers: 50 yuan), consignee /"
        " force_majeure (excused), other"
    )
    text: LongText


class ReceiptOwnerIn(Strict):
    owner: Code = Field(description="Staff `sub` of the region's receipt owner (回单管理责任人)")
    owner_name: Name
    superior: Code = Field(description="Staff `sub` of the owner's superior")
    superior_name: Name


class LostIn(Strict):
    loss_fen: int = Field(ge=0, le=10**15)
    at: Moment | None = None


# --- stations ---------------------------------------------------------------------------------


class ViolationIn(Strict):
    branch: str = code("The branch that breached the prohibition")
    region: str = code("The branch's region")
    kind: ViolationKind = Field(description="Which prohibition (客服工作禁令 1–8)")
    note: LongText
    waybill: Code | None = None
    staff: Code | None = Field(default=None, description="Staff `sub` of the person, when known")
    at: Moment | None = None


# --- shippers as customers -------------------------------------------------------------------


class ShipperFileIn(Strict):
    name: Name | None = Field(
        default=None, description="The shipper's name (its own branch or the desk)"
    )
    key_customer: bool | None = Field(default=None, description="Monthly key-customer calls")
    contact_person: Name | None = Field(default=None, description="Who to speak to")
    address: Notes | None = None
    notes: Notes | None = Field(default=None, description="What the file should remember")


class RateIn(Strict):
    origin: str = code("The lane's origin branch")
    destination: str = code("The lane's destination branch")
    unit: RateUnit = Field(description="What the price is per: kg, ton, m3 or piece")
    price_fen: int = Field(gt=0, le=10**12, description="Price per unit, in fen")
    min_charge_fen: int = Field(default=0, ge=0, le=10**12, description="Minimum per shipment")
    valid_from: Day = Field(description="First day the rate applies")
    valid_to: Day | None = Field(default=None, description="Last day; open-ended when absent")


class VisitIn(Strict):
    month: Month = Field(description="The month whose visit list the shipper is on")
    reached: bool
    satisfaction: int | None = Field(
        default=None, ge=1, le=5, description="1 (poor) to 5 (very satisfied)"
    )
    feedback: Notes = Field(default="", description="What the customer said (整理递交主管)")


class DataRequestIn(Strict):
    department: str = code("The department asking")
    scope: LongText = Field(description="Which data, for which period")
    purpose: LongText = Field(description="What it is for")


class DataDecisionIn(Strict):
    approve: bool
    note: Notes = ""
