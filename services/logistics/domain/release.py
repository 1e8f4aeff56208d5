"""Who may take the goods at delivery, and ID numbers kept only as keyed fingerprints (§4.3)."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from shared.contracts.values import ConsigneeKind
from shared.privacy import keyed_digest

from .shipments import Shipment, ShipmentStatus

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


def _person_checks(
    s: Shipment,
    name: str,
    id_present: bool,
    delegate: Delegate | None,
    phone_confirmed: bool,
    change_proof: bool,
    reasons: list[str],
    evidence: list[str],
) -> None:
    """A person consignee: their original ID with the exact waybill name, or proof of change."""
    expected = s.consignee.name.strip()
    if not id_present:
        reasons.append(
            f"no original ID of the consignee {expected} was presented (copies are not accepted)"
        )
    else:
        evidence.append(f"original ID of {name}")
    if name and name != expected:
        if change_proof:
            evidence.append(f"consignee-change proof from the shipper: {expected} → {name}")
        else:
            reasons.append(
                f"the name on the ID ({name}) differs from the waybill's consignee ({expected}); "
                "the shipper must provide a consignee-change proof first"
            )
    if delegate is None:
        return
    if not delegate.name.strip():
        reasons.append("the delegate's name is missing")
    if not delegate.id_present:
        reasons.append(
            f"the delegate's original ID was not presented ({delegate.name.strip()}); "
            "a delegated pickup needs both the consignee's and the delegate's IDs"
        )
    else:
        evidence.append(f"original ID of the delegate {delegate.name.strip()}")
    if not phone_confirmed:
        reasons.append(
            f"the consignee {expected} has not confirmed the delegated pickup by phone "
            "(call the number on the waybill)"
        )
    else:
        evidence.append("consignee confirmed the delegated pickup by phone")


def _company_checks(
    s: Shipment,
    name: str,
    pickup_id_present: bool,
    company_stamp: bool,
    letter: bool,
    reasons: list[str],
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
        reasons.append(
            f"the consignee is a company ({company}): the receipt needs the company stamp, "
            "or a stamped authorisation letter plus the pickup person's ID"
        )
        return
    evidence.append(f"stamped authorisation letter of {company} (kept with the receipt)")
    if not pickup_id_present:
        reasons.append(
            f"an authorisation letter from {company} needs the pickup person's original ID too"
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
) -> ReleaseDecision:
    """Apply the release rules; the goods go only when no reason to refuse remains."""
    reasons: list[str] = []
    evidence: list[str] = []
    if shipment.status is ShipmentStatus.SIGNED:
        reasons.append(f"waybill {shipment.waybill} is already signed for")
    elif not shipment.arrived_batches:
        reasons.append(
            f"waybill {shipment.waybill} has not arrived at {shipment.destination_branch}"
        )
    # Names must match exactly: only surrounding whitespace is forgiven (杨民敬 ≠ 杨明静).
    name = presented_name.strip()
    if not name:
        reasons.append("the name on the presented ID is missing")
    d = Delegate(*delegate) if delegate is not None else None
    if shipment.consignee.kind is ConsigneeKind.COMPANY:
        pickup_id = presented_id_present or (d is not None and d.id_present)
        _company_checks(
            shipment, name, pickup_id, company_stamp, authorisation_letter, reasons, evidence
        )
    else:
        _person_checks(
            shipment,
            name,
            presented_id_present,
            d,
            consignee_phone_confirmed,
            consignee_change_proof,
            reasons,
            evidence,
        )
    if reasons:
        return ReleaseDecision(False, reasons, [])
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
