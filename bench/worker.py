"""A benchmark's worker process: a consumer replica, a timer worker (platform or bare), or a
paced event writer. Started by `bench.support.Child` with its configuration as JSON in
KEFU_BENCH_WORKER; it writes its ready file, waits for the go file, works until SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import nats

from shared import outbox, timers
from shared.bus import HandlerContext
from shared.consumers import ConsumerSpec
from shared.context import Context
from shared.contracts.intake import ComplaintClosed, ComplaintOpened
from shared.contracts.values import Channel, ComplaintCategory, Department, ReceivedBy, Severity
from shared.db import create_pool, transaction
from shared.observability import setup_logging
from shared.outbox import Relay
from shared.service import Runtime, ServiceDef
from shared.settings import Settings

TIMER_KIND = "bench.fire"


def settings_of(cfg: dict[str, Any]) -> Settings:
    """Production defaults, except that the benchmark declares streams itself."""
    return Settings(
        nats_url=cfg["nats_url"],
        database_url=cfg["database_url"],
        declare_on_start=False,
        **cfg.get("settings", {}),
    )


def complaint() -> ComplaintOpened:
    """A small (≈ 300-byte) event, as in bench/consume.py."""
    return ComplaintOpened(
        complaint_id=str(uuid.uuid4()),
        customer_id="c-1",
        department=Department.ENGINEERING,
        channel=Channel.PHONE,
        category=ComplaintCategory.QUALITY,
        severity=Severity.NORMAL,
        received_by=ReceivedBy.CS,
        received_by_sub="agent-1",
        source="bench",
    )


def signal_ready(cfg: dict[str, Any]) -> None:
    """Tell the benchmark this process is ready."""
    Path(cfg["ready_file"]).write_text(str(os.getpid()))


def may_go(cfg: dict[str, Any]) -> bool:
    """Whether the benchmark said go."""
    return Path(cfg["go_file"]).exists()


async def wait_go(cfg: dict[str, Any]) -> None:
    """Signal readiness, then wait for the benchmark's go (a file: the only channel it has)."""
    signal_ready(cfg)
    while not may_go(cfg):  # noqa: ASYNC110 - polling a file the parent writes
        await asyncio.sleep(0.005)


async def until_stopped() -> None:
    """Return on SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def row_and_event(e: ComplaintOpened, ctx: HandlerContext) -> None:
    """bench.consume's per-message work: one row (bench_rows) and one emitted event."""
    await ctx.conn.execute(
        "INSERT INTO bench_rows (id, complaint_id, payload) VALUES ($1, $2, $3::jsonb)",
        e.event_id,
        e.complaint_id,
        json.dumps({"severity": e.severity}),
    )
    await ctx.emit(
        ComplaintClosed(
            complaint_id=e.complaint_id, customer_id=e.customer_id, department=e.department
        )
    )


async def consumer(cfg: dict[str, Any]) -> None:
    """One replica of an ordinary consumer: the platform Runtime, with bench.scale's work (one
    effect row per event) or, with "work": "row_and_event", bench.consume's."""
    label = cfg["label"]
    spec = ConsumerSpec(
        cfg["service"], cfg["consumer"], ("complaint.opened",), max_ack_pending=20000
    )

    async def on_event(event: ComplaintOpened, ctx: HandlerContext) -> None:
        await ctx.conn.execute(
            "INSERT INTO effects (key, worker) VALUES ($1, $2)", str(event.event_id), label
        )

    handler = row_and_event if cfg.get("work") == "row_and_event" else on_event
    svc = ServiceDef(name=cfg["service"], consumers=(spec,), handlers=[(spec.name, handler)])
    runtime = Runtime(svc, settings_of(cfg))
    await runtime.start()
    signal_ready(cfg)
    await until_stopped()
    await runtime.stop()


