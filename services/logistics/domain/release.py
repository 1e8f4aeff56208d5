"""Who may take the goods at delivery, and ID numbers kept only as keyed fingerprints (§4.3)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from shared.contracts.values import ConsigneeKind
from shared.privacy import keyed_digest

from .shipments import Shipment, ShipmentStatus, normalise_phone

# 18 characters (17 digits + a digit or X) or the old 15-digit form.
_ID_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")
_SPACES = re.compile(r"\s+")


class Delegate(NamedTuple):
    """Someone picking up for the consignee: name and whether an original ID was shown."""

    name: str
    id_present: bool


@dataclass(frozen=True, slots=True)
class ReleaseDecision:
    """Whether the goods may go; every refusal reason, and the evidence a release rests on."""

    allowed: bool
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # one per reason, for screens to word


class Refusals(list[str]):
    """The reasons to refuse, each with a stable code (`REFUSAL_CODES`) beside its words."""

    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []

    def add(self, code: str, reason: str) -> None:
        self.append(reason)
        self.codes.append(code)


# What each refusal code means (a screen words it in its own language).
REFUSAL_CODES = {
    "already_signed": "the waybill is already signed for",
    "not_arrived": "the goods have not arrived at the destination",
    "name_missing": "the name on the presented ID is missing",
    "no_original_id": "no original ID of the consignee was presented",
    "name_differs": (
        "the name differs from the consignee's; a consignee-change proof or the phone reserved "
        "on the waybill is needed"
    ),
    "reserved_phone_differs": "the phone given is not the one reserved on the waybill",
    "delegate_name_missing": "the delegate's name is missing",
    "delegate_no_id": "the delegate's original ID was not presented",
    "phone_not_confirmed": "the consignee has not confirmed the delegated pickup by phone",
    "company_proof_missing": "a company consignee: stamp, or stamped letter plus pickup ID",
    "letter_without_id": "an authorisation letter needs the pickup person's original ID",
}


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing the counter must see before the goods go (code for screens, words in English)."""

    code: str
    text: str


def release_requirements(s: Shipment, proven_names: Sequence[str]) -> list[Requirement]:
    """What the rules require before this consignee's goods go (§4.3), as the counter shows
    it before anyone is asked for an ID: the same rules `check_release` applies."""
    name = s.consignee.name.strip()
    found: list[Requirement] = []
    if s.status is ShipmentStatus.SIGNED:
        found.append(Requirement("already_signed", f"waybill {s.waybill} is already signed for"))
    elif not s.arrived_batches:
        found.append(
            Requirement("not_arrived", f"wait for the goods to arrive at {s.destination_branch}")
        )
    if s.consignee.kind is ConsigneeKind.COMPANY:
        found += [
            Requirement("company_stamp", f"the company stamp of {name} on the receipt"),
            Requirement(
                "authorisation_letter",
                f"or a stamped authorisation letter of {name} plus the pickup person's original ID",
            ),
        ]
        return found
    found += [
        Requirement("original_id", f"the original ID of {name} (copies are not accepted)"),
        Requirement(
            "exact_name",
            f"the name on the ID exactly {name}: another name only after the shipper's "
            "consignee-change proof is recorded, or when the phone reserved on the waybill is "
            "checked",
        ),
        Requirement(
            "delegate",
            "someone picking up for the consignee: both original IDs and the consignee's "
            "confirmation by phone (call the number on the waybill)",
        ),
    ]
    if proven_names:
        found.append(
            Requirement(
                "change_proof",
                "consignee-change proof recorded for: " + ", ".join(proven_names),
            )
        )
    return found


def reserved_phone_matches(s: Shipment, phone: str | None) -> bool:
    """核对票据预留电话: the number given at the counter is the consignee's phone reserved on the
    waybill (both as digits, however they were typed)."""
    if phone is None:
        return False
    given = normalise_phone(phone)
    return bool(given) and given == normalise_phone(s.consignee.phone)


def _masked(phone: str) -> str:
    """A phone as the record shows it: its last 4 digits only."""
    return "…" + normalise_phone(phone)[-4:]


@dataclass(frozen=True, slots=True)
class _Counter:
    """What a person consignee's check looks at besides the name and the ID."""

    delegate: Delegate | None
    phone_confirmed: bool
    change_proof: bool
    reserved_phone: str | None


def _differing_name(
    s: Shipment, name: str, c: _Counter, reasons: Refusals, evidence: list[str]
) -> None:
    """A name other than the waybill's passes on the shipper's change proof, or when the phone
    reserved on the waybill confirms who the consignee is (回单管理及签收标准考核 3))."""
    expected = s.consignee.name.strip()
    if c.change_proof:
        evidence.append(f"consignee-change proof from the shipper: {expected} → {name}")
        return
    if reserved_phone_matches(s, c.reserved_phone):
        evidence.append(
            f"the phone reserved on the waybill ({_masked(s.consignee.phone)}) confirms "
            f"{name} as the consignee {expected}"
        )
        return
    if c.reserved_phone:
        reasons.add(
            "reserved_phone_differs",
            f"the phone given ({_masked(c.reserved_phone)}) is not the one reserved on the "
            f"waybill for {expected}",
        )
    reasons.add(
        "name_differs",
        f"the name on the ID ({name}) differs from the waybill's consignee ({expected}); "
        "the shipper must provide a consignee-change proof first, or check the phone reserved "
        "on the waybill",
    )


