"""The shipper's own slip (发货方厂家单): a waybill whose remarks ask for it to be signed with the
goods, and a station that finds it missing tells the origin (回单规范要求 2): 货物托运凭证上备注需签
发货方厂家单的,而实际上托运凭证后没有附带的,要与发货网点联系确认)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .errors import INVALID_VALUE, OFF_ROUTE, WRONG_STATE, DomainError
from .rules import check_aware
from .shipments import Shipment, route_branches


@dataclass(frozen=True, slots=True)
class SlipMissing:
    """A station found the shipper's slip the remarks ask for missing: the origin confirms."""

    waybill: str
    station: str  # who found it
    origin: str  # the branch to confirm with (发货网点)
    note: str
    at: datetime


def slip_missing(s: Shipment, station: str, note: str, at: datetime) -> SlipMissing:
    """The finding, when the waybill asks for the slip and the station is on its route; 409
    when its remarks ask for no slip, or the station is not on the route."""
    check_aware(at, "at")
    if not s.shipper_slip:
        raise DomainError(
            WRONG_STATE, f"the remarks of waybill {s.waybill} ask for no shipper's slip"
        )
    if station not in route_branches(s):
        raise DomainError(
            OFF_ROUTE, f"station {station} is not on the route of waybill {s.waybill}", "station"
        )
    if station == s.origin_branch:
        raise DomainError(
            INVALID_VALUE,
            f"the origin {station} attaches the slip: a station down the route finds it missing",
            "station",
        )
    return SlipMissing(s.waybill, station, s.origin_branch, note.strip(), at)
