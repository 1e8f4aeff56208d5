"""The recurring work the service does for the managers: the monthly rating and care
compliance (a self-seeded timer at 08:00 Shanghai time on the 1st), the rating's rewards and
penalties, and the weekly spot check's pick (Monday 09:00)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.projects import domain, queries, reports
from services.projects.domain import STAGE_ORDER, AwardKind
from shared.calendar import next_occurrence
from shared.context import Context
from shared.contracts.projects import ProjectSpotCheckDue
from shared.contracts.reports import ReportPublished
from shared.contracts.values import ReportKind
from shared.errors import DomainError

RATING_TIMER = "report.rating_monthly"
CARE_TIMER = "report.care_compliance_monthly"
SATISFACTION_TIMER = "report.satisfaction_monthly"
SPOT_CHECK_TIMER = "spot_check.weekly"
REPORT_KEY = "projects"
REPORT_HOUR = 8
REPORT_AUDIENCE = "manager"


async def seed_timers(ctx: Context) -> None:
    """Create the monthly report timers on first start (a no-op once they exist)."""
    now = await ctx.now()
    due = reports.first_of_next_month(now, REPORT_HOUR)
    for kind in (RATING_TIMER, CARE_TIMER, SATISFACTION_TIMER):
        await queries.seed_timer(ctx.conn, kind=kind, key=REPORT_KEY, due_at=due, payload={})
    await queries.seed_timer(
        ctx.conn, kind=SPOT_CHECK_TIMER, key=REPORT_KEY, due_at=domain.next_pick_at(now), payload={}
    )


async def pick_spot_check(ctx: Context, due_at: datetime) -> datetime:
    """Pick this week's project for the engineering manager's spot check (工程部经理每周抽查走访
    一次客户) and publish it; the next Monday. A week picks once, however often it fires."""
    now = await ctx.now()
    week = domain.spot_week(max(due_at, now))
    active = [s.value for s in STAGE_ORDER if domain.is_active(s)]
    rows = {r["id"]: r for r in await queries.spot_check_candidates(ctx.conn, stages=active)}
    chosen = domain.pick_spot_check(
        domain.SpotCandidate(pid, r["started_at"], r["last_picked"]) for pid, r in rows.items()
    )
    if chosen is not None and await queries.insert_spot_check(
        ctx.conn,
        week=week.week,
        project_id=chosen.project_id,
        first_day=week.first_day,
        picked_at=now,
    ):
        row = rows[chosen.project_id]
        await ctx.emit(
            ProjectSpotCheckDue(
                project_id=row["id"],
                customer_id=row["customer_id"],
                project_manager=row["project_manager"],
                week=week.week,
                due_on=week.last_day,
                branch_id=row["branch_id"],
                version=row["version"],
            )
        )
    return domain.next_pick_at(max(due_at, now))


async def _next_month(ctx: Context, due_at: datetime) -> datetime:
    # From now, not from the due time: a timer that was down for months fires once, not once
    # per missed month.
    return next_occurrence("monthly", due_at, max(due_at, await ctx.now()))


async def publish_rating(ctx: Context, due_at: datetime) -> datetime:
    """Publish the best and worst projects of the month before `due_at`; the next due time."""
    period = reports.previous_month(due_at)
    report = await reports.rating(ctx, period)
    await ctx.emit(
        ReportPublished(
            kind=ReportKind.RATING_MONTHLY,
            period=period,
            audience=REPORT_AUDIENCE,
            summary=report,
            csv=reports.rating_csv(report),
        )
    )
    return await _next_month(ctx, due_at)


async def publish_satisfaction(ctx: Context, due_at: datetime) -> datetime:
    """Publish the month before `due_at`'s ratings per role and person (设计师、巡检、工长、
    工程部经理满意度跟踪) to the managers; the next due time."""
    period = reports.previous_month(due_at)
    report = await reports.satisfaction(ctx, period)
    await ctx.emit(
        ReportPublished(
            kind=ReportKind.SATISFACTION_MONTHLY,
            period=period,
            audience=REPORT_AUDIENCE,
            summary=report,
            csv=reports.satisfaction_csv(report),
        )
    )
    return await _next_month(ctx, due_at)


async def decide_award(
    ctx: Context,
    month: str,
    *,
    project_id: str,
    kind: AwardKind,
    amount_fen: int,
    reason: str,
    by: str,
    at: datetime | None,
) -> dict[str, Any]:
    """Record a reward for a best project or a penalty for a worst one of a past month's rating
    (奖优罚劣), to its project manager; 409 `award_exists` for a second one."""
    when = await ctx.business_time(at, "at")
    rating = await reports.rating(ctx, month)
    listed = {r["project_id"]: r for r in rating["best"] + rating["worst"]}
    award = domain.decide_award(
        rating["month"],
        best=[r["project_id"] for r in rating["best"]],
        worst=[r["project_id"] for r in rating["worst"]],
        this_month=reports.month_of(await ctx.now()),
        project_id=project_id,
        kind=kind,
        amount_fen=amount_fen,
        person=listed.get(project_id, {}).get("project_manager"),
        reason=reason,
        by=by,
        at=when,
    )
    fields = {k: v for k, v in vars(award).items()} | {"kind": award.kind.value}
    if not await queries.insert_award(ctx.conn, **fields):
        raise DomainError(
            "award_exists", f"project {project_id} already has a reward or penalty for {month}"
        )
    return reports.award_of(fields)


async def publish_care(ctx: Context, due_at: datetime) -> datetime:
    """Publish care compliance per project manager as of now; the next due time."""
    report = await reports.care(ctx)
    await ctx.emit(
        ReportPublished(
            kind=ReportKind.CARE_COMPLIANCE_MONTHLY,
            period=reports.previous_month(due_at),
            audience=REPORT_AUDIENCE,
            summary=report,
            csv=reports.care_csv(report),
        )
    )
    return await _next_month(ctx, due_at)
