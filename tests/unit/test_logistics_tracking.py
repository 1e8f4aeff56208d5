"""Delays, confirmed ETAs and same-day loading of urgent cargo (DOMAIN.md §4.1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    DomainError,
    GoodsState,
    LogisticsRules,
    Shipment,
    TrackingNote,
    apply_scan,
    delay_check,
    is_delayed,
    loading_check_due,
    loading_unconfirmed,
    mark_delay_reported,
    set_eta,
    tracking_flagged,
    transit_legs,
)
from services.logistics.domain.tracking import DelayVerdict, Leg, loading_day
from shared.contracts.values import ScanKind
from tests.support.shipments import a_shipment

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def shipment(**over: Any) -> Shipment:
    return a_shipment(**(dict(waybill="WB2", transfers=1, transfer_branches=("WH01",)) | over))


def test_before_the_promise_it_is_not_delayed_and_is_checked_at_the_promise() -> None:
    v = delay_check(shipment(), at(5, 17))
    assert not v.delayed and v.next_check_at == at(5, 18) and not v.report


def test_not_arrived_by_the_promise_is_delayed_and_rechecked_every_4_hours() -> None:
    s, _ = apply_scan(shipment(), ScanKind.DEPARTED, "SH01", None, at(1, 10))
    v = delay_check(s, at(5, 18))
    assert v.delayed and v.report
    assert v.due_at == at(5, 18)
    assert v.next_check_at == at(5, 22)  # default re-check: 4 hours
    assert v.station == "WH01"  # left SH01, so the next station downstream is called
    later = delay_check(mark_delay_reported(s, at(5, 18)), at(5, 22))
    assert later.delayed and not later.report  # told once per missed deadline
    assert later.next_check_at == at(6, 2)


def test_recheck_interval_is_configurable() -> None:
    v = delay_check(shipment(), at(5, 18), LogisticsRules(delay_recheck=timedelta(hours=1)))
    assert v.next_check_at == at(5, 19)


def test_a_confirmed_eta_is_tracked_again_on_that_day_until_signed() -> None:
    s, _ = apply_scan(shipment(), ScanKind.ARRIVED_HUB, "WH01", None, at(3, 10))
    s = mark_delay_reported(s, at(5, 18))
    s, confirmed = set_eta(s, at(7, 12), "WH01", "truck broke down", at(5, 19))
    assert confirmed.eta == at(7, 12) and confirmed.promised_arrival_at == at(5, 18)
    assert confirmed.station == "WH01" and not confirmed.force_majeure
    v = delay_check(s, at(5, 20))
    assert not v.delayed and v.next_check_at == at(7, 12) and v.due_at == at(7, 12)
    missed = delay_check(s, at(7, 12))
    assert missed.delayed and missed.report  # the new ETA was missed: tell again
    assert missed.station == "WH01"
    assert missed.next_check_at == at(7, 16)


def test_the_eta_is_the_recheck_time_while_it_lies_ahead() -> None:
    s, _ = set_eta(shipment(), at(7, 12), "SH01", "late loading", at(5, 10))
    # Due against the ETA now, not the original promise: not late at 18:00 on the 5th.
    assert not delay_check(s, at(5, 19)).delayed


def test_no_checks_once_arrived_or_signed() -> None:
    arrived, _ = apply_scan(shipment(), ScanKind.ARRIVED_DESTINATION, "CD01", None, at(6, 9))
    v = delay_check(arrived, at(6, 10))
    assert not v.delayed and v.next_check_at is None
    signed, _ = apply_scan(arrived, ScanKind.SIGNED, "CD01", None, at(6, 11))
    assert delay_check(signed, at(9)).next_check_at is None


def test_split_shipment_is_late_until_every_batch_arrived() -> None:
    s, _ = apply_scan(shipment(batches=2), ScanKind.ARRIVED_DESTINATION, "CD01", 1, at(5, 9))
    v = delay_check(s, at(5, 18))
    assert v.delayed and v.station == "CD01"
    s, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", 2, at(5, 20))
    assert not delay_check(s, at(5, 21)).delayed


def test_eta_refusals() -> None:
    with pytest.raises(DomainError, match="not on the route"):
        set_eta(shipment(), at(7), "BJ09", "", at(5))
    with pytest.raises(DomainError, match="future"):
        set_eta(shipment(), at(4), "WH01", "", at(5))
    signed, _ = apply_scan(shipment(), ScanKind.SIGNED, "CD01", None, at(5))
    with pytest.raises(DomainError, match="already signed"):
        set_eta(signed, at(7), "WH01", "", at(6))


def test_force_majeure_is_recorded_with_the_eta() -> None:
    _, confirmed = set_eta(shipment(), at(8), "WH01", "台风 closed the road", at(5), True)
    assert confirmed.force_majeure and confirmed.note == "台风 closed the road"


def test_urgent_loading_is_due_by_the_end_of_the_shanghai_dispatch_day() -> None:
    # Dispatched 23:30 Shanghai on Nov 1 (15:30 UTC): due at midnight starting Nov 2, local.
    s = shipment(urgent=True, dispatched_at=datetime(2026, 11, 1, 15, 30, tzinfo=ZoneInfo("UTC")))
    assert loading_check_due(s) == datetime(2026, 11, 2, 0, 0, tzinfo=SH)
    assert not loading_unconfirmed(s, at(1, 23, 59))
    assert loading_unconfirmed(s, datetime(2026, 11, 2, 0, 0, tzinfo=SH))


def test_urgent_loaded_the_same_day_is_confirmed_and_next_day_is_not() -> None:
    s = shipment(urgent=True)
    same_day, _ = apply_scan(s, ScanKind.DEPARTED, "SH01", None, at(1, 20))
    assert not loading_unconfirmed(same_day, at(2, 9))
    next_day, _ = apply_scan(s, ScanKind.DEPARTED, "SH01", None, at(2, 1))
    assert loading_unconfirmed(next_day, at(2, 9))


def test_non_urgent_cargo_has_no_same_day_rule() -> None:
    assert not loading_unconfirmed(shipment(urgent=False), at(3))


def test_delayed_means_late_against_the_promise_whatever_the_station_says() -> None:
    s, _ = apply_scan(shipment(), ScanKind.DEPARTED, "SH01", None, at(1, 10))
    assert not is_delayed(s)
    assert is_delayed(mark_delay_reported(s, at(5, 18)))
    late_eta, _ = set_eta(s, at(6, 12), "WH01", "", at(4, 9))
    assert is_delayed(late_eta)
    on_time, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(5, 17))
    assert not is_delayed(on_time)
    late, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(5, 19))
    assert is_delayed(late)


def test_duty_a_tracking_call_is_recorded_in_the_manuals_columns() -> None:
    """客服员…在追踪日期项目栏注明追踪时间、受话人、是否延误;在收货状态项目内注明收货保证状态、
    送货人员服务质量: a call that found the goods intact and nothing wrong is not flagged."""
    fine = TrackingNote(
        "delivery",
        "收货人确认已收货",
        called_at=at(6, 10),
        contact="杨明静",
        delayed=False,
        goods_state=GoodsState.INTACT,
        delivery_service=5,
    )
    assert not tracking_flagged(fine)
    assert not tracking_flagged(TrackingNote("vehicle", "truck on G60", called_at=at(6, 10)))


@pytest.mark.parametrize("state", [s for s in GoodsState if s is not GoodsState.INTACT])
def test_duty_goods_not_received_intact_are_fed_back_at_once(state: GoodsState) -> None:
    """如出现异常,立即向部门领导、下游站点反馈: goods damaged, short, refused or not received."""
    assert tracking_flagged(TrackingNote("delivery", "-", called_at=at(6), goods_state=state))


def test_duty_the_caller_may_flag_a_call_and_ratings_run_one_to_five() -> None:
    assert tracking_flagged(TrackingNote("outsourced", "carrier lost contact", abnormal=True))
    with pytest.raises(DomainError) as bad:
        tracking_flagged(TrackingNote("delivery", "-", delivery_service=6))
    assert bad.value.field == "delivery_service"
    with pytest.raises(ValueError, match="called_at must carry a UTC offset"):
        tracking_flagged(TrackingNote("delivery", "-", called_at=datetime(2026, 11, 6)))


def test_duty_transfer_legs_are_timed_from_the_scans() -> None:
    """外发跟踪: 根据系统内未到达中转的货物及时进行跟踪 — each stop: when the cargo arrived, when it
    left, the time spent there; a split shipment's first arrival and last departure."""
    s = shipment(transfer_branches=("WH01", "CQ01"), transfers=2)
    scans = [
        (ScanKind.DEPARTED, "SH01", at(1, 8)),
        (ScanKind.ARRIVED_HUB, "WH01", at(2, 9)),
        (ScanKind.ARRIVED_HUB, "WH01", at(2, 11)),  # the second batch
        (ScanKind.DEPARTED, "WH01", at(2, 12)),
        (ScanKind.DEPARTED, "WH01", at(2, 14, 30)),
        (ScanKind.ARRIVED_HUB, "CQ01", at(3, 7)),
        (ScanKind.SIGNED, "CD01", at(4, 9)),
    ]
    legs = transit_legs(s, scans)
    assert [(leg.station, leg.role) for leg in legs] == [
        ("SH01", "origin"),
        ("WH01", "transfer"),
        ("CQ01", "transfer"),
        ("CD01", "destination"),
    ]
    assert (legs[0].arrived_at, legs[0].left_at, legs[0].dwell) == (None, at(1, 8), None)
    assert (legs[1].arrived_at, legs[1].left_at) == (at(2, 9), at(2, 14, 30))
    assert legs[1].dwell == timedelta(hours=5, minutes=30)
    assert (legs[2].arrived_at, legs[2].left_at, legs[2].dwell) == (at(3, 7), None, None)
    assert (legs[3].arrived_at, legs[3].left_at) == (None, None)
    # A departure scanned before the arrival (clocks differ) is never a negative stay.
    odd = transit_legs(
        s, [(ScanKind.ARRIVED_HUB, "WH01", at(2, 9)), (ScanKind.DEPARTED, "WH01", at(2, 8))]
    )
    assert odd[1].dwell == timedelta(0)


