"""Shippers as customers (客服的工作内容 6), 8), 12); 客服工作的目的 6), 7)): the monthly return
visits to every key customer and some new ones, compiled for the supervisor with the
satisfaction they gave; the shipper's file kept up to date; long-term rates; data given to
another department only with a superior's approval."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from .errors import INVALID_VALUE, WRONG_STATE, DomainError
from .rules import check_aware

# Our reading of 部分新客户: up to this many of the shippers first registered the month before.
NEW_CUSTOMERS_PER_MONTH: Final = 10
SATISFIED_FROM: Final = 4  # a score of 4 or 5 (of 1–5) is satisfied


class VisitKind(StrEnum):
    """Why a shipper is on the month's visit list."""

    KEY = "key"  # 重点客户: every month
    NEW = "new"  # 部分新客户: a sample of last month's new shippers


@dataclass(frozen=True, slots=True)
class Candidate:
    """A shipper the month's list may take: key customer or not, and when it was registered."""

    shipper_id: str
    key_customer: bool
    registered_at: datetime


def _draw(month: str, shipper_id: str) -> str:
    """A stable, even order within a month: the same list however often it is asked for."""
    return hashlib.sha256(f"{month}:{shipper_id}".encode()).hexdigest()


def visit_list(
    candidates: Iterable[Candidate],
    month: str,
    new_since: datetime,
    new_before: datetime,
    new_per_month: int = NEW_CUSTOMERS_PER_MONTH,
) -> list[tuple[str, VisitKind]]:
    """每月定期对重点客户及部分新客户进行回访: every key customer, and up to `new_per_month` of
    the others registered in [new_since, new_before) (the month before), drawn evenly but the
    same each time; key customers first, then the new ones, each by id."""
    check_aware(new_since, "new_since")
    check_aware(new_before, "new_before")
    if new_per_month < 0:
        raise DomainError(INVALID_VALUE, "the sample of new customers cannot be negative")
    key: list[str] = []
    new: list[str] = []
    for c in candidates:
        if c.key_customer:
            key.append(c.shipper_id)
        elif new_since <= c.registered_at < new_before:
            new.append(c.shipper_id)
    drawn = sorted(new, key=lambda sid: _draw(month, sid))[:new_per_month]
    return [(s, VisitKind.KEY) for s in sorted(key)] + [(s, VisitKind.NEW) for s in sorted(drawn)]


@dataclass(frozen=True, slots=True)
class Visit:
    """One return visit: reached or not, the satisfaction (1–5) and what the customer said."""

    shipper_id: str
    month: str
    kind: VisitKind
    reached: bool
    satisfaction: int | None
    feedback: str
    by: str
    at: datetime
    branch: str | None = None  # the shipper's branch, whose evaluation the score feeds


def record_visit(
    shipper_id: str,
    month: str,
    kind: VisitKind,
    reached: bool,
    satisfaction: int | None,
    feedback: str,
    by: str,
    at: datetime,
) -> Visit:
    """A visit as the rules take it: a satisfaction of 1–5 only from a customer reached."""
    check_aware(at, "at")
    if satisfaction is not None and not reached:
        raise DomainError(
            INVALID_VALUE, "a customer not reached gave no satisfaction", "satisfaction"
        )
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise DomainError(INVALID_VALUE, "satisfaction is scored 1 to 5", "satisfaction")
    return Visit(shipper_id, month, kind, reached, satisfaction, feedback.strip(), by, at)


@dataclass(frozen=True, slots=True)
class SatisfactionLine:
    """The satisfaction of one group of visits (all, a kind, or a branch's shippers)."""

    group: str
    visited: int = 0
    reached: int = 0
    scored: int = 0
    average: float | None = None  # of the scores given, 2 decimals
    satisfied: int = 0  # scores of 4 or 5
    scores: dict[int, int] = field(default_factory=lambda: {n: 0 for n in range(1, 6)})


def _line(group: str, visits: Sequence[Visit]) -> SatisfactionLine:
    """Count one group of visits."""
    given = [v.satisfaction for v in visits if v.satisfaction is not None]
    scores = {n: given.count(n) for n in range(1, 6)}
    return SatisfactionLine(
        group=group,
        visited=len(visits),
        reached=sum(1 for v in visits if v.reached),
        scored=len(given),
        average=round(sum(given) / len(given), 2) if given else None,
        satisfied=sum(1 for s in given if s >= SATISFIED_FROM),
        scores=scores,
    )


