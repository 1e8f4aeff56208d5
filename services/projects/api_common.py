"""What the route modules share: bodies, roles, loading a project, the project's view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from fastapi import Request
from pydantic import BaseModel, ConfigDict

from services.projects import queries
from services.projects.config import ProjectsSettings
from services.projects.domain import Project, project_installments, responsible
from services.projects.queries import records
from services.projects.workflow import Unit
from shared.contracts.values import Deadline, Role
from shared.web.deps import service_config
from shared.web.errors import Problem, not_found

READERS = (Role.CS, Role.MANAGER, Role.DEPT_HEAD, Role.ENGINEERING, Role.FINANCE)
REPORT_READERS = (Role.MANAGER, Role.DEPT_HEAD, Role.CS, Role.ENGINEERING)
ENGINEERING = (Role.ENGINEERING,)
FINANCE = (Role.FINANCE,)
ORGANISERS = (Role.ENGINEERING, Role.MANAGER)
MONEY = (Role.ENGINEERING, Role.FINANCE)


class Body(BaseModel):
    """A request body: unknown fields are refused (422 naming them)."""

    model_config = ConfigDict(extra="forbid")


def settings_of(request: Request) -> ProjectsSettings:
    """The service's own settings."""
    cfg: ProjectsSettings = service_config(request)
    return cfg


async def load(conn: asyncpg.Connection, request: Request, project_id: str) -> Unit:
    """The project to change, or 404; `If-Match: <version>` makes the change conditional."""
    unit = await Unit.load(conn, settings_of(request), project_id)
    if unit is None:
        raise not_found("project", project_id)
    expected = request.headers.get("if-match")
    if expected is not None and expected.strip('" W/') != str(unit.project.version):
        raise Problem(
            412,
            "Precondition failed",
            f"the project is at version {unit.project.version}, not {expected}",
        )
    return unit


def _deadline(row: asyncpg.Record, project: Project) -> dict[str, Any]:
    due_at: datetime = row["due_at"]
    satisfied: datetime | None = row["satisfied_at"]
    if satisfied is not None and satisfied < due_at:
        status = "met"
    elif row["missed_at"] is not None or satisfied is not None:
        status = "missed"
    else:
        status = "open"
    return {
        "deadline": row["deadline"],
        "started_at": row["started_at"],
        "due_at": due_at,
        "due_on": row["due_on"],
        "responsible": responsible(Deadline(row["deadline"]), project),
        "satisfied_at": satisfied,
        "missed_at": row["missed_at"],
        "status": status,
    }


def installments(project: Project, cfg: ProjectsSettings) -> list[dict[str, Any]]:
    """The payment plan with due dates and the sums paid."""
    return [
        {
            "installment": r.installment.value,
            "amount_fen": r.amount_fen,
            "due_after": r.due_after.value,
            "due_on": r.due_on,
            "due_at": r.due_at,
            "paid_fen": r.paid_fen,
            "outstanding_fen": r.outstanding_fen,
            "fully_paid": r.fully_paid,
        }
        for r in project_installments(project, due_days=cfg.payment_due_days)
    ]


async def view(unit: Unit) -> dict[str, Any]:
    """The project as GET /v1/projects/{id} shows it."""
    p, conn = unit.project, unit.conn
    doc = records.project_to_json(p)
    by_stage = {r["to_stage"]: r for r in await queries.stage_log(conn, project_id=p.id)}
    history = []
    for entry in doc["history"]:
        rec = by_stage.get(entry["stage"])
        history.append(
            {**entry, "by": rec["by"] if rec else None, "note": rec["note"] if rec else None}
        )
    return {
        "id": p.id,
        "customer_id": p.customer_id,
        "lead_id": unit.row["lead_id"],
        "address": unit.row["address"],
        "stage": p.stage.value,
        "version": p.version,
        "designer": p.designer,
        "project_manager": p.project_manager,
        "supervisor": p.supervisor,
        "foreman": p.foreman,
        "history": history,
        "approvals": {
            "scheme_and_quote": doc["scheme_approved_at"],
            "construction_drawings": doc["drawings_signed_at"],
        },
        "deposit_paid_fen": p.deposit_paid_fen,
        "contract": doc["contract"],
        "installments": installments(p, unit.cfg),
        "payments": doc["payments"],
        "additions": doc["additions"],
        "signoffs": doc["signoffs"],
        "deadlines": [_deadline(r, p) for r in await queries.deadlines_of(conn, project_id=p.id)],
        "completed_on": doc["completed_on"],
        "warranty": doc["warranty"],
    }
