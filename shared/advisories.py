"""Sweep JetStream's max-delivery advisories into dead letters (docs/ARCHITECTURE.md §4).

A crash (or a timeout) during a message's last allowed delivery leaves nobody to write the
dead letter; JetStream then publishes an advisory, captured in the ADVISORIES stream, and this
sweeper fetches the original by its stream sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import asyncpg
import nats.errors
from nats.js import JetStreamContext

from shared import deadletters
from shared.bus import safe_body
from shared.contracts import model_for
from shared.streams import advisory_durable

log = logging.getLogger("kefu.advisories")

ERROR = "max deliveries reached with no recorded outcome (crash or ack timeout on the last attempt)"


def _body(subject: str, data: bytes) -> bytes:
    model = model_for(subject)
    try:
        event = model.model_validate_json(data) if model else None
    except ValueError:
        event = None
    return safe_body(data, event)


async def sweep_once(js: JetStreamContext, pool: asyncpg.Pool, service: str, sub: object) -> int:
    """Move the advisories of one fetch into dead letters; return how many were new."""
    try:
        msgs = await sub.fetch(50, timeout=2.0)  # type: ignore[attr-defined]
    except (TimeoutError, nats.errors.TimeoutError):
        return 0
    written = 0
    for m in msgs:
        info = json.loads(m.data)
        stream, seq = info.get("stream"), info.get("stream_seq")
        try:
            original = await js.get_msg(stream, seq)
        except Exception:
            log.warning("advisory for %s/%s: original message is gone", stream, seq)
            await m.ack()
            continue
        async with pool.acquire() as conn:
            if await deadletters.write(
                conn,
                service=service,
                consumer=info.get("consumer", "?"),
                subject=original.subject or "",
                headers=dict(original.headers or {}),
                body=_body(original.subject or "", original.data or b""),
                error=ERROR,
                deliveries=int(info.get("deliveries", 0)),
                stream_seq=int(seq),
                reason="advisory",
            ):
                written += 1
        await m.ack()
    return written


async def run(js: JetStreamContext, pool: asyncpg.Pool, service: str) -> None:
    """Sweep until cancelled."""
    sub = await js.pull_subscribe_bind(durable=advisory_durable(service), stream="ADVISORIES")
    try:
        while True:
            try:
                await sweep_once(js, pool, service, sub)
            except asyncio.CancelledError:
                raise
            except nats.errors.ConnectionClosedError:
                # Closed for good (the broker stops first on shutdown); nats-py may have
                # swallowed our cancellation while closing, so looping would never end.
                return
            except Exception:
                log.warning("advisory sweep failed", exc_info=True)
                await asyncio.sleep(2.0)
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