@dataclass(frozen=True, slots=True)
class VisitReport:
    """整理递交主管: the month's visits compiled — how many of the list were visited, the
    satisfaction overall, by kind and by the shippers' branch (考评数据), every feedback."""

    month: str
    listed: int
    total: SatisfactionLine
    by_kind: list[SatisfactionLine]
    by_branch: list[SatisfactionLine]
    feedback: list[Visit]
    not_visited: list[str]


def visit_report(month: str, listed: Sequence[str], visits: Sequence[Visit]) -> VisitReport:
    """The month's compilation for the supervisor; a shipper visited twice counts its last."""
    last: dict[str, Visit] = {}
    for v in sorted(visits, key=lambda v: v.at):
        if v.month == month:
            last[v.shipper_id] = v
    done = list(last.values())
    branches = sorted({v.branch or "-" for v in done})
    return VisitReport(
        month=month,
        listed=len(listed),
        total=_line("all", done),
        by_kind=[_line(k.value, [v for v in done if v.kind is k]) for k in VisitKind],
        by_branch=[_line(b, [v for v in done if (v.branch or "-") == b]) for b in branches],
        feedback=sorted((v for v in done if v.feedback), key=lambda v: (v.at, v.shipper_id)),
        not_visited=sorted(s for s in listed if s not in last),
    )


class RateUnit(StrEnum):
    """What a long-term rate is charged by."""

    KG = "kg"
    TON = "ton"
    M3 = "m3"
    PIECE = "piece"


@dataclass(frozen=True, slots=True)
class Rate:
    """A long-term rate agreed with a shipper (长期合作的运价) on one lane, from a day on."""

    shipper_id: str
    origin: str
    destination: str
    unit: RateUnit
    price_fen: int
    valid_from: date
    valid_to: date | None = None  # the last day it applies; open-ended when None
    min_charge_fen: int = 0


def agree_rate(r: Rate) -> Rate:
    """A rate the rules accept: a positive price, a lane between two branches, a period that
    ends on or after it starts."""
    if r.price_fen <= 0:
        raise DomainError(INVALID_VALUE, "a rate's price must be positive", "price_fen")
    if r.min_charge_fen < 0:
        raise DomainError(INVALID_VALUE, "a minimum charge cannot be negative", "min_charge_fen")
    if r.origin == r.destination:
        raise DomainError(INVALID_VALUE, "a lane goes to another branch", "destination")
    if r.valid_to is not None and r.valid_to < r.valid_from:
        raise DomainError(INVALID_VALUE, "a rate cannot end before it starts", "valid_to")
    return r


def rate_on(
    rates: Iterable[Rate], origin: str, destination: str, unit: RateUnit, day: date
) -> Rate | None:
    """The rate in force on a lane and day: of those covering it, the one that started last."""
    found = [
        r
        for r in rates
        if (r.origin, r.destination, r.unit) == (origin, destination, unit)
        and r.valid_from <= day
        and (r.valid_to is None or day <= r.valid_to)
    ]
    return max(found, key=lambda r: r.valid_from, default=None)


class RequestStatus(StrEnum):
    """A data request's way: asked, then approved or rejected by a superior, then provided."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PROVIDED = "provided"


@dataclass(frozen=True, slots=True)
class DataRequest:
    """内部沟通协调: another department asks for data; given only with a superior's approval."""

    request_id: str
    department: str
    scope: str
    purpose: str
    requested_by: str
    requested_at: datetime
    status: RequestStatus = RequestStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str = ""
    provided_by: str | None = None
    provided_at: datetime | None = None


def decide_request(
    req: DataRequest, by: str, approve: bool, note: str, at: datetime
) -> DataRequest:
    """经上级同意: a superior (never the one who asked) approves or rejects a pending request."""
    check_aware(at, "at")
    if req.status is not RequestStatus.PENDING:
        raise DomainError(
            WRONG_STATE, f"data request {req.request_id} is {req.status.value}, not pending"
        )
    if by == req.requested_by:
        raise DomainError(
            WRONG_STATE, "whoever asked for the data cannot approve their own request"
        )
    status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    return replace(req, status=status, decided_by=by, decided_at=at, decision_note=note.strip())


def provide_data(req: DataRequest, by: str, at: datetime) -> DataRequest:
    """The data goes out only once a superior approved the request."""
    check_aware(at, "at")
    if req.status is not RequestStatus.APPROVED:
        raise DomainError(
            WRONG_STATE,
            f"data request {req.request_id} is {req.status.value}: data is provided only "
            "after a superior approved it",
        )
    return replace(req, status=RequestStatus.PROVIDED, provided_by=by, provided_at=at)
