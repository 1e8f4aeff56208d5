"""What a renovation customer's link may read about their project (the console's page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.projects.domain import customer_name
from services.projects.domain.customer import (
    NextStage,
    PlanLine,
    StageStep,
    coming_next,
    handed_over,
    plan_lines,
    stage_steps,
)
from services.projects.domain.model import Project, WarrantyCard
from services.projects.workflow.unit import Unit
from shared.context import Context
from shared.contracts.values import Role
from shared.errors import NotFound
from shared.web.auth import Principal


@dataclass(frozen=True, slots=True)
class CustomerView:
    """One project as its customer's link shows it, as of `now`."""

    project: Project
    address: str
    customer_name: str | None
    steps: list[StageStep]
    next: NextStage
    plan: list[PlanLine]
    card: WarrantyCard | None
    now: datetime


async def customer_view(ctx: Context, who: Principal, project_id: str) -> CustomerView:
    """The project as its customer's link shows it; a project_view token reads its own project
    only (404 for any other, the same answer as for a project that does not exist)."""
    if who.role is Role.PROJECT_VIEW and who.project != project_id:
        raise NotFound("project", project_id)
    unit = await Unit.fetch(ctx, project_id)
    now = await ctx.now()
    p = unit.project
    return CustomerView(
        project=p,
        address=str(unit.row["address"]),
        customer_name=customer_name(p),
        steps=stage_steps(p),
        next=coming_next(p, now, deposit_min_fen=unit.cfg.deposit_min_fen),
        plan=plan_lines(unit.installments(), now),
        card=handed_over(p.warranty),
        now=now,
    )
