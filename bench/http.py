"""Intake HTTP → committed: p50/p99 of POST /v1/complaints at paced rates, and the maximum
sustained rate, against a bare uvicorn + asyncpg app measured in the same run.

    .venv/bin/python -m bench.http [--rates 200 500] [--seconds 15] [--ramp-seconds 5] [--no-wrk]
    .venv/bin/python -m bench.http --rate-limits [--rounds 5] [--rates 100 200] [--seconds 15]

intake runs as a real process (`python -m tooling.cli run intake`, migrated and declared first);
the baseline is bench/bare_app.py (FastAPI + one asyncpg insert) as its own process. The load
generator (bench/loadgen.py) is open-loop: requests start on a fixed schedule whatever the server
does, and latency counts from the scheduled start (no coordinated omission); its default client
is a lean keep-alive HTTP/1.1 one (httpx costs ≈ 1 ms CPU per request on this machine:
`--client httpx` to use it). Every request registers a new
customer (a unique phone) with its complaint: the full intake write path (customer, complaint,
escalation timer, two outbox events, then the relay publishes them).

Maximum sustained rate: the highest step of a ramp (5 s per step; a failing step is tried once
more) at which p99 < 50 ms, no request failed, and the server kept pace (completions ≥ 95 % of
the offered rate). If `wrk` is
installed, a closed-loop run (16 connections, 10 s) adds each server's saturation throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import nats

from bench.loadgen import Client, Step, make_client, paced
from bench.support import REPO, Env, environment, footer, header, percentile, result, verdict
from shared import streams
from shared.consumers import consumers_of
from shared.migrate import migrate
from tooling.embedded import free_port

TOKEN = "bench-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RAMP = (100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000, 2500, 3000)


def body(i: int) -> dict[str, Any]:
    """A complaint from a new customer (unique phone: no row lock shared between requests)."""
    return {
        "customer": {"name": "王芳", "phone": f"139{i:08d}"},
        "channel": "phone",
        "category": "quality",
        "severity": "normal",
        "description": "卫生间墙面开裂",
        "department": "engineering",
    }


class Server:
    """A server process this benchmark started (only this handle signals it)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path, port: int):
        self.name, self.port, self.log = name, port, log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as r:
                    if r.status == 200:
                        return
            except Exception:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready in {timeout:.0f}s: see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Counter:
    """Request numbers that never repeat within one run (unique phones)."""

    def __init__(self, first: int = 0) -> None:
        self.next = first

    def body(self) -> dict[str, Any]:
        self.next += 1
        return body(self.next)


async def settle(client: Client, path: str, counter: Counter, timeout: float = 60) -> None:
    """Wait until an overloaded step's backlog has drained: a lone request is fast again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await asyncio.sleep(1)
    while loop.time() < deadline:
        started = loop.time()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.post(path, counter.body()), 10)
        if loop.time() - started < 0.02:
            return
        await asyncio.sleep(0.5)


async def measure(server: Server, args: argparse.Namespace) -> tuple[list[Step], list[Step]]:
    """The ramp until a step is no longer sustained, then the fixed rates (the overload last)."""
    counter = Counter()
    path = "/v1/complaints"
    client = make_client(args.client, "127.0.0.1", server.port, AUTH)
    try:
        await paced(client, path, counter.body, 100, 2)  # warm-up: connections, statements
        ramp = []
        for rate in args.ramp:
            for attempt in range(2):  # a failing step gets a second try: one stall is noise
                await settle(client, path, counter)
                step = await paced(client, path, counter.body, rate, args.ramp_seconds)
                again = "  (second try)" if attempt else ""
                print(f"  {server.name:<7} ramp {rate:5.0f}/s  {step.text()}{again}", flush=True)
                if step.sustained:
                    break
            ramp.append(step)
            if not step.sustained:
                break
        fixed = []
        for rate in args.rates:
            await settle(client, path, counter)
            step = await paced(client, path, counter.body, rate, args.seconds)
            print(f"  {server.name:<7} {rate:5.0f}/s  {step.text()}", flush=True)
            fixed.append(step)
    finally:
        await client.aclose()
    return fixed, ramp


WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"customer":{"name":"W","phone":"137%08d"},"channel":"phone",'
    .. '"category":"quality","severity":"normal","description":"d","department":"engineering"}',
    counter)
  return wrk.format("POST", "/v1/complaints", {["Content-Type"]="application/json",
    ["Authorization"]="Bearer bench-admin"}, body)
end
"""


