"""The stations' evaluation: the customer-service prohibitions (客服工作禁令) as a register of
violations per branch with its monthly compliance report, and each station's monthly scorecard
(监督考评联盟质量运营)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from shared.calendar import start_of_local_day
from shared.contracts.values import ExceptionKind

from .errors import INVALID_VALUE, DomainError
from .penalties import went_overdue_on
from .receipts import Receipt
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


@dataclass(frozen=True, slots=True)
class StationScore:
    """One station's month (监督考评联盟质量运营): what went wrong there, counted."""

    station: str
    delays: int = 0  # delay reports naming it as the station to call
    exceptions: dict[str, int] = field(default_factory=dict)  # registered there, by kind
    truck_checks: int = 0
    truck_findings: int = 0
    receipts_late: int = 0  # receipts it was the destination of that went overdue
    receipts_abnormal: int = 0  # abnormal receipts of its deliveries found this month
    abnormal_missed: int = 0  # of those, found only at the origin (its check missed them)
    violations: int = 0
    complaints: int = 0  # complaints about shipments there or heading there when they opened

    @property
    def exceptions_total(self) -> int:
        """Exceptions of every kind."""
        return sum(self.exceptions.values())


def late_by_destination(
    receipts: Iterable[tuple[str, Receipt]], start: datetime, end: datetime
) -> Counter[str]:
    """Receipts that went overdue within [start, end) (their first overdue day), per destination."""
    late: Counter[str] = Counter()
    for destination, r in receipts:
        day = went_overdue_on(r)
        if day is not None and start <= start_of_local_day(day) < end:
            late[destination] += 1
    return late


def station_scorecards(
    *,
    delays: Mapping[str, int],
    exceptions: Iterable[tuple[str, str, int]],
    truck_checks: Mapping[str, tuple[int, int]],
    receipts_late: Mapping[str, int],
    abnormal: Mapping[str, tuple[int, int]],
    violations: Mapping[str, int],
    complaints: Mapping[str, int] | None = None,
) -> list[StationScore]:
    """Every station with anything to count this month, by station code."""
    complaints = complaints or {}
    by_kind: dict[str, dict[str, int]] = {}
    for station, kind, n in exceptions:
        kinds = by_kind.setdefault(station, {k.value: 0 for k in ExceptionKind})
        kinds[kind] = kinds.get(kind, 0) + n
    stations = (
        delays.keys()
        | by_kind.keys()
        | truck_checks.keys()
        | receipts_late.keys()
        | abnormal.keys()
        | violations.keys()
        | complaints.keys()
    )
    cards = []
    for s in sorted(stations):
        checks, findings = truck_checks.get(s, (0, 0))
        found, missed = abnormal.get(s, (0, 0))
        cards.append(
            StationScore(
                station=s,
                delays=delays.get(s, 0),
                exceptions=by_kind.get(s, {k.value: 0 for k in ExceptionKind}),
                truck_checks=checks,
                truck_findings=findings,
                receipts_late=receipts_late.get(s, 0),
                receipts_abnormal=found,
                abnormal_missed=missed,
                violations=violations.get(s, 0),
                complaints=complaints.get(s, 0),
            )
        )
    return cards
