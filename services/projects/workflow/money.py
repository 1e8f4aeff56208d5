"""The money of a project: the contract and its payment plan, payments, added items, and the
payment timers (an instalment falls due, an instalment goes overdue)."""

from __future__ import annotations

from datetime import datetime

from services.projects import domain
from services.projects.domain import PaymentPlan, PlannedInstallment, Project
from services.projects.workflow.unit import (
    ProjectFile,
    Unit,
    payment_event,
    row_of,
    settings,
)
from shared.context import Context
from shared.contracts.projects import (
    ProjectPaymentDue,
    ProjectPaymentOverdue,
    ProjectPaymentReceived,
)
from shared.contracts.values import Installment, Stage


async def sign_contract(
    ctx: Context,
    project_id: str,
    amount_fen: int,
    signed_at: datetime | None,
    plan: dict[str, int] | None,
    by: str,
    if_match: str | None = None,
    *,
    main_materials_by_company: bool = False,
) -> ProjectFile:
    """Sign the construction contract and enter `contract`; `plan` gives the shares
    (first_pct, midterm_pct, final_pct), by default the settings' plan. The signed contract
    and budget must be recorded (documents) by `signed_at`."""
    when = await ctx.business_time(signed_at, "signed_at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    chosen = PaymentPlan(**plan) if plan is not None else unit.cfg.payment_plan()
    unit.project = domain.sign_contract(
        unit.project, amount_fen, when, chosen, main_materials_by_company=main_materials_by_company
    )
    await unit.transition(Stage.CONTRACT, when, by, "construction contract signed")
    await unit.commit()
    return await unit.file()


async def record_payment(
    ctx: Context,
    project_id: str,
    installment: Installment,
    amount_fen: int,
    paid_at: datetime | None,
    if_match: str | None = None,
    *,
    by: str | None = None,
) -> ProjectFile:
    """Money received towards the deposit or an instalment, with its receipt number and who
    received it (`by`); the final one may start warranty."""
    when = await ctx.business_time(paid_at, "paid_at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.record_payment(
        unit.project,
        installment,
        amount_fen,
        when,
        deposit_max_fen=unit.cfg.deposit_max_fen,
        by=by,
    )
    row = await unit.paid(installment)
    p = unit.project
    number = p.payments[-1].receipt_no
    if row is not None:
        unit.emit(payment_event(ProjectPaymentReceived, p, row, paid_at=when, receipt_no=number))
    else:  # the design deposit, before any contract
        unit.emit(
            ProjectPaymentReceived(
                project_id=p.id,
                customer_id=p.customer_id,
                installment=Installment.DEPOSIT,
                amount_fen=p.deposit_paid_fen,
                paid_fen=p.deposit_paid_fen,
                paid_at=when,
                receipt_no=number,
                version=p.version,
            )
        )
    await unit.maybe_warranty(when)
    await unit.commit()
    return await unit.file()


async def add_item(
    ctx: Context,
    project_id: str,
    description: str,
    amount_fen: int,
    at: datetime | None,
    if_match: str | None = None,
) -> tuple[Project, list[PlannedInstallment]]:
    """An added work item, due with the mid-term payment: the project and its new plan."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.add_item(unit.project, description, amount_fen, when)
    await unit.commit()
    return unit.project, unit.installments()


async def _unpaid(
    ctx: Context, project_id: str, installment: Installment
) -> tuple[Unit, PlannedInstallment] | None:
    unit = await Unit.load(ctx, project_id)
    if unit is None:
        return None
    row = row_of(unit.project, installment, settings(ctx))
    if row is None or row.fully_paid:
        return None
    return unit, row


async def payment_due(ctx: Context, project_id: str, installment: Installment) -> None:
    """An instalment fell due: tell the customer (and finance) what and by when."""
    found = await _unpaid(ctx, project_id, installment)
    if found is not None:
        unit, row = found
        unit.emit(payment_event(ProjectPaymentDue, unit.project, row))
        await unit.commit()


async def payment_overdue(ctx: Context, project_id: str, installment: Installment) -> None:
    """The due bound passed with the instalment still unpaid: chase it."""
    found = await _unpaid(ctx, project_id, installment)
    if found is not None and domain.is_overdue(found[1], await ctx.now()):
        unit, row = found
        unit.emit(payment_event(ProjectPaymentOverdue, unit.project, row))
        await unit.commit()
