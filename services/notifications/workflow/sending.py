"""The sender: claims due `message.send` timers with a lease, calls the providers outside any
transaction, then settles the batch in one transaction (status, retry, notification.sent).

Replicas never send one message twice: a timer is claimed by one worker (SKIP LOCKED + lease),
the outcome is written only while that lease holds, and a call retried after a lost lease
carries the same idempotency key, which the provider answers without a second send.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from services.notifications import queries
from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    after_send_failure,
    idempotency_key,
    in_quiet_hours,
    recipients_for,
    render,
    render_subject,
    send_at,
)
from services.notifications.metrics import MESSAGES, SEND_FAILURES
from services.notifications.queries.records import mask_phone, message_params
from services.notifications.workflow.common import SEND_TIMER, Cause
from services.notifications.workflow.providers import Delivery, Mail, Providers
from shared import timers
from shared.context import Context
from shared.contracts.notifications import EntityRef, NotificationSent
from shared.contracts.values import MessageChannel, MessageStatus
from shared.db import transaction
from shared.service import Runtime

log = logging.getLogger("kefu.notifications.sender")


@dataclass
class Attempt:
    """One claimed message and what happened to it."""

    timer: timers.Timer
    row: asyncpg.Record | None
    delivery: Delivery | None = None
    defer_until: datetime | None = None
    address: str | None = None
    language: str | None = None
    body: str | None = None
    subject: str | None = None
    status: MessageStatus = MessageStatus.QUEUED  # after a failure: queued again or failed
    next_due: datetime | None = None  # the timer's next due time; None: the timer is done


class Sender:
    """Sends due messages for one replica; several replicas share the work."""

    def __init__(self, runtime: Runtime) -> None:
        config: NotificationsSettings = runtime.config
        self.runtime, self.config = runtime, config
        s = runtime.settings
        self.poll_seconds = s.timer_poll_seconds
        rounds = math.ceil(config.send_batch / config.send_concurrency)
        # The lease outlives the slowest possible batch, so no other replica takes it over.
        self.lease_seconds = max(s.timer_lease_seconds, rounds * config.send_timeout_seconds + 30)
        self.sent = 0

    @property
    def pool(self) -> asyncpg.Pool:
        assert self.runtime.pool is not None
        return self.runtime.pool

    async def run(self) -> None:
        """Send until cancelled; a failed round is logged and retried after a pause."""
        limits = httpx.Limits(max_connections=self.config.send_concurrency)
        async with httpx.AsyncClient(limits=limits) as http:
            providers = Providers(self.config, http)
            while True:
                try:
                    done = await self.run_once(providers)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.warning("sender round failed", exc_info=True)
                    done = 0
                if done < self.config.send_batch:
                    await asyncio.sleep(self.poll_seconds)

    async def run_once(self, providers: Providers) -> int:
        """Claim one batch of due messages, send them, settle them; return how many."""
        async with self.pool.acquire() as conn:
            claimed = await timers.claim_due(
                conn,
                [SEND_TIMER],
                self.config.send_batch,
                self.lease_seconds,
                self.runtime.clock.offset_seconds,
            )
            if not claimed:
                return 0
            rows = await queries.get_messages(conn, ids=[t.key for t in claimed])
            by_id = {r["id"]: r for r in rows}
            wanted = [
                r["recipient_value"]
                for r in rows
                if r["recipient_kind"] == "customer" and r["status"] == "queued"
            ]
            contacts = await queries.get_contacts(conn, kind="customer", contact_ids=wanted)
            now = await self.runtime.context(conn).now()
        gate = asyncio.Semaphore(self.config.send_concurrency)

        async def one(timer: timers.Timer) -> Attempt:
            async with gate:
                return await self.attempt(providers, timer, by_id.get(timer.key), contacts, now)

        attempts = await asyncio.gather(*(one(t) for t in claimed))
        await self.settle(attempts)
        return len(claimed)

    async def attempt(
        self,
        providers: Providers,
        timer: timers.Timer,
        row: asyncpg.Record | None,
        contacts: dict[str, asyncpg.Record],
        now: datetime,
    ) -> Attempt:
        """Resolve the recipient, render in the contact's language, call the provider."""
        result = Attempt(timer, row)
        if row is None or row["status"] != MessageStatus.QUEUED:
            return result
        channel = MessageChannel(row["channel"])
        if channel is MessageChannel.SMS and in_quiet_hours(now, self.config):
            result.defer_until = send_at(now, channel, self.config)
            return result
        params = message_params(row)
        key = idempotency_key(row["dedupe_key"])
        language = row["language"] or self.config.default_language
        contact = None
        if row["recipient_kind"] == "customer":
            contact = contacts.get(row["recipient_value"])
        if contact is not None and row["language"] is None:
            language = contact["language"] or language
        result.language = language
        try:
            result.body = render(row["template"], language, params)
            result.subject = row["subject"] and render_subject(row["template"], language, params)
        except (KeyError, ValueError) as exc:
            # A message its template cannot render fails alone, with the reason, not the batch
            # (one queued before its SMS carried the link renders without it: not this case).
            result.body = None
            result.delivery = Delivery(False, error=f"cannot render: {exc}", permanent=True)
            return result
        try:
            result.delivery = await self.call(providers, row, channel, contact, key, result, now)
        except Exception as exc:  # a provider bug must not stall the batch
            log.warning("send of message %s raised", row["id"], exc_info=True)
            result.delivery = Delivery(False, error=f"{type(exc).__name__}: {exc}")
        return result

    async def call(
        self,
        providers: Providers,
        row: asyncpg.Record,
        channel: MessageChannel,
        contact: asyncpg.Record | None,
        key: str,
        result: Attempt,
        now: datetime,
    ) -> Delivery:
        """The provider call for one message's channel (`now` dates the e-mail and signs the
        webhook)."""
        assert result.body is not None
        if channel is MessageChannel.SMS:
            phone = row["recipient_value"] if row["recipient_kind"] == "phone" else None
            if contact is not None:
                phone = contact["phone"]
            if not phone:
                return Delivery(False, error=f"no phone known for {row['recipient_value']} yet")
            result.address = phone
            if self.config.sms_url is None:
                log.info("SMS %s to %s (no gateway configured)", row["template"], mask_phone(phone))
            return await providers.sms(
                phone=phone, template=row["template"], params=message_params(row), key=key
            )
        if channel is MessageChannel.WEBHOOK:
            result.address = row["webhook_url"]
            payload = self.webhook_payload(row, result)
            return await providers.webhook(url=row["webhook_url"], payload=payload, key=key, at=now)
        if row["recipient_kind"] != "audience":
            return Delivery(False, error="no e-mail address for this recipient", permanent=True)
        to = recipients_for(row["recipient_value"], self.config.report_recipients)
        if not to:
            error = f"no addresses for {row['recipient_value']}"
            return Delivery(False, error=error, permanent=True)
        result.address = ", ".join(to)
        mail = Mail(
            to=to,
            subject=result.subject or result.body.splitlines()[0],
            body=result.body,
            key=key,
            at=now,
            attachment_name=row["attachment_name"],
            attachment_type=row["attachment_type"],
            attachment=row["attachment"],
        )
        return await providers.email(mail)

    def webhook_payload(self, row: asyncpg.Record, result: Attempt) -> dict[str, Any]:
        """What a webhook receives: the message as the log shows it."""
        entity = None
        if row["entity_kind"]:
            entity = {"kind": row["entity_kind"], "id": row["entity_id"]}
        return {
            "message_id": row["id"],
            "template": row["template"],
            "audience": row["recipient_value"],
            "entity": entity,
            "customer_id": row["customer_id"],
            "params": message_params(row),
            "language": result.language,
            "subject": result.subject,
            "text": result.body,
            "attachment": {
                "name": row["attachment_name"],
                "media_type": row["attachment_type"],
                "content": row["attachment"],
            }
            if row["attachment_name"]
            else None,
            "created_at": row["created_at"].isoformat(),
        }

    async def settle(self, attempts: list[Attempt]) -> None:
        """Write every outcome in one transaction, only where this worker still holds the lease.

        Set-based: a handful of statements per batch, not a few per message.
        """
        async with self.pool.acquire() as conn, transaction(conn):
            await self.runtime.clock.apply(conn)
            ctx = self.runtime.context(conn)
            now = await ctx.now()
            for a in attempts:
                self.decide(a, now)
            finished = [a for a in attempts if a.next_due is None]
            moved = [a for a in attempts if a.next_due is not None]
            held = await queries.complete_send_timers(
                conn,
                timer_ids=[a.timer.id for a in finished],
                lease_tokens=[a.timer.lease_token for a in finished],
            )
            held |= await queries.reschedule_send_timers(
                conn,
                timer_ids=[a.timer.id for a in moved],
                lease_tokens=[a.timer.lease_token for a in moved],
                due_ats=[a.next_due for a in moved if a.next_due is not None],
            )
            # A lost lease means another worker owns the message now: it records the outcome.
            mine = [a for a in attempts if a.timer.key in held and a.row is not None]
            events = await self.record(ctx, mine)
            await ctx.emit(*events)
        for e in events:
            MESSAGES.labels(e.channel.value, e.status.value).inc()
        self.sent += sum(1 for e in events if e.status is MessageStatus.SENT)

    def decide(self, a: Attempt, now: datetime) -> None:
        """What happens to the timer: finished (None) or moved to a retry or the morning."""
        if a.defer_until is not None:
            a.next_due = a.defer_until
            return
        if a.row is None or a.delivery is None or a.delivery.ok:
            return
        channel = MessageChannel(a.row["channel"])
        SEND_FAILURES.labels(channel.value).inc()
        status, retry = after_send_failure(
            a.row["attempts"] + 1, now, self.config.message_max_attempts
        )
        if a.delivery.permanent:
            status, retry = MessageStatus.FAILED, None
        a.status = status
        # An SMS retry that would fall in the quiet hours waits for the morning.
        a.next_due = send_at(retry, channel, self.config) if retry is not None else None

    async def record(self, ctx: Context, mine: list[Attempt]) -> list[NotificationSent]:
        """Write the messages' new state; returns notification.sent for the final ones."""
        sent = [a for a in mine if a.delivery is not None and a.delivery.ok]
        failed = [a for a in mine if a.delivery is not None and not a.delivery.ok]
        deferred = [a for a in mine if a.defer_until is not None]
        written = await queries.mark_sent_many(
            ctx.conn,
            ids=[a.timer.key for a in sent],
            addresses=[a.address for a in sent],
            provider_refs=[a.delivery.ref if a.delivery else None for a in sent],
            languages=[a.language or self.config.default_language for a in sent],
            bodies=[a.body or "" for a in sent],
            subjects=[a.subject for a in sent],
        )
        events = [self.notice(a.row, MessageStatus.SENT) for a in sent if a.timer.key in written]
        written = await queries.mark_failed_many(
            ctx.conn,
            ids=[a.timer.key for a in failed],
            statuses=[a.status.value for a in failed],
            retry_ats=[a.next_due for a in failed],
            errors=[(a.delivery.error if a.delivery else None) or "failed" for a in failed],
            addresses=[a.address for a in failed],
        )
        events += [
            self.notice(a.row, MessageStatus.FAILED)
            for a in failed
            if a.timer.key in written and a.status is MessageStatus.FAILED
        ]
        await queries.defer_messages(
            ctx.conn,
            ids=[a.timer.key for a in deferred],
            send_ats=[a.defer_until for a in deferred if a.defer_until is not None],
        )
        return events

    @staticmethod
    def notice(row: asyncpg.Record, status: MessageStatus) -> NotificationSent:
        """notification.sent for a message that reached a final status."""
        entity = (
            EntityRef(kind=row["entity_kind"], id=row["entity_id"]) if row["entity_kind"] else None
        )
        event = NotificationSent(
            message_id=row["id"],
            channel=MessageChannel(row["channel"]),
            entity=entity,
            status=status,
            customer_id=row["customer_id"],
        )
        Cause.of_row(row).stamp(event)
        return event
