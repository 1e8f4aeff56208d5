"""One project read at one version, changed through the rules and written back in the same
transaction with everything the change causes: the stage log, the deadlines and timers it
starts or stops, and its events.

The new state is written only if the version it was read at is still current (optimistic
concurrency); otherwise nothing is written and the caller gets 409 `stale_version`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from services.projects import metrics, queries
from services.projects.config import ProjectsSettings
from services.projects.domain import (
    DUE_AFTER,
    DeadlineState,
    PlannedInstallment,
    Project,
    StageChange,
    apply_transition,
    auto_warranty,
    deadlines_for,
    last_day_of_cover,
    parse_stage,
    project_installments,
    responsible,
    start_warranty,
    unmet_rules,
)
from services.projects.queries import records
from shared.context import Context
from shared.contracts.envelope import Event
from shared.contracts.projects import (
    PaymentEvent,
    ProjectRenderingsDelivered,
    ProjectStageChanged,
)
from shared.contracts.values import Deadline, Installment, Stage
from shared.errors import DomainError, NotFound

SERVICE = "projects"
PAYMENT_DUE = "payment.due"
PAYMENT_OVERDUE = "payment.overdue"
DEADLINE = "project.deadline"


class StaleVersion(DomainError):
    """Someone changed the project between our read and our write (409)."""


class VersionMismatch(DomainError):
    """The caller made the change conditional on a version the project has left (412)."""

    status = 412

    def __init__(self, version: int, expected: str) -> None:
        super().__init__(
            "precondition_failed", f"the project is at version {version}, not {expected}"
        )


def settings(ctx: Context) -> ProjectsSettings:
    """The service's own settings."""
    cfg: ProjectsSettings = ctx.config
    return cfg


def aware(at: datetime) -> datetime:
    """A time from another service's event, read as UTC when it came without an offset."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def timer_key(project_id: str, what: str) -> str:
    """Timer key of one project's instalment or deadline."""
    return f"{project_id}:{what}"


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


def warranty_ends_on(project: Project, cfg: ProjectsSettings) -> date | None:
    """The warranty's last day of cover once completion is known (the card's, once issued)."""
    if project.warranty is not None:
        return project.warranty.ends_on
    if project.completed_on is not None:
        return last_day_of_cover(project.completed_on, cfg.warranty_years)
    return None


@dataclass(frozen=True)
class ProjectFile:
    """A project as GET /v1/projects/{id} shows it: the aggregate, the columns kept beside it,
    the stage log, the deadlines and the payment plan."""

    project: Project
    lead_id: str | None
    address: str
    changes: tuple[StageChange, ...]
    deadlines: tuple[DeadlineState, ...]
    installments: tuple[PlannedInstallment, ...]

    def responsible(self, deadline: DeadlineState) -> str | None:
        """Who owes a deadline (token `sub`), if assigned."""
        return responsible(deadline.kind, self.project)


