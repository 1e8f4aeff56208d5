"""One change to a project in one transaction: domain result, side effects, save, outbox.

Routes load a `Unit`, call the domain through it, and commit: the new state is written only if
the version it was read at is still current (optimistic concurrency), together with the stage
log, the deadlines and timers the change starts or stops, and the events it causes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.projects import metrics, queries
from services.projects.config import ProjectsSettings
from services.projects.domain import (
    DUE_AFTER,
    PlannedInstallment,
    Project,
    add_years,
    apply_transition,
    auto_warranty,
    deadlines_for,
    project_installments,
    start_warranty,
)
from services.projects.queries import records
from shared import outbox, timers
from shared.contracts.envelope import Event
from shared.contracts.projects import PaymentEvent, ProjectStageChanged
from shared.contracts.values import Deadline, Installment, Stage
from shared.errors import DomainError

SERVICE = "projects"
PAYMENT_DUE = "payment.due"
PAYMENT_OVERDUE = "payment.overdue"
DEADLINE = "project.deadline"


def utcnow() -> datetime:
    """The default business time of a request: now."""
    return datetime.now(UTC)


def timer_key(project_id: str, what: str) -> str:
    """Timer key of one project's instalment or deadline."""
    return f"{project_id}:{what}"


class StaleVersion(DomainError):
    """Someone changed the project between our read and our write."""


def payment_event(
    cls: type[PaymentEvent], project: Project, row: PlannedInstallment, **extra: Any
) -> PaymentEvent:
    """A project.payment.* event for one instalment as it stands."""
    return cls(
        project_id=project.id,
        customer_id=project.customer_id,
        installment=row.installment,
        amount_fen=row.amount_fen,
        due_on=row.due_on,
        paid_fen=row.paid_fen,
        version=project.version,
        **extra,
    )


def row_of(
    project: Project, installment: Installment, cfg: ProjectsSettings
) -> PlannedInstallment | None:
    """One instalment's row of the plan, or None before the contract."""
    for row in project_installments(project, due_days=cfg.payment_due_days):
        if row.installment == installment:
            return row
    return None


def warranty_ends_on(project: Project, cfg: ProjectsSettings) -> Any:
    """The warranty's end date once completion is known."""
    if project.warranty is not None:
        return project.warranty.ends_on
    if project.completed_on is not None:
        return add_years(project.completed_on, cfg.warranty_years)
    return None


