"""Bus handlers (one per consumer in shared/consumers.py) and the service's timer fire functions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from services.projects import metrics, queries, reports
from services.projects.config import ProjectsSettings
from services.projects.domain import is_overdue, open_project, responsible
from services.projects.queries import records
from services.projects.workflow import (
    DEADLINE,
    PAYMENT_DUE,
    PAYMENT_OVERDUE,
    SERVICE,
    due_event,
    payment_event,
)
from shared import outbox, timers
from shared.bus import HandlerContext, RetryLater
from shared.calendar import next_occurrence
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.intake import ComplaintOpened, LeadRegistered
from shared.contracts.notifications import CallbackCompleted, CallbackScheduled
from shared.contracts.projects import (
    ProjectDeadlineMissed,
    ProjectOpened,
    ProjectPaymentDue,
    ProjectPaymentOverdue,
)
from shared.contracts.reports import ReportPublished
from shared.contracts.values import Deadline, EntityKind, Installment, ReportKind, SubjectKind
from shared.db import db_now
from shared.service import Runtime

RATING_TIMER = "report.rating_monthly"
CARE_TIMER = "report.care_compliance_monthly"
REPORT_KEY = "projects"
REPORT_HOUR = 8  # reports go out at 08:00 Shanghai time on the 1st
REPORT_AUDIENCE = "manager"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def _known(ctx: HandlerContext, project_id: str) -> None:
    if await queries.get_project(ctx.conn, project_id=project_id) is None:
        raise RetryLater(f"project {project_id} not known yet")


# ----------------------------------------------------------------------------------- the bus


def project_id_for_lead(lead_id: str) -> str:
    """The id of the project a lead opens: derived from the lead, so a replay opens the same."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kefu:lead:{lead_id}"))


async def on_lead_registered(event: LeadRegistered, ctx: HandlerContext) -> None:
    """Open the lead's project in `consultation` (one project per lead, however often sent)."""
    project = open_project(
        project_id_for_lead(event.lead_id),
        event.customer_id,
        _aware(event.registered_at or event.occurred_at),
    )
    inserted = await queries.insert_project(
        ctx.conn,
        project_id=project.id,
        customer_id=project.customer_id,
        lead_id=event.lead_id,
        branch_id=event.branch_id,
        address=event.house.address,
        stage=project.stage.value,
        version=project.version,
        designer=None,
        project_manager=None,
        state=records.project_to_json(project),
    )
    if inserted:
        await ctx.emit(
            ProjectOpened(
                project_id=project.id,
                customer_id=project.customer_id,
                address=event.house.address,
                lead_id=event.lead_id,
                version=project.version,
            )
        )


async def on_complaint_opened(event: ComplaintOpened, ctx: HandlerContext) -> None:
    """Count complaints about projects, by month, for the monthly rating."""
    if event.subject is None or event.subject.kind != SubjectKind.PROJECT:
        return
    await _known(ctx, event.subject.id)
    opened_at = _aware(event.occurred_at)
    await queries.insert_complaint(
        ctx.conn,
        complaint_id=event.complaint_id,
        project_id=event.subject.id,
        opened_at=opened_at,
        month=reports.month_of(opened_at),
    )


async def on_callback_scheduled(event: CallbackScheduled, ctx: HandlerContext) -> None:
    """Keep the project's callbacks (care compliance counts the scheduled ones as pending)."""
    if event.entity.kind != EntityKind.PROJECT:
        return
    await _known(ctx, event.entity.id)
    await queries.upsert_callback_scheduled(
        ctx.conn,
        callback_id=event.callback_id,
        project_id=event.entity.id,
        purpose=event.purpose.value,
        stage=event.stage,
        due_at=event.due_at,
        project_manager=event.project_manager,
        version=event.version,
    )


async def on_callback_completed(event: CallbackCompleted, ctx: HandlerContext) -> None:
    """Record a project callback's outcome: satisfaction for the rating, a made care call."""
    if event.entity.kind != EntityKind.PROJECT:
        return
    await _known(ctx, event.entity.id)
    completed_at = _aware(event.occurred_at)
    await queries.upsert_callback_completed(
        ctx.conn,
        callback_id=event.callback_id,
        project_id=event.entity.id,
        purpose=event.purpose.value,
        stage=event.stage,
        due_at=event.due_at,
        project_manager=event.project_manager,
        version=event.version,
        reached=event.reached,
        satisfaction=event.satisfaction,
        ratings={k.value: v for k, v in event.ratings.items()},
        completed_at=completed_at,
        month=reports.month_of(completed_at),
    )


# -------------------------------------------------------------------------------------- timers


