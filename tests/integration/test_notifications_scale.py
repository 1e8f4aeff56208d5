"""Scale: two replicas share 10,000 due messages and none is sent twice."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import uuid

import asyncpg
import pytest
from nats.js import JetStreamContext

from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import harness

N = 10_000


async def sent_count(conn: asyncpg.Connection) -> int:
    n: int = await conn.fetchval(
        "SELECT count(*) FROM notifications.messages WHERE status = 'sent'"
    )
    return n


async def test_two_replicas_send_ten_thousand_due_messages_once_each(
    settings: Settings, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # httpcore retries `import sniffio` (not installed here) on every request; under pytest's
    # import hooks that failed lookup costs more than the request itself. Known absent → None.
    if importlib.util.find_spec("sniffio") is None:
        monkeypatch.setitem(sys.modules, "sniffio", None)
    ids = [str(uuid.uuid4()) for _ in range(N)]
    phones = [f"137{i:08d}" for i in range(N)]
    async with harness(settings, js, replicas=2, send_concurrency=8, send_batch=250) as h:
        conn = await asyncpg.connect(settings.database_url)
        try:
            started = time.monotonic()
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO notifications.messages (id, dedupe_key, channel, template,"
                    "   recipient_kind, recipient_value, recipient_label, params,"
                    "   rendered_language, body, entity_kind, entity_id, status, send_at)"
                    " SELECT id, 'scale:' || id, 'sms', 'shipment_signed', 'phone', phone,"
                    "   'shipper', jsonb_build_object('waybill', 'WB' || n, 'origin', 'SH01',"
                    "   'destination', 'BJ02', 'at', '2026-11-26 10:00',"
                    "   'link', 'http://127.0.0.1:8000/t/x'), 'zh', '-', 'shipment',"
                    "   'WB' || n, 'queued', now()"
                    " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(id, phone, n)",
                    ids,
                    phones,
                )
                await conn.execute(
                    "INSERT INTO notifications.timers (kind, key, due_at)"
                    " SELECT 'message.send', id, now() FROM unnest($1::text[]) AS id",
                    ids,
                )
            # A bound, not a speed goal (bench/ has those): a busy machine may take minutes.
            await eventually(lambda: _all_sent(conn), timeout=240, interval=0.5)
            elapsed = time.monotonic() - started
            failed = await conn.fetchval(
                "SELECT count(*) FROM notifications.messages WHERE attempts <> 1"
            )
            timers_left = await conn.fetchval("SELECT count(*) FROM notifications.timers")
            # Every send is announced once on the bus (the relay drains the outbox).
            await eventually(lambda: _outbox_empty(conn), timeout=30, interval=0.5)
            info = await js.stream_info("EVENTS", subjects_filter="notification.sent")
        finally:
            await conn.close()
        per_replica = [app.state.sender.sent for app in h.apps]

    keys = [s["idempotency_key"] for s in h.gateway.sent]
    assert len(h.gateway.sent) == N and len(set(keys)) == N
    assert h.gateway.requests == N, "no message was even tried twice"
    assert sorted(s["phone_numbers"] for s in h.gateway.sent) == phones
    assert failed == 0 and timers_left == 0
    assert (info.state.subjects or {}).get("notification.sent") == N
    assert sum(per_replica) == N and min(per_replica) > 0, per_replica
    print(f"\n{N} SMS by 2 replicas in {elapsed:.1f}s: {per_replica}")


async def _outbox_empty(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval("SELECT count(*) FROM notifications.outbox") == 0


async def _all_sent(conn: asyncpg.Connection) -> bool:
    return await sent_count(conn) == N


async def test_a_message_its_template_cannot_render_fails_alone_with_the_reason(
    settings: Settings, js: JetStreamContext
) -> None:
    """A queued message whose params lack what its template needs fails with the reason; the
    batch beside it is sent, and so is one queued before the SMS carried the customer's link
    (sent without the link's sentence)."""
    good, old, bad = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    async with harness(settings, js) as h:
        conn = await asyncpg.connect(settings.database_url)
        try:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO notifications.messages (id, dedupe_key, channel, template,"
                    "   recipient_kind, recipient_value, recipient_label, params,"
                    "   rendered_language, body, entity_kind, entity_id, status, send_at)"
                    " SELECT id, 'render:' || id, 'sms', 'shipment_signed', 'phone',"
                    "   '13700000001', 'shipper', p, 'zh', '-', 'shipment', 'WB1', 'queued', now()"
                    " FROM unnest($1::text[], $2::jsonb[]) AS t(id, p)",
                    [good, old, bad],
                    [
                        '{"waybill": "WB1", "at": "2026-11-26 10:00", "link": "http://x/t/1"}',
                        '{"waybill": "WB1", "at": "2026-11-26 10:00"}',
                        '{"waybill": "WB1", "link": "http://x/t/1"}',
                    ],
                )
                await conn.execute(
                    "INSERT INTO notifications.timers (kind, key, due_at)"
                    " SELECT 'message.send', id, now() FROM unnest($1::text[]) AS id",
                    [good, old, bad],
                )

            async def settled() -> dict[str, tuple[str, str | None]] | None:
                rows = await conn.fetch(
                    "SELECT id, status, last_error FROM notifications.messages"
                    " WHERE id = ANY($1::text[])",
                    [good, old, bad],
                )
                found = {r["id"]: (r["status"], r["last_error"]) for r in rows}
                return found if all(s != "queued" for s, _ in found.values()) else None

            outcome = await eventually(settled, timeout=30, interval=0.2)
            body = await conn.fetchval("SELECT body FROM notifications.messages WHERE id = $1", old)
        finally:
            await conn.close()
    assert outcome[good][0] == "sent" and outcome[old][0] == "sent"
    assert outcome[bad][0] == "failed"
    assert outcome[bad][1] == "cannot render: template 'shipment_signed' needs param 'at'"
    assert body == "您的货物（运单号WB1）已于2026-11-26 10:00签收。"
    params = [json.loads(s["template_param"]) for s in h.gateway.sent]
    assert len(params) == 2 and {"waybill": "WB1", "at": "2026-11-26 10:00"} in params
