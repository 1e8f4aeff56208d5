"""The service-level report: callbacks overdue and completed late, messages not delivered.
Figures are counted by SQL in queries/; this module shapes them as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg

from services.notifications import queries
from services.notifications.domain import SEND_LATE_AFTER, Period, overdue_graces
from shared.contracts.values import MessageChannel

CALLBACK_FIGURES: Final = ("created", "open", "overdue", "completed", "completed_late", "given_up")
MESSAGE_FIGURES: Final = ("sent", "failed", "queued_late")
CSV_HEADER: Final = ("subject", "by", "key", *CALLBACK_FIGURES, *MESSAGE_FIGURES)


@dataclass(frozen=True)
class Line:
    """One group's figures: a purpose, a team (None: tasks of no team) or a channel."""

    key: str | None
    figures: dict[str, int]


@dataclass(frozen=True)
class ServiceLevels:
    """The report: totals and breakdowns for callbacks and for messages (of one branch's, or of
    all when `branch` is None)."""

    period: Period
    as_of: datetime
    callbacks: dict[str, int]
    by_purpose: list[Line]
    by_team: list[Line]
    messages: dict[str, int]
    by_channel: list[Line]
    branch: str | None = None


def _figures(row: asyncpg.Record | None, names: tuple[str, ...]) -> dict[str, int]:
    return {name: int(row[name]) if row is not None else 0 for name in names}


async def service_levels(
    conn: asyncpg.Connection, period: Period, now: datetime, branch: str | None = None
) -> ServiceLevels:
    """The period's figures (one branch's callbacks and messages when given); open, overdue
    and queued late are as of `now`."""
    purposes, graces = overdue_graces()
    calls = await queries.callback_levels(
        conn,
        start=period.start,
        end=period.end,
        grace_purposes=purposes,
        graces=graces,
        branch=branch,
    )
    sends = await queries.message_levels(
        conn, start=period.start, end=period.end, late_before=now - SEND_LATE_AFTER, branch=branch
    )
    total = next((r for r in calls if not r["by_purpose"] and not r["by_team"]), None)
    channels = {r["channel"]: r for r in sends if r["by_channel"]}
    return ServiceLevels(
        period=period,
        as_of=now,
        callbacks=_figures(total, CALLBACK_FIGURES),
        by_purpose=[
            Line(r["purpose"], _figures(r, CALLBACK_FIGURES)) for r in calls if r["by_purpose"]
        ],
        by_team=[Line(r["team"], _figures(r, CALLBACK_FIGURES)) for r in calls if r["by_team"]],
        messages=_figures(next((r for r in sends if not r["by_channel"]), None), MESSAGE_FIGURES),
        # Every channel, so the table reads the same each time; purposes and teams are many:
        # only those with a figure.
        by_channel=[
            Line(c.value, _figures(channels.get(c.value), MESSAGE_FIGURES)) for c in MessageChannel
        ],
        branch=branch,
    )


def as_json(report: ServiceLevels) -> dict[str, Any]:
    """The report body."""
    return {
        "week": report.period.week,
        "branch": report.branch,
        "from": report.period.start,
        "to": report.period.end,
        "as_of": report.as_of,
        "callbacks": {
            **report.callbacks,
            "by_purpose": [{"purpose": x.key, **x.figures} for x in report.by_purpose],
            "by_team": [{"team": x.key, **x.figures} for x in report.by_team],
        },
        "messages": {
            **report.messages,
            "by_channel": [{"channel": x.key, **x.figures} for x in report.by_channel],
        },
    }


def as_csv(report: ServiceLevels | None) -> str:
    """The report as one CSV table: a line per total and group, blank where a figure does not
    apply (messages have no `open`, callbacks no `sent`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    if report is None:
        return out.getvalue()
    blank_calls, blank_sends = [""] * len(CALLBACK_FIGURES), [""] * len(MESSAGE_FIGURES)
    calls = [("all", None, report.callbacks)] + [
        (by, x.key, x.figures)
        for by, lines in (("purpose", report.by_purpose), ("team", report.by_team))
        for x in lines
    ]
    for by, key, figures in calls:
        writer.writerow(["callbacks", by, key or "", *figures.values(), *blank_sends])
    sends = [("all", None, report.messages)] + [
        ("channel", x.key, x.figures) for x in report.by_channel
    ]
    for by, key, figures in sends:
        writer.writerow(["messages", by, key or "", *blank_calls, *figures.values()])
    return out.getvalue()
