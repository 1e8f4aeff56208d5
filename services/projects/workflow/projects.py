"""A project's own life: opening it (by hand or from a lead), reading it, people, stages, the
customer's approvals, sign-offs, the facts that meet deadlines, and the deadlines it misses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.projects import domain, metrics, queries
from services.projects.domain import Approval, Project
from services.projects.queries import records
from services.projects.workflow.unit import ProjectFile, Unit, aware
from shared.context import Context, planned_time
from shared.contracts.projects import (
    ProjectDeadlineMissed,
    ProjectDesignAcceptanceBooked,
    ProjectOpened,
)
from shared.contracts.values import Deadline, SignoffParty, Stage
from shared.errors import DomainError


async def _open(
    ctx: Context, project: Project, *, address: str, branch_id: str | None, lead_id: str | None
) -> bool:
    inserted = await queries.insert_project(
        ctx.conn,
        project_id=project.id,
        customer_id=project.customer_id,
        lead_id=lead_id,
        branch_id=branch_id,
        address=address,
        stage=project.stage.value,
        version=project.version,
        designer=project.designer,
        project_manager=project.project_manager,
        state=records.project_to_json(project),
    )
    if inserted:
        event = ProjectOpened(
            project_id=project.id,
            customer_id=project.customer_id,
            address=address,
            designer=project.designer,
            project_manager=project.project_manager,
            lead_id=lead_id,
            version=project.version,
            branch_id=branch_id,
        )
        await ctx.emit(event)
    return inserted


async def open_project(
    ctx: Context,
    *,
    customer_id: str,
    address: str,
    at: datetime | None,
    branch_id: str | None,
    designer: str | None = None,
    project_manager: str | None = None,
) -> Project:
    """Open a project in `consultation` by hand."""
    project = domain.open_project(
        str(uuid.uuid4()),
        customer_id,
        await ctx.business_time(at, "at"),
        designer=designer,
        project_manager=project_manager,
    )
    await _open(ctx, project, address=address, branch_id=branch_id, lead_id=None)
    return project


async def open_from_lead(
    ctx: Context,
    *,
    lead_id: str,
    customer_id: str,
    address: str,
    at: datetime,
    branch_id: str | None,
) -> bool:
    """Open the lead's project in `consultation`: one project per lead, however often the
    lead is delivered (False when it already exists)."""
    project = domain.open_project(domain.project_id_for_lead(lead_id), customer_id, aware(at))
    return await _open(ctx, project, address=address, branch_id=branch_id, lead_id=lead_id)


async def project_file(ctx: Context, project_id: str, if_match: str | None = None) -> ProjectFile:
    """The project with its stage log, deadlines and payment plan (404 if unknown)."""
    unit = await Unit.fetch(ctx, project_id, if_match)
    return await unit.file()


async def list_projects(
    ctx: Context,
    *,
    filters: dict[str, str | None],
    newest_first: bool,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Projects in the order they were opened (or newest first), filtered: up to `limit` after
    the sort key."""
    rows = await queries.list_projects(
        ctx.conn,
        filters={k: v for k, v in filters.items() if v is not None},
        newest_first=newest_first,
        after=(after[0], after[1]) if after else None,
        limit=limit,
    )
    return [dict(r) for r in rows]


async def assign(
    ctx: Context, project_id: str, people: dict[str, str | None], if_match: str | None = None
) -> ProjectFile:
    """Assign the designer, project manager, supervisor and foreman (None: unchanged)."""
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.assign(unit.project, **people)
    await unit.commit()
    return await unit.file()


async def transition(
    ctx: Context,
    project_id: str,
    to: Stage,
    at: datetime | None,
    by: str,
    note: str | None,
    if_match: str | None = None,
) -> ProjectFile:
    """Move to the next stage, or refuse naming every rule not met (the problem's `rules`)."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    await unit.transition(to, when, by, note)
    await unit.commit()
    return await unit.file()


async def approve(
    ctx: Context, project_id: str, what: Approval, at: datetime | None, if_match: str | None = None
) -> ProjectFile:
    """The customer's approval of the scheme and quote, or signature on the drawings."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.approve(unit.project, what, when)
    await unit.commit()
    return await unit.file()


