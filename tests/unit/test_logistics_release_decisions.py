"""Release at delivery (§4.3), decision by decision: the exact reasons a clerk reads and the
evidence a release rests on, and a decision that depends only on the facts presented."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.logistics.domain import (
    Consignee,
    Delegate,
    Party,
    ReleaseDecision,
    Requirement,
    Shipment,
    apply_scan,
    check_release,
    id_fingerprint,
    normalise_id,
    release_requirements,
)
from shared.contracts.values import ConsigneeKind, ScanKind

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
PERSON = "杨民敬"
COMPANY = "成都建工"


def shipment(kind: ConsigneeKind = ConsigneeKind.PERSON, *, arrived: bool = True) -> Shipment:
    s = Shipment(
        waybill="WB4",
        origin_branch="SH01",
        destination_branch="CD01",
        region="west",
        promised_arrival_at=datetime(2026, 11, 5, tzinfo=SH),
        dispatched_at=datetime(2026, 11, 1, tzinfo=SH),
        shipper=Party("上海建材", "13800000000"),
        consignee=Consignee(
            f" {PERSON if kind is ConsigneeKind.PERSON else COMPANY} ", "139", kind
        ),
    )
    if arrived:
        s, _ = apply_scan(
            s, ScanKind.ARRIVED_DESTINATION, "CD01", None, datetime(2026, 11, 4, tzinfo=SH)
        )
    return s


def decide(s: Shipment, name: str = PERSON, **over: Any) -> ReleaseDecision:
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


def test_the_consignee_with_the_original_id_is_released_on_that_evidence() -> None:
    assert decide(shipment(), f"  {PERSON} ") == ReleaseDecision(
        True, [], [f"original ID of {PERSON}"]
    )


def test_a_missing_name_and_id_give_every_reason_and_no_evidence() -> None:
    assert decide(shipment(), "  ", presented_id_present=False) == ReleaseDecision(
        False,
        [
            "the name on the presented ID is missing",
            f"no original ID of the consignee {PERSON} was presented (copies are not accepted)",
        ],
        [],
        ["name_missing", "no_original_id"],
    )


def test_a_changed_consignee_is_released_on_the_shippers_proof() -> None:
    assert decide(shipment(), "杨明静", consignee_change_proof=True) == ReleaseDecision(
        True,
        [],
        ["original ID of 杨明静", f"consignee-change proof from the shipper: {PERSON} → 杨明静"],
    )
    refused = decide(shipment(), "杨明静")
    assert refused.reasons == [
        f"the name on the ID (杨明静) differs from the waybill's consignee ({PERSON}); "
        "the shipper must provide a consignee-change proof first, or check the phone reserved "
        "on the waybill"
    ]


def test_a_delegate_with_id_and_phone_confirmation_is_released_on_all_three() -> None:
    ok = decide(shipment(), delegate=(" 李四 ", True), consignee_phone_confirmed=True)
    assert ok == ReleaseDecision(
        True,
        [],
        [
            f"original ID of {PERSON}",
            "original ID of the delegate 李四",
            "consignee confirmed the delegated pickup by phone",
        ],
    )


def test_a_delegate_without_name_id_or_confirmation_is_refused_for_each() -> None:
    refused = decide(shipment(), delegate=Delegate(" ", False))
    assert refused == ReleaseDecision(
        False,
        [
            "the delegate's name is missing",
            "the delegate's original ID was not presented (); "
            "a delegated pickup needs both the consignee's and the delegate's IDs",
            f"the consignee {PERSON} has not confirmed the delegated pickup by phone "
            "(call the number on the waybill)",
        ],
        [],
        ["delegate_name_missing", "delegate_no_id", "phone_not_confirmed"],
    )


def test_a_company_is_released_on_its_stamp_with_the_pickup_id_noted() -> None:
    company = shipment(ConsigneeKind.COMPANY)
    assert decide(company, "王五", company_stamp=True) == ReleaseDecision(
        True,
        [],
        [f"company stamp of {COMPANY} on the receipt", "original ID of the pickup person 王五"],
    )
    no_id = decide(company, "王五", company_stamp=True, presented_id_present=False)
    assert no_id.evidence == [f"company stamp of {COMPANY} on the receipt"]


def test_a_company_letter_needs_the_pickup_id_which_a_delegate_may_show() -> None:
    company = shipment(ConsigneeKind.COMPANY)
    letter = decide(company, "王五", authorisation_letter=True)
    assert letter == ReleaseDecision(
        True,
        [],
        [
            f"stamped authorisation letter of {COMPANY} (kept with the receipt)",
            "original ID of the pickup person 王五",
        ],
    )
    by_delegate = decide(
        company,
        "王五",
        authorisation_letter=True,
        presented_id_present=False,
        delegate=("王五", True),
    )
    assert by_delegate.allowed
    without_id = decide(company, "王五", authorisation_letter=True, presented_id_present=False)
    assert without_id == ReleaseDecision(
        False,
        [f"an authorisation letter from {COMPANY} needs the pickup person's original ID too"],
        [],
        ["letter_without_id"],
    )


def test_a_company_without_stamp_or_letter_is_refused_with_what_it_needs() -> None:
    refused = decide(shipment(ConsigneeKind.COMPANY), "王五")
    assert refused == ReleaseDecision(
        False,
        [
            f"the consignee is a company ({COMPANY}): the receipt needs the company stamp, "
            "or a stamped authorisation letter plus the pickup person's ID"
        ],
        [],
        ["company_proof_missing"],
    )


def test_goods_not_yet_arrived_or_already_signed_for_are_refused_by_waybill() -> None:
    assert decide(shipment(arrived=False)).reasons == ["waybill WB4 has not arrived at CD01"]
    signed, _ = apply_scan(
        shipment(), ScanKind.SIGNED, "CD01", None, datetime(2026, 11, 4, 15, tzinfo=SH)
    )
    assert decide(signed).reasons == ["waybill WB4 is already signed for"]


def test_a_misshapen_id_or_a_missing_key_says_what_is_expected() -> None:
    with pytest.raises(ValueError) as caught:
        normalise_id("12345")
    assert str(caught.value) == (
        "not a valid Chinese ID number: expected 18 characters "
        "(17 digits then a digit or X) or 15 digits"
    )
    with pytest.raises(
        ValueError, match=re.escape("an HMAC key is required to fingerprint ID numbers")
    ):
        id_fingerprint("11010519491231002X", b"")


FACTS = st.fixed_dictionaries(
    {
        "presented_name": st.sampled_from([PERSON, f" {PERSON} ", "杨明静", "", COMPANY, "王五"]),
        "presented_id_present": st.booleans(),
        "delegate": st.one_of(
            st.none(), st.tuples(st.sampled_from(["李四", " ", "王五"]), st.booleans())
        ),
        "consignee_phone_confirmed": st.booleans(),
        "company_stamp": st.booleans(),
        "authorisation_letter": st.booleans(),
        "consignee_change_proof": st.booleans(),
    }
)


@settings(max_examples=100, derandomize=True)
@given(
    facts=FACTS,
    order=st.permutations(sorted(FACTS.wrapped_strategy.mapping)),  # type: ignore[attr-defined]
    kind=st.sampled_from(list(ConsigneeKind)),
    arrived=st.booleans(),
)
def test_a_release_decision_never_depends_on_the_order_of_the_presented_fields(
    facts: dict[str, Any], order: list[str], kind: ConsigneeKind, arrived: bool
) -> None:
    s = shipment(kind, arrived=arrived)
    reference = check_release(s, **facts)
    reordered = {name: facts[name] for name in order}
    if reordered["delegate"] is not None:
        reordered["delegate"] = Delegate(*reordered["delegate"])
    again = check_release(s, **reordered)
    assert again == reference
    # Released exactly when no reason remains, and then on evidence; refused on reasons alone.
    assert reference.allowed == (reference.reasons == [])
    assert (reference.evidence != []) == reference.allowed


def test_goods_not_there_or_signed_for_are_refused_with_their_codes() -> None:
    assert decide(shipment(arrived=False)).codes == ["not_arrived"]
    signed, _ = apply_scan(
        shipment(), ScanKind.SIGNED, "CD01", None, datetime(2026, 11, 4, 15, tzinfo=SH)
    )
    assert decide(signed).codes == ["already_signed"]


def test_the_counter_is_told_every_requirement_in_words() -> None:
    """What the desk shows before asking for an ID: each requirement's code and its words."""
    person = release_requirements(shipment(), ["杨明静", "杨敏静"])
    assert person == [
        Requirement("original_id", f"the original ID of {PERSON} (copies are not accepted)"),
        Requirement(
            "exact_name",
            f"the name on the ID exactly {PERSON}: another name only after the shipper's "
            "consignee-change proof is recorded, or when the phone reserved on the waybill is "
            "checked",
        ),
        Requirement(
            "delegate",
            "someone picking up for the consignee: both original IDs and the consignee's "
            "confirmation by phone (call the number on the waybill)",
        ),
        Requirement("change_proof", "consignee-change proof recorded for: 杨明静, 杨敏静"),
    ]
    waiting = release_requirements(shipment(ConsigneeKind.COMPANY, arrived=False), [])
    assert waiting == [
        Requirement("not_arrived", "wait for the goods to arrive at CD01"),
        Requirement("company_stamp", f"the company stamp of {COMPANY} on the receipt"),
        Requirement(
            "authorisation_letter",
            f"or a stamped authorisation letter of {COMPANY} plus the pickup person's original ID",
        ),
    ]
    signed, _ = apply_scan(
        shipment(), ScanKind.SIGNED, "CD01", None, datetime(2026, 11, 4, 15, tzinfo=SH)
    )
    assert release_requirements(signed, [])[0] == Requirement(
        "already_signed", "waybill WB4 is already signed for"
    )


def test_a_missing_key_is_refused_in_words() -> None:
    with pytest.raises(ValueError) as caught:
        id_fingerprint("11010519491231002X", b"")
    assert str(caught.value) == "an HMAC key is required to fingerprint ID numbers"
