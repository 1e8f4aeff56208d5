"""Fault injection needs servers it may stop: the chaos tests always start their own (embedded).

Never the machine's shared NATS/Postgres (KEFU_* URLs are ignored here): tests kill and restart
these servers. Effects are rows in `platformtest.effects`; tests count them.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext, api

from shared import outbox, streams
from shared.consumers import ConsumerSpec
from shared.contracts.envelope import Event
from shared.contracts.intake import ComplaintOpened, CustomerRegistered
from shared.db import create_pool, transaction
from shared.migrate import migrate
from shared.service import Runtime, ServiceDef
from shared.settings import Settings
from tests.chaos.worker import WorkerConfig, WorkerProcess, service
from tests.support.harness import (
    Servers,
    create_database,
    server_home,
    start_servers,
    test_settings,
)
from tooling.embedded import start_nats, start_postgres

SCHEMA = "platformtest"


@pytest.fixture(scope="session")
def chaos_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(tmp_path_factory.mktemp("chaos"))


@pytest.fixture(scope="session")
def chaos_servers() -> Iterator[Servers]:
    """Embedded NATS and Postgres owned by this session (force_embedded: never shared ones)."""
    with server_home("kefu-chaos-") as home:
        servers = start_servers(home, force_embedded=True)
        try:
            yield servers
        finally:
            servers.stop()


@pytest.fixture(scope="session")
async def chaos_db(chaos_servers: Servers) -> str:
    """A database with the platform tables in `platformtest` and an `effects` table."""
    url = await create_database(chaos_servers.admin_url, "kefu_chaos")
    await migrate(url, (SCHEMA,))
    settings = test_settings(chaos_servers.nats_url, url)
    pool = await create_pool(settings, SCHEMA, min_size=1, max_size=1)
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS effects (id bigserial PRIMARY KEY, key text NOT NULL,"
            " worker text NOT NULL DEFAULT '', at timestamptz NOT NULL DEFAULT clock_timestamp())"
        )
    await pool.close()
    return url


@pytest.fixture
def chaos_settings(chaos_servers: Servers, chaos_db: str) -> Settings:
    return test_settings(chaos_servers.nats_url, chaos_db)


@pytest.fixture
async def pool(chaos_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """The test's own pool (role kefu_platformtest); tables emptied for each test."""
    p = await create_pool(chaos_settings, SCHEMA, min_size=1, max_size=4)
    async with p.acquire() as conn:
        await conn.execute("TRUNCATE effects, outbox, inbox, dead_letters, timers")
    yield p
    await p.close()


@pytest.fixture
async def nc(chaos_servers: Servers) -> AsyncIterator[Client]:
    client = await nats.connect(chaos_servers.nats_url, max_reconnect_attempts=-1)
    yield client
    await client.close()


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    """JetStream with the streams declared and purged."""
    context = nc.jetstream()
    await streams.declare(context, consumers=())
    for name in ("EVENTS", "INGEST", "ADVISORIES"):
        await context.purge_stream(name)
    return context


@pytest.fixture
def workers(chaos_home: Path, chaos_servers: Servers, chaos_db: str) -> Iterator[Any]:
    """Start worker processes; any still running at the end is SIGKILLed (by its own pid)."""
    started: list[WorkerProcess] = []

    def launch(**kw: Any) -> WorkerProcess:
        tag = uuid.uuid4().hex[:8]
        cfg = WorkerConfig(
            nats_url=chaos_servers.nats_url,
            database_url=chaos_db,
            ready_file=str(chaos_home / f"ready-{tag}.json"),
            **kw,
        )
        w = WorkerProcess(cfg, chaos_home / f"worker-{cfg.label}-{tag}.log").start()
        started.append(w)
        return w

    yield launch
    for w in started:
        w.kill()


# --- helpers the tests import ----------------------------------------------------------------


def consumer(tag: str, **kw: Any) -> ConsumerSpec:
    """A fresh durable of the `platformtest` service on complaint.opened."""
    return ConsumerSpec(SCHEMA, f"chaos_{tag}_{uuid.uuid4().hex[:6]}", ("complaint.opened",), **kw)


def complaint(customer: str = "c1") -> ComplaintOpened:
    return ComplaintOpened.model_validate(
        {
            "complaint_id": str(uuid.uuid4()),
            "customer_id": customer,
            "department": "engineering",
            "channel": "phone",
            "category": "quality",
            "severity": "normal",
            "received_by": "cs",
            "received_by_sub": "agent-1",
            "source": "intake",
        }
    )


async def publish(
    js: JetStreamContext, events: Iterable[Event], msg_id: Any = None, chunk: int = 500
) -> int:
    """Publish with the JetStream ack awaited (Nats-Msg-Id = event id unless given)."""
    pending: list[asyncio.Future[Any]] = []
    count = 0
    for e in events:
        mid = msg_id(e) if msg_id else str(e.event_id)
        pending.append(await js.publish_async(e.SUBJECT, e.to_json(), headers={"Nats-Msg-Id": mid}))
        count += 1
        if len(pending) >= chunk:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)
    return count


