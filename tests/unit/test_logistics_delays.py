"""The monthly delays report: whether a shipment counts as delayed (the same reading as
`is_delayed`), per route the shipments and the delayed with the rate, worst first, per station
the delay reports, most first."""

from __future__ import annotations

from datetime import datetime
from itertools import product
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    DelayReport,
    Lateness,
    RouteDelays,
    Shipment,
    StationDelays,
    counts_delayed,
    delay_report,
    is_delayed,
    rate_pct,
)
from tests.support.shipments import a_shipment

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
ON_TIME = Lateness(arrived=True, arrived_late=False, reported=True, eta_later=True)
LATE = Lateness(arrived=True, arrived_late=True, reported=False, eta_later=False)
WAITING = Lateness(arrived=False, arrived_late=False, reported=False, eta_later=False)
REPORTED = Lateness(arrived=False, arrived_late=False, reported=True, eta_later=False)
ETA_LATER = Lateness(arrived=False, arrived_late=False, reported=False, eta_later=True)


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=SH)


def shipment(**over: Any) -> Shipment:
    return a_shipment(**(dict(waybill="WB7", batches=2) | over))


def test_an_arrived_shipment_counts_delayed_only_if_it_arrived_after_the_promise() -> None:
    assert counts_delayed(LATE)
    assert not counts_delayed(ON_TIME)  # a miss reported on the way is forgiven by the arrival


def test_on_its_way_it_counts_delayed_once_a_miss_is_reported_or_a_later_time_set() -> None:
    assert not counts_delayed(WAITING)
    assert counts_delayed(REPORTED)
    assert counts_delayed(ETA_LATER)
    # Arrived late but only half there: the batches still on their way decide.
    assert not counts_delayed(Lateness(False, True, False, False))


@pytest.mark.parametrize("arrived, late, reported, later", list(product((False, True), repeat=4)))
def test_the_reading_is_is_delayeds(arrived: bool, late: bool, reported: bool, later: bool) -> None:
    """Every combination, built as a shipment: the report counts what `is_delayed` says."""
    promised = at(5, 18)
    last = at(6) if late else at(5)
    s = shipment(
        arrived_batches={1: at(4), 2: last} if arrived else {1: last},
        last_arrival_at=last,
        delay_reported_for=promised if reported else None,
        eta=at(7) if later else None,
    )
    facts = Lateness(arrived, last > promised, reported, later)
    assert counts_delayed(facts) is is_delayed(s)


def test_a_rate_is_a_percentage_to_one_decimal_rounded_half_up() -> None:
    assert rate_pct(1, 3) == 33.3
    assert rate_pct(2, 3) == 66.7
    assert rate_pct(1, 16) == 6.3  # 6.25: half up, not to even
    assert rate_pct(3, 3) == 100.0
    assert rate_pct(0, 5) == 0.0
    assert rate_pct(0, 0) is None
    assert rate_pct(1, -1) is None


def test_routes_add_up_their_shipments_and_come_worst_first() -> None:
    found = delay_report(
        [
            ("SH01", "CD01", LATE, 2),
            ("SH01", "CD01", ON_TIME, 5),
            ("SH01", "CD01", REPORTED, 1),
            ("BJ02", "SH01", WAITING, 4),
            ("BJ02", "GZ03", ETA_LATER, 3),
            ("BJ02", "GZ03", WAITING, 1),
            ("WH01", "CD01", LATE, 1),
            ("AA01", "CD01", LATE, 1),
            ("AA01", "BB01", LATE, 1),
            ("ZZ09", "CD01", WAITING, 0),
        ],
        {},
    )
    assert found.routes == (
        RouteDelays("BJ02", "GZ03", 4, 3),
        RouteDelays("SH01", "CD01", 8, 3),  # as many delayed, a lower rate
        RouteDelays("AA01", "BB01", 1, 1),
        RouteDelays("AA01", "CD01", 1, 1),
        RouteDelays("WH01", "CD01", 1, 1),
        RouteDelays("BJ02", "SH01", 4, 0),
    )
    assert [r.delay_rate_pct for r in found.routes] == [75.0, 37.5, 100.0, 100.0, 100.0, 0.0]
    assert (found.shipments, found.delayed, found.delay_rate_pct) == (19, 9, 47.4)


def test_stations_with_the_most_delays_first_and_none_without() -> None:
    found = delay_report([], {"WH01": 2, "GZ03": 1, "CD01": 5, "BJ02": 2, "SH01": 0})
    assert found.stations == (
        StationDelays("CD01", 5),
        StationDelays("BJ02", 2),
        StationDelays("WH01", 2),
        StationDelays("GZ03", 1),
    )
    assert found == DelayReport((), found.stations)
    assert (found.shipments, found.delayed, found.delay_rate_pct) == (0, 0, None)
