"""A customer's link: opened (signature, expiry, revocation) and the shipment read from
logistics with a token that can read that one waybill for that audience, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from services.console.domain.tracking import Step, admits, delay_notice, progress
from services.console.queries.links import revoke, revoked_at
from services.console.workflow.services import ServiceError, Services
from shared import links
from shared.context import Context
from shared.links import Audience, Link
from shared.web.auth import issue_token


@dataclass(frozen=True)
class Tracked:
    """The page's content: the link's audience, logistics' customer view, the progress steps
    and the delay notice that applies."""

    audience: Audience
    shipment: dict[str, Any]
    steps: list[Step]
    delay: str | None
    timeline: list[dict[str, Any]]


def genuine(secret: str, token: str) -> Link | None:
    """The link a token names when its signature is ours (no I/O: garbage costs nothing)."""
    return links.genuine(links.key_of(secret), token)


async def admitted(ctx: Context, link: Link) -> Link | None:
    """A genuine link when it has not expired nor been revoked; else None (the same None for
    each reason)."""
    if await ctx.now() >= link.expires_at:
        return None
    revoked = await revoked_at(ctx.conn, subject=link.subject, audience=link.audience.value)
    return link if admits(link, revoked) else None


def scoped_token(services: Services, link: Link, ttl_seconds: int) -> str:
    """A token for this link alone: role tracking, its waybill and audience, a minute's life."""
    return issue_token(
        services.settings,
        role="tracking",
        sub=f"link:{link.audience.value}:{link.subject}",
        waybill=link.subject,
        audience=link.audience.value,
        ttl_seconds=ttl_seconds,
    )


async def shipment(services: Services, link: Link, ttl_seconds: int) -> Tracked | None:
    """The shipment as logistics lets this link's token read it (None when logistics does not
    know it: the same page as a bad link)."""
    try:
        found: dict[str, Any] = await services.get(
            scoped_token(services, link, ttl_seconds),
            "logistics",
            f"/v1/shipments/{quote(link.subject, safe='')}/tracking",
        )
    except ServiceError as exc:
        if exc.status == 404:
            return None
        raise
    status = str(found["status"])
    return Tracked(
        audience=link.audience,
        shipment=found,
        steps=progress(status),
        delay=delay_notice(status, bool(found["delayed"]), bool(found["eta_confirmed"])),
        timeline=[
            {**e, "at": datetime.fromisoformat(str(e["at"]))}
            for e in reversed(found.get("timeline") or [])
        ],
    )


async def revoke_links(
    ctx: Context, subject: str, audiences: list[Audience], by: str, reason: str
) -> datetime:
    """Revoke every link to the waybill (or project) issued until now, for these audiences."""
    now = await ctx.now()
    for audience in audiences:
        await revoke(
            ctx.conn, subject=subject, audience=audience.value, at=now, by=by, reason=reason
        )
    return now


def issue_link(
    secret: str, base_url: str, subject: str, audience: Audience, now: datetime, days: int
) -> str:
    """A link as the SMS carries it (`kefu link issue`: staff resending one by hand), to a
    waybill's page for a consignee or shipper, to a project's for its customer."""
    token = links.sign(links.key_of(secret), subject, audience, now, timedelta(days=days))
    return f"{base_url.rstrip('/')}/t/{token}"
