"""The stations' evaluation (监督考评联盟质量运营): the prohibitions as a register of violations
and the monthly compliance report per branch."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    DomainError,
    Violation,
    ViolationKind,
    monthly_compliance,
    parse_month,
    record_violation,
)

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
