"""Business metrics of projects (docs/OPERATIONS-METRICS.md § projects: exact names and labels)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
from prometheus_client import Counter, Gauge

from services.projects import queries
from services.projects.domain import Project, is_overdue, project_installments
from services.projects.domain.money import PLAN_INSTALLMENTS
from services.projects.queries import records
from shared.contracts.values import Deadline, Stage
from shared.gauges import Refresh, refresh_gauges
from shared.service import Runtime

ACTIVE = Gauge("kefu_projects_active", "Projects not yet completed, by stage", ["stage"])
STAGE_CHANGES = Counter(
    "kefu_projects_stage_changes_total", "Projects entering a stage", ["to_stage"]
)
PAYMENTS_OVERDUE = Gauge(
    "kefu_projects_payments_overdue",
    "Installments past their due date and unpaid",
    ["installment"],
)
DEADLINES_MISSED = Counter(
    "kefu_projects_deadlines_missed_total", "Missed internal deadlines", ["deadline"]
)

DONE = (Stage.COMPLETED, Stage.WARRANTY)
# No payment is due before the contract, and warranty starts only once everything is paid.
NOTHING_DUE = (
    Stage.CONSULTATION,
    Stage.MEASUREMENT,
    Stage.QUOTATION,
    Stage.DESIGN_AGREEMENT,
    Stage.DESIGN,
    Stage.WARRANTY,
)


def init() -> None:
    """Create every labelled counter at 0, so increase() sees the first step."""
    for stage in Stage:
        STAGE_CHANGES.labels(stage.value)
    for deadline in Deadline:
        DEADLINES_MISSED.labels(deadline.value)


def overdue_counts(projects: list[Project], now: datetime, due_days: int) -> dict[str, int]:
    """Unpaid installments past their due bound, counted by installment."""
    counts = {inst.value: 0 for inst in PLAN_INSTALLMENTS}
    for project in projects:
        for row in project_installments(project, due_days=due_days):
            if is_overdue(row, now):
                counts[row.installment.value] = counts.get(row.installment.value, 0) + 1
    return counts


def counter(runtime: Runtime, due_days: int) -> Refresh:
    """The refresh step: active projects by stage and overdue installments from the table."""

    async def count(conn: asyncpg.Connection) -> None:
        rows = await queries.active_by_stage(conn, done=[s.value for s in DONE])
        by_stage = {r["stage"]: r["n"] for r in rows}
        for stage in Stage:
            if stage not in DONE:
                ACTIVE.labels(stage.value).set(by_stage.get(stage.value, 0))
        rows = await queries.states_outside(conn, stages=[s.value for s in NOTHING_DUE])
        projects = [records.project_of(r) for r in rows]
        now = await runtime.context(conn).now()
        for inst, n in overdue_counts(projects, now, due_days).items():
            PAYMENTS_OVERDUE.labels(inst).set(n)

    return count


async def refresh(runtime: Runtime) -> None:
    """Background task: keep the database gauges current on every replica."""
    init()
    cfg = runtime.config
    every = float(getattr(cfg, "metrics_refresh_seconds", 30.0))
    step = counter(runtime, int(getattr(cfg, "payment_due_days", 3)))
    await refresh_gauges(runtime, step, every)
