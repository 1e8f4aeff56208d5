"""The monthly delays report: per route (origin → destination) the shipments dispatched in the
month and how many of them missed their promised arrival, per station the delay reports naming
it as the one to call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class Lateness:
    """What decides whether a shipment counts as delayed (as `is_delayed` reads a shipment)."""

    arrived: bool  # every batch is at the destination
    arrived_late: bool  # the last batch arrived after the promised time
    reported: bool  # a missed deadline was reported (shipment.delayed)
    eta_later: bool  # a station confirmed an arrival time after the promised one


def counts_delayed(x: Lateness) -> bool:
    """Arrived: whether it arrived after the promise; on its way: whether it is known to miss
    it (a miss reported, or a later time confirmed)."""
    if x.arrived:
        return x.arrived_late
    return x.reported or x.eta_later


def rate_pct(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent to one decimal, half up (None when there is no whole)."""
    if whole <= 0:
        return None
    share = Decimal(part) * 100 / Decimal(whole)
    return float(share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class RouteDelays:
    """One route's month: shipments dispatched on it and, of them, the delayed."""

    origin_branch: str
    destination_branch: str
    shipments: int
    delayed: int

    @property
    def delay_rate_pct(self) -> float | None:
        """Delayed of the shipments, in percent."""
        return rate_pct(self.delayed, self.shipments)


@dataclass(frozen=True, slots=True)
class StationDelays:
    """One station's month: the delay reports naming it as the station to call."""

    station: str
    delays: int


@dataclass(frozen=True, slots=True)
class DelayReport:
    """The month's routes, worst first, and its stations, most delays first."""

    routes: tuple[RouteDelays, ...]
    stations: tuple[StationDelays, ...]

    @property
    def shipments(self) -> int:
        """Shipments dispatched in the month on every route."""
        return sum(r.shipments for r in self.routes)

    @property
    def delayed(self) -> int:
        """Of them, the delayed."""
        return sum(r.delayed for r in self.routes)

    @property
    def delay_rate_pct(self) -> float | None:
        """Delayed of every shipment, in percent."""
        return rate_pct(self.delayed, self.shipments)


def delay_report(
    groups: Iterable[tuple[str, str, Lateness, int]], station_delays: Mapping[str, int]
) -> DelayReport:
    """Shipments counted per (origin, destination, lateness) added up per route; routes with the
    most delayed first, then the highest rate, then by origin and destination; stations with
    the most delays first, then by code (a route without a shipment and a station without a
    delay are left out)."""
    shipments: dict[tuple[str, str], int] = {}
    delayed: dict[tuple[str, str], int] = {}
    for origin, destination, lateness, n in groups:
        route = (origin, destination)
        shipments[route] = shipments.get(route, 0) + n
        delayed[route] = delayed.get(route, 0) + (n if counts_delayed(lateness) else 0)
    routes = sorted(
        (RouteDelays(o, d, n, delayed[(o, d)]) for (o, d), n in shipments.items() if n > 0),
        # As many delayed: the fewer shipments, the higher the rate.
        key=lambda r: (-r.delayed, r.shipments, r.origin_branch, r.destination_branch),
    )
    stations = sorted(
        (StationDelays(s, n) for s, n in station_delays.items() if n > 0),
        key=lambda x: (-x.delays, x.station),
    )
    return DelayReport(tuple(routes), tuple(stations))
