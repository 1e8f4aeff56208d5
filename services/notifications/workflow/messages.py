"""Messages: queued once with their send timer (the sender takes them from there), and the
message log."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    MessageSpec,
    idempotency_key,
    render,
    render_subject,
    send_at,
    webhook_targets,
)
from services.notifications.workflow.common import SEND_TIMER, Cause
from shared import links
from shared.context import Context
from shared.contracts.values import MessageChannel
from shared.errors import NotFound


async def customer_languages(ctx: Context, messages: Sequence[MessageSpec]) -> dict[str, str]:
    """The contact book's language of each customer the messages go to."""
    ids = {m.recipient.value for m in messages if m.recipient.kind == "customer"}
    if not ids:
        return {}
    found = await queries.get_contacts(ctx.conn, kind="customer", contact_ids=sorted(ids))
    return {cid: row["language"] for cid, row in found.items()}


def with_link(spec: MessageSpec, config: NotificationsSettings, now: datetime) -> dict[str, str]:
    """The message's params, plus for a message that carries one the recipient's signed link
    to the record's page (the console's /t/…), valid for `link_days`."""
    params = dict(spec.params)
    if spec.link is not None and spec.entity is not None:
        token = links.sign(
            links.key_of(config.link_secret),
            spec.entity.id,
            links.Audience(spec.link),
            now,
            timedelta(days=config.link_days),
        )
        params["link"] = f"{config.link_base_url.rstrip('/')}/t/{token}"
    return params


async def queue_message(
    ctx: Context,
    spec: MessageSpec,
    *,
    now: datetime,
    config: NotificationsSettings,
    cause: Cause,
    languages: Mapping[str, str],
) -> list[str]:
    """Queue a message (plus the audience's webhooks) once; returns the ids queued now."""
    language = spec.language
    if language is None and spec.recipient.kind == "customer":
        language = languages.get(spec.recipient.value)
    shown = language or config.default_language
    params = with_link(spec, config, now)
    body = render(spec.template, shown, params)
    subject = render_subject(spec.template, shown, params)
    is_email = spec.channel is MessageChannel.EMAIL
    targets: list[tuple[str, MessageChannel, str | None]] = [(spec.dedupe_key, spec.channel, None)]
    if spec.recipient.kind == "audience":
        for target in webhook_targets(spec.recipient.value, config.webhook_urls):
            key = f"{spec.dedupe_key}:webhook:{idempotency_key(target)[:12]}"
            targets.append((key, MessageChannel.WEBHOOK, target))
    queued: list[str] = []
    for dedupe_key, channel, url in targets:
        message_id = str(uuid.uuid4())
        at = send_at(now, channel, config)
        attachment = spec.attachment if channel is not MessageChannel.SMS else None
        inserted = await queries.insert_message(
            ctx.conn,
            id=message_id,
            dedupe_key=dedupe_key,
            channel=channel.value,
            template=spec.template,
            recipient_kind=spec.recipient.kind,
            recipient_value=spec.recipient.value,
            recipient_label=spec.recipient.label,
            webhook_url=url,
            params=params,
            language=spec.language,
            rendered_language=shown,
            subject=subject if is_email or url else None,
            body=body,
            entity_kind=spec.entity.kind if spec.entity else None,
            entity_id=spec.entity.id if spec.entity else None,
            customer_id=spec.customer_id,
            attachment_name=attachment.name if attachment else None,
            attachment_type=attachment.media_type if attachment else None,
            attachment=attachment.content if attachment else None,
            send_at=at,
            branch_id=cause.branch_id,
            correlation_id=cause.correlation_id,
        )
        if inserted:
            await ctx.schedule(SEND_TIMER, message_id, at)
            queued.append(message_id)
    return queued


async def message_log(
    ctx: Context,
    *,
    customer_id: str | None,
    entity_id: str | None,
    channel: str | None,
    status: str | None,
    template: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A page of the message log in creation order."""
    return await queries.list_messages(
        ctx.conn,
        customer_id=customer_id,
        entity_id=entity_id,
        channel=channel,
        status=status,
        template=template,
        after=after,
        limit=limit,
    )


async def message(ctx: Context, message_id: str) -> asyncpg.Record:
    """One message of the log."""
    row = await queries.get_message(ctx.conn, message_id=message_id)
    if row is None:
        raise NotFound("message", message_id)
    return row
