"""The monthly unreturned-receipt report per region and its proposed penalties (§4.3)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    Explanation,
    LateCause,
    LogisticsRules,
    Receipt,
    ReceiptOwner,
    ReceiptRequirements,
    RegionLine,
    advance_receipt,
    lost_receipt_split,
    mark_receipt_lost,
    monthly_receipts_report,
    parse_month,
    register_abnormal,
    report_csv,
    resolve_abnormal,
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
            hard_breaches=1,  # counted; the manual's 100 yuan is for abnormal signings
            overdue_penalty_fen=10_000,  # E1, E2 went overdue in November: 2 x 50 yuan
            penalties_fen=10_000,
            overdue_waybills=("E1", "E2"),
            late=2,
            chase_penalty_waybills=("E1", "E2"),
        ),
        RegionLine(
            region="west",
            month="2026-11",
            unreturned=3,
            overdue=3,
            hard_breaches=0,
            overdue_penalty_fen=10_000,  # W1, W4; W2 went overdue in October (charged then)
            lost=1,
            lost_staff_fen=5_000,  # 50 % of 100.01 yuan, the odd fen to the company
            lost_company_fen=5_001,
            penalties_fen=15_000,
            overdue_waybills=("W1", "W2", "W4"),
            late=2,
            chase_penalty_waybills=("W1", "W4"),
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
    east = monthly_receipts_report(
        data_set(), "2026-11", rules, region="east", abnormal=[ABNORMAL_LATE]
    )[0]
    assert east.penalties_fen == 2 * 2_000 + 30_000


ABNORMAL_LATE = register_abnormal(
    "a2", "E3", "east", ReceiptStep.RECEIVED, ["the ID number is missing"], t(11, 20)
)


def test_duty_monthly_penalties_follow_the_manual_on_a_known_data_set() -> None:
    """回单管理及签收标准考核 6)–8), worked by hand for November 2026:
    east — E1 and E2 went overdue in November; the region explains E2 (the consignee kept it):
    excused, E1 costs its owner 50 yuan. Abnormal receipts: A1 (found at the destination on
    Nov 10, signed again Nov 12) costs nothing; A2 (found only at the origin) 100 yuan; A5
    (found Oct 30, never signed again: deadline Nov 2) 100 yuan in November.
    west — W1 (explained: poor chasing) and W4 went overdue: 2 x 50; A3 (found Nov 27 noon, not
    signed again by Nov 30 noon) 100 yuan; A4 (found Nov 29: deadline Dec 2) not yet; W4's
    loss: 50 % of 100.01 yuan."""
    abnormal = [
        resolve_abnormal(
            register_abnormal("a1", "E4", "east", ReceiptStep.SIGNED, ["stamp"], t(11, 10)),
            t(11, 12),
        ),
        ABNORMAL_LATE,
        register_abnormal("a3", "W1", "west", ReceiptStep.SIGNED, ["copies"], t(11, 27)),
        register_abnormal("a4", "W3", "west", ReceiptStep.SIGNED, ["copies"], t(11, 29)),
        register_abnormal("a5", "E1", "east", ReceiptStep.SIGNED, ["stamp"], t(10, 30)),
    ]
    told = {
        "E2": Explanation("E2", LateCause.CONSIGNEE, "收货人扣留回单", "mgr", t(12, 1)),
        "W1": Explanation("W1", LateCause.CHASING, "未及时催收", "mgr", t(12, 1)),
    }
    east, west = monthly_receipts_report(
        data_set(), "2026-11", abnormal=abnormal, explanations=told
    )
    assert (east.late, east.chase_penalty_waybills, east.excused_waybills) == (2, ("E1",), ("E2",))
    assert (east.abnormal, east.abnormal_penalty_waybills) == (2, ("E1", "E3"))
    assert (east.overdue_penalty_fen, east.abnormal_penalty_fen) == (5_000, 20_000)
    assert (east.hard_breaches, east.hard_breach_penalty_fen) == (1, 0)
    assert east.penalties_fen == 25_000
    assert east.explanations == (told["E2"],)
    assert (west.chase_penalty_waybills, west.excused_waybills) == (("W1", "W4"), ())
    assert (west.abnormal, west.abnormal_penalty_waybills) == (2, ("W1",))
    assert west.penalties_fen == 10_000 + 10_000 + 5_000
    assert west.explanations == (told["W1"],)


def test_a_month_still_running_counts_only_what_has_happened() -> None:
    """Asked on Nov 28 at noon: W1 went overdue on the 27th (charged); A3's deadline (Nov 30)
    has not come, so it is not yet a penalty."""
    a3 = register_abnormal("a3", "W1", "west", ReceiptStep.SIGNED, ["copies"], t(11, 27))
    (west,) = monthly_receipts_report(
        data_set(), "2026-11", region="west", abnormal=[a3], now=t(11, 28)
    )
    assert (west.chase_penalty_waybills, west.abnormal_penalty_fen) == (("W1", "W4"), 0)
    assert west.abnormal == 1
    with pytest.raises(ValueError, match="now must carry a UTC offset"):
        monthly_receipts_report(data_set(), "2026-11", now=datetime(2026, 11, 28))


def test_a_receipt_is_charged_once_in_the_month_it_went_overdue() -> None:
    """50元/票: a receipt out for three months costs its owner 50 yuan once, in the month it went
    overdue, though it is listed as overdue at the end of each."""
    r = receipt("X", "east", 0, t(9, 25))  # due Oct 5, overdue from Oct 6
    for month, charged in (("2026-10", ("X",)), ("2026-11", ()), ("2026-12", ())):
        (line,) = monthly_receipts_report([r], month)
        assert (line.overdue, line.chase_penalty_waybills) == (1, charged), month
    back_late = returned(r, t(10, 9))
    (october,) = monthly_receipts_report([back_late], "2026-10")
    assert (october.overdue, october.late, october.chase_penalty_waybills) == (0, 1, ("X",))
    on_time = returned(r, t(10, 5, 23, 59))
    assert monthly_receipts_report([on_time], "2026-10")[0].late == 0


def test_report_csv() -> None:
    csv_text = report_csv(monthly_receipts_report(data_set(), "2026-11"))
    rows = csv_text.splitlines()
    assert rows[0] == (
        "region,month,unreturned,overdue,hard_breaches,overdue_penalty_fen,"
        "hard_breach_penalty_fen,lost,lost_staff_fen,lost_company_fen,penalties_fen,"
        "overdue_waybills,late,chase_penalty_waybills,excused_waybills,abnormal,"
        "abnormal_penalty_fen,abnormal_penalty_waybills,owner,superior"
    )
    assert rows[1] == "east,2026-11,3,2,1,10000,0,0,0,0,10000,E1 E2,2,E1 E2,,0,0,,,"
    assert rows[2] == "west,2026-11,3,3,0,10000,0,1,5000,5001,15000,W1 W2 W4,2,W1 W4,,0,0,,,"
    owners = {"west": ReceiptOwner("west", "clerk-w", "王回单", "boss-w", "李经理")}
    named = report_csv(monthly_receipts_report(data_set(), "2026-11", owners=owners))
    assert named.splitlines()[2].endswith(",W1 W4,,0,0,,clerk-w,boss-w")
    assert named.splitlines()[1].endswith(",,")


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
