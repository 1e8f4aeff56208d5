"""A chaos worker: one service process (the platform's Runtime) the tests can kill.

Run as `python -m tests.chaos.worker` with its configuration as JSON in KEFU_CHAOS_WORKER.
Its handlers write one row per effect into `platformtest.effects`, so tests count rows, not logs.
The test side uses `WorkerConfig` and `WorkerProcess` from here; the process side imports the
platform lazily, after an optional skew of its Python clock (the timer test).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CONFIG_ENV = "KEFU_CHAOS_WORKER"
REPO = Path(__file__).resolve().parents[2]
TIMER_KIND = "chaos.fire"


@dataclass
class WorkerConfig:
    """What one worker process runs."""

    nats_url: str
    database_url: str
    ready_file: str
    label: str = "w"
    mode: str = "handler"  # handler | bulk | timers
    consumer: str = ""  # ConsumerSpec.name (service "platformtest")
    subjects: tuple[str, ...] = ("complaint.opened",)
    ack_wait: float = 30.0
    max_deliver: int = 5
    retry_delays: tuple[float, ...] = (0.3, 0.6, 1.0)
    graceful_timeout: float = 3.0
    fetch_batch: int = 64
    pool_max: int = 20
    work_seconds: float = 0.0  # simulated work inside the handler's transaction
    crash_customer: str = ""  # this customer's events fail, then os._exit on the last delivery
    clock_skew_seconds: float = 0.0  # the process's Python clock runs this far off
    http_port: int = 0  # > 0: serve the app with uvicorn (POST /_test/clock works)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, raw: str) -> WorkerConfig:
        values = json.loads(raw)
        values["subjects"] = tuple(values["subjects"])
        values["retry_delays"] = tuple(values["retry_delays"])
        return cls(**values)


class WorkerProcess:
    """A worker started by a test in its own process group; only this handle signals it."""

    def __init__(self, config: WorkerConfig, log_path: Path) -> None:
        self.config, self.log_path = config, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Start the process; `ready()` waits until its Runtime has started."""
        Path(self.config.ready_file).unlink(missing_ok=True)
        env = {**os.environ, CONFIG_ENV: self.config.to_env(), "PYTHONPATH": str(REPO)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.chaos.worker"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def ready(self, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for the ready file the worker writes once it consumes; return its content."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self._ready_info()
            if info is not None:
                return info
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(
                    f"worker exited early ({self.process.returncode}): {self.tail()}"
                )
            await asyncio.sleep(0.05)
        raise AssertionError(f"worker not ready within {timeout}s: {self.tail()}")

    def _ready_info(self) -> dict[str, Any] | None:
        path = Path(self.config.ready_file)
        if not path.exists():
            return None
        info: dict[str, Any] = json.loads(path.read_text())
        return info

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    async def wait(self, timeout: float) -> int:
        """Wait for the process to exit; return its exit status."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"worker still running after {timeout}s: {self.tail()}")
            await asyncio.sleep(0.02)
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL its whole group (test clean-up)."""
        from tooling.processes import stop_group  # not in the worker, before its clock skew

        if self.process is not None:
            stop_group(self.process, signal.SIGKILL, timeout=10)

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


# --- the process side -------------------------------------------------------------------------


def skew_python_clock(seconds: float) -> None:
    """Make time.time() and datetime.now() run `seconds` off the real clock, process-wide."""
    import datetime as dt

    real_time, real_time_ns = time.time, time.time_ns
    delta = dt.timedelta(seconds=seconds)

    class SkewedDateTime(dt.datetime):
        __slots__ = ()  # the C layout of datetime, which compiled modules check

        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> SkewedDateTime:
            return super().now(tz) + delta  # type: ignore[return-value]

        @classmethod
        def utcnow(cls) -> SkewedDateTime:
            return super().now(dt.UTC).replace(tzinfo=None) + delta  # type: ignore[return-value]

    time.time = lambda: real_time() + seconds
    time.time_ns = lambda: real_time_ns() + int(seconds * 1e9)
    setattr(dt, "datetime", SkewedDateTime)  # noqa: B010 - replacing a module attribute


def service(cfg: WorkerConfig) -> Any:
    """The ServiceDef of this worker: one consumer (ordinary or bulk), or timers only."""

    from shared import timers
    from shared.bus import HandlerContext, Item
    from shared.consumers import ConsumerSpec
    from shared.context import Context
    from shared.service import ServiceDef

    label = cfg.label
    attempts: dict[str, int] = {}

    async def on_event(event: Any, ctx: HandlerContext) -> None:
        key = str(event.event_id)
        if cfg.crash_customer and event.customer_id == cfg.crash_customer:
            attempts[key] = attempts.get(key, 0) + 1
            if attempts[key] >= cfg.max_deliver:
                print(f"crashing on delivery {attempts[key]} of {key}", flush=True)
                os._exit(3)  # the process dies during the last allowed delivery
            raise RuntimeError(f"crash test: failing delivery {attempts[key]}")
        if cfg.work_seconds:
            await asyncio.sleep(cfg.work_seconds)
        await ctx.conn.execute("INSERT INTO effects (key, worker) VALUES ($1, $2)", key, label)

    async def on_batch(ctx: Context, items: Sequence[Item]) -> None:
        conn = ctx.conn
        if cfg.work_seconds:
            await asyncio.sleep(cfg.work_seconds)
        await conn.execute(
            "INSERT INTO effects (key, worker) SELECT unnest($1::text[]), $2",
            [i.key for i in items],
            label,
        )

    async def fire(ctx: Context, timer: timers.Timer) -> None:
        conn = ctx.conn
        await conn.execute("INSERT INTO effects (key, worker) VALUES ($1, $2)", timer.key, label)

    if cfg.mode == "timers":
        return ServiceDef(name="platformtest", consumers=(), timers={TIMER_KIND: fire})
    spec = ConsumerSpec(
        "platformtest",
        cfg.consumer,
        cfg.subjects,
        bulk=cfg.mode == "bulk",
        max_deliver=cfg.max_deliver,
        ack_wait=cfg.ack_wait,
    )
    if cfg.mode == "bulk":
        return ServiceDef(name="platformtest", consumers=(spec,), bulk=[(spec.name, on_batch)])
    return ServiceDef(name="platformtest", consumers=(spec,), handlers=[(spec.name, on_event)])


def settings_of(cfg: WorkerConfig) -> Any:
    from tests.support.harness import test_settings

    return test_settings(
        cfg.nats_url,
        cfg.database_url,
        retry_delays=cfg.retry_delays,
        max_deliver=cfg.max_deliver,
        graceful_timeout=cfg.graceful_timeout,
        fetch_batch=cfg.fetch_batch,
        pool_max=cfg.pool_max,
        timer_poll_seconds=0.1,
    )


def write_ready(cfg: WorkerConfig) -> None:
    import datetime as dt

    info = {
        "pid": os.getpid(),
        "python_time": time.time(),
        "python_now": dt.datetime.now(dt.UTC).isoformat(),
    }
    tmp = Path(cfg.ready_file + ".tmp")
    tmp.write_text(json.dumps(info))
    tmp.replace(cfg.ready_file)


async def run_direct(cfg: WorkerConfig) -> None:
    """Run the Runtime until SIGTERM/SIGINT, then stop it gracefully."""
    from shared.service import Runtime

    runtime = Runtime(service(cfg), settings_of(cfg))
    await runtime.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    write_ready(cfg)
    print("ready", flush=True)
    await stop.wait()
    started = time.monotonic()
    print("stopping", flush=True)
    await runtime.stop()
    print(f"stopped in {time.monotonic() - started:.2f}s", flush=True)


async def run_http(cfg: WorkerConfig) -> None:
    """Serve the app with uvicorn, as `kefu run` does; ready once the lifespan has started."""
    import uvicorn

    from shared.service import build_app

    app = build_app(service(cfg), settings_of(cfg))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=cfg.http_port, log_config=None)
    )

    async def announce() -> None:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers only this flag
            await asyncio.sleep(0.05)
        write_ready(cfg)

    task = asyncio.create_task(announce())
    await server.serve()
    task.cancel()


def main() -> None:
    cfg = WorkerConfig.from_env(os.environ[CONFIG_ENV])
    if cfg.clock_skew_seconds:
        skew_python_clock(cfg.clock_skew_seconds)  # before the platform is imported
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run_http(cfg) if cfg.http_port else run_direct(cfg))


if __name__ == "__main__":
    main()
