"""The console: the worklist page with 10,000 open callbacks, and live hints fanned out to 200
open pages, each beside a bare baseline measured in the same run.

    .venv/bin/python -m bench.console [--only page|live] [--callbacks 10000] [--requests 200]
                                      [--pages 200] [--rate 100] [--seconds 10]

page: notifications and the console run as processes (`kefu run`, free ports) on embedded
servers; 10,000 open callbacks of team customer_service are written into notifications' table;
an agent of that team, signed in, loads `GET /` one request after another (the console finds the
session in Postgres, mints a token, asks notifications for her and her team's first 100 open
tasks, groups them and renders the page). Baseline: a bare Jinja2 template rendering the same
100 rows in this process. Target (issue 14): p95 < 300 ms.

live: one console process; 200 Server-Sent Events streams open on it (one signed-in agent);
callback events published on core NATS at 100/s for 10 s, each naming her team; latency = from
the publish to the hint's arrival on each stream, over every stream. Baseline: a bare Starlette
SSE fan-out of the same subscription (bench/bare_sse.py) with the same streams and events.
Target (issue 14): p99 < 1 s at 100 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
from jinja2 import Template

from bench.support import REPO, environment, footer, header, percentile, result, verdict
from shared.migrate import migrate
from tests.support.console import PASSWORD, form_token
from tooling.embedded import free_port

TEAM = "customer_service"
SECRET = "kefu-bench-signing-secret-32-bytes-long"
BARE = Template(
    """<table>{% for r in rows %}<tr><td>{{ r.purpose }}</td><td>{{ r.due_at }}</td>
<td>{{ r.entity.kind }} {{ r.entity.id }}</td><td>{{ r.customer_id }}</td><td>{{ r.team }}</td>
<td>{{ r.script }}</td></tr>{% endfor %}</table>""",
    autoescape=True,
)


def env_for(nats_url: str, db_url: str, **extra: str) -> dict[str, str]:
    """A service process's environment (test mode: the local admin password is allowed)."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "KEFU_ENV": "test",
        "KEFU_NATS_URL": nats_url,
        "KEFU_DATABASE_URL": db_url,
        "KEFU_AUTH_SECRET": SECRET,
        "KEFU_LOG_LEVEL": "WARNING",
        **extra,
    }


