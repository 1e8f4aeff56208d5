"""The stations' evaluation (监督考评联盟质量运营): the prohibitions as a register of violations
and the monthly compliance report per branch."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    DomainError,
    Receipt,
    ReceiptRequirements,
    StationScore,
    Violation,
    ViolationKind,
    advance_receipt,
    late_by_destination,
    monthly_compliance,
    parse_month,
    record_violation,
    start_receipt_clock,
    station_scorecards,
)
from shared.contracts.values import ReceiptStep

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
START, END = parse_month("2026-11")


def v(branch: str, kind: ViolationKind, at: datetime) -> Violation:
    return record_violation(f"v-{branch}-{at:%d%H}", branch, "east", kind, "what happened", at)


def test_duty_the_eight_prohibitions_are_the_kinds_of_violation() -> None:
    """客服工作禁令 1)–8): 追踪不及时, 异常记录不反馈, 不采取补救措施, 网点违规操作不处理不反馈, 追踪记事
    不真实, 语气生硬, 对客户不礼貌, 日常工作不记录."""
    assert [k.value for k in ViolationKind] == [
        "tracking_late",
        "exception_not_reported",
        "not_remedied",
        "branch_not_acting",
        "untrue_record",
        "harsh_tone",
        "rude_to_customer",
        "work_not_recorded",
    ]


def test_duty_monthly_compliance_counts_each_branchs_violations_by_prohibition() -> None:
    """Per branch, the month's violations by prohibition; the month runs midnight to midnight in
    Shanghai; a named branch with none is compliant."""
    found = [
        v("SH01", ViolationKind.TRACKING_LATE, START),
        v("SH01", ViolationKind.TRACKING_LATE, datetime(2026, 11, 15, 9, tzinfo=SH)),
        v("SH01", ViolationKind.RUDE_TO_CUSTOMER, END - timedelta(microseconds=1)),
        v("BJ02", ViolationKind.BRANCH_NOT_ACTING, datetime(2026, 11, 3, 9, tzinfo=SH)),
        v("BJ02", ViolationKind.NOT_REMEDIED, END),  # December
        v("GZ03", ViolationKind.HARSH_TONE, START - timedelta(microseconds=1)),  # October
    ]
    lines = monthly_compliance(found, START, END, branches=["CD04"])
    assert [(x.branch, x.total, x.compliant) for x in lines] == [
        ("BJ02", 1, False),
        ("CD04", 0, True),
        ("SH01", 3, False),  # GZ03's only violation was in October
    ]
    sh = lines[-1].by_kind
    assert list(sh) == [k.value for k in ViolationKind]
    assert (sh["tracking_late"], sh["rude_to_customer"], sh["harsh_tone"]) == (2, 1, 0)


def test_a_violation_says_what_happened_at_an_aware_time() -> None:
    with pytest.raises(DomainError) as bad:
        record_violation("x", "SH01", "east", ViolationKind.HARSH_TONE, "  ", START)
    assert bad.value.field == "note"
    with pytest.raises(ValueError, match="at must carry a UTC offset"):
        record_violation("x", "SH01", "east", ViolationKind.HARSH_TONE, "-", datetime(2026, 11, 1))


def test_duty_each_station_gets_a_monthly_scorecard_of_what_went_wrong_there() -> None:
    """监督考评联盟质量运营: per station, the month's delays, exceptions by kind, truck checks and
    their findings, late and abnormal receipts of its deliveries, violations — every station
    with anything to count, by code."""
    lines = station_scorecards(
        delays={"WH01": 3},
        exceptions=[("WH01", "damage", 2), ("WH01", "shortage", 1), ("CD01", "mismatch", 1)],
        truck_checks={"WH01": (4, 3)},
        receipts_late={"CD01": 2},
        abnormal={"CD01": (3, 1)},
        violations={"BJ02": 1},
    )
    assert [x.station for x in lines] == ["BJ02", "CD01", "WH01"]
    bj, cd, wh = lines
    assert (bj.violations, bj.exceptions_total, bj.delays) == (1, 0, 0)
    assert bj.exceptions == {"damage": 0, "shortage": 0, "mismatch": 0}
    assert (cd.receipts_late, cd.receipts_abnormal, cd.abnormal_missed) == (2, 3, 1)
    assert cd.exceptions == {"damage": 0, "shortage": 0, "mismatch": 1}
    assert (wh.delays, wh.exceptions_total, wh.truck_checks, wh.truck_findings) == (3, 3, 4, 3)
    assert wh.exceptions == {"damage": 2, "shortage": 1, "mismatch": 0}


def test_a_receipt_counts_late_for_its_destination_in_the_month_it_went_overdue() -> None:
    """A receipt due Oct 31 went overdue Nov 1 (November's); one due Nov 30 went overdue Dec 1;
    one back by its due day never did."""
    req = ReceiptRequirements(required=True)

    def due(on: int, month: int = 11, back: bool = False) -> Receipt:
        arrival = datetime(2026, month, on, 12, tzinfo=SH) - timedelta(days=10)
        r = start_receipt_clock(Receipt("W", "east", "SH01", 0, req), arrival)
        if back:
            for step in (ReceiptStep.SIGNED, ReceiptStep.SENT, ReceiptStep.RECEIVED):
                r = advance_receipt(r, step, arrival + timedelta(days=2))
        return r

    late = late_by_destination(
        [
            ("CD01", due(31, 10)),
            ("CD01", due(15)),
            ("CD01", due(30)),
            ("BJ02", due(10, back=True)),
            ("BJ02", due(12)),
        ],
        START,
        END,
    )
    assert late == {"CD01": 2, "BJ02": 1}


def test_a_violation_keeps_who_where_and_what_it_concerns() -> None:
    got = record_violation(
        "v9", "SH01", "east", ViolationKind.UNTRUE_RECORD, " no call made ", START, "WB7", "cs-2"
    )
    assert got == Violation(
        "v9", "SH01", "east", ViolationKind.UNTRUE_RECORD, "no call made", START, "WB7", "cs-2"
    )


def test_every_station_named_by_any_one_count_gets_a_card_with_zeros_elsewhere() -> None:
    """A station counted in one column only is still listed, every other column 0; exceptions
    of one kind registered in several lines add up, a kind the list does not know is kept."""
    zero = {"damage": 0, "shortage": 0, "mismatch": 0}
    lines = station_scorecards(
        delays={"D1": 2},
        exceptions=[("E1", "damage", 2), ("E1", "damage", 3), ("E1", "theft", 1)],
        truck_checks={"T1": (5, 2)},
        receipts_late={"R1": 4},
        abnormal={"A1": (3, 1)},
        violations={"V1": 6},
    )
    assert lines == [
        StationScore("A1", exceptions=zero, receipts_abnormal=3, abnormal_missed=1),
        StationScore("D1", delays=2, exceptions=zero),
        StationScore("E1", exceptions={**zero, "damage": 5, "theft": 1}),
        StationScore("R1", exceptions=zero, receipts_late=4),
        StationScore("T1", exceptions=zero, truck_checks=5, truck_findings=2),
        StationScore("V1", exceptions=zero, violations=6),
    ]
    assert lines[2].exceptions_total == 6
