"""Delay detection, confirmed new arrival times and same-day loading of urgent cargo (§4.1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.calendar import end_of_local_day, local_date
from shared.contracts.values import ScanKind

from .errors import INVALID_VALUE, WRONG_STATE, DomainError
from .rules import DEFAULT_RULES, LogisticsRules, check_aware
from .shipments import Shipment, ShipmentStatus, arrival_complete, check_on_route, route


@dataclass(frozen=True, slots=True)
class DelayVerdict:
    """Whether a shipment is late, what it is late against, and when to look again."""

    delayed: bool
    due_at: datetime | None  # the promised arrival, or the confirmed new ETA once there is one
    next_check_at: datetime | None  # None: nothing left to watch (arrived or signed)
    report: bool  # publish `shipment.delayed` now (once per missed deadline)
    station: str | None  # the downstream station to call


@dataclass(frozen=True, slots=True)
class EtaConfirmed:
    """A downstream station confirmed a new arrival time: tell the customer (`shipment.delayed`)."""

    waybill: str
    promised_arrival_at: datetime
    eta: datetime
    station: str
    note: str
    force_majeure: bool
    at: datetime


class GoodsState(StrEnum):
    """收货保证状态: how the consignee received the goods, as the tracking call found."""

    INTACT = "intact"
    DAMAGED = "damaged"
    SHORT = "short"
    REFUSED = "refused"
    NOT_RECEIVED = "not_received"


@dataclass(frozen=True, slots=True)
class TrackingNote:
    """One tracking call as the manual's columns ask (追踪时间、受话人、是否延误; 收货保证状态、
    送货人员服务质量), besides its free text."""

    kind: str  # vehicle / outsourced (车辆跟踪 / 外发跟踪) or delivery (客户收货落实追踪)
    note: str
    called_at: datetime | None = None  # 追踪时间; the workflow sets it (default: the note's time)
    contact: str | None = None
    delayed: bool | None = None
    goods_state: GoodsState | None = None
    delivery_service: int | None = None  # 1 (poor) … 5 (excellent)
    abnormal: bool = False


def tracking_flagged(n: TrackingNote) -> bool:
    """如出现异常,立即向部门领导、下游站点反馈: the caller flags it, or the goods were not received
    intact."""
    if n.called_at is not None:
        check_aware(n.called_at, "called_at")
    if n.delivery_service is not None and not 1 <= n.delivery_service <= 5:
        raise DomainError(INVALID_VALUE, "delivery service is rated 1 to 5", "delivery_service")
    return n.abnormal or n.goods_state not in (None, GoodsState.INTACT)


@dataclass(frozen=True, slots=True)
class Leg:
    """One stop of a route as the scans timed it: when the cargo arrived, when it left."""

    station: str
    role: str  # origin / transfer / destination
    arrived_at: datetime | None
    left_at: datetime | None

    @property
    def dwell(self) -> timedelta | None:
        """Time spent at the stop (a transfer's 中转 time), once it both arrived and left."""
        if self.arrived_at is None or self.left_at is None:
            return None
        return max(self.left_at - self.arrived_at, timedelta(0))


def transit_legs(s: Shipment, scans: Iterable[tuple[ScanKind, str, datetime]]) -> list[Leg]:
    """The route's stops timed from the scans (外发跟踪: arrived at / left each transfer): the
    first arrival and the last departure at each (a split shipment's batches included)."""
    arrived: dict[str, datetime] = {}
    left: dict[str, datetime] = {}
    for kind, station, at in scans:
        if kind in (ScanKind.ARRIVED_HUB, ScanKind.ARRIVED_DESTINATION):
            arrived[station] = min(at, arrived.get(station, at))
        elif kind is ScanKind.DEPARTED:
            left[station] = max(at, left.get(station, at))
    stops = route(s)
    roles = ["origin", *(["transfer"] * (len(stops) - 2)), "destination"]
    return [
        Leg(
            station,
            role,
            None if role == "origin" else arrived.get(station),
            None if role == "destination" else left.get(station),
        )
        for station, role in zip(stops, roles, strict=True)
    ]


def downstream_station(s: Shipment) -> str:
    """The station to call about a late shipment: where the cargo is, or where it is heading."""
    if s.arrived_batches:
        return s.destination_branch
    if s.last_station is None:
        return s.origin_branch
    stops = route(s)
    if s.last_scan_kind is ScanKind.DEPARTED and s.last_station in stops:
        return stops[min(stops.index(s.last_station) + 1, len(stops) - 1)]
    return s.last_station


def arrival_due_at(s: Shipment) -> datetime:
    """The arrival deadline in force: the confirmed new ETA if any, else the promised time."""
    return s.eta if s.eta is not None else s.promised_arrival_at


def is_delayed(s: Shipment) -> bool:
    """It missed, or is known to miss, its promised arrival."""
    if arrival_complete(s) and s.last_arrival_at is not None:
        return s.last_arrival_at > s.promised_arrival_at
    return s.delay_reported_for is not None or arrival_due_at(s) > s.promised_arrival_at


def delay_check(s: Shipment, now: datetime, rules: LogisticsRules = DEFAULT_RULES) -> DelayVerdict:
    """Not all batches at the destination by the deadline in force → delayed; plan the next look."""
    check_aware(now, "now")
    if s.status is ShipmentStatus.SIGNED or arrival_complete(s):
        return DelayVerdict(False, None, None, False, None)
    due = arrival_due_at(s)
    if now < due:
        return DelayVerdict(False, due, due, False, None)
    # Missed: look again at the new ETA once a station confirms one, otherwise keep polling
    # ("track again on that day until it is signed for").
    eta_ahead = s.eta is not None and s.eta > now
    next_at = s.eta if eta_ahead and s.eta is not None else now + rules.delay_recheck
    return DelayVerdict(
        delayed=True,
        due_at=due,
        next_check_at=next_at,
        report=s.delay_reported_for != due,
        station=downstream_station(s),
    )


def mark_delay_reported(s: Shipment, due_at: datetime) -> Shipment:
    """Remember that the miss of `due_at` was reported, so it is reported once."""
    return replace(s, delay_reported_for=due_at, version=s.version + 1)


def set_eta(
    s: Shipment,
    eta: datetime,
    station: str,
    note: str,
    now: datetime,
    force_majeure: bool = False,
) -> tuple[Shipment, EtaConfirmed]:
    """Record the new arrival time a downstream station confirmed; the customer is told."""
    check_aware(eta, "eta")
    check_aware(now, "now")
    check_on_route(s, station)
    if s.status is ShipmentStatus.SIGNED:
        raise DomainError(WRONG_STATE, f"waybill {s.waybill} is already signed for", "eta")
    if arrival_complete(s):
        raise DomainError(
            WRONG_STATE, f"waybill {s.waybill} has already arrived at its destination", "eta"
        )
    if eta <= now:
        raise DomainError(INVALID_VALUE, "a new arrival time must lie in the future", "eta")
    new = replace(s, eta=eta, eta_station=station, version=s.version + 1)
    return new, EtaConfirmed(
        s.waybill, s.promised_arrival_at, eta, station, note, force_majeure, now
    )


def loading_check_due(s: Shipment) -> datetime:
    """Urgent cargo must be loaded the day it is dispatched: the end of that Shanghai day."""
    return end_of_local_day(local_date(s.dispatched_at))


def loading_day(s: Shipment) -> date:
    """The business day the cargo should have been loaded."""
    return local_date(s.dispatched_at)


def loading_unconfirmed(s: Shipment, now: datetime) -> bool:
    """Urgent cargo with no departure seen before the end of its dispatch day, once it ended."""
    check_aware(now, "now")
    if not s.urgent:
        return False
    due = loading_check_due(s)
    return now >= due and (s.departed_at is None or s.departed_at >= due)