def wrk(server: Server, home: Path, seconds: int = 10, connections: int = 16) -> str:
    """Closed-loop saturation throughput with wrk (one thread, fixed connections)."""
    script = home / "post.lua"
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            server.url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return (
        f"{float(rps.group(1)) if rps else 0:,.0f} req/s  p99 {p99.group(1) if p99 else '?'}"
        f"  non-2xx {bad.group(1) if bad else 0}  ({connections} connections, closed loop)"
    )


# Generous enough never to refuse in a run: the limiter counts every request, none is refused.
LIMITS = {
    "KEFU_RATE_LIMIT_PER_TOKEN": "1000000/minute",
    "KEFU_RATE_LIMIT_PER_ADDRESS": "1000000/minute",
}


def limiter_cost(n: int = 50_000) -> float:
    """CPU microseconds the rate-limit check costs a request (both limits, in process)."""
    from shared.web.ratelimit import RateLimit

    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    limiter = RateLimit(
        app,
        service="bench",
        per_token=LIMITS["KEFU_RATE_LIMIT_PER_TOKEN"],
        per_address=LIMITS["KEFU_RATE_LIMIT_PER_ADDRESS"],
    )
    scope = {
        "type": "http",
        "path": "/v1/complaints",
        "client": ("127.0.0.1", 50000),
        "headers": [(b"authorization", b"Bearer " + b"t" * 180)],
    }
    for _ in range(2000):
        limiter._over(scope)
    started = time.process_time()
    for _ in range(n):
        limiter._over(scope)
    return (time.process_time() - started) / n * 1e6


def start_intake_limited(env: Env) -> Server:
    """intake with per-token and per-address rate limits on (docs/SECURITY.md)."""
    return start_intake(env, name="limited", extra=LIMITS)


def start_intake(env: Env, name: str = "intake", extra: dict[str, str] | None = None) -> Server:
    port = free_port()
    child_env = {
        **os.environ,
        "KEFU_NATS_URL": env.servers.nats_url,
        "KEFU_DATABASE_URL": env.url,
        "KEFU_ENV": "development",
        "KEFU_ADMIN_TOKEN": TOKEN,
        "KEFU_DECLARE_ON_START": "false",
        "PYTHONPATH": str(REPO),
        **(extra or {}),
    }
    argv = [sys.executable, "-m", "tooling.cli", "run", "intake", "--port", str(port)]
    return Server(name, argv, child_env, env.home / f"{name}.log", port)


def start_bare(env: Env) -> Server:
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--database-url", env.url]
    child_env = {**os.environ, "PYTHONPATH": str(REPO)}
    return Server("bare", argv, child_env, env.home / "bare.log", port)


def best(ramp: list[Step]) -> float:
    """The highest ramp rate sustained before the first step that was not."""
    ok = [s.rate for s in ramp if s.sustained]
    return max(ok) if ok else 0.0


