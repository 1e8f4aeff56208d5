"""Storing what a plan asks for, in the caller's transaction (bus handler and schedule timer).

Order matters: contacts and rosters first (tasks are assigned from them), then cancellations,
then new tasks, messages and schedules. Every insert is keyed by the plan's dedupe key, so a
redelivered or duplicated event never makes a second task, message or schedule.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final
from uuid import UUID

import asyncpg

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    CancelSpec,
    ContactSpec,
    MessageSpec,
    Plan,
    RecurringSpec,
    RosterSpec,
    TaskSpec,
    callback_fields,
    idempotency_key,
    new_callback,
    next_check_at,
    occurrence_task,
    render,
    render_subject,
    send_at,
)
from shared import timers
from shared.contracts.envelope import Event
from shared.contracts.notifications import CallbackScheduled
from shared.contracts.values import EntityKind, MessageChannel

CHECK_TIMER: Final = "callback.check"
SCHEDULE_TIMER: Final = "schedule.run"
SEND_TIMER: Final = "message.send"
ROSTER_FIELDS: Final = ("designer", "project_manager")


@dataclass(frozen=True)
class Cause:
    """Where stored work came from: the event, its correlation and its branch."""

    event_id: UUID | None = None
    correlation_id: UUID | None = None
    branch_id: str | None = None

    @classmethod
    def of(cls, event: Event) -> Cause:
        """The cause an incoming event makes."""
        return cls(event.event_id, event.correlation_id or event.event_id, event.branch_id)

    def stamp(self, event: Event) -> Event:
        """Carry the correlation and branch onto an event about to be emitted."""
        event.correlation_id = event.correlation_id or self.correlation_id
        event.branch_id = event.branch_id or self.branch_id
        return event


async def apply_plan(
    conn: asyncpg.Connection,
    plan: Plan,
    *,
    now: datetime,
    config: NotificationsSettings,
    cause: Cause,
) -> list[Event]:
    """Store everything the plan asks for; returns the callback.scheduled events to emit."""
    events: list[Event] = []
    for contact in plan.contacts:
        await store_contact(conn, contact)
    for roster in plan.rosters:
        await store_roster(conn, roster)
    for cancel in plan.cancel:
        await apply_cancel(conn, cancel)
    for task in plan.tasks:
        scheduled = await add_task(conn, task, cause=cause)
        if scheduled is not None:
            events.append(scheduled)
    languages = await customer_languages(conn, plan.messages)
    for message in plan.messages:
        await queue_message(conn, message, now=now, config=config, cause=cause, languages=languages)
    for recurring in plan.recurring:
        events.extend(await start_schedule(conn, recurring, cause=cause))
    return events


async def store_contact(conn: asyncpg.Connection, spec: ContactSpec) -> bool:
    """Keep the contact book current; a stale version is skipped."""
    return await queries.upsert_contact(
        conn,
        kind=spec.kind,
        contact_id=spec.contact_id,
        name=spec.name,
        phone=spec.phone,
        language=spec.language,
        version=spec.version,
    )


async def store_roster(conn: asyncpg.Connection, spec: RosterSpec) -> None:
    """Remember who works on a project and hand them the calls that waited for them."""
    written = await queries.upsert_roster(
        conn,
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
                conn, project_id=spec.project_id, field=field, person=person
            )
            await queries.fill_schedule_assignees(
                conn, project_id=spec.project_id, field=field, person=person
            )


async def apply_cancel(conn: asyncpg.Connection, spec: CancelSpec) -> None:
    """Cancel open tasks and stop schedules whose reason has ended, with their timers."""
    purposes = [p.value for p in spec.purposes]
    ids = await queries.cancel_callbacks(
        conn, entity_kind=spec.entity.kind, entity_id=spec.entity.id, purposes=purposes
    )
    await queries.cancel_timers(conn, kind=CHECK_TIMER, keys=ids)
    stopped = await queries.cancel_schedules(
        conn, entity_kind=spec.entity.kind, entity_id=spec.entity.id, purposes=purposes
    )
    await queries.cancel_timers(conn, kind=SCHEDULE_TIMER, keys=stopped)


async def with_roster(conn: asyncpg.Connection, spec: TaskSpec) -> TaskSpec:
    """Fill a project task's assignee and project manager from the roster when known."""
    if spec.entity.kind != EntityKind.PROJECT:
        return spec
    wants_assignee = spec.assignee is None and spec.assignee_from_roster in ROSTER_FIELDS
    if not wants_assignee and spec.project_manager is not None:
        return spec
    roster = await queries.get_roster(conn, project_id=spec.entity.id)
    if roster is None:
        return spec
    assignee = spec.assignee
    if wants_assignee and spec.assignee_from_roster is not None:
        assignee = roster[spec.assignee_from_roster]
    return replace(
        spec,
        assignee=assignee,
        project_manager=spec.project_manager or roster["project_manager"],
    )