async def timer_worker(cfg: dict[str, Any]) -> None:
    """One replica of the platform's TimerWorker with its own pool."""
    label = cfg["label"]
    settings = settings_of(cfg)
    pool = await create_pool(settings, cfg["service"])

    async def fire(ctx: Context, timer: timers.Timer) -> None:
        conn = ctx.conn
        await conn.execute("INSERT INTO fired (key, worker) VALUES ($1, $2)", timer.key, label)

    worker = timers.TimerWorker(
        pool,
        cfg["service"],
        {TIMER_KIND: fire},
        batch=settings.timer_batch,
        lease_seconds=settings.timer_lease_seconds,
        poll_seconds=settings.timer_poll_seconds,
        context=lambda conn: Context(conn, cfg["service"]),
    )
    await wait_go(cfg)
    task = asyncio.create_task(worker.run())
    await until_stopped()
    worker.stop()
    await asyncio.wait_for(task, 30)
    await pool.close()


async def bare_timer_worker(cfg: dict[str, Any]) -> None:
    """The baseline: concurrent loops of `SELECT … FOR UPDATE SKIP LOCKED` + DELETE, one
    timer per transaction, as many loops as the TimerWorker's concurrency."""
    label = cfg["label"]
    settings = settings_of(cfg)
    pool = await create_pool(settings, cfg["service"])
    running = True

    async def loop() -> None:
        while running:
            async with pool.acquire() as conn, transaction(conn):
                key = await conn.fetchval(
                    "DELETE FROM timers WHERE id = (SELECT id FROM timers"
                    " WHERE kind = ANY($1::text[]) AND due_at <= now()"
                    " ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING key",
                    [TIMER_KIND],
                )
                if key is not None:
                    await conn.execute(
                        "INSERT INTO fired (key, worker) VALUES ($1, $2)", key, label
                    )
            if key is None:
                await asyncio.sleep(settings.timer_poll_seconds)

    await wait_go(cfg)
    tasks = [asyncio.create_task(loop()) for _ in range(cfg.get("concurrency", 8))]
    await until_stopped()
    running = False
    await asyncio.wait(tasks, timeout=30)
    await pool.close()


async def writer(cfg: dict[str, Any]) -> None:
    """Commit events at a paced rate: through the outbox (and its relay), or, for the
    baseline, a plain commit followed by a direct JetStream publish."""
    settings = settings_of(cfg)
    service, rate, n, mode = cfg["service"], cfg["rate"], cfg["events"], cfg["mode"]
    pool = await create_pool(
        settings, service, min_size=10, max_size=40, relay_in_process=mode == "outbox"
    )
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    relay = Relay(pool, js, service, batch=settings.relay_batch)
    relay_task = asyncio.create_task(relay.run()) if mode == "outbox" else None
    mark = "INSERT INTO bench_src (event_id, seq, committed_at) VALUES ($1, $2, clock_timestamp())"

    async def write(seq: int) -> None:
        e = complaint()
        if mode == "outbox":
            async with pool.acquire() as conn, transaction(conn):
                await outbox.add(conn, e)
                await conn.execute(mark, e.event_id, seq)  # last statement before COMMIT
        else:
            async with pool.acquire() as conn:
                await conn.execute(mark, e.event_id, seq)
            await js.publish(e.SUBJECT, e.to_json(), headers={"Nats-Msg-Id": str(e.event_id)})

    await wait_go(cfg)
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()
    late = 0.0
    start = loop.time()
    for seq in range(n):
        delay = start + seq / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late = max(late, -delay)
        task = asyncio.create_task(write(seq))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    took = loop.time() - start
    print(json.dumps({"events": n, "seconds": took, "max_late_s": late}), flush=True)
    await until_stopped()
    if relay_task is not None:
        await relay.close()
        relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay_task
    await nc.close()
    await pool.close()


MODES = {
    "consumer": consumer,
    "timers": timer_worker,
    "bare_timers": bare_timer_worker,
    "writer": writer,
}


def main() -> None:
    cfg = json.loads(os.environ["KEFU_BENCH_WORKER"])
    if cfg.get("log_level"):
        setup_logging("bench", cfg["log_level"])  # as `kefu run` logs
    else:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    started = time.monotonic()
    asyncio.run(MODES[cfg["mode_name"]](cfg))
    print(f"worker {cfg.get('label', '')} done after {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
