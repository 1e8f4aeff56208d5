"""Payments on a project: contract signing, instalments received, added items, overdue checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.contracts.values import Installment, Stage
from shared.errors import DomainError
from shared.money import yuan

from .errors import require_aware, require_positive
from .model import Addition, Contract, Payment, Project
from .money import (
    DEPOSIT_MAX_FEN,
    PAYMENT_DUE_DAYS,
    PaymentPlan,
    PlannedInstallment,
    default_plan,
    is_overdue,
    plan_installments,
    split_amount,
)
from .stages import has_reached

RECEIPT_ID_CHARS = 12


def receipt_number(project_id: str, sequence: int) -> str:
    """The n-th receipt of a project: `RC-` + the first 12 characters of its id without hyphens,
    upper-cased, + the sequence on two digits (RC-3F2A9C1B7D4E-03): numbered without gaps per
    project, the same for the same payment however often it is read."""
    compact = project_id.replace("-", "")[:RECEIPT_ID_CHARS].upper()
    return f"RC-{compact}-{sequence:02d}"


def sign_contract(
    project: Project,
    amount_fen: int,
    signed_at: datetime,
    plan: PaymentPlan | None = None,
    *,
    main_materials_by_company: bool = False,
) -> Project:
    """Record the signed construction contract (in `design`, after the scheme's approval);
    `main_materials_by_company` when the customer asks the company to buy the main materials."""
    require_positive(amount_fen)
    require_aware(signed_at, "signed_at")
    if project.contract is not None:
        raise DomainError("contract_already_signed", "the construction contract is already signed")
    if project.stage != Stage.DESIGN:
        raise DomainError(
            "not_in_design",
            f"the contract is signed at the end of `design`; the project is at `{project.stage}`",
        )
    if project.scheme_approved_at is None or project.scheme_approved_at > signed_at:
        raise DomainError(
            "scheme_not_approved",
            "the customer has not approved the scheme and quote before signing the contract",
        )
    chosen = plan or default_plan()
    first = split_amount(amount_fen, project.deposit_paid_fen, chosen)[Installment.FIRST]
    # A plan with no first share would make the contract effective at signing.
    contract = Contract(
        amount_fen=amount_fen,
        signed_at=signed_at,
        plan=chosen,
        effective_at=signed_at if first == 0 else None,
        main_materials_by_company=main_materials_by_company,
    )
    return replace(project, version=project.version + 1, contract=contract)


def project_installments(
    project: Project, *, due_days: int = PAYMENT_DUE_DAYS
) -> list[PlannedInstallment]:
    """The contract's plan with added items, due dates from the stages reached and sums paid."""
    contract = project.contract
    if contract is None:
        return []
    return plan_installments(
        contract.amount_fen,
        project.deposit_paid_fen,
        contract.plan,
        contract.signed_at,
        additions_fen=project.additions_fen,
        midterm_accepted_at=project.reached_at(Stage.MIDTERM_ACCEPTED),
        completed_at=project.reached_at(Stage.COMPLETED),
        paid_fen={inst: project.paid_fen(inst) for inst in Installment},
        due_days=due_days,
    )


def installment_row(project: Project, installment: Installment) -> PlannedInstallment:
    """One instalment's row of the plan (DomainError before the contract is signed)."""
    for row in project_installments(project):
        if row.installment == installment:
            return row
    raise DomainError("no_contract", "no construction contract is signed yet")


def _effective_at(contract: Contract, first_fen: int, payments: tuple[Payment, ...]) -> datetime:
    """When cumulative first-instalment payments, in business-time order, reached the amount."""
    total = 0
    for p in sorted((p for p in payments if p.installment == Installment.FIRST), key=_paid_at):
        total += p.amount_fen
        if total >= first_fen:
            return max(p.paid_at, contract.signed_at)
    raise AssertionError(
        "called only once the first instalment is fully paid"  # pragma: no mutate
    )


def _paid_at(payment: Payment) -> datetime:
    return payment.paid_at


def record_payment(
    project: Project,
    installment: Installment | str,
    amount_fen: int,
    paid_at: datetime,
    *,
    deposit_max_fen: int = DEPOSIT_MAX_FEN,
    by: str | None = None,
) -> Project:
    """Record money received, with its receipt number (财务收款开票据) and who received it
    (`by`); partial payments add up, overpayment is refused.

    The deposit is taken before the contract (its amount is fixed into the final instalment at
    signing); the first instalment, once fully paid, makes the contract effective.
    """
    require_positive(amount_fen)
    require_aware(paid_at, "paid_at")
    try:
        inst = Installment(installment)
    except ValueError:
        raise DomainError(
            "unknown_installment",
            f"unknown instalment {installment!r}; one of {', '.join(i.value for i in Installment)}",
        ) from None
    number = receipt_number(project.id, len(project.payments) + 1)
    payment = Payment(inst, amount_fen, paid_at, receipt_no=number, received_by=by)
    if inst == Installment.DEPOSIT:
        if project.contract is not None:
            raise DomainError(
                "deposit_after_contract",
                "the design deposit is paid before the contract; after signing, pay instalments",
            )
        total = project.deposit_paid_fen + amount_fen
        if total > deposit_max_fen:
            raise DomainError(
                "overpayment",
                f"the deposit would reach {yuan(total)} yuan, more than the"
                f" {yuan(deposit_max_fen)} yuan maximum",
            )
        return replace(project, version=project.version + 1, payments=(*project.payments, payment))
    row = installment_row(project, inst)
    if row.paid_fen + amount_fen > row.amount_fen:
        raise DomainError(
            "overpayment",
            f"{yuan(amount_fen)} yuan would bring the {inst} instalment to "
            f"{yuan(row.paid_fen + amount_fen)} yuan, more than its {yuan(row.amount_fen)} yuan",
        )
    payments = (*project.payments, payment)
    contract = project.contract
    assert contract is not None  # installment_row raised otherwise
    if inst == Installment.FIRST and row.paid_fen + amount_fen == row.amount_fen:
        contract = replace(contract, effective_at=_effective_at(contract, row.amount_fen, payments))
    return replace(project, version=project.version + 1, payments=payments, contract=contract)


def add_item(project: Project, description: str, amount_fen: int, at: datetime) -> Project:
    """Add a work item (增项) after signing; it is due with the mid-term payment."""
    require_positive(amount_fen)
    require_aware(at, "at")
    if project.contract is None:
        raise DomainError("no_contract", "added items belong to a signed construction contract")
    if has_reached(project, Stage.COMPLETED):
        raise DomainError("project_completed", "no items can be added after completion")
    return replace(
        project,
        version=project.version + 1,
        additions=(*project.additions, Addition(description.strip(), amount_fen, at)),
    )


def overdue_installments(project: Project, now: datetime) -> list[PlannedInstallment]:
    """Instalments past their due bound and not fully paid, to be chased."""
    return [row for row in project_installments(project) if is_overdue(row, now)]