async def add_task(
    conn: asyncpg.Connection,
    spec: TaskSpec,
    *,
    cause: Cause,
    schedule_id: str | None = None,
) -> CallbackScheduled | None:
    """Store one callback task with its check timer; None when its dedupe key exists."""
    spec = await with_roster(conn, spec)
    cb = new_callback(spec, str(uuid.uuid4()))
    inserted = await queries.insert_callback(
        conn,
        id=cb.id,
        dedupe_key=spec.dedupe_key,
        purpose=cb.purpose.value,
        stage=cb.stage,
        entity_kind=cb.entity_kind,
        entity_id=cb.entity_id,
        customer_id=cb.customer_id,
        due_at=cb.due_at,
        assignee=cb.assignee,
        team=cb.team,
        level=cb.level.value if cb.level else None,
        script=cb.script,
        project_manager=cb.project_manager,
        assignee_from_roster=spec.assignee_from_roster,
        schedule_id=schedule_id,
        branch_id=cause.branch_id,
        correlation_id=cause.correlation_id,
        cause_event_id=cause.event_id,
    )
    if not inserted:
        return None
    check = next_check_at(cb)
    if check is not None:
        await timers.schedule(conn, CHECK_TIMER, cb.id, check)
    event = CallbackScheduled(**callback_fields(cb))
    cause.stamp(event)
    return event


async def customer_languages(
    conn: asyncpg.Connection, messages: Sequence[MessageSpec]
) -> dict[str, str]:
    """The contact book's language of each customer the messages go to."""
    ids = {m.recipient.value for m in messages if m.recipient.kind == "customer"}
    if not ids:
        return {}
    found = await queries.get_contacts(conn, kind="customer", contact_ids=sorted(ids))
    return {cid: row["language"] for cid, row in found.items()}


def webhook_targets(audience: str, table: Mapping[str, Sequence[str]]) -> list[str]:
    """The URLs that also receive an audience's messages: exact, else `<kind>:*`."""
    for key in (audience, f"{audience.partition(':')[0]}:*"):
        if table.get(key):
            return list(table[key])
    return []


async def queue_message(
    conn: asyncpg.Connection,
    spec: MessageSpec,
    *,
    now: datetime,
    config: NotificationsSettings,
    cause: Cause,
    languages: Mapping[str, str],
) -> list[str]:
    """Queue a message (plus the audience's webhooks) once; returns the ids queued now."""
    language = spec.language
    if language is None and spec.recipient.kind == "customer":
        language = languages.get(spec.recipient.value)
    shown = language or config.default_language
    body = render(spec.template, shown, spec.params)
    subject = render_subject(spec.template, shown, spec.params)
    is_email = spec.channel is MessageChannel.EMAIL
    targets: list[tuple[str, MessageChannel, str | None]] = [(spec.dedupe_key, spec.channel, None)]
    if spec.recipient.kind == "audience":
        for target in webhook_targets(spec.recipient.value, config.webhook_urls):
            key = f"{spec.dedupe_key}:webhook:{idempotency_key(target)[:12]}"
            targets.append((key, MessageChannel.WEBHOOK, target))
    queued: list[str] = []
    for dedupe_key, channel, url in targets:
        message_id = str(uuid.uuid4())
        at = send_at(now, channel, config)
        attachment = spec.attachment if channel is not MessageChannel.SMS else None
        inserted = await queries.insert_message(
            conn,
            id=message_id,
            dedupe_key=dedupe_key,
            channel=channel.value,
            template=spec.template,
            recipient_kind=spec.recipient.kind,
            recipient_value=spec.recipient.value,
            recipient_label=spec.recipient.label,
            webhook_url=url,
            params=dict(spec.params),
            language=spec.language,
            rendered_language=shown,
            subject=subject if is_email or url else None,
            body=body,
            entity_kind=spec.entity.kind if spec.entity else None,
            entity_id=spec.entity.id if spec.entity else None,
            customer_id=spec.customer_id,
            attachment_name=attachment.name if attachment else None,
            attachment_type=attachment.media_type if attachment else None,
            attachment=attachment.content if attachment else None,
            send_at=at,
            branch_id=cause.branch_id,
            correlation_id=cause.correlation_id,
        )
        if inserted:
            await timers.schedule(conn, SEND_TIMER, message_id, at)
            queued.append(message_id)
    return queued


async def start_schedule(
    conn: asyncpg.Connection, spec: RecurringSpec, *, cause: Cause
) -> list[Event]:
    """Store a recurring schedule and its first call; its timer makes each next call."""
    schedule_id = str(uuid.uuid4())
    inserted = await queries.insert_schedule(
        conn,
        id=schedule_id,
        dedupe_key=spec.dedupe_key,
        purpose=spec.purpose.value,
        kind=spec.kind.value,
        entity_kind=spec.entity.kind,
        entity_id=spec.entity.id,
        anchor=spec.anchor,
        stops_at=spec.stops_at,
        stops_when=spec.stops_when,
        script=spec.script,
        team=spec.team,
        assignee=spec.assignee,
        customer_id=spec.customer_id,
        assignee_from_roster=spec.assignee_from_roster,
        status="active" if spec.first_at is not None else "ended",
        next_at=spec.first_at,
        branch_id=cause.branch_id,
        correlation_id=cause.correlation_id,
    )
    if not inserted or spec.first_at is None:
        return []
    # The upcoming call is always on the worklist: the first one now, each next one when the
    # timer reaches the previous.
    await timers.schedule(conn, SCHEDULE_TIMER, schedule_id, spec.first_at)
    first = await add_task(
        conn, occurrence_task(spec, spec.first_at), cause=cause, schedule_id=schedule_id
    )
    return [first] if first is not None else []
