"""The monthly rating, satisfaction by role and person, the care-compliance report, and the
month's deadlines and payments due, from the service's own tables."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from services.projects import queries
from services.projects.config import ProjectsSettings
from services.projects.domain import (
    CompletedCallback,
    ProjectCare,
    ProjectMonth,
    QualityInspection,
    RatedCall,
    RatedProject,
    care_compliance,
    made_calls,
    monthly_rating,
    project_installments,
    required_calls,
    satisfaction_by_role,
)
from services.projects.domain.dues import (
    ProjectPlan,
    deadline_report,
    payment_report,
)
from services.projects.queries import records
from shared.calendar import add_months, local_date, start_of_local_day
from shared.context import Context
from shared.contracts.values import CallbackPurpose, Stage
from shared.errors import Invalid

# Nothing is owed before the design agreement (its callback is the first care call).
EARLY_STAGES: tuple[Stage, ...] = (Stage.CONSULTATION, Stage.MEASUREMENT, Stage.QUOTATION)
CARE_PURPOSES = frozenset(
    {
        CallbackPurpose.FRONTDESK_CALL,
        CallbackPurpose.WEEKLY_WORKS,
        CallbackPurpose.STAGE_CALLBACK,
        CallbackPurpose.COMPLETION_SURVEY,
    }
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_of(at: datetime) -> str:
    """The business-calendar month (YYYY-MM) of an instant."""
    return local_date(at).strftime("%Y-%m")


def previous_month(at: datetime) -> str:
    """The month before the one `at` falls in (the period a report on the 1st covers)."""
    first = local_date(at).replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def parse_month(value: str) -> str:
    """A YYYY-MM month, or Invalid naming the field."""
    if not _MONTH.match(value):
        raise Invalid("month", f"expected YYYY-MM, got {value!r}")
    return value


def _num(value: Fraction) -> float:
    dec = Decimal(value.numerator) / Decimal(value.denominator)
    return float(dec.quantize(Decimal("0.01")))


def _rated(r: RatedProject, rank: int, managers: dict[str, str | None], n: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "project_id": r.project_id,
        "project_manager": managers.get(r.project_id),
        "score": float(r.score_2dp),
        "mean_inspection": _num(r.mean_inspection),
        "mean_satisfaction": _num(r.mean_satisfaction),
        "complaints": r.complaints,
        "inspections": n,
    }


async def rating(ctx: Context, month: str | None = None) -> dict[str, Any]:
    """Best and worst projects of a month (default: this month) with their scores (domain
    monthly_rating)."""
    month = parse_month(month) if month is not None else month_of(await ctx.now())
    cfg: ProjectsSettings = ctx.config
    conn = ctx.conn
    inspections: dict[str, list[QualityInspection]] = defaultdict(list)
    for r in await queries.inspections_in_month(conn, month=month):
        inspections[r["project_id"]].append(records.inspection_of(r))
    complaints = {
        r["project_id"]: r["n"] for r in await queries.complaint_counts(conn, month=month)
    }
    scores = {
        r["project_id"]: tuple(r["scores"])
        for r in await queries.satisfaction_in_month(conn, month=month)
    }
    months = [
        ProjectMonth(pid, tuple(found), complaints.get(pid, 0), scores.get(pid, ()))
        for pid, found in sorted(inspections.items())
    ]
    best, worst = monthly_rating(
        months, complaint_penalty=cfg.rating_complaint_penalty, size=cfg.rating_size
    )
    managers = {
        r["id"]: r["project_manager"]
        for r in await queries.managers_of(conn, project_ids=[r.project_id for r in best + worst])
    }
    awards = [award_of(r) for r in await queries.awards_in_month(conn, month=month)]
    return {
        "month": month,
        "rated": len(months),
        "awards": awards,
        "best": [
            _rated(r, i, managers, len(inspections[r.project_id])) for i, r in enumerate(best, 1)
        ],
        "worst": [
            _rated(r, i, managers, len(inspections[r.project_id])) for i, r in enumerate(worst, 1)
        ],
    }


def award_of(row: Any) -> dict[str, Any]:
    """A reward or penalty as the rating shows it."""
    return {k: row[k] for k in ("project_id", "kind", "amount_fen", "person", "reason")} | {
        "decided_by": row["decided_by"],
        "at": row["at"].isoformat(),
    }


def rating_csv(report: dict[str, Any]) -> str:
    """The rating as CSV: one line per listed project."""
    out = io.StringIO()
    cols = [
        "rank",
        "project_id",
        "project_manager",
        "score",
        "mean_inspection",
        "mean_satisfaction",
        "complaints",
        "inspections",
    ]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["month", "list", *cols])
    for which in ("best", "worst"):
        for row in report[which]:
            w.writerow([report["month"], which, *(row[c] for c in cols)])
    return out.getvalue()


async def satisfaction(ctx: Context, month: str | None = None) -> dict[str, Any]:
    """How customers rated each designer, inspector, foreman and engineering manager in a month
    (default: this month), from the calls that asked them (the completion survey)."""
    month = parse_month(month) if month is not None else month_of(await ctx.now())
    calls = [
        RatedCall(
            r["project_id"],
            json.loads(r["ratings"]) if isinstance(r["ratings"], str) else dict(r["ratings"]),
            {k: r[k] for k in ("designer", "supervisor", "foreman", "project_manager")},
        )
        for r in await queries.ratings_in_month(ctx.conn, month=month)
    ]
    return {
        "month": month,
        "calls": len(calls),
        "rows": [
            {
                "role": row.role.value,
                "person": row.person,
                "ratings": row.ratings,
                "projects": row.projects,
                "mean": _num(row.mean),
                "lowest": row.lowest,
            }
            for row in satisfaction_by_role(calls)
        ],
    }


def satisfaction_csv(report: dict[str, Any]) -> str:
    """Satisfaction by role and person as CSV."""
    out = io.StringIO()
    cols = ["role", "person", "ratings", "projects", "mean", "lowest"]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["month", *cols])
    for row in report["rows"]:
        w.writerow([report["month"], *(row[c] if row[c] is not None else "" for c in cols)])
    return out.getvalue()


async def care(
    ctx: Context, project_manager: str | None = None, branch_id: str | None = None
) -> dict[str, Any]:
    """Per project manager, as of now: projects owing calls, calls owed, calls made, the
    percentage (of one branch's projects when given)."""
    now = await ctx.now()
    rows = await queries.projects_owing_care(
        ctx.conn, early=[s.value for s in EARLY_STAGES], branch_id=branch_id
    )
    projects = [
        (r["id"], r["project_manager"], records.project_of(r))
        for r in rows
        if project_manager is None or r["project_manager"] == project_manager
    ]
    done: dict[str, list[CompletedCallback]] = defaultdict(list)
    pending: dict[str, int] = defaultdict(int)
    for cb in await queries.callbacks_of(ctx.conn, project_ids=[p[0] for p in projects]):
        purpose = CallbackPurpose(cb["purpose"])
        if cb["completed"]:
            done[cb["project_id"]].append(CompletedCallback(purpose, cb["stage"]))
        elif purpose in CARE_PURPOSES:
            pending[cb["project_id"]] += 1
    cares = []
    pending_by_pm: dict[str | None, int] = defaultdict(int)
    for pid, pm, project in projects:
        owed = required_calls(project.history, now)
        if owed.total == 0:
            continue
        cares.append(ProjectCare(pid, pm, owed, made_calls(done[pid])))
        pending_by_pm[pm] += pending[pid]
    return {
        "as_of": now.isoformat(),
        "rows": [
            {
                "project_manager": row.project_manager,
                "projects": row.projects,
                "required_calls": row.required_calls,
                "made_calls": row.made_calls,
                "compliance_pct": float(row.compliance_pct),
                "pending_calls": pending_by_pm[row.project_manager],
            }
            for row in care_compliance(cares)
        ],
    }


def care_csv(report: dict[str, Any]) -> str:
    """The care-compliance report as CSV."""
    out = io.StringIO()
    cols = [
        "project_manager",
        "projects",
        "required_calls",
        "made_calls",
        "compliance_pct",
        "pending_calls",
    ]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    for row in report["rows"]:
        w.writerow([row[c] if row[c] is not None else "" for c in cols])
    return out.getvalue()


def first_of_next_month(at: datetime, hour: int) -> datetime:
    """The first day of the next business month at `hour` local time (a report's slot)."""
    first = local_date(at).replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return start_of_local_day(nxt) + timedelta(hours=hour)


# No payment plan before the contract is signed (it moves the project to `contract`).
BEFORE_CONTRACT: tuple[Stage, ...] = (*EARLY_STAGES, Stage.DESIGN_AGREEMENT, Stage.DESIGN)
DEADLINE_FIGURES = ("due", "met", "missed", "open_past_due", "pending")
PAYMENT_FIGURES = ("due", "due_fen", "paid_fen", "outstanding_fen", "overdue", "overdue_fen")


def month_days(month: str) -> tuple[date, date]:
    """The first and last local day of a YYYY-MM month."""
    first = date.fromisoformat(f"{parse_month(month)}-01")
    return first, add_months(first, 1) - timedelta(days=1)


def _figures(tally: Any, names: tuple[str, ...]) -> dict[str, int]:
    return {name: getattr(tally, name) for name in names}


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


async def deadlines(ctx: Context, month: str | None, branch_id: str | None) -> dict[str, Any]:
    """The stage deadlines due in a month (default: this month): met, missed, still open past
    due, pending, in total, per branch and per person who owes them, with the missed ones."""
    now = await ctx.now()
    month = parse_month(month) if month is not None else month_of(now)
    first, last = month_days(month)
    rows = await queries.deadlines_due(ctx.conn, first=first, last=last, branch_id=branch_id)
    report = deadline_report([records.due_deadline_of(r) for r in rows], first, last, now)
    return {
        "month": month,
        "branch_id": branch_id,
        "as_of": now.isoformat(),
        "total": _figures(report.total, DEADLINE_FIGURES),
        "branches": [
            {"branch_id": b, **_figures(t, DEADLINE_FIGURES)} for b, t in report.by_branch
        ],
        "people": [{"person": p, **_figures(t, DEADLINE_FIGURES)} for p, t in report.by_person],
        "missed": [
            {
                "project_id": d.project_id,
                "branch_id": d.branch_id,
                "deadline": d.kind.value,
                "responsible": d.responsible,
                "due_on": d.due_on.isoformat(),
                "due_at": d.due_at.isoformat(),
                "satisfied_at": _when(d.satisfied_at),
                "status": found.value,
            }
            for d, found in report.missed
        ],
    }


def _per_branch_csv(report: dict[str, Any], figures: Sequence[str]) -> str:
    """A monthly report's branch lines as CSV: month, branch, then the figures."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["month", "branch_id", *figures])
    for row in report["branches"]:
        w.writerow([report["month"], row["branch_id"] or "", *(row[f] for f in figures)])
    return out.getvalue()


def deadlines_csv(report: dict[str, Any]) -> str:
    """The deadlines report as CSV: one line per branch."""
    return _per_branch_csv(report, DEADLINE_FIGURES)


async def payments(ctx: Context, month: str | None, branch_id: str | None) -> dict[str, Any]:
    """The instalments due in a month (default: this month): amount, paid, outstanding; and the
    overdue ones that fell due by its end, per branch, with the overdue projects."""
    now = await ctx.now()
    month = parse_month(month) if month is not None else month_of(now)
    first, last = month_days(month)
    cfg: ProjectsSettings = ctx.config
    rows = await queries.contracted_states(
        ctx.conn, before_contract=[s.value for s in BEFORE_CONTRACT], branch_id=branch_id
    )
    plans = [
        ProjectPlan(
            r["id"],
            r["branch_id"],
            r["project_manager"],
            project_installments(records.project_of(r), due_days=cfg.payment_due_days),
        )
        for r in rows
    ]
    report = payment_report(plans, first, last, now)
    return {
        "month": month,
        "branch_id": branch_id,
        "as_of": now.isoformat(),
        "total": _figures(report.total, PAYMENT_FIGURES),
        "branches": [{"branch_id": b, **_figures(t, PAYMENT_FIGURES)} for b, t in report.by_branch],
        "overdue": [
            {
                "project_id": o.project.project_id,
                "branch_id": o.project.branch_id,
                "project_manager": o.project.project_manager,
                "installment": o.installment.installment.value,
                "due_on": o.installment.due_on.isoformat() if o.installment.due_on else None,
                "amount_fen": o.installment.amount_fen,
                "paid_fen": o.installment.paid_fen,
                "outstanding_fen": o.installment.outstanding_fen,
            }
            for o in report.overdue
        ],
    }


def payments_csv(report: dict[str, Any]) -> str:
    """The payments report as CSV: one line per branch, money in fen."""
    return _per_branch_csv(report, PAYMENT_FIGURES)