def spawn(argv: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a server process, its output to a log file."""
    with open(log, "ab") as out:
        return subprocess.Popen(list(argv), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def tail(log: Path) -> str:
    """The end of a process's log."""
    return log.read_text(errors="replace")[-2000:]


@asynccontextmanager
async def process(
    argv: Sequence[str], env: dict[str, str], port: int, log: Path
) -> AsyncIterator[str]:
    """A server process this benchmark started (stopped by its own pid); its URL once ready."""
    p = spawn(argv, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as c:
            while True:
                try:
                    ready = await c.get(f"{url}/readyz")
                    if ready.status_code in (200, 404):  # the bare app has no /readyz
                        break
                except httpx.HTTPError:
                    pass
                if p.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{argv} did not start: {tail(log)}")
                await asyncio.sleep(0.2)
        yield url
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def kefu_run(service: str, port: int) -> list[str]:
    return [sys.executable, "-m", "tooling.cli", "run", service, "--port", str(port)]


async def add_agent(env: dict[str, str]) -> None:
    """The agent, added as `kefu user add` adds one."""
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tooling.cli", "user", "add", "li.na", "--role", "cs"],
        *["--team", TEAM],
        cwd=REPO,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate(f"{PASSWORD}\n".encode())
    assert proc.returncode == 0, out.decode()


async def signed_in(url: str) -> httpx.AsyncClient:
    """A client with the agent's session."""
    c = httpx.AsyncClient(base_url=url, headers={"Origin": url}, timeout=30)
    token = form_token((await c.get("/signin")).text)
    r = await c.post(
        "/signin", data={"username": "li.na", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 303, r.text
    return c


async def fill(url: str, n: int) -> None:
    """n open callbacks of the team, due from two days ago to days ahead (a minute apart)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO notifications.callbacks (id, dedupe_key, purpose, entity_kind, entity_id,"
            " customer_id, due_at, status, team, script, duty)"
            " SELECT 'bench-' || g, 'bench-' || g, 'complaint_handling', 'complaint', 'C' || g,"
            "  'customer-' || g, now() - interval '2 days' + g * interval '1 minute',"
            "  'scheduled', $2, '投诉处理：联系客户了解投诉详情，说明处理方案和时限。',"
            "  'complaint_handling:complaint:C' || g"
            " FROM generate_series(1, $1) g",
            n,
            TEAM,
        )
        await conn.execute("ANALYZE notifications.callbacks")
    finally:
        await conn.close()


def summary(
    label: str, ms: Sequence[float], baseline: Sequence[float] | None, target: str, p: float
) -> None:
    value = percentile(ms, p)
    ratio = value / percentile(baseline, p) if baseline else None
    result(
        f"{label} p50 / p95 / p99",
        f"{percentile(ms, 50):.1f} / {percentile(ms, 95):.1f} / {percentile(ms, 99):.1f} ms",
        ratio,
        target,
    )


async def bench_page(args: argparse.Namespace) -> None:
    header(
        f"bench.console page: GET / with {args.callbacks} open callbacks, {args.requests} requests"
    )
    async with environment("console") as env:
        await migrate(env.url, ("notifications", "console"))
        await fill(env.url, args.callbacks)
        nport, cport = free_port(), free_port()
        base = env_for(env.servers.nats_url, env.url)
        urls = json.dumps({"notifications": f"http://127.0.0.1:{nport}"})
        await add_agent(base)
        async with (
            process(kefu_run("notifications", nport), base, nport, env.home / "notifications.log"),
            process(
                kefu_run("console", cport),
                {**base, "KEFU_CONSOLE_SERVICE_URLS": urls},
                cport,
                env.home / "console.log",
            ) as console,
        ):
            agent = await signed_in(console)
            first = await agent.get("/")
            assert first.status_code == 200 and first.text.count('class="task ') == 100, first.text[
                -500:
            ]
            for _ in range(20):  # warm-up
                await agent.get("/")
            page_ms = []
            for _ in range(args.requests):
                started = time.perf_counter()
                r = await agent.get("/")
                page_ms.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200
            await agent.aclose()
            token = _token()
            async with httpx.AsyncClient() as c:
                rows = (
                    await c.get(
                        f"http://127.0.0.1:{nport}/v1/callbacks",
                        params={"status": "open", "team": TEAM, "limit": 100},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                ).json()["items"]
        bare_ms = []
        for _ in range(args.requests):
            started = time.perf_counter()
            BARE.render(rows=rows)
            bare_ms.append((time.perf_counter() - started) * 1000)
        own_ms = own_templates(rows, args.requests)
        summary(
            f"worklist page, 100 of {args.callbacks:,} open (HTTP)",
            page_ms,
            bare_ms,
            "p95 < 300 ms " + verdict(percentile(page_ms, 95) < 300),
            95,
        )
        summary("baseline: bare Jinja2, the same 100 rows", bare_ms, None, "", 95)
        summary("(the console's templates alone, in-process)", own_ms, None, "", 95)
    footer()


def _token() -> str:
    from shared.settings import Settings
    from shared.web.auth import issue_token

    return issue_token(
        Settings(env="test", auth_secret=SECRET), role="cs", team=TEAM, sub="li.na", ttl_seconds=600
    )


def own_templates(rows: list[dict[str, Any]], n: int) -> list[float]:
    """The console's own page templates over the same rows, without HTTP, session or service."""
    from services.console.api.i18n import translator
    from services.console.api.pages import ENV
    from services.console.domain import Staff, group
    from services.console.workflow.sessions import Visit
    from services.console.workflow.worklist import Worklist, task_of
    from shared.contracts.values import Role

    staff = Staff("li.na", Role.CS, team=TEAM)
    now = datetime.now(UTC)
    visit = Visit(staff, "token", now)
    worklist = Worklist(group([task_of(r) for r in rows], now), True)
    template = ENV.get_template("worklist.html")
    out = []
    for _ in range(n):
        started = time.perf_counter()
        template.render(
            t=translator("zh-CN"),
            lang="zh-CN",
            visit=visit,
            staff=staff,
            nav=[],
            here="/",
            path="/",
            worklist=worklist,
            failed=None,
            fields={},
            recorded={},
        )
        out.append((time.perf_counter() - started) * 1000)
    return out


async def open_streams(
    url: str, n: int, cookie: str | None
) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """n raw HTTP/1.1 connections reading /live, each past its `ready` event."""
    host, port = url.removeprefix("http://").split(":")
    streams = []
    for _ in range(n):
        reader, writer = await asyncio.open_connection(host, int(port))
        headers = f"GET /live HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        if cookie:
            headers += f"Cookie: kefu_session={cookie}\r\n"
        writer.write((headers + "\r\n").encode())
        await writer.drain()
        buffer = b""
        while b"event: ready" not in buffer:
            chunk = await asyncio.wait_for(reader.read(4096), 10)
            assert chunk, "stream closed before ready"
            buffer += chunk
        assert b" 200 " in buffer.split(b"\r\n", 1)[0], buffer[:200]
        streams.append((reader, writer))
    return streams


async def measure_live(
    url: str, nats_url: str, cookie: str | None, args: argparse.Namespace
) -> tuple[list[float], int]:
    """Latencies (ms) from publish to arrival over every stream, and how many arrived."""
    streams = await open_streams(url, args.pages, cookie)
    sent: dict[str, float] = {}
    latencies: list[float] = []

    async def read(reader: asyncio.StreamReader) -> None:
        pending = b""
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return
            now = time.perf_counter()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if (line.startswith(b"data: ") and b'"id"' in line) or line.startswith(
                    b'data: {"callback_id"'
                ):
                    data = json.loads(line[6:])
                    ident = data.get("id") or data.get("callback_id")
                    if ident in sent:
                        latencies.append((now - sent[ident]) * 1000)

    readers = [asyncio.create_task(read(r)) for r, _ in streams]
    nc = await nats.connect(nats_url)
    try:
        total = int(args.rate * args.seconds)
        start = time.perf_counter()
        for i in range(total):
            due = start + i / args.rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            ident = f"cb-{i}"
            sent[ident] = time.perf_counter()
            body = {"callback_id": ident, "team": TEAM, "assignee": None}
            await nc.publish("callback.scheduled", json.dumps(body).encode())
        await nc.flush()
        await asyncio.sleep(3)  # the last hints on their way
    finally:
        await nc.close()
        for t in readers:
            t.cancel()
        for _, w in streams:
            w.close()
    return latencies, int(args.rate * args.seconds) * args.pages


async def bench_live(args: argparse.Namespace) -> None:
    header(
        f"bench.console live: {args.pages} open pages, {args.rate:g} events/s for {args.seconds:g} s"
    )
    async with environment("console_live") as env:
        await migrate(env.url, ("console",))
        base = env_for(env.servers.nats_url, env.url)
        await add_agent(base)
        cport, bport = free_port(), free_port()
        async with process(
            kefu_run("console", cport), base, cport, env.home / "console.log"
        ) as console:
            agent = await signed_in(console)
            cookie = agent.cookies["kefu_session"]
            await agent.aclose()
            ours, expected = await measure_live(console, env.servers.nats_url, cookie, args)
        bare_argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_sse:app",
            "--port",
            str(bport),
            "--log-level",
            "warning",
        ]
        async with process(bare_argv, base, bport, env.home / "bare.log") as bare:
            theirs, _ = await measure_live(bare, env.servers.nats_url, None, args)
        summary(
            f"hint to {args.pages} pages at {args.rate:g}/s",
            ours,
            theirs,
            "p99 < 1 s " + verdict(percentile(ours, 99) < 1000),
            99,
        )
        result("  delivered", f"{len(ours)} of {expected}")
        summary("baseline: bare Starlette SSE fan-out", theirs, None, "", 99)
        result("  delivered", f"{len(theirs)} of {expected}")
    footer()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("page", "live"))
    parser.add_argument("--callbacks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.only in (None, "page"):
        asyncio.run(bench_page(args))
    if args.only in (None, "live"):
        asyncio.run(bench_live(args))


if __name__ == "__main__":
    main()