# --- each refusal's code, field and words; every verdict's fields; the exact bounds -----------


def _refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    return info.value


def test_a_refused_eta_names_its_code_field_and_reason() -> None:
    signed, _ = apply_scan(shipment(), ScanKind.SIGNED, "CD01", None, at(5))
    err = _refused(lambda: set_eta(signed, at(7), "WH01", "", at(6)))
    assert (err.code, err.field, err.detail) == (
        "wrong_state",
        "eta",
        "waybill WB2 is already signed for",
    )
    arrived, _ = apply_scan(shipment(), ScanKind.ARRIVED_DESTINATION, "CD01", None, at(5))
    err = _refused(lambda: set_eta(arrived, at(7), "WH01", "", at(6)))
    assert (err.code, err.field, err.detail) == (
        "wrong_state",
        "eta",
        "waybill WB2 has already arrived at its destination",
    )
    err = _refused(lambda: set_eta(shipment(), at(5), "WH01", "", at(5)))  # now is not future
    assert (err.code, err.field, err.detail) == (
        "invalid_value",
        "eta",
        "a new arrival time must lie in the future",
    )
    for name, eta, now in (
        ("eta", datetime(2026, 11, 7), at(5)),
        ("now", at(7), datetime(2026, 11, 5)),
    ):
        with pytest.raises(ValueError, match=f"^{name} must carry a UTC offset$"):
            set_eta(shipment(), eta, "WH01", "", now)


