"""Beyond one machine, proven on this one (issue 16): a three-node NATS JetStream cluster with
the streams at three replicas loses a node (kill -9) twice under load, and a Postgres primary is
killed and its synchronous standby promoted under load. Intake and notifications run their whole
runtime; a correct client posts complaints with Idempotency-Keys. Counted afterwards: every 2xx
request has exactly one complaint, one handling callback and one acknowledgement SMS record,
and no service wrote a dead letter."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest

from services.intake.app import create_app as intake_app
from services.notifications.app import create_app as notifications_app
from services.notifications.config import NotificationsSettings
from shared import streams
from shared.consumers import consumers_of
from shared.migrate import migrate
from shared.settings import Settings
from tests.chaos.cluster import (
    Effects,
    Outcome,
    drive,
    effects,
    percentile,
    start_nats_cluster,
    start_pg_pair,
    wait_until,
)
from tests.support.harness import Servers, create_database, running
from tests.support.harness import test_settings as settings_for

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(240)]

RATE, SECONDS = 8.0, 30.0
# Slow enough retries that an outage of a few seconds uses none of the deliveries up.
RETRIES = {"retry_delays": (1.0, 2.0, 4.0, 8.0), "max_deliver": 8}


@asynccontextmanager
async def system(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Intake (HTTP client returned) and notifications (SMS logged as sent), in process."""
    config = NotificationsSettings.model_validate(
        {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}
    )
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(running(notifications_app(settings, config=config)))
        app = intake_app(settings)
        await stack.enter_async_context(app.router.lifespan_context(app))
        # An error the app does not answer is a 500 to the client, as under a real server.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        yield await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://intake")
        )


async def all_effects(url: str, outcomes: list[Outcome]) -> Effects:
    """Wait until every answered request's complaint has its callback and message."""

    async def done() -> Effects | str:
        found = await effects(url)
        ids = [found.ids.get(o.description) for o in outcomes if 200 <= o.status < 300]
        missing = [i for i in ids if not (i and found.callbacks[i] and found.messages[i])]
        if not missing:
            return found
        conn = await asyncpg.connect(url)
        try:
            unsent = await conn.fetchval("SELECT count(*) FROM intake.outbox")
        finally:
            await conn.close()
        return (
            f"{len(missing)} of {len(ids)} incomplete; complaints={len(found.ids)}"
            f" callbacks={len(found.callbacks)} messages={len(found.messages)} outbox={unsent}"
        )

    async def complete() -> Effects | None:
        found = await done()
        return found if isinstance(found, Effects) else None

    try:
        await wait_until(complete, 90, "every complaint's callback and message")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {await done()}") from exc
    await asyncio.sleep(3.0)  # a late duplicate would show up now
    return await effects(url)


def check_exactly_once(outcomes: list[Outcome], found: Effects) -> dict[str, Any]:
    ok = [o for o in outcomes if 200 <= o.status < 300]
    assert len(ok) == len(outcomes), [
        (o.key, o.status, dict(o.errors)) for o in outcomes if o not in ok
    ]
    assert all(found.complaints[o.description] == 1 for o in ok), "one complaint per 2xx"
    assert sum(found.complaints.values()) == len(ok), "no complaint without a 2xx"
    ids = [found.ids[o.description] for o in ok]
    assert all(found.callbacks[i] == 1 for i in ids), "one handling callback per complaint"
    assert all(found.messages[i] == 1 for i in ids), "one acknowledgement per complaint"
    assert found.dead_letters == 0
    retried = [o for o in ok if o.attempts > 1]
    return {
        "requests": len(outcomes),
        "2xx": len(ok),
        "retried": len(retried),
        "attempts": sum(o.attempts for o in outcomes),
        "complaints": sum(found.complaints.values()),
        "callbacks": sum(found.callbacks.values()),
        "messages": sum(found.messages.values()),
        "dead_letters": found.dead_letters,
        "lag_p50": percentile(found.lags, 0.5),
        "lag_p99": percentile(found.lags, 0.99),
        "lag_max": max(found.lags, default=0.0),
    }


