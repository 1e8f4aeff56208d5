"""The settlement of a finished project (竣工结算 onwards): the receipts finance gave, the
feedback form filled with the final payment's receipt, and the warranty card's steps — the
customer's signature, its issue with the form, its archive."""

from __future__ import annotations

from datetime import datetime

from services.projects import domain, queries
from services.projects.domain import Payment
from services.projects.queries import records
from services.projects.workflow.unit import ProjectFile, Unit
from shared.context import Context
from shared.errors import Invalid, NotFound


async def payment_receipt(
    ctx: Context, project_id: str, receipt_no: str
) -> tuple[ProjectFile, Payment]:
    """The project and the payment a receipt number stands for (404 when unknown)."""
    unit = await Unit.fetch(ctx, project_id)
    for payment in unit.project.payments:
        if payment.receipt_no == receipt_no:
            return await unit.file(), payment
    raise NotFound("receipt", receipt_no)


async def record_feedback(
    ctx: Context,
    project_id: str,
    *,
    receipt_no: str,
    satisfaction: int,
    comments: str,
    filled_at: datetime | None,
    by: str,
    if_match: str | None = None,
) -> ProjectFile:
    """The customer's feedback form, filled with the final payment's receipt."""
    when = await ctx.business_time(filled_at, "filled_at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.record_feedback(
        unit.project,
        receipt_no=receipt_no,
        satisfaction=satisfaction,
        comments=comments,
        filled_at=when,
        by=by,
    )
    await unit.commit()
    return await unit.file()


async def sign_card(
    ctx: Context, project_id: str, *, name: str, signed_at: datetime | None, if_match: str | None
) -> ProjectFile:
    """The customer's signature on the filled warranty card."""
    when = await ctx.business_time(signed_at, "signed_at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.sign_card(unit.project, name, when)
    await unit.commit()
    return await unit.file()


async def issue_card(
    ctx: Context, project_id: str, *, at: datetime | None, by: str, if_match: str | None
) -> ProjectFile:
    """Hand the signed card to the customer, with the feedback form."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.issue_card(unit.project, when, by)
    await unit.commit()
    return await unit.file()


async def archive_card(
    ctx: Context,
    project_id: str,
    *,
    at: datetime | None,
    file_id: str | None,
    by: str,
    if_match: str | None,
) -> ProjectFile:
    """File the company's copy of the issued card, with the scan uploaded for it if any."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    scan = None
    if file_id is not None:
        row = await queries.get_file(ctx.conn, project_id=project_id, file_id=file_id)
        if row is None:
            raise Invalid("file_id", f"no file {file_id} was uploaded to this project")
        scan = records.stored_file_of(row)
    unit.project = domain.archive_card(unit.project, when, by, scan)
    await unit.commit()
    return await unit.file()
