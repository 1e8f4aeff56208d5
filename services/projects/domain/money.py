"""Money rules of a renovation contract, in integer fen (DOMAIN.md §2.1 payment plan)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

from shared.calendar import due_date_within_days, due_within_days
from shared.contracts.values import Installment, Stage
from shared.errors import DomainError, Invalid
from shared.money import yuan

from .errors import require_aware

DEPOSIT_MIN_FEN = 50_000  # 500 yuan (交500至1000元定金)
DEPOSIT_MAX_FEN = 100_000  # 1000 yuan
DEFAULT_DEPOSIT_FEN = 50_000
PAYMENT_DUE_DAYS = 3  # mid-term and final: "within 3 days" after the acceptance

PLAN_INSTALLMENTS: tuple[Installment, ...] = (
    Installment.FIRST,
    Installment.MIDTERM,
    Installment.FINAL,
)
# The stage whose business time starts each instalment's clock.
DUE_AFTER: Mapping[Installment, Stage] = MappingProxyType(
    {
        Installment.FIRST: Stage.CONTRACT,
        Installment.MIDTERM: Stage.MIDTERM_ACCEPTED,
        Installment.FINAL: Stage.COMPLETED,
    }
)


@dataclass(frozen=True)
class PaymentPlan:
    """Shares of the contract amount, in whole percent, that must sum to 100."""

    first_pct: int = 65
    midterm_pct: int = 30
    final_pct: int = 5

    def __post_init__(self) -> None:
        shares = (self.first_pct, self.midterm_pct, self.final_pct)
        for share in shares:
            if isinstance(share, bool) or not isinstance(share, int) or not 0 <= share <= 100:
                raise Invalid("plan", f"each share is a whole percent 0–100, got {share!r}")
        if sum(shares) != 100:
            raise Invalid("plan", f"shares must sum to 100 %, got {'+'.join(map(str, shares))}")

    def pct(self, installment: Installment) -> int:
        """The plan's share of the contract amount for one instalment."""
        return {
            Installment.FIRST: self.first_pct,
            Installment.MIDTERM: self.midterm_pct,
            Installment.FINAL: self.final_pct,
        }[installment]


def default_plan() -> PaymentPlan:
    """The seed's plan: 65 % at signing, 30 % after mid-term, 5 % after completion."""
    return PaymentPlan(65, 30, 5)


@dataclass(frozen=True)
class Due:
    """When a "within N days" duty is due: last on-time local day and its exclusive bound."""

    due_on: date
    due_at: datetime


def due_on_after(fact_at: datetime, days: int = PAYMENT_DUE_DAYS) -> Due:
    """A fact on Shanghai day D is due on D+days, i.e. before the end of that local day."""
    require_aware(fact_at, "at")
    return Due(due_date_within_days(fact_at, days), due_within_days(fact_at, days))


@dataclass(frozen=True)
class PlannedInstallment:
    """One row of the payment plan: amount, what starts its clock, its due date once known."""

    installment: Installment
    amount_fen: int
    due_after: Stage
    due_days: int
    due: Due | None = None  # unknown until `due_after` is reached
    paid_fen: int = 0

    @property
    def outstanding_fen(self) -> int:
        """What is still to pay (never negative: overpayment is refused upstream)."""
        return max(self.amount_fen - self.paid_fen, 0)

    @property
    def fully_paid(self) -> bool:
        """Whether nothing is left to pay on this instalment."""
        return self.paid_fen >= self.amount_fen

    @property
    def due_on(self) -> date | None:
        """The last on-time local day, once the clock has started."""
        return self.due.due_on if self.due else None

    @property
    def due_at(self) -> datetime | None:
        """The exclusive bound after which it is overdue, once the clock has started."""
        return self.due.due_at if self.due else None


def split_amount(
    amount_fen: int, deposit_paid_fen: int, plan: PaymentPlan
) -> dict[Installment, int]:
    """Split a contract into first/midterm/final fen; the final absorbs rounding and the deposit.

    first = floor(amount × first %), midterm = floor(amount × midterm %), final = the rest
    minus the deposit actually paid: the three always sum to amount − deposit exactly. Should a
    custom plan's final share be smaller than the deposit, the excess is taken off the midterm,
    then the first, so no instalment is negative.
    """
    if amount_fen <= deposit_paid_fen:
        raise DomainError(
            "contract_below_deposit",
            f"the contract amount {yuan(amount_fen)} yuan does not exceed the deposit paid "
            f"{yuan(deposit_paid_fen)} yuan",
        )
    first = amount_fen * plan.first_pct // 100
    midterm = amount_fen * plan.midterm_pct // 100
    final = amount_fen - first - midterm - deposit_paid_fen
    if final < 0:
        midterm, final = midterm + final, 0
    if midterm < 0:
        first, midterm = first + midterm, 0
    return {Installment.FIRST: first, Installment.MIDTERM: midterm, Installment.FINAL: final}


def plan_installments(
    amount_fen: int,
    deposit_paid_fen: int,
    plan: PaymentPlan,
    signed_at: datetime,
    *,
    additions_fen: int = 0,
    midterm_accepted_at: datetime | None = None,
    completed_at: datetime | None = None,
    paid_fen: dict[Installment, int] | None = None,
    due_days: int = PAYMENT_DUE_DAYS,
) -> list[PlannedInstallment]:
    """The plan's three rows: first due at signing, midterm (+ added items) and final later.

    First: due on the signing day. Midterm: plan share plus every added work item, due within
    `due_days` of mid-term acceptance. Final: the rest minus the deposit, due within `due_days`
    of completion. A due date stays None until its fact happens.
    """
    require_aware(signed_at, "signed_at")
    amounts = split_amount(amount_fen, deposit_paid_fen, plan)
    amounts[Installment.MIDTERM] += additions_fen
    facts = {
        Installment.FIRST: signed_at,
        Installment.MIDTERM: midterm_accepted_at,
        Installment.FINAL: completed_at,
    }
    days = {Installment.FIRST: 0, Installment.MIDTERM: due_days, Installment.FINAL: due_days}
    paid = paid_fen or {}
    rows = []
    for inst in PLAN_INSTALLMENTS:
        fact_at = facts[inst]
        rows.append(
            PlannedInstallment(
                installment=inst,
                amount_fen=amounts[inst],
                due_after=DUE_AFTER[inst],
                due_days=days[inst],
                due=due_on_after(fact_at, days[inst]) if fact_at is not None else None,
                paid_fen=paid.get(inst, 0),
            )
        )
    return rows


def is_overdue(installment: PlannedInstallment, now: datetime) -> bool:
    """Overdue: its clock has started, the bound has passed and something is still unpaid."""
    require_aware(now, "now")
    due_at = installment.due_at
    return due_at is not None and now >= due_at and not installment.fully_paid


def validate_deposit(
    amount_fen: int, *, min_fen: int = DEPOSIT_MIN_FEN, max_fen: int = DEPOSIT_MAX_FEN
) -> int:
    """A design deposit is 500–1000 yuan (50,000–100,000 fen) inclusive."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise Invalid("amount_fen", "a deposit is a whole number of fen")
    if not min_fen <= amount_fen <= max_fen:
        raise Invalid(
            "amount_fen",
            f"a design deposit is {yuan(min_fen)} yuan to {yuan(max_fen)} yuan "
            f"({min_fen:,}–{max_fen:,} fen), got {amount_fen:,} fen",
        )
    return amount_fen
