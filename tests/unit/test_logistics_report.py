"""The monthly unreturned-receipt report per region and its proposed penalties (§4.3)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    LogisticsRules,
    Receipt,
    ReceiptRequirements,
    RegionLine,
    advance_receipt,
    lost_receipt_split,
    mark_receipt_lost,
    monthly_receipts_report,
    parse_month,
    report_csv,
    start_receipt_clock,
)
from shared.contracts.values import ReceiptStep

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
REQUIRED = ReceiptRequirements(required=True)


def t(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def receipt(
    waybill: str, region: str, transfers: int, arrival: datetime, required: bool = True
) -> Receipt:
    req = REQUIRED if required else ReceiptRequirements(required=False)
    return start_receipt_clock(Receipt(waybill, region, "SH01", transfers, req), arrival)


def returned(r: Receipt, at: datetime) -> Receipt:
    for step in (ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED):
        r = advance_receipt(r, step, at)
    return r


def data_set() -> list[Receipt]:
    return [
        # east
        receipt("E1", "east", 0, t(10, 25)),  # due Nov 4: overdue at month end
        receipt("E2", "east", 2, t(11, 2)),  # due Nov 22, hard limit Nov 27: hard breach
        receipt("E3", "east", 1, t(11, 20)),  # due Dec 5: out but not late
        returned(receipt("E4", "east", 0, t(11, 1)), t(11, 8)),  # back in time
        receipt("E5", "east", 0, t(10, 1), required=False),  # no receipt asked for
        # west
        receipt("W1", "west", 2, t(11, 6)),  # due Nov 26, hard limit Dec 1: overdue only
        returned(receipt("W2", "west", 0, t(10, 10)), t(12, 2)),  # back only in December
        receipt("W3", "west", 0, t(12, 1, 0, 30)),  # arrived after the month
        mark_receipt_lost(receipt("W4", "west", 0, t(11, 1, 23, 30)), 10_001, t(11, 25)),
    ]


def test_monthly_report_on_a_known_data_set() -> None:
    lines = monthly_receipts_report(data_set(), "2026-11")
    assert lines == [
        RegionLine(
            region="east",
            month="2026-11",
            unreturned=3,
            overdue=2,
            hard_breaches=1,
            overdue_penalty_fen=10_000,  # 2 x 50 yuan
            hard_breach_penalty_fen=10_000,  # 1 x 100 yuan
            penalties_fen=20_000,
            overdue_waybills=("E1", "E2"),
        ),
        RegionLine(
            region="west",
            month="2026-11",
            unreturned=3,
            overdue=3,
            hard_breaches=0,
            overdue_penalty_fen=15_000,
            lost=1,
            lost_staff_fen=5_000,  # 50 % of 100.01 yuan, the odd fen to the company
            lost_company_fen=5_001,
            penalties_fen=20_000,
            overdue_waybills=("W1", "W2", "W4"),
        ),
    ]


def test_report_filtered_to_one_region() -> None:
    lines = monthly_receipts_report(data_set(), "2026-11", region="west")
    assert [line.region for line in lines] == ["west"]


def test_two_transfer_receipt_is_a_hard_breach_only_after_day_25() -> None:
    # Arrived Oct 6: hard limit Oct 31, so on Oct 31 (month end) it is overdue, not yet a breach.
    october = monthly_receipts_report([receipt("X", "east", 2, t(10, 6))], "2026-10")
    assert (october[0].overdue, october[0].hard_breaches) == (1, 0)
    november = monthly_receipts_report([receipt("X", "east", 2, t(10, 6))], "2026-11")
    assert (november[0].overdue, november[0].hard_breaches) == (1, 1)


def test_penalty_amounts_are_configurable() -> None:
    rules = LogisticsRules(penalty_overdue_fen=2_000, penalty_abnormal_fen=30_000)
    east = monthly_receipts_report(data_set(), "2026-11", rules, region="east")[0]
    assert east.penalties_fen == 2 * 2_000 + 30_000


def test_report_csv() -> None:
    csv_text = report_csv(monthly_receipts_report(data_set(), "2026-11"))
    rows = csv_text.splitlines()
    assert rows[0] == (
        "region,month,unreturned,overdue,hard_breaches,overdue_penalty_fen,"
        "hard_breach_penalty_fen,lost,lost_staff_fen,lost_company_fen,penalties_fen,"
        "overdue_waybills"
    )
    assert rows[1] == "east,2026-11,3,2,1,10000,10000,0,0,0,20000,E1 E2"
    assert rows[2] == "west,2026-11,3,3,0,15000,0,1,5000,5001,20000,W1 W2 W4"


def test_lost_receipt_split_half_and_half_odd_fen_to_the_company() -> None:
    assert lost_receipt_split(10_000) == (5_000, 5_000)
    assert lost_receipt_split(10_001) == (5_000, 5_001)
    assert lost_receipt_split(1) == (0, 1)
    assert lost_receipt_split(0) == (0, 0)
    with pytest.raises(ValueError):
        lost_receipt_split(-1)


def test_parse_month_in_shanghai() -> None:
    assert parse_month("2026-11") == (t(11, 1, 0), t(12, 1, 0))
    assert parse_month("2026-12") == (t(12, 1, 0), datetime(2027, 1, 1, tzinfo=SH))
    start, _ = parse_month("2026-02")
    assert start.date() == date(2026, 2, 1)


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-11", "2026/11", ""])
def test_bad_months_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_month(bad)