def test_a_confirmed_eta_is_kept_with_its_station_and_told_with_its_time() -> None:
    s = shipment(version=3)
    new, told = set_eta(s, at(7, 12), "WH01", "rain", at(5, 10))
    assert (new.eta, new.eta_station, new.version) == (at(7, 12), "WH01", 4)
    assert (told.waybill, told.at, told.note) == ("WB2", at(5, 10), "rain")
    marked = mark_delay_reported(s, at(5, 18))
    assert (marked.delay_reported_for, marked.version) == (at(5, 18), 4)


def test_every_verdict_field_before_during_and_after_the_watch() -> None:
    s = shipment()
    assert delay_check(s, at(5, 17)) == DelayVerdict(False, at(5, 18), at(5, 18), False, None)
    arrived, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(5, 9))
    assert delay_check(arrived, at(6)) == DelayVerdict(False, None, None, False, None)
    # An ETA already passed is no reason to wait for it: poll again.
    passed, _ = set_eta(s, at(6, 12), "WH01", "", at(5, 10))
    assert delay_check(passed, at(6, 13)).next_check_at == at(6, 17)
    with pytest.raises(ValueError, match=r"^now must carry a UTC offset$"):
        delay_check(s, datetime(2026, 11, 5))


def test_the_station_to_call_is_the_next_one_even_when_it_is_the_destination() -> None:
    s, _ = apply_scan(shipment(), ScanKind.DEPARTED, "SH01", None, at(1, 10))
    s, _ = apply_scan(s, ScanKind.ARRIVED_HUB, "WH01", None, at(2, 10))
    s, _ = apply_scan(s, ScanKind.DEPARTED, "WH01", None, at(2, 12))
    assert delay_check(s, at(5, 18)).station == "CD01"
    assert delay_check(shipment(), at(5, 18)).station == "SH01"  # nothing scanned yet