@dataclass
class Unit:
    """A project read at one version, the changes made to it, and what they cause."""

    conn: asyncpg.Connection
    cfg: ProjectsSettings
    row: asyncpg.Record
    before: Project
    project: Project
    events: list[Event] = field(default_factory=list)
    log: list[tuple[int, Stage, Stage, datetime, str, str | None]] = field(default_factory=list)

    @classmethod
    async def load(
        cls, conn: asyncpg.Connection, cfg: ProjectsSettings, project_id: str
    ) -> Unit | None:
        """Read a project, or None if unknown."""
        row = await queries.get_project(conn, project_id=project_id)
        if row is None:
            return None
        project = records.project_of(row)
        return cls(conn, cfg, row, project, project)

    @property
    def branch_id(self) -> str | None:
        return self.row["branch_id"]  # type: ignore[no-any-return]

    def emit(self, *events: Event) -> None:
        """Queue events for the outbox (written at commit)."""
        self.events.extend(events)

    # ---- stages -------------------------------------------------------------------------
    async def transition(self, to: Stage | str, at: datetime, by: str, note: str | None) -> None:
        """A manual transition checked by the domain, with everything it starts."""
        moved = apply_transition(self.project, to, at, deposit_min_fen=self.cfg.deposit_min_fen)
        await self._entered(moved, at, by, note)

    async def _entered(self, moved: Project, at: datetime, by: str, note: str | None) -> None:
        before, self.project = self.project, moved
        stage = moved.stage
        self.log.append((moved.version, before.stage, stage, at, by, note))
        self.emit(
            ProjectStageChanged(
                project_id=moved.id,
                customer_id=moved.customer_id,
                from_stage=before.stage,
                to_stage=stage,
                at=at,
                by=by,
                project_manager=moved.project_manager,
                completed_on=moved.completed_on,
                warranty_ends_on=warranty_ends_on(moved, self.cfg),
                version=moved.version,
            )
        )
        for due in deadlines_for(stage, at):
            await queries.upsert_deadline(
                self.conn,
                project_id=moved.id,
                deadline=due.kind.value,
                started_at=at,
                due_at=due.due_at,
                due_on=due.due_on,
            )
            await timers.schedule(
                self.conn,
                DEADLINE,
                timer_key(moved.id, due.kind.value),
                due.due_at,
                {"project_id": moved.id, "deadline": due.kind.value},
            )
        if stage == Stage.WORKS_STARTED:
            await self.satisfy(Deadline.WORKS_START, at)
        for inst, after in DUE_AFTER.items():
            if after == stage:
                await self._start_payment_clock(inst, at)
        if stage == Stage.COMPLETED:
            await self.maybe_warranty(at)

    async def maybe_warranty(self, at: datetime) -> None:
        """Enter `warranty` with its card once completed and the final instalment is paid."""
        if auto_warranty(self.project, at):
            moved = start_warranty(self.project, at, years=self.cfg.warranty_years)
            entered_at = moved.reached_at(Stage.WARRANTY) or at
            await self._entered(moved, entered_at, SERVICE, "final payment received")

    # ---- payments -----------------------------------------------------------------------
    async def _start_payment_clock(self, inst: Installment, fact_at: datetime) -> None:
        row = row_of(self.project, inst, self.cfg)
        if row is None or row.due is None or row.fully_paid:
            return
        key = timer_key(self.project.id, inst.value)
        payload = {"project_id": self.project.id, "installment": inst.value}
        await timers.schedule(self.conn, PAYMENT_DUE, key, fact_at, payload)
        await timers.schedule(self.conn, PAYMENT_OVERDUE, key, row.due.due_at, payload)

    async def paid(self, inst: Installment) -> PlannedInstallment | None:
        """After a payment: stop the instalment's clocks once it is fully paid."""
        row = row_of(self.project, inst, self.cfg)
        if row is not None and row.fully_paid:
            key = timer_key(self.project.id, inst.value)
            await timers.cancel(self.conn, PAYMENT_DUE, key)
            await timers.cancel(self.conn, PAYMENT_OVERDUE, key)
        return row

    # ---- deadlines ----------------------------------------------------------------------
    async def satisfy(self, deadline: Deadline, at: datetime) -> bool:
        """Record the fact that meets a deadline; its timer stops if the fact was on time."""
        pid = self.project.id
        current = await queries.get_deadline(self.conn, project_id=pid, deadline=deadline.value)
        if current is None:
            return False
        if not await queries.satisfy_deadline(
            self.conn, project_id=pid, deadline=deadline.value, at=at
        ):
            return True
        if at < current["due_at"]:
            await timers.cancel(self.conn, DEADLINE, timer_key(pid, deadline.value))
        # A late fact leaves the timer to report the miss (at once if the bound has passed).
        return True

    # ---- commit -------------------------------------------------------------------------
    async def commit(self) -> None:
        """Write the new state if still at the version read, then the log and the events."""
        p = self.project
        if p is not self.before:
            ok = await queries.update_project(
                self.conn,
                project_id=p.id,
                expected_version=self.before.version,
                stage=p.stage.value,
                version=p.version,
                designer=p.designer,
                project_manager=p.project_manager,
                state=records.project_to_json(p),
            )
            if not ok:
                raise StaleVersion(
                    "stale_version",
                    f"the project changed after it was read at version {self.before.version}; "
                    "reload it and try again",
                )
        for version, from_stage, to_stage, at, by, note in self.log:
            await queries.insert_stage_log(
                self.conn,
                project_id=p.id,
                version=version,
                from_stage=from_stage.value,
                to_stage=to_stage.value,
                at=at,
                by=by,
                note=note,
            )
        await outbox.add(self.conn, *outbox.stamp(SERVICE, self.events, self.branch_id))
        for _, _, to_stage, _, _, _ in self.log:
            metrics.STAGE_CHANGES.labels(to_stage.value).inc()


async def due_event(
    conn: asyncpg.Connection, cfg: ProjectsSettings, project_id: str, inst: Installment
) -> tuple[Project, PlannedInstallment] | None:
    """A project and one of its instalments, for a payment timer (None if gone or paid)."""
    unit = await Unit.load(conn, cfg, project_id)
    if unit is None:
        return None
    row = row_of(unit.project, inst, cfg)
    if row is None or row.fully_paid:
        return None
    return unit.project, row
