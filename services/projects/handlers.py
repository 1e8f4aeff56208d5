"""Bus handlers (one per consumer in shared/consumers.py) and the timers' fire functions:
each unpacks what it got and calls the workflow."""

from __future__ import annotations

from datetime import datetime

from services.projects import workflow
from shared.bus import HandlerContext, Reject, RetryLater
from shared.context import Context
from shared.contracts.intake import ComplaintOpened, LeadRegistered
from shared.contracts.notifications import CallbackCompleted, CallbackScheduled
from shared.contracts.values import Deadline, EntityKind, Installment, SubjectKind
from shared.service import Runtime
from shared.timers import Timer

# ----------------------------------------------------------------------------------- the bus


async def on_lead_registered(event: LeadRegistered, ctx: HandlerContext) -> None:
    """Open the lead's project in `consultation` (one project per lead, however often sent)."""
    await workflow.open_from_lead(
        ctx,
        lead_id=event.lead_id,
        customer_id=event.customer_id,
        address=event.house.address,
        at=event.registered_at or event.occurred_at,
        branch_id=event.branch_id,
    )


async def on_complaint_opened(event: ComplaintOpened, ctx: HandlerContext) -> None:
    """Count complaints about projects, by month, for the monthly rating; a complaint from a
    branch about another branch's project is refused, never counted against it."""
    if event.subject is None or event.subject.kind != SubjectKind.PROJECT:
        return
    owner = await workflow.project_branch(ctx, event.subject.id)
    if event.from_another_branch(owner):
        raise Reject(
            f"complaint {event.complaint_id} from branch {event.branch_id} names project"
            f" {event.subject.id} of branch {owner}: a branch refers only to its own projects"
        )
    if not await workflow.count_complaint(
        ctx,
        complaint_id=event.complaint_id,
        project_id=event.subject.id,
        opened_at=event.occurred_at,
    ):
        raise RetryLater(f"project {event.subject.id} not known yet")


async def on_callback_scheduled(event: CallbackScheduled, ctx: HandlerContext) -> None:
    """Keep the project's callbacks (care compliance counts the scheduled ones as pending)."""
    if event.entity.kind != EntityKind.PROJECT:
        return
    if not await workflow.keep_callback_scheduled(
        ctx,
        callback_id=event.callback_id,
        project_id=event.entity.id,
        purpose=event.purpose.value,
        stage=event.stage,
        due_at=event.due_at,
        project_manager=event.project_manager,
        version=event.version,
    ):
        raise RetryLater(f"project {event.entity.id} not known yet")


async def on_callback_completed(event: CallbackCompleted, ctx: HandlerContext) -> None:
    """Record a project callback's outcome: satisfaction for the rating, a made care call."""
    if event.entity.kind != EntityKind.PROJECT:
        return
    if not await workflow.keep_callback_completed(
        ctx,
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
        completed_at=event.occurred_at,
    ):
        raise RetryLater(f"project {event.entity.id} not known yet")


# -------------------------------------------------------------------------------------- timers


async def fire_payment_due(ctx: Context, timer: Timer) -> None:
    """An instalment fell due: tell the customer (and finance) what and by when."""
    installment = Installment(timer.payload["installment"])
    await workflow.payment_due(ctx, timer.payload["project_id"], installment)


async def fire_payment_overdue(ctx: Context, timer: Timer) -> None:
    """The due bound passed with the instalment still unpaid: chase it."""
    installment = Installment(timer.payload["installment"])
    await workflow.payment_overdue(ctx, timer.payload["project_id"], installment)


async def fire_deadline(ctx: Context, timer: Timer) -> None:
    """A deadline's bound passed: report it missed unless its fact came in time."""
    deadline = Deadline(timer.payload["deadline"])
    await workflow.deadline_passed(ctx, timer.payload["project_id"], deadline)


async def fire_rating_monthly(ctx: Context, timer: Timer) -> datetime:
    """Publish last month's best and worst projects to the managers; recur monthly."""
    return await workflow.publish_rating(ctx, timer.due_at)


async def fire_satisfaction_monthly(ctx: Context, timer: Timer) -> datetime:
    """Publish last month's ratings per role and person to the managers; recur monthly."""
    return await workflow.publish_satisfaction(ctx, timer.due_at)


async def fire_care_compliance_monthly(ctx: Context, timer: Timer) -> datetime:
    """Publish care compliance per project manager as of now; recur monthly."""
    return await workflow.publish_care(ctx, timer.due_at)


async def fire_spot_check_weekly(ctx: Context, timer: Timer) -> datetime:
    """Pick this week's project for the engineering manager's spot check; recur weekly."""
    return await workflow.pick_spot_check(ctx, timer.due_at)


async def seed_report_timers(runtime: Runtime) -> None:
    """At start: create the monthly report timers (a no-op once they exist)."""
    assert runtime.pool is not None
    async with runtime.pool.acquire() as conn:
        await workflow.seed_timers(runtime.context(conn))
