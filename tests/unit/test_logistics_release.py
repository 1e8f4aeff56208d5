"""Release at delivery (DOMAIN.md §4.3) and ID numbers kept only as keyed fingerprints."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    Consignee,
    Delegate,
    Party,
    ReleaseDecision,
    Shipment,
    ShipmentStatus,
    apply_scan,
    check_release,
    id_fingerprint,
    id_matches,
)
from shared.contracts.values import ConsigneeKind, ScanKind

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
KEY = b"test-key"
ID18 = "11010519491231002X"


def arrived(kind: ConsigneeKind = ConsigneeKind.PERSON, name: str = "杨民敬") -> Shipment:
    s = Shipment(
        waybill="WB4",
        origin_branch="SH01",
        destination_branch="CD01",
        region="west",
        promised_arrival_at=datetime(2026, 11, 5, tzinfo=SH),
        dispatched_at=datetime(2026, 11, 1, tzinfo=SH),
        shipper=Party("上海建材", "13800000000"),
        consignee=Consignee(name, "13900000000", kind),
    )
    s, _ = apply_scan(
        s, ScanKind.ARRIVED_DESTINATION, "CD01", None, datetime(2026, 11, 4, tzinfo=SH)
    )
    return s


def release(s: Shipment, name: str, **over: Any) -> ReleaseDecision:
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


def test_exact_name_with_original_id_passes() -> None:
    d = release(arrived(), "  杨民敬 ")
    assert d.allowed and d.reasons == []
    assert "original ID of 杨民敬" in d.evidence


def test_one_character_mismatch_is_refused_with_the_reason() -> None:
    d = release(arrived(), "杨民静")
    assert not d.allowed
    assert d.reasons == [
        "the name on the ID (杨民静) differs from the waybill's consignee (杨民敬); "
        "the shipper must provide a consignee-change proof first, or check the phone reserved "
        "on the waybill"
    ]


def test_similar_sounding_name_is_refused() -> None:
    d = release(arrived(), "杨明静")
    assert not d.allowed and "consignee-change proof" in d.reasons[0]


def test_inner_whitespace_is_not_forgiven() -> None:
    assert not release(arrived(), "杨 民敬").allowed


def test_mismatch_passes_with_a_consignee_change_proof() -> None:
    d = release(arrived(), "杨明静", consignee_change_proof=True)
    assert d.allowed
    assert "consignee-change proof from the shipper: 杨民敬 → 杨明静" in d.evidence


def test_no_original_id_is_refused() -> None:
    d = release(arrived(), "杨民敬", presented_id_present=False)
    assert not d.allowed and "copies are not accepted" in d.reasons[0]


def test_delegated_pickup_needs_both_ids_and_a_phone_confirmation() -> None:
    s = arrived()
    ok = release(s, "杨民敬", delegate=Delegate("王五", True), consignee_phone_confirmed=True)
    assert ok.allowed
    assert "original ID of the delegate 王五" in ok.evidence
    no_id = release(s, "杨民敬", delegate=("王五", False), consignee_phone_confirmed=True)
    assert not no_id.allowed and "delegate's original ID" in no_id.reasons[0]
    no_call = release(s, "杨民敬", delegate=Delegate("王五", True))
    assert not no_call.allowed and "by phone" in no_call.reasons[0]
    neither = release(s, "杨民敬", delegate=Delegate("王五", False))
    assert len(neither.reasons) == 2
    wrong_consignee = release(
        s, "杨明静", delegate=Delegate("王五", True), consignee_phone_confirmed=True
    )
    assert not wrong_consignee.allowed


def test_company_needs_its_stamp_or_a_letter_plus_the_pickup_id() -> None:
    s = arrived(ConsigneeKind.COMPANY, "成都宏达装饰有限公司")
    bare = release(s, "李四")
    assert not bare.allowed
    assert "company stamp" in bare.reasons[0] and "authorisation letter" in bare.reasons[0]
    letter_no_id = release(s, "李四", authorisation_letter=True, presented_id_present=False)
    assert not letter_no_id.allowed and "pickup person's original ID" in letter_no_id.reasons[0]
    letter_and_id = release(s, "李四", authorisation_letter=True)
    assert letter_and_id.allowed
    stamped = release(s, "李四", company_stamp=True)
    assert (
        stamped.allowed
        and "company stamp of 成都宏达装饰有限公司 on the receipt" in stamped.evidence
    )


def test_goods_must_be_there_and_not_yet_signed_for() -> None:
    s = arrived()
    not_there = replace(s, arrived_batches={}, status=ShipmentStatus.IN_TRANSIT)
    assert "has not arrived at CD01" in release(not_there, "杨民敬").reasons[0]
    signed, _ = apply_scan(s, ScanKind.SIGNED, "CD01", None, datetime(2026, 11, 4, 9, tzinfo=SH))
    assert "already signed" in release(signed, "杨民敬").reasons[0]


def test_fingerprint_is_stable_keyed_and_never_contains_the_id() -> None:
    digest, last4 = id_fingerprint(ID18, KEY)
    assert len(digest) == 64 and last4 == "002X"
    assert id_fingerprint(" 110105 19491231 002x ", KEY) == (digest, last4)
    assert ID18 not in digest and ID18.lower() not in digest and digest != ID18
    assert "1101051949" not in digest
    assert id_fingerprint(ID18, b"other-key")[0] != digest
    assert id_matches(ID18.lower(), KEY, digest)
    assert not id_matches("110105194912310038", KEY, digest)


def test_fifteen_digit_ids_are_accepted() -> None:
    _, last4 = id_fingerprint("110105491231002", KEY)
    assert last4 == "1002"


@pytest.mark.parametrize("bad", ["12345", "11010519491231002Y", "1101051949123100212", "X" * 18])
def test_misshapen_ids_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(ValueError) as err:
        id_fingerprint(bad, KEY)
    assert bad not in str(err.value) and "18 characters" in str(err.value)


def test_a_key_is_required() -> None:
    with pytest.raises(ValueError):
        id_fingerprint(ID18, b"")


def test_every_refusal_has_a_known_code_and_the_requirements_say_the_rules_first() -> None:
    from services.logistics.domain import REFUSAL_CODES, release_requirements

    person = arrived()
    refused = release(person, "杨明静", presented_id_present=False, delegate=("", False))
    assert refused.codes == [
        "no_original_id",
        "name_differs",
        "delegate_name_missing",
        "delegate_no_id",
        "phone_not_confirmed",
    ]
    assert len(refused.codes) == len(refused.reasons)
    company = release(
        arrived(ConsigneeKind.COMPANY, "成都装饰公司"),
        "李四",
        authorisation_letter=True,
        presented_id_present=False,
    )
    assert company.codes == ["letter_without_id"]
    assert set(refused.codes + company.codes) <= set(REFUSAL_CODES)

    needs = release_requirements(person, [])
    assert [r.code for r in needs] == ["original_id", "exact_name", "delegate"]
    assert "杨民敬" in needs[1].text
    waiting = replace(person, arrived_batches={}, status=ShipmentStatus.IN_TRANSIT)
    assert [r.code for r in release_requirements(waiting, ["杨明静"])][::4] == [
        "not_arrived",
        "change_proof",
    ]
    company_needs = release_requirements(arrived(ConsigneeKind.COMPANY, "成都装饰公司"), [])
    assert [r.code for r in company_needs] == ["company_stamp", "authorisation_letter"]
