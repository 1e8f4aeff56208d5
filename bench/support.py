"""What every benchmark shares: servers and a fresh database, percentiles, result lines,
the machine's load, and worker processes started (and stopped) by their own handle."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from nats.js import JetStreamContext

from tests.support.harness import Servers, create_database, drop_database, start_servers

REPO = Path(__file__).resolve().parents[1]
LOADED = 1.5  # a 1-minute load average above this makes figures unreliable on 2 cores


@dataclass
class Env:
    """The servers and the fresh database one benchmark run uses."""

    home: Path
    servers: Servers
    url: str  # the fresh database, administrative credentials


@asynccontextmanager
async def environment(name: str) -> AsyncIterator[Env]:
    """Embedded servers (unless KEFU_* are set) and a fresh database, removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix=f"kefu-bench-{name}-"))
    servers = start_servers(home)
    url = await create_database(servers.admin_url, f"kefu_bench_{name}")
    try:
        yield Env(home, servers, url)
    finally:
        try:
            await drop_database(servers.admin_url, url)
        finally:
            servers.stop()
            shutil.rmtree(home, ignore_errors=True)


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def header(title: str) -> None:
    """Print what runs and how loaded the machine is (figures on a loaded machine are low)."""
    load = load_average()
    warn = "  ← LOADED: re-run on a quiet machine" if load > LOADED else ""
    print(f"{title}   (load average {load:.2f}, {os.cpu_count()} CPUs){warn}", flush=True)


def footer() -> None:
    """Print the load at the end (a benchmark keeping both cores busy brings it to ≈ 2 itself;
    well above that, something else ran too)."""
    print(f"load average at the end {load_average():.2f}", flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def result(label: str, value: str, ratio: float | None = None, target: str = "") -> None:
    """One line in consume.py's format: label, figure, ratio to the baseline, target."""
    ratio_text = f"  {ratio:.2f}×" if ratio is not None else ""
    target_text = f"  target {target}" if target else ""
    print(f"{label:<49}: {value}{ratio_text}{target_text}", flush=True)


def verdict(ok: bool) -> str:
    """PASS or MISS."""
    return "PASS" if ok else "MISS"


async def reset_consumer(js: JetStreamContext, stream: str, durable: str) -> None:
    """Forget a durable consumer (a re-run starts clean)."""
    try:
        await js.delete_consumer(stream, durable)
    except Exception:
        pass


async def wait_count(
    conn: asyncpg.Connection, sql: str, n: int, timeout: float, interval: float = 0.05
) -> float:
    """Poll a count query until it reaches n; return the seconds it took."""
    start = time.perf_counter()
    while True:
        got = int(await conn.fetchval(sql))
        if got >= n:
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"only {got} of {n} after {timeout:.0f}s ({sql})")
        await asyncio.sleep(interval)


class Child:
    """A worker process this benchmark started; only this handle signals it, by its pid."""

    def __init__(self, module: str, config: dict[str, Any], log: Path) -> None:
        self.config = dict(config)
        self.ready_file = log.with_suffix(".ready")
        self.go_file = log.with_suffix(".go")
        self.config.update(ready_file=str(self.ready_file), go_file=str(self.go_file))
        self.log = log
        self.ready_file.unlink(missing_ok=True)
        self.go_file.unlink(missing_ok=True)
        env = {**os.environ, "KEFU_BENCH_WORKER": json.dumps(self.config)}
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def ready(self, timeout: float = 60.0) -> None:
        """Wait until the child wrote its ready file."""
        deadline = time.monotonic() + timeout
        while not self.ready_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited ({self.process.returncode}): {self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"worker not ready in {timeout:.0f}s: {self.tail()}")
            await asyncio.sleep(0.02)

    def go(self) -> None:
        """Let the child start its measured work."""
        self.go_file.write_text("go")

    async def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, wait, SIGKILL if it would not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 20) -> str:
        """The end of the child's log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


async def stop_all(children: Sequence[Child]) -> None:
    """Stop every child started by this benchmark."""
    await asyncio.gather(*(c.stop() for c in children))
