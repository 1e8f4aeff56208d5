"""核对票据预留电话 (回单管理及签收标准考核 3)): when the ID's name differs from the waybill's
consignee, the phone reserved on the waybill, checked at the counter, confirms who it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    REFUSAL_CODES,
    Consignee,
    Party,
    ReleaseDecision,
    Shipment,
    apply_scan,
    check_release,
    release_requirements,
    reserved_phone_matches,
)
from shared.contracts.values import ConsigneeKind, ScanKind

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
RESERVED = "13912345678"


def shipment(kind: ConsigneeKind = ConsigneeKind.PERSON, phone: str = RESERVED) -> Shipment:
    s = Shipment(
        waybill="WB9",
        origin_branch="SH01",
        destination_branch="CD01",
        region="west",
        promised_arrival_at=datetime(2026, 11, 5, tzinfo=SH),
        dispatched_at=datetime(2026, 11, 1, tzinfo=SH),
        shipper=Party("上海建材", "13800000000"),
        consignee=Consignee("杨明静", phone, kind),
    )
    s, _ = apply_scan(
        s, ScanKind.ARRIVED_DESTINATION, "CD01", None, datetime(2026, 11, 4, tzinfo=SH)
    )
    return s


def decide(s: Shipment, name: str, **over: Any) -> ReleaseDecision:
    args: dict[str, Any] = dict(
        presented_id_present=True,
        delegate=None,
        consignee_phone_confirmed=False,
        company_stamp=False,
        authorisation_letter=False,
        consignee_change_proof=False,
    )
    args.update(over)
    return check_release(s, name, **args)


def test_reserved_phone_check_matches_the_waybills_consignee_phone_however_typed() -> None:
    s = shipment(phone="139-1234-5678")
    assert reserved_phone_matches(s, "139 1234 5678")
    assert reserved_phone_matches(s, RESERVED)
    assert not reserved_phone_matches(s, "13912345679")
    assert not reserved_phone_matches(s, "")
    assert not reserved_phone_matches(s, None)
    # An empty reserved phone on the waybill matches nothing, not even nothing.
    assert not reserved_phone_matches(shipment(phone=" "), " ")


def test_reserved_phone_check_releases_to_a_differing_name() -> None:
    assert decide(shipment(), "杨民敬", reserved_phone=RESERVED) == ReleaseDecision(
        True,
        [],
        [
            "original ID of 杨民敬",
            "the phone reserved on the waybill (…5678) confirms 杨民敬 as the consignee 杨明静",
        ],
    )


def test_reserved_phone_check_that_fails_refuses_with_both_reasons() -> None:
    refused = decide(shipment(), "杨民敬", reserved_phone="13700001111")
    assert refused == ReleaseDecision(
        False,
        [
            "the phone given (…1111) is not the one reserved on the waybill for 杨明静",
            "the name on the ID (杨民敬) differs from the waybill's consignee (杨明静); the "
            "shipper must provide a consignee-change proof first, or check the phone reserved "
            "on the waybill",
        ],
        [],
        ["reserved_phone_differs", "name_differs"],
    )
    assert set(refused.codes) <= set(REFUSAL_CODES)


def test_reserved_phone_check_without_a_phone_leaves_the_name_refused() -> None:
    refused = decide(shipment(), "杨民敬")
    assert refused.codes == ["name_differs"]


def test_reserved_phone_check_never_replaces_the_original_id() -> None:
    refused = decide(shipment(), "杨民敬", presented_id_present=False, reserved_phone=RESERVED)
    assert refused.codes == ["no_original_id"]


def test_reserved_phone_check_is_not_needed_for_the_exact_name_nor_beats_the_proof() -> None:
    assert decide(shipment(), "杨明静", reserved_phone="13700001111") == ReleaseDecision(
        True, [], ["original ID of 杨明静"]
    )
    proof = decide(shipment(), "杨民敬", consignee_change_proof=True, reserved_phone=RESERVED)
    assert proof.evidence == [
        "original ID of 杨民敬",
        "consignee-change proof from the shipper: 杨明静 → 杨民敬",
    ]


def test_reserved_phone_check_is_no_path_for_a_company_consignee() -> None:
    refused = decide(shipment(ConsigneeKind.COMPANY), "王五", reserved_phone=RESERVED)
    assert refused.codes == ["company_proof_missing"]


def test_reserved_phone_check_is_among_the_release_requirements() -> None:
    needs = {r.code: r.text for r in release_requirements(shipment(), [])}
    assert needs["exact_name"] == (
        "the name on the ID exactly 杨明静: another name only after the shipper's "
        "consignee-change proof is recorded, or when the phone reserved on the waybill is checked"
    )
