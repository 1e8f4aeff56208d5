"""The message log: queued once per dedupe key, claimed by the sender, settled after the call."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications.queries.common import MESSAGE_COLUMNS


async def insert_message(
    conn: asyncpg.Connection,
    *,
    id: str,
    dedupe_key: str,
    channel: str,
    template: str,
    recipient_kind: str,
    recipient_value: str,
    recipient_label: str,
    webhook_url: str | None,
    params: dict[str, str],
    language: str | None,
    rendered_language: str,
    subject: str | None,
    body: str,
    entity_kind: str | None,
    entity_id: str | None,
    customer_id: str | None,
    attachment_name: str | None,
    attachment_type: str | None,
    attachment: str | None,
    send_at: datetime,
    branch_id: str | None,
    correlation_id: UUID | None,
) -> bool:
    """Queue a message; False when its dedupe key already queued one (never a second send)."""
    inserted = await conn.fetchval(
        "INSERT INTO messages (id, dedupe_key, channel, template, recipient_kind,"
        "   recipient_value, recipient_label, webhook_url, params, language, rendered_language,"
        "   subject, body, entity_kind, entity_id, customer_id, attachment_name,"
        "   attachment_type, attachment, status, send_at, branch_id, correlation_id,"
        "   created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16,"
        "   $17, $18, $19, 'queued', $20, $21, $22, kefu_now(), kefu_now())"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING true",
        id,
        dedupe_key,
        channel,
        template,
        recipient_kind,
        recipient_value,
        recipient_label,
        webhook_url,
        json.dumps(params, ensure_ascii=False),
        language,
        rendered_language,
        subject,
        body,
        entity_kind,
        entity_id,
        customer_id,
        attachment_name,
        attachment_type,
        attachment,
        send_at,
        branch_id,
        correlation_id,
    )
    return bool(inserted)


async def get_messages(conn: asyncpg.Connection, *, ids: Sequence[str]) -> list[asyncpg.Record]:
    """Messages by id (the sender's batch)."""
    return await conn.fetch(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ANY($1::text[])", list(ids)
    )


async def get_message(conn: asyncpg.Connection, *, message_id: str) -> asyncpg.Record | None:
    """One message."""
    return await conn.fetchrow(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1", message_id)


async def list_messages(
    conn: asyncpg.Connection,
    *,
    customer_id: str | None,
    entity_id: str | None,
    channel: str | None,
    status: str | None,
    template: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A page of the message log ordered by (created_at, id)."""
    return await conn.fetch(
        f"SELECT {MESSAGE_COLUMNS} FROM messages"
        " WHERE ($1::text IS NULL OR customer_id = $1)"
        "   AND ($2::text IS NULL OR entity_id = $2)"
        "   AND ($3::text IS NULL OR channel = $3)"
        "   AND ($4::text IS NULL OR status = $4)"
        "   AND ($5::text IS NULL OR template = $5)"
        "   AND ($6::timestamptz IS NULL OR (created_at, id) > ($6::timestamptz, $7::text))"
        " ORDER BY created_at, id LIMIT $8",
        customer_id,
        entity_id,
        channel,
        status,
        template,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def complete_send_timers(
    conn: asyncpg.Connection, *, timer_ids: Sequence[int], lease_tokens: Sequence[UUID]
) -> set[str]:
    """Remove finished send timers still leased by this worker; returns their message ids."""
    rows = await conn.fetch(
        "DELETE FROM timers t USING unnest($1::bigint[], $2::uuid[]) AS u(id, token)"
        " WHERE t.id = u.id AND t.lease_token = u.token RETURNING t.key",
        list(timer_ids),
        list(lease_tokens),
    )
    return {r["key"] for r in rows}


async def reschedule_send_timers(
    conn: asyncpg.Connection,
    *,
    timer_ids: Sequence[int],
    lease_tokens: Sequence[UUID],
    due_ats: Sequence[datetime],
) -> set[str]:
    """Move send timers still leased by this worker to their retry time; returns message ids."""
    rows = await conn.fetch(
        "UPDATE timers t SET due_at = u.due_at, lease_until = NULL, lease_token = NULL,"
        "   attempts = 0"
        " FROM unnest($1::bigint[], $2::uuid[], $3::timestamptz[]) AS u(id, token, due_at)"
        " WHERE t.id = u.id AND t.lease_token = u.token RETURNING t.key",
        list(timer_ids),
        list(lease_tokens),
        list(due_ats),
    )
    return {r["key"] for r in rows}


async def mark_sent_many(
    conn: asyncpg.Connection,
    *,
    ids: Sequence[str],
    addresses: Sequence[str | None],
    provider_refs: Sequence[str | None],
    languages: Sequence[str],
    bodies: Sequence[str],
    subjects: Sequence[str | None],
) -> set[str]:
    """Record the providers' acceptances; returns the ids that were still queued."""
    rows = await conn.fetch(
        "UPDATE messages m SET status = 'sent', attempts = m.attempts + 1,"
        "   sent_at = kefu_now(), address = u.address, provider_ref = u.ref,"
        "   rendered_language = u.lang, body = u.body, subject = u.subject,"
        "   last_error = NULL, updated_at = kefu_now()"
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])"
        "   AS u(id, address, ref, lang, body, subject)"
        " WHERE m.id = u.id AND m.status = 'queued' RETURNING m.id",
        list(ids),
        list(addresses),
        list(provider_refs),
        list(languages),
        list(bodies),
        list(subjects),
    )
    return {r["id"] for r in rows}


async def mark_failed_many(
    conn: asyncpg.Connection,
    *,
    ids: Sequence[str],
    statuses: Sequence[str],
    retry_ats: Sequence[datetime | None],
    errors: Sequence[str],
    addresses: Sequence[str | None],
) -> set[str]:
    """Record failed sends (queued again for their retry, or failed); returns the ids written."""
    rows = await conn.fetch(
        "UPDATE messages m SET status = u.status, attempts = m.attempts + 1,"
        "   send_at = coalesce(u.retry_at, m.send_at), last_error = u.error,"
        "   address = coalesce(u.address, m.address), updated_at = kefu_now()"
        " FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])"
        "   AS u(id, status, retry_at, error, address)"
        " WHERE m.id = u.id AND m.status = 'queued' RETURNING m.id",
        list(ids),
        list(statuses),
        list(retry_ats),
        list(errors),
        list(addresses),
    )
    return {r["id"] for r in rows}


async def defer_messages(
    conn: asyncpg.Connection, *, ids: Sequence[str], send_ats: Sequence[datetime]
) -> None:
    """Hold queued SMS until the quiet hours end (no attempt spent)."""
    await conn.execute(
        "UPDATE messages m SET send_at = u.send_at, updated_at = kefu_now()"
        " FROM unnest($1::text[], $2::timestamptz[]) AS u(id, send_at)"
        " WHERE m.id = u.id AND m.status = 'queued'",
        list(ids),
        list(send_ats),
    )