async def effect_counts(pool: asyncpg.Pool, worker: str | None = None) -> tuple[int, int]:
    """(effect rows, distinct keys), optionally of one worker."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT key) AS d FROM effects"
            " WHERE $1::text IS NULL OR worker = $1",
            worker,
        )
    return int(row["n"]), int(row["d"])


async def effect_keys(pool: asyncpg.Pool) -> Counter[str]:
    async with pool.acquire() as conn:
        return Counter(r["key"] for r in await conn.fetch("SELECT key FROM effects"))


async def dead_letters(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM dead_letters ORDER BY id")


async def wait_for(check: Any, timeout: float, interval: float = 0.1, what: str = "") -> Any:
    """Poll an async check until truthy; fail with the last value after the timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{what or 'condition'} not met within {timeout}s (last: {last!r})")


async def settled(js: JetStreamContext, durable: str, stream: str = "EVENTS") -> bool:
    """Nothing left for a consumer: none pending, none awaiting an ack."""
    info = await js.consumer_info(stream, durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def stream_msg_ids(js: JetStreamContext, subject: str = "complaint.opened") -> Counter[str]:
    """How often each event id is stored on the stream (an ack-none audit consumer reads it)."""
    name = f"audit_{uuid.uuid4().hex[:8]}"
    await js.add_consumer(
        "EVENTS",
        config=api.ConsumerConfig(
            name=name,
            durable_name=name,
            ack_policy=api.AckPolicy.NONE,
            deliver_policy=api.DeliverPolicy.ALL,
            filter_subject=subject,
        ),
    )
    seen: Counter[str] = Counter()
    sub = await js.pull_subscribe_bind(durable=name, stream="EVENTS")
    try:
        while (await js.consumer_info("EVENTS", name)).num_pending:
            for m in await sub.fetch(1000, timeout=2):
                seen[json.loads(m.data)["event_id"]] += 1
    finally:
        await sub.unsubscribe()
        await js.delete_consumer("EVENTS", name)
    return seen


async def restart_nats(servers: Servers, down_seconds: float) -> float:
    """Stop the owned nats-server, keep it down, start it on the same port and store dir."""
    old = servers.nats
    assert old is not None, "chaos tests own their NATS"
    started = time.monotonic()
    await asyncio.to_thread(old.stop)
    await asyncio.sleep(down_seconds)
    new = await asyncio.to_thread(start_nats, old.store_dir, old.port, old.monitor_port)
    servers.owned[servers.owned.index(old)] = new
    servers.nats = new
    return time.monotonic() - started


async def restart_postgres(servers: Servers, down_seconds: float) -> float:
    """Stop the owned Postgres (fast shutdown), keep it down, start it on the same data dir."""
    old = servers.postgres
    assert old is not None, "chaos tests own their Postgres"
    started = time.monotonic()
    await asyncio.to_thread(old.stop)
    await asyncio.sleep(down_seconds)
    new = await asyncio.to_thread(start_postgres, old.pgdata)
    assert new.url == old.url
    servers.owned[servers.owned.index(old)] = new
    servers.postgres = new
    return time.monotonic() - started


def worker_args(spec: ConsumerSpec) -> dict[str, Any]:
    """The WorkerConfig fields that make a worker bind exactly this consumer."""
    return {
        "consumer": spec.name,
        "subjects": spec.subjects,
        "ack_wait": spec.ack_wait,
        "max_deliver": spec.max_deliver,
    }


async def deliveries(js: JetStreamContext, durable: str, stream: str = "EVENTS") -> int:
    """How many deliveries the consumer made in all (first ones plus redeliveries)."""
    info = await js.consumer_info(stream, durable)
    return int(info.delivered.consumer_seq or 0)


@asynccontextmanager
async def running(svc: ServiceDef, settings: Settings) -> AsyncIterator[Runtime]:
    """A service Runtime (broker, relay, timers, sweeper) in this process."""
    runtime = Runtime(svc, settings)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


def recording_service(spec: ConsumerSpec, label: str = "in-process", **kw: Any) -> ServiceDef:
    """The worker's ServiceDef (one handler writing one effect row per event), in process."""
    cfg = WorkerConfig(
        nats_url="", database_url="", ready_file="", label=label, **worker_args(spec), **kw
    )
    return service(cfg)


async def relay_latency(database_url: str, js: JetStreamContext, timeout: float = 20.0) -> float:
    """Seconds from committing an outbox row to its event being on the stream; written as a
    writer in another process would (a plain connection), so only NOTIFY can wake the relay."""
    before = (await js.stream_info("EVENTS")).state.last_seq
    probe = CustomerRegistered(customer_id=f"probe-{uuid.uuid4().hex[:6]}", name="探针", phone="1")
    conn = await asyncpg.connect(database_url, server_settings={"search_path": SCHEMA})
    started = time.monotonic()
    try:
        async with transaction(conn):
            await outbox.add(conn, probe)
    finally:
        await conn.close()
    while (await js.stream_info("EVENTS")).state.last_seq == before:
        if time.monotonic() - started > timeout:
            raise AssertionError(f"outbox row not relayed within {timeout}s")
        await asyncio.sleep(0.005)
    return time.monotonic() - started
