"""Cargo exceptions: registration, the daily truck check, the weekly summary (DOMAIN.md §4.2)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    CargoException,
    Consignee,
    DomainError,
    ExceptionFinding,
    ExceptionSummaryLine,
    Inspected,
    Party,
    Shipment,
    inspect_goods,
    parse_week,
    reconcile_truck,
    register_exception,
    summary_csv,
    weekly_exception_summary,
)
from shared.contracts.values import ExceptionKind

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
DAMAGE, SHORTAGE, MISMATCH = ExceptionKind.DAMAGE, ExceptionKind.SHORTAGE, ExceptionKind.MISMATCH


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=SH)


def test_truck_check_against_the_handover_list_and_the_waybills() -> None:
    handover = [("W1", 10), ("W2", 5), ("W3", 4), ("W4", 2), ("W9", 1), ("W2", 1)]
    received = [("W1", 10), ("W2", 4), ("W4", 3), ("W5", 2), ("X7", 1)]
    known = {"W1", "W2", "W3", "W4", "W5"}
    assert reconcile_truck(handover, received, known) == [
        ExceptionFinding("W2", SHORTAGE, "listed 6 piece(s), received 4: 2 short"),
        ExceptionFinding("W3", SHORTAGE, "listed 4 piece(s), none received"),
        ExceptionFinding("W4", MISMATCH, "listed 2 piece(s), received 3: 1 extra"),
        ExceptionFinding(
            "W5", MISMATCH, "received 2 piece(s) of a waybill not on the handover list"
        ),
        ExceptionFinding("W9", MISMATCH, "on the handover list but not a known waybill"),
        ExceptionFinding("X7", MISMATCH, "received but not a known waybill"),
    ]


def test_a_clean_truck_has_no_findings() -> None:
    assert reconcile_truck([("W1", 3)], [("W1", 2), ("W1", 1)], {"W1"}) == []


def test_negative_pieces_are_refused() -> None:
    with pytest.raises(ValueError):
        reconcile_truck([("W1", -1)], [], {"W1"})


def test_register_needs_a_station_on_the_route_and_a_note() -> None:
    s = Shipment(
        waybill="WB5",
        origin_branch="SH01",
        destination_branch="CD01",
        region="west",
        promised_arrival_at=at(5),
        dispatched_at=at(1),
        shipper=Party("甲", "1"),
        consignee=Consignee("乙", "2"),
        transfers=1,
        transfer_branches=("WH01",),
    )
    e = register_exception(s, "E1", DAMAGE, "WH01", " carton crushed ", at(3), ["P1", "P2"])
    assert e == CargoException("E1", "WB5", DAMAGE, "WH01", "carton crushed", at(3), ("P1", "P2"))
    with pytest.raises(DomainError, match="not on the route"):
        register_exception(s, "E2", DAMAGE, "BJ09", "x", at(3))
    with pytest.raises(DomainError):
        register_exception(s, "E3", SHORTAGE, "WH01", "  ", at(3))


def test_weekly_summary_per_station_and_kind_within_the_week() -> None:
    start, end = parse_week("2026-W45")
    assert start == datetime(2026, 11, 2, tzinfo=SH) and end == datetime(2026, 11, 9, tzinfo=SH)
    exceptions = [
        CargoException("1", "W1", DAMAGE, "WH01", "n", at(2, 0)),  # first instant: in
        CargoException("2", "W2", DAMAGE, "WH01", "n", at(4)),
        CargoException("3", "W2", SHORTAGE, "WH01", "n", at(4)),
        CargoException("4", "W3", MISMATCH, "CD01", "n", at(8, 23)),
        CargoException("5", "W4", DAMAGE, "CD01", "n", at(9, 0)),  # next week: out
        CargoException("6", "W5", DAMAGE, "CD01", "n", at(1, 23)),  # previous week: out
    ]
    lines = weekly_exception_summary(exceptions, start, end)
    assert lines == [
        ExceptionSummaryLine("CD01", MISMATCH, 1, ("W3",)),
        ExceptionSummaryLine("WH01", DAMAGE, 2, ("W1", "W2")),
        ExceptionSummaryLine("WH01", SHORTAGE, 1, ("W2",)),
    ]
    assert summary_csv(lines) == (
        "station,kind,count,waybills\nCD01,mismatch,1,W3\nWH01,damage,2,W1 W2\nWH01,shortage,1,W2\n"
    )


@pytest.mark.parametrize("bad", ["2026-45", "2026-W54", "2025-W53x"])
def test_bad_weeks_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_week(bad)


def test_duty_the_truck_check_evaluates_damage_and_waybill_accuracy() -> None:
    """异常管理流程 2) 考评记录: ①货损、货差、托运单信息的准确性 — besides the count, damaged pieces
    are a damage finding and an inaccurate waybill a mismatch, in waybill order."""
    lines = [
        Inspected("W3", 4, waybill_issue=" consignee phone missing "),
        Inspected("W1", 10, damaged=2),
        Inspected("W2", 5),
        Inspected("W4", 1, damaged=1, waybill_issue="wrong destination"),
    ]
    assert inspect_goods(lines) == [
        ExceptionFinding("W1", DAMAGE, "2 of 10 piece(s) damaged"),
        ExceptionFinding("W3", MISMATCH, "waybill information inaccurate: consignee phone missing"),
        ExceptionFinding("W4", DAMAGE, "1 of 1 piece(s) damaged"),
        ExceptionFinding("W4", MISMATCH, "waybill information inaccurate: wrong destination"),
    ]
    assert inspect_goods([Inspected("W1", 3, waybill_issue="  ")]) == []


@pytest.mark.parametrize("damaged", [-1, 4])
def test_damaged_pieces_are_between_none_and_all_received(damaged: int) -> None:
    with pytest.raises(DomainError) as bad:
        inspect_goods([Inspected("W1", 3, damaged=damaged)])
    assert bad.value.field == "received" and "W1" in bad.value.detail
