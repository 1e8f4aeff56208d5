"""SQL of the monthly repairs report: every figure counted by Postgres over one month."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def opened_by_status(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, branch: str | None = None
) -> list[asyncpg.Record]:
    """Tickets opened in [start, end) (of one branch when given), counted by the status they
    have now."""
    return await conn.fetch(
        "SELECT status, count(*) AS n FROM aftersales.repairs"
        " WHERE opened_at >= $1 AND opened_at < $2"
        "   AND ($3::text IS NULL OR branch_id = $3::text)"
        " GROUP BY status",
        start,
        end,
        branch,
    )


async def service_levels(
    conn: asyncpg.Connection,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    first_contact_hours: int,
    survey_hours: int,
    tz: str,
    branch: str | None = None,
) -> list[asyncpg.Record]:
    """Per service-level step, the deadlines falling in [start, end): how many were met,
    breached (done after the deadline, or still not done once it passed) or are still
    pending. The deadlines are the domain's (domain/service.py sla_deadlines): first contact
    and survey in hours from the opening, the repair by the end of its last planned local day.
    A branch given: its tickets only."""
    return await conn.fetch(
        "WITH deadlines AS ("
        "  SELECT 'first_contact' AS step,"
        "         opened_at + make_interval(hours => $4::int) AS due, first_contact_at AS done"
        "  FROM aftersales.repairs"
        "  WHERE ($7::text IS NULL OR branch_id = $7::text)"
        "    AND opened_at >= $1::timestamptz - make_interval(hours => $4::int)"
        "    AND opened_at < $2::timestamptz - make_interval(hours => $4::int)"
        "  UNION ALL"
        "  SELECT 'survey', opened_at + make_interval(hours => $5::int), surveyed_at"
        "  FROM aftersales.repairs"
        "  WHERE ($7::text IS NULL OR branch_id = $7::text)"
        "    AND opened_at >= $1::timestamptz - make_interval(hours => $5::int)"
        "    AND opened_at < $2::timestamptz - make_interval(hours => $5::int)"
        "  UNION ALL"
        "  SELECT 'repair', (repair_on + duration_days)::timestamp AT TIME ZONE $6::text,"
        "         completed_at"
        "  FROM aftersales.repairs"
        "  WHERE ($7::text IS NULL OR branch_id = $7::text)"
        "    AND repair_on IS NOT NULL AND duration_days IS NOT NULL"
        "    AND (repair_on + duration_days)::timestamp AT TIME ZONE $6::text >= $1::timestamptz"
        "    AND (repair_on + duration_days)::timestamp AT TIME ZONE $6::text < $2::timestamptz)"
        " SELECT step, count(*) AS due,"
        "   count(*) FILTER (WHERE done <= due) AS met,"
        "   count(*) FILTER (WHERE coalesce(done, $3::timestamptz) > due) AS breached,"
        "   count(*) FILTER (WHERE done IS NULL AND $3::timestamptz <= due) AS pending"
        " FROM deadlines GROUP BY step",
        start,
        end,
        now,
        first_contact_hours,
        survey_hours,
        tz,
        branch,
    )


async def warranty_and_fees(
    conn: asyncpg.Connection, *, start: datetime, end: datetime, branch: str | None = None
) -> asyncpg.Record:
    """Warranty decisions taken at surveys in [start, end) (covered, paid, fees quoted) and
    repairs completed in it (covered, paid, fees paid), in fen; a branch given, its tickets."""
    row = await conn.fetchrow(
        "SELECT"
        "  count(*) FILTER (WHERE surveyed_at >= $1 AND surveyed_at < $2 AND covered)"
        "    AS surveyed_covered,"
        "  count(*) FILTER (WHERE surveyed_at >= $1 AND surveyed_at < $2 AND NOT covered)"
        "    AS surveyed_paid,"
        "  coalesce(sum(fee_quote_fen) FILTER ("
        "    WHERE surveyed_at >= $1 AND surveyed_at < $2 AND NOT covered), 0)::bigint"
        "    AS quoted_fen,"
        "  count(*) FILTER (WHERE completed_at >= $1 AND completed_at < $2 AND covered)"
        "    AS completed_covered,"
        "  count(*) FILTER (WHERE completed_at >= $1 AND completed_at < $2 AND NOT covered)"
        "    AS completed_paid,"
        "  coalesce(sum(fee_paid_fen) FILTER ("
        "    WHERE completed_at >= $1 AND completed_at < $2 AND NOT covered), 0)::bigint"
        "    AS paid_fen"
        " FROM aftersales.repairs"
        " WHERE ($3::text IS NULL OR branch_id = $3::text)"
        "   AND ((surveyed_at >= $1 AND surveyed_at < $2)"
        "     OR (completed_at >= $1 AND completed_at < $2))",
        start,
        end,
        branch,
    )
    assert row is not None  # an aggregate always answers one row
    return row
