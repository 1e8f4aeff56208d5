"""Proof-of-delivery receipts (回单): life cycle and return deadlines (DOMAIN.md §4.3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple

from shared.calendar import end_of_local_day, local_date
from shared.contracts.values import ReceiptStep, Role
from shared.errors import Forbidden

from .errors import INVALID_VALUE, STEP_OUT_OF_ORDER, DomainError
from .rules import DEFAULT_RULES, LogisticsRules, check_aware, check_transfers
from .shipments import ReceiptRequirements, Shipment


class ReceiptState(StrEnum):
    """Where a receipt is; `redo` means it must be signed again at the destination."""

    REQUIRED = "required"
    REDO = "redo"
    SIGNED = "signed"
    SENT = "sent"
    RECEIVED = "received"
    HANDED_OVER = "handed_over"
    SETTLED = "settled"
    CANCELLED = "cancelled"  # 现付类回单: the freight was paid at dispatch, the customer told
    WRITTEN_OFF = "written_off"  # 客户上门取回单: the customer took it at the origin (核销)


# The state each step may be taken from, and the state it leads to.
_FROM: dict[ReceiptStep, tuple[ReceiptState, ...]] = {
    ReceiptStep.SIGNED: (ReceiptState.REQUIRED, ReceiptState.REDO),
    ReceiptStep.SENT: (ReceiptState.SIGNED,),
    ReceiptStep.RECEIVED: (ReceiptState.SENT,),
    ReceiptStep.HANDED_OVER: (ReceiptState.RECEIVED,),
    ReceiptStep.SETTLED: (ReceiptState.HANDED_OVER,),
}
_TO: dict[ReceiptStep, ReceiptState] = {step: ReceiptState(step.value) for step in ReceiptStep}
_RETURNED = (
    ReceiptState.RECEIVED,
    ReceiptState.HANDED_OVER,
    ReceiptState.SETTLED,
    ReceiptState.WRITTEN_OFF,
)


@dataclass(frozen=True, slots=True)
class Receipt:
    """One waybill's receipt, its clock and when each step happened."""

    waybill: str
    region: str
    origin_branch: str
    transfers: int
    requirements: ReceiptRequirements
    state: ReceiptState = ReceiptState.REQUIRED
    arrival_at: datetime | None = None  # the last batch's arrival: the clock runs from here
    due_on: date | None = None
    hard_limit_on: date | None = None
    steps: dict[ReceiptStep, datetime] = field(default_factory=dict)
    redo_count: int = 0
    lost_at: datetime | None = None
    loss_fen: int = 0  # the direct loss a lost receipt caused, split staff/company
    version: int = 0
    closed_at: datetime | None = None  # cancelled (cash-paid) or written off (collected)

    @property
    def received_at(self) -> datetime | None:
        """When it came back to the origin ("returned"; this stops the clock)."""
        return self.steps.get(ReceiptStep.RECEIVED)


class ReceiptParty(StrEnum):
    """Who the manual gives a receipt step to (回单规范要求 3)–6))."""

    DESTINATION = "destination"  # 到货网点: has it signed, records the signing, sends it back
    ORIGIN = "origin"  # 发站网点: receives and checks it, hands it to the customer/salesperson
    FINANCE = "finance"  # 财务部: settles the freight the receipt proves


STEP_PARTY: Final[Mapping[ReceiptStep, ReceiptParty]] = MappingProxyType(
    {
        ReceiptStep.SIGNED: ReceiptParty.DESTINATION,
        ReceiptStep.SENT: ReceiptParty.DESTINATION,
        ReceiptStep.RECEIVED: ReceiptParty.ORIGIN,
        ReceiptStep.HANDED_OVER: ReceiptParty.ORIGIN,
        ReceiptStep.SETTLED: ReceiptParty.FINANCE,
    }
)


def check_step_party(
    step: ReceiptStep, *, role: Role, branch: str | None, origin: str, destination: str
) -> None:
    """403 unless the caller is the step's party: the destination branch signs and sends, the
    origin branch receives and hands over, finance settles. The receipt desk (`logistics`)
    records the branches' steps for them, never finance's; admin may do anything."""
    party = STEP_PARTY[step]
    if role is Role.ADMIN:
        return
    if party is ReceiptParty.FINANCE:
        if role is not Role.FINANCE:
            raise Forbidden(f"the {step.value} step belongs to finance")
        return
    if role is Role.LOGISTICS:
        return
    owner = destination if party is ReceiptParty.DESTINATION else origin
    if role is Role.BRANCH and branch == owner:
        return
    raise Forbidden(
        f"the {step.value} step belongs to the {party.value} branch {owner}"
        + (f", not {branch}" if role is Role.BRANCH else "")
    )


class ReceiptStatus(NamedTuple):
    """Lateness of a receipt at a given moment."""

    overdue: bool
    days_overdue: int
    hard_breach: bool


