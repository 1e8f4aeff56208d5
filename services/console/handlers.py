"""The console's bus entry point: a plain (core) NATS subscription to callback.> per replica.

Not a durable consumer on purpose: the events only wake the pages open on this replica, which
then re-read the truth from notifications' API. A replica that was down has no pages to wake,
and a missed hint costs nothing that the next page load does not restore, so there is nothing
to redeliver, claim in an inbox or dead-letter.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from nats.aio.msg import Msg

from services.console.metrics import LIVE_UNREADABLE
from services.console.workflow.accounts import ensure_admin
from services.console.workflow.live import Hub
from services.console.workflow.sessions import plan_pruning, prune
from shared.context import Context
from shared.db import transaction
from shared.gauges import init_platform_metrics
from shared.service import Runtime
from shared.timers import Timer

SUBJECTS = "callback.>"
log = logging.getLogger("kefu.console")


def on_callback(hub: Hub) -> Callable[[Msg], Coroutine[Any, Any, None]]:
    """The message callback: a callback event becomes a hint to the pages it concerns."""

    async def handle(msg: Msg) -> None:
        try:
            event = json.loads(msg.data)
            hub.publish(
                msg.subject,
                event.get("callback_id"),
                event.get("assignee"),
                event.get("team"),
            )
        except (ValueError, AttributeError) as exc:
            LIVE_UNREADABLE.inc()
            log.warning("unreadable %s message ignored: %s", msg.subject, exc)

    return handle


def listen(hub: Hub) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """A background task of the service: subscribe while the process runs, then let the
    open pages go (they reconnect, to this replica or another)."""

    async def run(runtime: Runtime) -> None:
        assert runtime.broker is not None
        sub = await runtime.broker.connection.subscribe(SUBJECTS, cb=on_callback(hub))
        try:
            await asyncio.Event().wait()
        finally:
            hub.close()
            await sub.unsubscribe()

    return run


async def start(runtime: Runtime) -> None:
    """At start: the platform's series, the daily clean-up's timer, and in local runs
    (`kefu up`) the `admin` account with KEFU_ADMIN_PASSWORD, which the platform settings
    refuse in production."""
    init_platform_metrics(runtime)
    assert runtime.pool is not None
    password = runtime.settings.admin_password
    async with runtime.pool.acquire() as conn, transaction(conn):
        ctx = runtime.context(conn)
        await plan_pruning(ctx)
        if password:
            created = await ensure_admin(ctx, password)
            log.info("local admin account %s", "created" if created else "password set")


async def fire_prune(ctx: Context, timer: Timer) -> datetime | None:
    """The daily clean-up of old sign-in attempts and ended sessions."""
    return await prune(ctx)
