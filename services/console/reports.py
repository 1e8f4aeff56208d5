"""The console's report: the sign-in audit for admins (figures by SQL in queries/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.console import queries
from shared.context import Context

ROWS = 50


@dataclass(frozen=True)
class SignInAudit:
    """Failed sign-ins per account name and per address over a period, and open sessions."""

    since: datetime
    now: datetime
    by_user: list[dict[str, Any]]
    by_address: list[dict[str, Any]]
    sessions: list[dict[str, Any]]


async def sign_in_audit(ctx: Context, *, hours: int) -> SignInAudit:
    """The last `hours` of failed sign-ins, most first, and every session still open."""
    now = await ctx.now()
    since = now - timedelta(hours=hours)
    by_user = await queries.failures_by_user(ctx.conn, since=since, limit=ROWS)
    by_address = await queries.failures_by_address(ctx.conn, since=since, limit=ROWS)
    sessions = await queries.open_sessions(ctx.conn, now=now, limit=ROWS * 4)
    return SignInAudit(
        since=since,
        now=now,
        by_user=[dict(r) for r in by_user],
        by_address=[dict(r) for r in by_address],
        sessions=[dict(r) for r in sessions],
    )