async def rate_limit_ab(args: argparse.Namespace) -> None:
    """intake without and with rate limits, both running, measured in alternation (rounds of
    one step per rate each, the order swapped every round) so load drift hits both alike."""
    header("intake POST /v1/complaints without / with rate limits, alternating steps")
    async with environment("httplimits") as env:
        await migrate(env.url, ("intake",))
        nc = await nats.connect(env.servers.nats_url)
        await streams.declare(nc.jetstream(), consumers_of("intake"))
        await nc.close()
        servers = [start_intake(env), start_intake_limited(env)]
        steps: dict[tuple[str, float], list[Step]] = {}
        counter = Counter()
        path = "/v1/complaints"
        try:
            for server in servers:
                server.wait_ready()
            clients = {s.name: make_client(args.client, "127.0.0.1", s.port, AUTH) for s in servers}
            for c in clients.values():
                await paced(c, path, counter.body, 100, 2)  # warm-up
            for round_ in range(args.rounds):
                order = servers if round_ % 2 == 0 else servers[::-1]
                for rate in args.rates:
                    for server in order:
                        await settle(clients[server.name], path, counter)
                        step = await paced(
                            clients[server.name], path, counter.body, rate, args.seconds
                        )
                        print(f"  {server.name:<7} {rate:5.0f}/s  {step.text()}", flush=True)
                        steps.setdefault((server.name, rate), []).append(step)
            for c in clients.values():
                await c.aclose()
        finally:
            for server in servers:
                server.stop()
    print()
    for rate in args.rates:
        without, with_ = steps[("intake", rate)], steps[("limited", rate)]
        p50 = (
            statistics.median(percentile(s.latencies, 50) for s in without),
            statistics.median(percentile(s.latencies, 50) for s in with_),
        )
        p99 = (statistics.median(s.p99 for s in without), statistics.median(s.p99 for s in with_))
        result(f"intake at {rate:.0f}/s, median p50 / p99", f"{p50[0]:.1f} / {p99[0]:.1f} ms", 1.0)
        result(
            f"intake with rate limits at {rate:.0f}/s, median p50 / p99",
            f"{p50[1]:.1f} / {p99[1]:.1f} ms",
            p99[1] / p99[0] if p99[0] else None,
        )
    result("rate-limit check, CPU per request (in process)", f"{limiter_cost():.1f} µs")
    print(f"(median of {args.rounds} alternating steps; ratio = p99 with limits / without)")
    footer()


async def main(args: argparse.Namespace) -> None:
    if args.rate_limits:
        await rate_limit_ab(args)
        return
    header(f"intake HTTP POST /v1/complaints → committed, open-loop paced load ({args.client})")
    use_wrk = not args.no_wrk and shutil.which("wrk") is not None
    async with environment("http") as env:
        await migrate(env.url, ("intake",))
        nc = await nats.connect(env.servers.nats_url)
        await streams.declare(nc.jetstream(), consumers_of("intake"))
        await nc.close()
        results: dict[str, tuple[list[Step], list[Step], str]] = {}
        for start in (start_bare, start_intake):
            server = start(env)
            try:
                server.wait_ready()
                fixed, ramp = await measure(server, args)
                sat = ""
                if use_wrk:
                    client = make_client("lean", "127.0.0.1", server.port, AUTH)
                    await settle(client, "/v1/complaints", Counter(10_000_000), 120)
                    await client.aclose()
                    sat = wrk(server, env.home)
                if sat:
                    print(f"  {server.name:<7} wrk {sat}", flush=True)
                results[server.name] = (fixed, ramp, sat)
            finally:
                server.stop()
    print()
    bare_fixed, bare_ramp, bare_sat = results["bare"]
    fixed, ramp, sat = results["intake"]
    for b, s in zip(bare_fixed, fixed, strict=True):
        result(f"bare uvicorn + asyncpg insert at {b.rate:.0f}/s", b.text(), 1.0)
        target = f"p99 < 50 ms  {verdict(s.sustained)}" if s.rate >= 500 else ""
        result(f"intake POST /v1/complaints at {s.rate:.0f}/s", s.text(), s.p99 / b.p99, target)
    bare_max, intake_max = best(bare_ramp), best(ramp)
    result("bare max sustained (p99<50ms, 0 errors, pace)", f"{bare_max:6,.0f} req/s", 1.0)
    result(
        "intake max sustained (p99<50ms, 0 errors, pace)",
        f"{intake_max:6,.0f} req/s",
        intake_max / bare_max if bare_max else None,
        f"≥ 500 req/s  {verdict(intake_max >= 500)}",
    )
    if sat and bare_sat:
        result("bare saturation (wrk)", bare_sat)
        result("intake saturation (wrk)", sat)
    print("(ratio for latency = intake p99 / bare p99; for rates = intake / bare)")
    footer()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="*", default=[200.0, 500.0])
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per fixed rate")
    parser.add_argument("--ramp-seconds", type=float, default=5.0, help="seconds per ramp step")
    parser.add_argument("--ramp", type=float, nargs="*", default=list(RAMP), help="ramp rates")
    parser.add_argument(
        "--client", choices=("lean", "httpx"), default="lean", help="load generator's client"
    )
    parser.add_argument("--no-wrk", action="store_true", help="skip the wrk saturation run")
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="instead: intake without and with per-token and per-address rate limits,"
        " alternating steps (--rounds, --rates, --seconds)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternations (--rate-limits)")
    asyncio.run(main(parser.parse_args()))
