"""The customer-service prohibitions (客服工作禁令) as a register of violations per branch, and
the monthly compliance report built from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .errors import INVALID_VALUE, DomainError
from .rules import check_aware


class ViolationKind(StrEnum):
    """客服工作禁令 1)–8), in the manual's order."""

    TRACKING_LATE = "tracking_late"  # 禁止追踪不及时
    EXCEPTION_NOT_REPORTED = "exception_not_reported"  # 禁止异常记录不反馈
    NOT_REMEDIED = "not_remedied"  # 禁止出现异常情况不采取补救措施
    BRANCH_NOT_ACTING = "branch_not_acting"  # 禁止各网点违规操作,不处理、不反馈
    UNTRUE_RECORD = "untrue_record"  # 禁止追踪记事(不)真实
    HARSH_TONE = "harsh_tone"  # 禁止沟通不融合、语气生硬
    RUDE_TO_CUSTOMER = "rude_to_customer"  # 禁止对客户不礼貌,甚至辱骂客户
    WORK_NOT_RECORDED = "work_not_recorded"  # 禁止日常工作不记录


@dataclass(frozen=True, slots=True)
class Violation:
    """One breach of a prohibition by a branch (and a person, when known)."""

    violation_id: str
    branch: str
    region: str
    kind: ViolationKind
    note: str
    at: datetime
    waybill: str | None = None
    staff: str | None = None


def record_violation(
    violation_id: str,
    branch: str,
    region: str,
    kind: ViolationKind,
    note: str,
    at: datetime,
    waybill: str | None = None,
    staff: str | None = None,
) -> Violation:
    """A violation as the supervisor records it: what happened, in words."""
    check_aware(at, "at")
    if not note.strip():
        raise DomainError(INVALID_VALUE, "say what happened", "note")
    return Violation(violation_id, branch, region, kind, note.strip(), at, waybill, staff)


@dataclass(frozen=True, slots=True)
class ComplianceLine:
    """One branch's month: violations per prohibition."""

    branch: str
    total: int
    by_kind: dict[str, int] = field(default_factory=dict)
    compliant: bool = True


def monthly_compliance(
    violations: Iterable[Violation], start: datetime, end: datetime, branches: Iterable[str] = ()
) -> list[ComplianceLine]:
    """Per branch, the month's violations counted by prohibition (every prohibition listed, in
    order); a branch named in `branches` with none is listed as compliant."""
    counts: dict[str, Counter[ViolationKind]] = {b: Counter() for b in branches}
    for v in violations:
        if start <= v.at < end:
            counts.setdefault(v.branch, Counter())[v.kind] += 1
    return [
        ComplianceLine(
            branch=b,
            total=sum(c.values()),
            by_kind={k.value: c[k] for k in ViolationKind},
            compliant=not c,
        )
        for b, c in sorted(counts.items())
    ]
