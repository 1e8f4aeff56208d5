"""Business metrics of projects (docs/OPERATIONS-METRICS.md § projects: exact names and labels)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
from prometheus_client import Counter, Gauge

from services.projects import codec
from services.projects.domain import is_overdue, project_installments
from services.projects.domain.money import PLAN_INSTALLMENTS
from shared.contracts.values import Deadline, Stage
from shared.db import db_now
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


def overdue_counts(states: list[dict[str, Any]], now: datetime, due_days: int) -> dict[str, int]:
    """Unpaid installments past their due bound, counted by installment."""
    counts = {inst.value: 0 for inst in PLAN_INSTALLMENTS}
    for doc in states:
        for row in project_installments(codec.project_from_json(doc), due_days=due_days):
            if is_overdue(row, now):
                counts[row.installment.value] = counts.get(row.installment.value, 0) + 1
    return counts


def counter(due_days: int) -> Refresh:
    """The refresh step: active projects by stage and overdue installments from the table."""

    async def count(conn: asyncpg.Connection) -> None:
        rows = await conn.fetch(
            "SELECT stage, count(*) AS n FROM projects.projects"
            " WHERE stage <> ALL($1::text[]) GROUP BY stage",
            [s.value for s in DONE],
        )
        by_stage = {r["stage"]: r["n"] for r in rows}
        for stage in Stage:
            if stage not in DONE:
                ACTIVE.labels(stage.value).set(by_stage.get(stage.value, 0))
        states = await conn.fetch(
            "SELECT state FROM projects.projects WHERE stage <> ALL($1::text[])",
            [s.value for s in NOTHING_DUE],
        )
        docs = [json.loads(r["state"]) for r in states]
        for inst, n in overdue_counts(docs, await db_now(conn), due_days).items():
            PAYMENTS_OVERDUE.labels(inst).set(n)

    return count


async def refresh(runtime: Runtime) -> None:
    """Background task: keep the database gauges current on every replica."""
    init()
    cfg = runtime.config
    every = float(getattr(cfg, "metrics_refresh_seconds", 30.0))
    await refresh_gauges(runtime, counter(int(getattr(cfg, "payment_due_days", 3))), every)
