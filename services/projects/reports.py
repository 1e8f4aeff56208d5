"""The monthly rating, satisfaction by role and person, and the care-compliance report, from
the service's own tables."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import datetime, timedelta
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
    required_calls,
    satisfaction_by_role,
)
from services.projects.queries import records
from shared.calendar import local_date, start_of_local_day
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


async def care(ctx: Context, project_manager: str | None = None) -> dict[str, Any]:
    """Per project manager, as of now: projects owing calls, calls owed, calls made, the
    percentage."""
    now = await ctx.now()
    rows = await queries.projects_owing_care(ctx.conn, early=[s.value for s in EARLY_STAGES])
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
