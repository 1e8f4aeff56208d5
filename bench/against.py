"""bench.against: intake's CPU per `POST /v1/complaints`, this checkout against another one
(an earlier commit's worktree with its own `.venv`), both running at once, measured in
alternating rounds so that whatever else the machine does hits both alike.

    git worktree add --detach ../base <commit> && (cd ../base && ./dev quick --co -q)
    .venv/bin/python -m bench.against ../base [--requests 3000] [--rounds 4] [--quiet-log]

Each side is intake as a real process (its own `python -m <cli> run intake`, its own database
on the same embedded servers, migrated by its own code). A round sends `--requests` complaints,
each from a new customer, over 4 keep-alive connections one after another (closed loop), then
waits for the relay to publish; the figure is the intake process's CPU time (user + system,
from /proc) over the round divided by the requests: the work the process does per request,
which unlike a latency or a sustained rate hardly moves with the machine's load. Rate limits
stay off on both sides, as `bench.http` runs them; `--quiet-log` turns the access line off
(`KEFU_LOG_LEVEL=WARNING`) on this side, to see what the line costs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.http import AUTH, TOKEN, body
from bench.loadgen import LeanClient
from bench.support import REPO, Env, environment, footer, header, result
from tooling.embedded import free_port

CONNECTIONS = 4


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli_of(checkout: Path) -> str:
    """The module that runs a service in that checkout (it moved from shared to tooling)."""
    return "tooling.cli" if (checkout / "tooling" / "cli.py").exists() else "shared.cli"


class Side:
    """One checkout's intake, its database and its request numbering."""

    def __init__(self, name: str, checkout: Path, prefix: int) -> None:
        self.name, self.checkout, self.prefix = name, checkout, prefix
        self.python = str(checkout / ".venv" / "bin" / "python")
        self.sent = 0
        self.cpu: list[float] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    async def start(self, env: Env, extra: dict[str, str]) -> None:
        """Its own database, migrated by its own code; its intake started."""
        admin = await asyncpg.connect(env.servers.admin_url)
        try:
            await admin.execute(f"CREATE DATABASE against_{self.name}")
        finally:
            await admin.close()
        url = urlunsplit(urlsplit(env.url)._replace(path=f"/against_{self.name}"))
        here = {**os.environ, "PYTHONPATH": str(self.checkout)}
        code = f"import asyncio; from shared.migrate import migrate; asyncio.run(migrate({url!r}, ('intake',)))"
        migrating = await asyncio.create_subprocess_exec(
            self.python, "-c", code, cwd=self.checkout, env=here
        )
        if await migrating.wait() != 0:
            raise RuntimeError(f"{self.name}'s migrations failed")
        self.port = free_port()
        child = {
            **here,
            "KEFU_NATS_URL": env.servers.nats_url,
            "KEFU_DATABASE_URL": url,
            "KEFU_ENV": "development",
            "KEFU_ADMIN_TOKEN": TOKEN,
            "KEFU_DECLARE_ON_START": "true",
            **extra,
        }
        argv = [self.python, "-m", cli_of(self.checkout), "run", "intake", "--port", str(self.port)]
        self.process = spawn(argv, child, env.home / f"{self.name}.log", self.checkout)

    async def ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.5)
        raise RuntimeError(f"{self.name}'s intake did not start")

    async def round(self, requests: int) -> tuple[float, float, int]:
        """(µs of CPU per request, requests per second, failed requests) for one round."""
        assert self.process is not None
        client = LeanClient("127.0.0.1", self.port, AUTH)
        numbers = list(range(self.sent, self.sent + requests))
        self.sent += requests
        failed = 0

        async def worker() -> None:
            nonlocal failed
            while numbers:
                status = await client.post("/v1/complaints", body(self.prefix + numbers.pop()))
                failed += status >= 300

        started, cpu = time.perf_counter(), cpu_seconds(self.process.pid)
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.5)  # the relay publishes the round's events: part of its cost
        used = cpu_seconds(self.process.pid) - cpu
        await client.aclose()
        return used / requests * 1e6, requests / elapsed, failed

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def spawn(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """A server process in that checkout, its output to a log file."""
    with open(log, "ab") as out:
        return subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


async def main(args: argparse.Namespace, other: Path) -> None:
    header(f"bench.against: intake CPU per POST /v1/complaints, {REPO.name} vs {other}")
    sides = [Side("this", REPO, 10_000_000), Side("other", other, 20_000_000)]
    async with environment("against") as env:
        try:
            for side in sides:
                quiet = (
                    {"KEFU_LOG_LEVEL": "WARNING"} if args.quiet_log and side.name == "this" else {}
                )
                await side.start(env, quiet)
            for side in sides:
                await side.ready()
            for side in sides:
                await side.round(500)  # warm-up: caches, statements, connections
            for n in range(args.rounds):
                for side in sides if n % 2 == 0 else sides[::-1]:
                    us, rate, failed = await side.round(args.requests)
                    side.cpu.append(us)
                    print(
                        f"  round {n + 1} {side.name:<5}: {us:7.0f} µs CPU per request"
                        f"  ({rate:,.0f} req/s over {CONNECTIONS} connections, {failed} failed)",
                        flush=True,
                    )
        finally:
            for side in sides:
                side.stop()
    this, base = (statistics.median(s.cpu) for s in sides)
    result(f"{other.name}: intake CPU per request (median)", f"{base:7.0f} µs", 1.0)
    result(f"{REPO.name}: intake CPU per request (median)", f"{this:7.0f} µs", this / base)
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", help="the other checkout (with its own .venv)")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--quiet-log", action="store_true")
    parsed = parser.parse_args()
    checkout = Path(parsed.checkout).resolve()
    if not (checkout / ".venv" / "bin" / "python").exists():
        sys.exit(f"{checkout} has no .venv: run `./dev quick --co -q` there first")
    asyncio.run(main(parsed, checkout))