def _person_checks(
    s: Shipment,
    name: str,
    id_present: bool,
    c: _Counter,
    reasons: Refusals,
    evidence: list[str],
) -> None:
    """A person consignee: their original ID with the exact waybill name, or proof of change,
    or the reserved phone checked."""
    expected = s.consignee.name.strip()
    if not id_present:
        reasons.add(
            "no_original_id",
            f"no original ID of the consignee {expected} was presented (copies are not accepted)",
        )
    else:
        evidence.append(f"original ID of {name}")
    if name and name != expected:
        _differing_name(s, name, c, reasons, evidence)
    delegate, phone_confirmed = c.delegate, c.phone_confirmed
    if delegate is None:
        return
    if not delegate.name.strip():
        reasons.add("delegate_name_missing", "the delegate's name is missing")
    if not delegate.id_present:
        reasons.add(
            "delegate_no_id",
            f"the delegate's original ID was not presented ({delegate.name.strip()}); "
            "a delegated pickup needs both the consignee's and the delegate's IDs",
        )
    else:
        evidence.append(f"original ID of the delegate {delegate.name.strip()}")
    if not phone_confirmed:
        reasons.add(
            "phone_not_confirmed",
            f"the consignee {expected} has not confirmed the delegated pickup by phone "
            "(call the number on the waybill)",
        )
    else:
        evidence.append("consignee confirmed the delegated pickup by phone")


def _company_checks(
    s: Shipment,
    name: str,
    pickup_id_present: bool,
    company_stamp: bool,
    letter: bool,
    reasons: Refusals,
    evidence: list[str],
) -> None:
    """A company consignee: its stamp on the receipt, or a stamped letter plus the pickup ID."""
    company = s.consignee.name.strip()
    if company_stamp:
        evidence.append(f"company stamp of {company} on the receipt")
        if pickup_id_present:
            evidence.append(f"original ID of the pickup person {name}")
        return
    if not letter:
        reasons.add(
            "company_proof_missing",
            f"the consignee is a company ({company}): the receipt needs the company stamp, "
            "or a stamped authorisation letter plus the pickup person's ID",
        )
        return
    evidence.append(f"stamped authorisation letter of {company} (kept with the receipt)")
    if not pickup_id_present:
        reasons.add(
            "letter_without_id",
            f"an authorisation letter from {company} needs the pickup person's original ID too",
        )
    else:
        evidence.append(f"original ID of the pickup person {name}")


def check_release(
    shipment: Shipment,
    presented_name: str,
    presented_id_present: bool,
    delegate: Delegate | tuple[str, bool] | None,
    consignee_phone_confirmed: bool,
    company_stamp: bool,
    authorisation_letter: bool,
    consignee_change_proof: bool,
    reserved_phone: str | None = None,
) -> ReleaseDecision:
    """Apply the release rules; the goods go only when no reason to refuse remains."""
    reasons = Refusals()
    evidence: list[str] = []
    if shipment.status is ShipmentStatus.SIGNED:
        reasons.add("already_signed", f"waybill {shipment.waybill} is already signed for")
    elif not shipment.arrived_batches:
        reasons.add(
            "not_arrived",
            f"waybill {shipment.waybill} has not arrived at {shipment.destination_branch}",
        )
    # Names must match exactly: only surrounding whitespace is forgiven (杨民敬 ≠ 杨明静).
    name = presented_name.strip()
    if not name:
        reasons.add("name_missing", "the name on the presented ID is missing")
    d = Delegate(*delegate) if delegate is not None else None
    if shipment.consignee.kind is ConsigneeKind.COMPANY:
        pickup_id = presented_id_present or (d is not None and d.id_present)
        _company_checks(
            shipment, name, pickup_id, company_stamp, authorisation_letter, reasons, evidence
        )
    else:
        counter = _Counter(d, consignee_phone_confirmed, consignee_change_proof, reserved_phone)
        _person_checks(shipment, name, presented_id_present, counter, reasons, evidence)
    if reasons:
        return ReleaseDecision(False, list(reasons), [], reasons.codes)
    return ReleaseDecision(True, [], evidence)


def normalise_id(id_number: str) -> str:
    """Strip spaces and upper-case the check letter; ValueError (never echoing it) if misshapen."""
    value = _SPACES.sub("", id_number).upper()
    if not _ID_SHAPE.fullmatch(value):
        raise ValueError(
            "not a valid Chinese ID number: expected 18 characters "
            "(17 digits then a digit or X) or 15 digits"
        )
    return value


def id_fingerprint(id_number: str, key: bytes) -> tuple[str, str]:
    """Keyed HMAC-SHA256 of the normalised ID and its last 4 characters; the ID is not kept."""
    if not key:
        raise ValueError("an HMAC key is required to fingerprint ID numbers")
    value = normalise_id(id_number)
    return keyed_digest(key, value), value[-4:]


def id_matches(id_number: str, key: bytes, fingerprint: str) -> bool:
    """A presented ID is the one fingerprinted before (constant-time comparison)."""
    digest, _ = id_fingerprint(id_number, key)
    return hmac.compare_digest(digest, fingerprint)