async def _emit(conn: asyncpg.Connection, branch_id: str | None, *events: Event) -> None:
    await outbox.add(conn, *outbox.stamp(SERVICE, list(events), branch_id))


async def _branch(conn: asyncpg.Connection, project_id: str) -> str | None:
    row = await queries.get_project(conn, project_id=project_id)
    return row["branch_id"] if row is not None else None


def fire_functions(cfg: ProjectsSettings) -> dict[str, timers.FireFn]:
    """The service's timers by kind, bound to its settings."""

    async def fire_payment_due(ctx: Context, timer: timers.Timer) -> None:
        """An instalment fell due: tell the customer (and finance) what and by when."""
        conn = ctx.conn
        found = await due_event(
            conn, cfg, timer.payload["project_id"], Installment(timer.payload["installment"])
        )
        if found is not None:
            project, row = found
            event = payment_event(ProjectPaymentDue, project, row)
            await _emit(conn, await _branch(conn, project.id), event)
        return None

    async def fire_payment_overdue(ctx: Context, timer: timers.Timer) -> None:
        """The due bound passed with the instalment still unpaid: chase it."""
        conn = ctx.conn
        found = await due_event(
            conn, cfg, timer.payload["project_id"], Installment(timer.payload["installment"])
        )
        if found is not None and is_overdue(found[1], await db_now(conn)):
            project, row = found
            event = payment_event(ProjectPaymentOverdue, project, row)
            await _emit(conn, await _branch(conn, project.id), event)
        return None

    async def fire_deadline(ctx: Context, timer: timers.Timer) -> None:
        """A deadline's bound passed: report it missed unless its fact came in time."""
        conn = ctx.conn
        pid, kind = timer.payload["project_id"], Deadline(timer.payload["deadline"])
        row = await queries.get_project(conn, project_id=pid)
        due = await queries.get_deadline(conn, project_id=pid, deadline=kind.value)
        if row is None or due is None:
            return None
        if due["satisfied_at"] is not None and due["satisfied_at"] < due["due_at"]:
            return None
        project = records.project_of(row)
        await queries.mark_deadline_missed(
            conn, project_id=pid, deadline=kind.value, at=await db_now(conn)
        )
        event = ProjectDeadlineMissed(
            project_id=pid,
            deadline=kind,
            due_at=due["due_at"],
            responsible=responsible(kind, project),
            project_manager=project.project_manager,
            version=project.version,
        )
        await _emit(conn, row["branch_id"], event)
        metrics.DEADLINES_MISSED.labels(kind.value).inc()
        return None

    async def fire_rating(ctx: Context, timer: timers.Timer) -> datetime:
        """Publish last month's best and worst projects to the managers; recur monthly."""
        conn = ctx.conn
        period = reports.previous_month(timer.due_at)
        report = await reports.rating(conn, cfg, period)
        await _emit(
            conn,
            None,
            ReportPublished(
                kind=ReportKind.RATING_MONTHLY,
                period=period,
                audience=REPORT_AUDIENCE,
                summary=report,
                csv=reports.rating_csv(report),
            ),
        )
        return await _next_month(conn, timer)

    async def fire_care(ctx: Context, timer: timers.Timer) -> datetime:
        """Publish care compliance per project manager as of now; recur monthly."""
        conn = ctx.conn
        period = reports.previous_month(timer.due_at)
        report = await reports.care(conn, await db_now(conn))
        await _emit(
            conn,
            None,
            ReportPublished(
                kind=ReportKind.CARE_COMPLIANCE_MONTHLY,
                period=period,
                audience=REPORT_AUDIENCE,
                summary=report,
                csv=reports.care_csv(report),
            ),
        )
        return await _next_month(conn, timer)

    return {
        PAYMENT_DUE: fire_payment_due,
        PAYMENT_OVERDUE: fire_payment_overdue,
        DEADLINE: fire_deadline,
        RATING_TIMER: fire_rating,
        CARE_TIMER: fire_care,
    }


async def _next_month(conn: asyncpg.Connection, timer: timers.Timer) -> datetime:
    # From now, not from the due time: a timer that was down for months fires once, not once
    # per missed month.
    now = await db_now(conn)
    return next_occurrence("monthly", timer.due_at, max(timer.due_at, now))


async def seed_report_timers(runtime: Runtime) -> None:
    """Create the monthly report timers on first start (a no-op once they exist)."""
    assert runtime.pool is not None
    async with runtime.pool.acquire() as conn:
        now = await conn.fetchval("SELECT now()")
        due = reports.first_of_next_month(now, REPORT_HOUR)
        for kind in (RATING_TIMER, CARE_TIMER):
            await queries.seed_timer(conn, kind=kind, key=REPORT_KEY, due_at=due, payload={})
