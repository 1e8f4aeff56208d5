"""The monthly repairs report: its figures counted by SQL (queries/reports.py), as JSON and CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.aftersales import queries
from services.aftersales.domain import RepairRules, SlaStep, Status, parse_month
from shared.calendar import BUSINESS_TZ

CSV_HEADER = ("month", "section", "item", "value")


@dataclass(frozen=True)
class StepLine:
    """One service-level step over the deadlines falling in the month."""

    step: SlaStep
    due: int
    met: int
    breached: int
    pending: int


@dataclass(frozen=True)
class RepairsMonth:
    """The month's figures: tickets opened, service levels, warranty decisions and fees (of
    one branch's tickets, or of all when `branch` is None)."""

    month: str
    start: datetime
    end: datetime
    opened: dict[Status, int]
    service_levels: list[StepLine]
    surveyed_covered: int
    surveyed_paid: int
    quoted_fen: int
    completed_covered: int
    completed_paid: int
    paid_fen: int
    branch: str | None = None


async def repairs_month(
    conn: asyncpg.Connection,
    month: str,
    *,
    now: datetime,
    rules: RepairRules,
    branch: str | None = None,
) -> RepairsMonth:
    """The report for a month 'YYYY-MM' of the business calendar (ValueError for a bad one),
    of one branch's tickets when given; a deadline not yet passed at `now` and not met is
    pending."""
    start, end = parse_month(month)
    rows = await queries.opened_by_status(conn, start=start, end=end, branch=branch)
    opened = {r["status"]: r["n"] for r in rows}
    levels = {
        r["step"]: r
        for r in await queries.service_levels(
            conn,
            start=start,
            end=end,
            now=now,
            first_contact_hours=rules.sla_first_contact_hours,
            survey_hours=rules.sla_survey_hours,
            tz=BUSINESS_TZ.key,
            branch=branch,
        )
    }
    money = await queries.warranty_and_fees(conn, start=start, end=end, branch=branch)
    return RepairsMonth(
        month=month.strip(),
        start=start,
        end=end,
        opened={s: opened.get(s.value, 0) for s in Status},
        service_levels=[_line(step, levels.get(step.value)) for step in SlaStep],
        surveyed_covered=money["surveyed_covered"],
        surveyed_paid=money["surveyed_paid"],
        quoted_fen=money["quoted_fen"],
        completed_covered=money["completed_covered"],
        completed_paid=money["completed_paid"],
        paid_fen=money["paid_fen"],
        branch=branch,
    )


def _line(step: SlaStep, row: asyncpg.Record | None) -> StepLine:
    if row is None:
        return StepLine(step, 0, 0, 0, 0)
    return StepLine(step, row["due"], row["met"], row["breached"], row["pending"])


def as_json(report: RepairsMonth) -> dict[str, Any]:
    """The report body."""
    return {
        "month": report.month,
        "branch": report.branch,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "opened": {
            "total": sum(report.opened.values()),
            "by_status": {s.value: n for s, n in report.opened.items()},
        },
        "service_levels": [
            {
                "step": line.step.value,
                "due": line.due,
                "met": line.met,
                "breached": line.breached,
                "pending": line.pending,
            }
            for line in report.service_levels
        ],
        "repairs": {
            "surveyed": {
                "covered": report.surveyed_covered,
                "paid": report.surveyed_paid,
                "quoted_fen": report.quoted_fen,
            },
            "completed": {
                "covered": report.completed_covered,
                "paid": report.completed_paid,
                "paid_fen": report.paid_fen,
            },
        },
    }


def as_csv(report: RepairsMonth) -> str:
    """The report as CSV, one figure per row: month, section, item, value."""
    body = as_json(report)
    rows: list[tuple[str, str, int]] = [("opened", "total", body["opened"]["total"])]
    rows += [("opened", status, n) for status, n in body["opened"]["by_status"].items()]
    for line in body["service_levels"]:
        rows += [(line["step"], k, line[k]) for k in ("due", "met", "breached", "pending")]
    for section, figures in body["repairs"].items():
        rows += [(section, item, value) for item, value in figures.items()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows((report.month, *row) for row in rows)
    return out.getvalue()