async def test_nats_cluster_survives_kill_9_of_two_nodes_in_turn_under_load(
    chaos_home: Path, chaos_servers: Servers
) -> None:
    cluster = await start_nats_cluster(chaos_home / f"cluster-{time.monotonic_ns()}")
    try:
        url = await create_database(chaos_servers.admin_url, "kefu_cluster")
        await migrate(url, ("intake", "notifications"))
        settings = settings_for(cluster.url, url, stream_replicas=3, **RETRIES)
        nc = await nats.connect(servers=settings.nats_servers)
        js = nc.jetstream()

        async def declared() -> bool:
            await streams.declare(
                js, consumers_of("intake") + consumers_of("notifications"), replicas=3
            )
            return True

        await wait_until(declared, 60, "streams declared at 3 replicas")
        info = await js.stream_info("EVENTS")
        assert info.config.num_replicas == 3
        kills: list[dict[str, Any]] = []

        async def kill_the_leader() -> None:
            leader = (await js.stream_info("EVENTS")).cluster.leader  # type: ignore[union-attr]
            node = cluster.node(str(leader))
            t0 = time.monotonic()
            await asyncio.to_thread(cluster.kill, node)

            async def new_leader() -> bool:
                now = (await js.stream_info("EVENTS")).cluster.leader  # type: ignore[union-attr]
                return bool(now) and now != leader

            await wait_until(new_leader, 30, "a new EVENTS leader")
            elected = time.monotonic() - t0
            await asyncio.sleep(4.0)
            cluster.start(node)
            await wait_until(lambda: cluster.healthy(node), 60, f"{node.name} back and current")
            kills.append(
                {"node": node.name, "leader_elected_s": elected, "down_s": time.monotonic() - t0}
            )

        async with system(settings) as client:
            load = asyncio.create_task(drive(client, RATE, SECONDS))
            await asyncio.sleep(6.0)
            await kill_the_leader()
            await kill_the_leader()  # the second kill only after the first node returned
            outcomes = await load
            found = await all_effects(url, outcomes)
        await nc.close()
    finally:
        cluster.stop()
    figures = check_exactly_once(outcomes, found)
    assert len(kills) == 2 and kills[0]["node"] != kills[1]["node"]
    assert figures["lag_max"] < 30, "consumers resumed within seconds"
    print(
        "\nFIGURES nats-cluster: "
        + " ".join(
            f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
        )
        + " kills="
        + "; ".join(
            f"{k['node']} (leader) new leader {k['leader_elected_s']:.1f}s, back after {k['down_s']:.1f}s"
            for k in kills
        )
    )


async def test_postgres_primary_killed_and_standby_promoted_under_load(
    chaos_home: Path, chaos_servers: Servers, js: Any
) -> None:
    pair = await start_pg_pair(chaos_home / f"pg-{time.monotonic_ns()}")
    try:
        admin = await create_database(pair.primary.url, "kefu_failover")
        database = admin.rsplit("/", 1)[1]
        await migrate(admin, ("intake", "notifications"))
        url = pair.url(database)
        settings = settings_for(
            chaos_servers.nats_url, url, idempotency_lease_seconds=3.0, **RETRIES
        )
        async with system(settings) as client:
            load = asyncio.create_task(drive(client, RATE, SECONDS))
            await asyncio.sleep(10.0)
            t0 = time.monotonic()
            # In threads: the services (in this event loop) keep serving through the outage.
            await asyncio.to_thread(pair.primary.kill)
            await asyncio.sleep(2.0)  # a failover manager noticing the dead primary
            await asyncio.to_thread(pair.promote)
            promoted = time.monotonic() - t0
            outcomes = await load
            found = await all_effects(url, outcomes)
    finally:
        pair.stop()
    figures = check_exactly_once(outcomes, found)
    errors: dict[str, int] = {}
    for o in outcomes:
        for k, v in o.errors.items():
            errors[k] = errors.get(k, 0) + v
    print(
        "\nFIGURES postgres-failover: "
        + " ".join(
            f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
        )
        + f" promoted_in={promoted:.1f}s errors_before_retry={errors}"
    )