def test_arriving_exactly_at_the_promise_is_on_time() -> None:
    s, _ = apply_scan(shipment(), ScanKind.DEPARTED, "SH01", None, at(1, 10))
    on_the_dot, _ = apply_scan(s, ScanKind.ARRIVED_DESTINATION, "CD01", None, at(5, 18))
    assert not is_delayed(on_the_dot)
    # A split shipment with one batch in is judged by the deadline in force, not that batch.
    split, _ = apply_scan(shipment(batches=2), ScanKind.ARRIVED_DESTINATION, "CD01", 1, at(6, 9))
    assert not is_delayed(split)


def test_urgent_cargo_leaving_at_the_very_end_of_its_day_is_late() -> None:
    s = shipment(urgent=True)
    midnight = datetime(2026, 11, 2, 0, 0, tzinfo=SH)
    at_midnight, _ = apply_scan(s, ScanKind.DEPARTED, "SH01", None, midnight)
    assert loading_unconfirmed(at_midnight, midnight)
    with pytest.raises(ValueError, match=r"^now must carry a UTC offset$"):
        loading_unconfirmed(s, datetime(2026, 11, 2))
    late_evening = shipment(dispatched_at=datetime(2026, 11, 1, 16, 30, tzinfo=ZoneInfo("UTC")))
    assert loading_day(late_evening) == date(2026, 11, 2)


def test_a_delivery_rating_of_one_or_five_is_accepted_and_zero_refused_in_words() -> None:
    for rating in (1, 5):
        assert not tracking_flagged(TrackingNote("delivery", "-", delivery_service=rating))
    err = _refused(lambda: tracking_flagged(TrackingNote("delivery", "-", delivery_service=0)))
    assert (err.code, err.field, err.detail) == (
        "invalid_value",
        "delivery_service",
        "delivery service is rated 1 to 5",
    )


def test_the_origin_has_no_arrival_and_the_destination_no_departure() -> None:
    s = shipment()
    scans = [
        (ScanKind.ARRIVED_HUB, "SH01", at(1, 7)),
        (ScanKind.DEPARTED, "SH01", at(1, 8)),
        (ScanKind.DEPARTED, "SH01", at(1, 9)),
        (ScanKind.ARRIVED_DESTINATION, "CD01", at(3, 9)),
        (ScanKind.DEPARTED, "CD01", at(3, 10)),
    ]
    legs = transit_legs(s, scans)
    assert (legs[0].arrived_at, legs[0].left_at) == (None, at(1, 9))
    assert (legs[-1].arrived_at, legs[-1].left_at) == (at(3, 9), None)
    assert transit_legs(s, []) == [
        Leg("SH01", "origin", None, None),
        Leg("WH01", "transfer", None, None),
        Leg("CD01", "destination", None, None),
    ]
