"""What fell due in a month and what became of it: the stage deadlines (met, missed, still
open past their bound) and the payment plan's instalments (paid, outstanding, overdue), per
branch and per person who owes them, `now` passed in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from shared.contracts.values import Deadline

from .errors import require_aware
from .money import PLAN_INSTALLMENTS, PlannedInstallment, is_overdue


class Outcome(StrEnum):
    """What became of a deadline as of now."""

    MET = "met"  # its fact came before the bound
    LATE = "late"  # its fact came at or after the bound: missed, then done
    OPEN_PAST_DUE = "open_past_due"  # the bound passed without the fact: missed, still open
    PENDING = "pending"  # the bound has not come yet


@dataclass(frozen=True)
class DueDeadline:
    """One started deadline of a project, with its branch and the person who owes it."""

    project_id: str
    branch_id: str | None
    kind: Deadline
    responsible: str | None
    due_at: datetime
    due_on: date
    satisfied_at: datetime | None = None


def outcome(deadline: DueDeadline, now: datetime) -> Outcome:
    """Met, late, open past its bound, or pending, as of `now`."""
    require_aware(now, "now")
    if deadline.satisfied_at is not None:
        return Outcome.MET if deadline.satisfied_at < deadline.due_at else Outcome.LATE
    return Outcome.OPEN_PAST_DUE if now >= deadline.due_at else Outcome.PENDING


@dataclass(frozen=True)
class DeadlineTally:
    """Deadlines due: met, missed (late or still open past the bound), of which still open,
    and pending (due = met + missed + pending)."""

    due: int = 0
    met: int = 0
    missed: int = 0
    open_past_due: int = 0
    pending: int = 0

    def add(self, found: Outcome) -> DeadlineTally:
        """This tally with one more deadline of that outcome."""
        missed = found in (Outcome.LATE, Outcome.OPEN_PAST_DUE)
        return DeadlineTally(
            self.due + 1,
            self.met + (found == Outcome.MET),
            self.missed + missed,
            self.open_past_due + (found == Outcome.OPEN_PAST_DUE),
            self.pending + (found == Outcome.PENDING),
        )


T = TypeVar("T")


def _ordered(totals: dict[str | None, T]) -> list[tuple[str | None, T]]:
    # At most one key is None (no branch, nobody assigned); it goes last, never compared.
    return sorted(totals.items(), key=lambda kv: (kv[0] is None, kv[0]))


def in_month(day: date | None, first: date, last: date) -> bool:
    """Whether a due day lies in the month [first, last]."""
    return day is not None and first <= day <= last


@dataclass(frozen=True)
class DeadlineReport:
    """A month's deadlines in total, per branch, per responsible person, and the missed ones."""

    total: DeadlineTally
    by_branch: list[tuple[str | None, DeadlineTally]]
    by_person: list[tuple[str | None, DeadlineTally]]
    missed: list[tuple[DueDeadline, Outcome]]


def deadline_report(
    deadlines: Iterable[DueDeadline], first: date, last: date, now: datetime
) -> DeadlineReport:
    """The deadlines whose last on-time day lies in [first, last], tallied as of `now`; the
    missed ones by due day, project and kind."""
    total = DeadlineTally()
    branches: dict[str | None, DeadlineTally] = {}
    people: dict[str | None, DeadlineTally] = {}
    missed: list[tuple[DueDeadline, Outcome]] = []
    for d in deadlines:
        if not in_month(d.due_on, first, last):
            continue
        found = outcome(d, now)
        total = total.add(found)
        branches[d.branch_id] = branches.get(d.branch_id, DeadlineTally()).add(found)
        people[d.responsible] = people.get(d.responsible, DeadlineTally()).add(found)
        if found in (Outcome.LATE, Outcome.OPEN_PAST_DUE):
            missed.append((d, found))
    missed.sort(key=_missed_order)
    return DeadlineReport(total, _ordered(branches), _ordered(people), missed)


def _missed_order(item: tuple[DueDeadline, Outcome]) -> tuple[date, str, str]:
    d = item[0]
    return d.due_on, d.project_id, d.kind.value


@dataclass(frozen=True)
class ProjectPlan:
    """One contracted project's instalments, with its branch and project manager."""

    project_id: str
    branch_id: str | None
    project_manager: str | None
    installments: Sequence[PlannedInstallment]


@dataclass(frozen=True)
class PaymentTally:
    """Instalments due in the month: how many, their amount, paid, outstanding; and the overdue
    ones (due by the month's end, bound passed, not fully paid): how many, what they still owe."""

    due: int = 0
    due_fen: int = 0
    paid_fen: int = 0
    outstanding_fen: int = 0
    overdue: int = 0
    overdue_fen: int = 0

    def plus(self, other: PaymentTally) -> PaymentTally:
        """The two tallies added."""
        return PaymentTally(
            self.due + other.due,
            self.due_fen + other.due_fen,
            self.paid_fen + other.paid_fen,
            self.outstanding_fen + other.outstanding_fen,
            self.overdue + other.overdue,
            self.overdue_fen + other.overdue_fen,
        )


@dataclass(frozen=True)
class OverdueInstallment:
    """An instalment past its bound and not fully paid, to be chased."""

    project: ProjectPlan
    installment: PlannedInstallment


@dataclass(frozen=True)
class PaymentReport:
    """A month's instalments in total, per branch, and the overdue ones."""

    total: PaymentTally
    by_branch: list[tuple[str | None, PaymentTally]]
    overdue: list[OverdueInstallment]


def _tally(row: PlannedInstallment, first: date, last: date, now: datetime) -> PaymentTally:
    due = in_month(row.due_on, first, last)
    overdue = row.due_on is not None and row.due_on <= last and is_overdue(row, now)
    return PaymentTally(
        due=int(due),
        due_fen=row.amount_fen if due else 0,
        paid_fen=row.paid_fen if due else 0,
        outstanding_fen=row.outstanding_fen if due else 0,
        overdue=int(overdue),
        overdue_fen=row.outstanding_fen if overdue else 0,
    )


def payment_report(
    projects: Iterable[ProjectPlan], first: date, last: date, now: datetime
) -> PaymentReport:
    """Instalments whose due day lies in [first, last] (amount, paid, outstanding) and those
    overdue as of `now` that fell due by `last` (an earlier month's debt still unpaid is still
    overdue), per branch; the overdue ones by due day and project."""
    require_aware(now, "now")
    total = PaymentTally()
    branches: dict[str | None, PaymentTally] = {}
    overdue: list[OverdueInstallment] = []
    for p in projects:
        for row in p.installments:
            found = _tally(row, first, last, now)
            if found == PaymentTally():
                continue
            total = total.plus(found)
            branches[p.branch_id] = branches.get(p.branch_id, PaymentTally()).plus(found)
            if found.overdue:
                overdue.append(OverdueInstallment(p, row))
    overdue.sort(key=_overdue_order)
    return PaymentReport(total, _ordered(branches), overdue)


def _overdue_order(item: OverdueInstallment) -> tuple[date, str, int]:
    due_on = item.installment.due_on
    assert due_on is not None  # only a started clock is overdue
    return due_on, item.project.project_id, PLAN_INSTALLMENTS.index(item.installment.installment)