@dataclass
class Unit:
    """A project read at one version, the changes made to it, and what they cause."""

    ctx: Context
    row: asyncpg.Record
    before: Project
    project: Project
    events: list[Event] = field(default_factory=list)
    log: list[StageChange] = field(default_factory=list)

    @classmethod
    async def load(cls, ctx: Context, project_id: str) -> Unit | None:
        """Read a project, or None if unknown."""
        row = await queries.get_project(ctx.conn, project_id=project_id)
        if row is None:
            return None
        project = records.project_of(row)
        return cls(ctx, row, project, project)

    @classmethod
    async def fetch(cls, ctx: Context, project_id: str, if_match: str | None = None) -> Unit:
        """The project to change, or 404; with `if_match` only while still at that version."""
        unit = await cls.load(ctx, project_id)
        if unit is None:
            raise NotFound("project", project_id)
        if if_match is not None and if_match != str(unit.project.version):
            raise VersionMismatch(unit.project.version, if_match)
        return unit

    @property
    def cfg(self) -> ProjectsSettings:
        return settings(self.ctx)

    @property
    def branch_id(self) -> str | None:
        return self.row["branch_id"]  # type: ignore[no-any-return]

    def emit(self, *events: Event) -> None:
        """Queue events for the outbox (written at commit)."""
        self.events.extend(events)

    def installments(self) -> list[PlannedInstallment]:
        """The payment plan as it stands, with due dates and the sums paid."""
        return project_installments(self.project, due_days=self.cfg.payment_due_days)

    # ---- stages -------------------------------------------------------------------------
    async def transition(self, to: Stage | str, at: datetime, by: str, note: str | None) -> None:
        """A manual transition checked by the domain, with everything it starts; a refusal
        names every rule not met (the problem's `rules`)."""
        minimum, target = self.cfg.deposit_min_fen, parse_stage(to)
        try:
            moved = apply_transition(self.project, target, at, deposit_min_fen=minimum)
        except DomainError as exc:
            rules = unmet_rules(self.project, target, at, deposit_min_fen=minimum)
            if not rules or rules[0][0] != exc.code:
                raise
            unmet = [{"code": code, "rule": text} for code, text in rules]
            raise DomainError(exc.code, exc.detail, extra={"rules": unmet}) from exc
        await self._entered(moved, at, by, note)

    async def _entered(self, moved: Project, at: datetime, by: str, note: str | None) -> None:
        before, self.project = self.project, moved
        stage = moved.stage
        self.log.append(StageChange(moved.version, before.stage, stage, at, by, note))
        dues = deadlines_for(stage, at)
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
                works_start_by=next(
                    (d.due_on for d in dues if d.kind == Deadline.WORKS_START), None
                ),
                version=moved.version,
            )
        )
        for due in dues:
            await queries.upsert_deadline(
                self.ctx.conn,
                project_id=moved.id,
                deadline=due.kind.value,
                started_at=at,
                due_at=due.due_at,
                due_on=due.due_on,
            )
            await self.ctx.schedule(
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
        await self.ctx.schedule(PAYMENT_DUE, key, fact_at, payload)
        await self.ctx.schedule(PAYMENT_OVERDUE, key, row.due.due_at, payload)

    async def paid(self, inst: Installment) -> PlannedInstallment | None:
        """After a payment: stop the instalment's clocks once it is fully paid."""
        row = row_of(self.project, inst, self.cfg)
        if row is not None and row.fully_paid:
            key = timer_key(self.project.id, inst.value)
            await self.ctx.cancel(PAYMENT_DUE, key)
            await self.ctx.cancel(PAYMENT_OVERDUE, key)
        return row

    # ---- deadlines ----------------------------------------------------------------------
    async def satisfy(self, deadline: Deadline, at: datetime) -> bool:
        """Record the fact that meets a deadline; its timer stops if the fact was on time."""
        conn, pid = self.ctx.conn, self.project.id
        current = await queries.get_deadline(conn, project_id=pid, deadline=deadline.value)
        if current is None:
            return False
        if not await queries.satisfy_deadline(conn, project_id=pid, deadline=deadline.value, at=at):
            return True
        if deadline == Deadline.RENDERINGS:
            self.emit(
                ProjectRenderingsDelivered(
                    project_id=pid,
                    customer_id=self.project.customer_id,
                    at=at,
                    designer=self.project.designer,
                    version=self.project.version,
                )
            )
        if at < current["due_at"]:
            await self.ctx.cancel(DEADLINE, timer_key(pid, deadline.value))
        # A late fact leaves the timer to report the miss (at once if the bound has passed).
        return True

    # ---- commit -------------------------------------------------------------------------
    async def commit(self) -> None:
        """Write the new state if still at the version read, then the log and the events."""
        conn, p = self.ctx.conn, self.project
        if p is not self.before:
            ok = await queries.update_project(
                conn,
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
        for change in self.log:
            await queries.insert_stage_log(
                conn,
                project_id=p.id,
                version=change.version,
                from_stage=change.from_stage.value,
                to_stage=change.to_stage.value,
                at=change.at,
                by=change.by,
                note=change.note,
            )
        for event in self.events:
            event.branch_id = event.branch_id or self.branch_id
        await self.ctx.emit(*self.events)
        for change in self.log:
            metrics.STAGE_CHANGES.labels(change.to_stage.value).inc()

    async def file(self) -> ProjectFile:
        """The project as it now stands, with its stage log and deadlines."""
        conn, p = self.ctx.conn, self.project
        return ProjectFile(
            project=p,
            lead_id=self.row["lead_id"],
            address=self.row["address"],
            changes=tuple(
                records.stage_change_of(r) for r in await queries.stage_log(conn, project_id=p.id)
            ),
            deadlines=tuple(
                records.deadline_of(r) for r in await queries.deadlines_of(conn, project_id=p.id)
            ),
            installments=tuple(self.installments()),
        )
