"""Storing what the rules table asks for an event, in the bus handler's one transaction.

Order matters: contacts and rosters first (tasks are assigned from them), then cancellations,
then new tasks, messages and schedules. Every insert is keyed by the plan's dedupe key, so a
redelivered or duplicated event never makes a second task, message or schedule.
"""

from __future__ import annotations

from datetime import datetime

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from services.notifications.domain import CancelSpec, ContactSpec, Plan, RosterSpec, plan
from services.notifications.domain.specs import duty_key
from services.notifications.workflow.callbacks import ROSTER_FIELDS, add_task
from services.notifications.workflow.common import CHECK_TIMER, SCHEDULE_TIMER, Cause
from services.notifications.workflow.messages import customer_languages, queue_message
from services.notifications.workflow.schedules import start_schedule
from shared.context import Context
from shared.contracts.envelope import Event


async def apply_event(ctx: Context, subject: str, event: Event) -> None:
    """Plan an event on the rules table (DomainError: it cannot be read), store the plan and
    announce the tasks it made."""
    now = await ctx.now()
    wanted = plan(subject, event.model_dump(mode="json"), now)
    if wanted.empty:
        return
    await ctx.emit(*await apply_plan(ctx, wanted, now=now, cause=Cause.of(event)))


async def apply_plan(ctx: Context, plan: Plan, *, now: datetime, cause: Cause) -> list[Event]:
    """Store everything the plan asks for; returns the callback.scheduled events to emit."""
    config: NotificationsSettings = ctx.config
    events: list[Event] = []
    for contact in plan.contacts:
        await store_contact(ctx, contact)
    for roster in plan.rosters:
        await store_roster(ctx, roster)
    for cancel in plan.cancel:
        await apply_cancel(ctx, cancel)
    for task in plan.tasks:
        scheduled = await add_task(ctx, task, cause=cause)
        if scheduled is not None:
            events.append(scheduled)
    languages = await customer_languages(ctx, plan.messages)
    for message in plan.messages:
        await queue_message(ctx, message, now=now, config=config, cause=cause, languages=languages)
    for recurring in plan.recurring:
        events.extend(await start_schedule(ctx, recurring, cause=cause))
    return events


async def store_contact(ctx: Context, spec: ContactSpec) -> bool:
    """Keep the contact book current; a stale version is skipped."""
    return await queries.upsert_contact(
        ctx.conn,
        kind=spec.kind,
        contact_id=spec.contact_id,
        name=spec.name,
        phone=spec.phone,
        language=spec.language,
        version=spec.version,
    )


async def store_roster(ctx: Context, spec: RosterSpec) -> None:
    """Remember who works on a project and hand them the calls that waited for them."""
    written = await queries.upsert_roster(
        ctx.conn,
        project_id=spec.project_id,
        customer_id=spec.customer_id,
        designer=spec.designer,
        project_manager=spec.project_manager,
        version=spec.version,
    )
    if not written:
        return
    for field in ROSTER_FIELDS:
        person = getattr(spec, field)
        if person:
            await queries.fill_callback_assignees(
                ctx.conn, project_id=spec.project_id, field=field, person=person
            )
            await queries.fill_schedule_assignees(
                ctx.conn, project_id=spec.project_id, field=field, person=person
            )


async def apply_cancel(ctx: Context, spec: CancelSpec) -> None:
    """Cancel open tasks and stop schedules whose reason has ended, with their timers; remember
    the version that ended them, so a late event cannot bring them back."""
    purposes = [p.value for p in spec.purposes]
    await queries.lock_record(ctx.conn, key=f"{spec.entity.kind}:{spec.entity.id}")
    ids = await queries.cancel_callbacks(
        ctx.conn,
        entity_kind=spec.entity.kind,
        entity_id=spec.entity.id,
        purposes=purposes,
        duties=spec.duties,
        version=spec.version,
    )
    if spec.version:
        ended = spec.duties or tuple(duty_key(p, spec.entity) for p in spec.purposes)
        await queries.mark_duties(ctx.conn, duties=ended, version=spec.version)
    await queries.cancel_timers(ctx.conn, kind=CHECK_TIMER, keys=ids)
    stopped = await queries.cancel_schedules(
        ctx.conn, entity_kind=spec.entity.kind, entity_id=spec.entity.id, purposes=purposes
    )
    await queries.cancel_timers(ctx.conn, kind=SCHEDULE_TIMER, keys=stopped)