async def sign_off(
    ctx: Context,
    project_id: str,
    stage: Stage,
    party: SignoffParty,
    name: str,
    signed_at: datetime | None,
    if_match: str | None = None,
) -> ProjectFile:
    """A party's signature on a coming stage's handover or acceptance."""
    when = await ctx.business_time(signed_at, "signed_at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.record_signoff(unit.project, stage, party, name, when)
    await unit.commit()
    return await unit.file()


async def book_design_acceptance(
    ctx: Context,
    project_id: str,
    on: datetime,
    by: str,
    at: datetime | None,
    if_match: str | None = None,
    *,
    on_behalf: bool = False,
) -> ProjectFile:
    """The designer invites the customer to a design acceptance on site; the customer is told
    (an administrator books for the project's designer)."""
    when = await ctx.business_time(at, "at")
    planned = planned_time(on, await ctx.now(), "on")
    unit = await Unit.fetch(ctx, project_id, if_match)
    booker = (unit.project.designer or by) if on_behalf else by
    p = unit.project = domain.book_design_acceptance(unit.project, planned, booker, when)
    unit.emit(
        ProjectDesignAcceptanceBooked(
            project_id=p.id,
            customer_id=p.customer_id,
            on=planned,
            designer=booker,
            version=p.version,
        )
    )
    await unit.commit()
    return await unit.file()


async def record_design_acceptance(
    ctx: Context,
    project_id: str,
    *,
    accepted: bool,
    notes: str,
    customer_name: str,
    by: str,
    at: datetime | None,
    if_match: str | None = None,
) -> ProjectFile:
    """What the customer said at the design acceptance, signed."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    unit.project = domain.record_design_acceptance(
        unit.project, accepted=accepted, notes=notes, customer_name=customer_name, by=by, at=when
    )
    await unit.commit()
    return await unit.file()


async def record_fact(
    ctx: Context,
    project_id: str,
    deadline: Deadline,
    at: datetime | None,
    if_match: str | None = None,
) -> ProjectFile:
    """A fact that meets a deadline; 409 `no_deadline` when that deadline is not running."""
    when = await ctx.business_time(at, "at")
    unit = await Unit.fetch(ctx, project_id, if_match)
    if not await unit.satisfy(deadline, when):
        raise DomainError(
            "no_deadline",
            f"no `{deadline}` deadline is running on this project (stage `{unit.project.stage}`)",
        )
    await unit.commit()
    return await unit.file()


async def deadline_passed(ctx: Context, project_id: str, deadline: Deadline) -> None:
    """A deadline's bound passed: report it missed unless its fact came in time."""
    unit = await Unit.load(ctx, project_id)
    row = await queries.get_deadline(ctx.conn, project_id=project_id, deadline=deadline.value)
    if unit is None or row is None:
        return
    due = records.deadline_of(row)
    if due.met:
        return
    await queries.mark_deadline_missed(
        ctx.conn, project_id=project_id, deadline=deadline.value, at=await ctx.now()
    )
    unit.emit(
        ProjectDeadlineMissed(
            project_id=project_id,
            deadline=deadline,
            due_at=due.due_at,
            responsible=domain.responsible(deadline, unit.project),
            project_manager=unit.project.project_manager,
            version=unit.project.version,
        )
    )
    await unit.commit()
    metrics.DEADLINES_MISSED.labels(deadline.value).inc()


async def next_step(ctx: Context, project_id: str) -> dict[str, Any]:
    """The stage the project may move to next and every rule it does not meet for it now
    (the same rules a transition applies); none at the last stage, automatic for warranty."""
    unit = await Unit.fetch(ctx, project_id, None)
    p = unit.project
    to = domain.next_stage(p.stage)
    now = await ctx.now()
    if to is None:
        return {
            "stage": p.stage.value,
            "next": None,
            "automatic": False,
            "ready": False,
            "unmet": [],
        }
    automatic = to in domain.AUTOMATIC_STAGES
    rules = (
        []
        if automatic
        else domain.unmet_rules(p, to, now, deposit_min_fen=unit.cfg.deposit_min_fen)
    )
    return {
        "stage": p.stage.value,
        "next": to.value,
        "automatic": automatic,
        "ready": not automatic and not rules,
        "unmet": [{"code": code, "rule": text} for code, text in rules],
        "as_of": now.isoformat(),
    }