def receipt_due_on(
    transfers: int, arrival_at: datetime, rules: LogisticsRules = DEFAULT_RULES
) -> date:
    """Last local day to return it: arrival day + 10 (direct) / 15 (one) / 20 (two transfers)."""
    check_aware(arrival_at, "arrival_at")
    return local_date(arrival_at) + timedelta(days=rules.receipt_days(transfers))


def receipt_hard_limit_on(
    transfers: int, arrival_at: datetime, rules: LogisticsRules = DEFAULT_RULES
) -> date | None:
    """For two transfers, the very latest day (arrival + 25); other routes have none."""
    check_transfers(transfers)
    check_aware(arrival_at, "arrival_at")
    if transfers != 2:
        return None
    return local_date(arrival_at) + timedelta(days=rules.receipt_days_hard_limit)


def open_receipt(s: Shipment) -> Receipt | None:
    """A receipt to chase, when the shipper asked for one."""
    if not s.receipt.required:
        return None
    return Receipt(s.waybill, s.region, s.origin_branch, s.transfers, s.receipt)


def start_receipt_clock(
    r: Receipt, arrival_at: datetime, rules: LogisticsRules = DEFAULT_RULES
) -> Receipt:
    """Fix the deadlines from the (last batch's) arrival; later setting changes don't move them."""
    return replace(
        r,
        arrival_at=arrival_at,
        due_on=receipt_due_on(r.transfers, arrival_at, rules),
        hard_limit_on=receipt_hard_limit_on(r.transfers, arrival_at, rules),
        version=r.version + 1,
    )


def returned_by(r: Receipt, at: datetime) -> bool:
    """It was no longer out at `at`: back at the origin, or closed before (a cash-paid receipt
    cancelled wherever it was: nothing is chased after that)."""
    if r.closed_at is not None and r.closed_at <= at:
        return True
    received = r.received_at
    return received is not None and received <= at and r.state in _RETURNED


def receipt_status(r: Receipt, now: datetime) -> ReceiptStatus:
    """Overdue once the local date is past due_on; hard breach once past the 25-day limit."""
    check_aware(now, "now")
    if r.due_on is None or returned_by(r, now):
        return ReceiptStatus(False, 0, False)
    today = local_date(now)
    days = (today - r.due_on).days
    hard = r.hard_limit_on is not None and today > r.hard_limit_on
    return ReceiptStatus(days > 0, max(days, 0), hard)


def receipt_next_check_at(r: Receipt, now: datetime) -> datetime | None:
    """When the status next changes: due, then each day overdue (daily chase); None once back."""
    check_aware(now, "now")
    if r.due_on is None or returned_by(r, now):
        return None
    becomes_overdue = end_of_local_day(r.due_on)
    if now < becomes_overdue:
        return becomes_overdue
    return end_of_local_day(local_date(now))


def advance_receipt(r: Receipt, step: ReceiptStep, at: datetime, compliant: bool = True) -> Receipt:
    """Take the next step; a non-compliant signing or origin check sends it back to be redone."""
    check_aware(at, "at")
    if not compliant and step not in (ReceiptStep.SIGNED, ReceiptStep.RECEIVED):
        raise DomainError(
            INVALID_VALUE,
            "compliance is checked when the receipt is signed and when the origin receives it",
            "compliant",
        )
    if r.state is _TO[step] and compliant:
        return r  # a replay of the step it is already at changes nothing
    allowed = _FROM[step]
    # A failed check may also come right after the step was recorded (signed, then inspected).
    if r.state not in allowed and not (not compliant and r.state is _TO[step]):
        expected = ", ".join(s.value for s in allowed)
        raise DomainError(
            STEP_OUT_OF_ORDER,
            f"receipt of waybill {r.waybill} is {r.state.value}: "
            f"{step.value} can only follow {expected}",
            "step",
        )
    steps = dict(r.steps)
    if not compliant:
        # Redo at the destination: the signing no longer counts and the clock keeps running.
        steps.pop(ReceiptStep.RECEIVED, None)
        steps.pop(ReceiptStep.SENT, None)
        steps.pop(ReceiptStep.SIGNED, None)
        return replace(
            r,
            state=ReceiptState.REDO,
            steps=steps,
            redo_count=r.redo_count + 1,
            version=r.version + 1,
        )
    steps[step] = at
    return replace(r, state=_TO[step], steps=steps, version=r.version + 1)


def mark_receipt_lost(r: Receipt, loss_fen: int, at: datetime) -> Receipt:
    """Record that an unreturned receipt is lost and what it cost directly."""
    check_aware(at, "at")
    if loss_fen < 0:
        raise DomainError(INVALID_VALUE, "a loss cannot be negative", "loss_fen")
    if returned_by(r, at):
        raise DomainError(
            STEP_OUT_OF_ORDER, f"receipt of waybill {r.waybill} is already back at the origin"
        )
    return replace(r, lost_at=at, loss_fen=loss_fen, version=r.version + 1)
