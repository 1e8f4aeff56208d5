"""An open-loop HTTP load generator: requests start on a fixed schedule whatever the server does,
and latency counts from the scheduled start (no coordinated omission).

Two clients: httpx's AsyncClient, and a lean keep-alive HTTP/1.1 client on asyncio streams.
On 2 cores the client shares the CPU with the server and Postgres: httpx spends ≈ 1 ms of CPU
per request, the lean client ≈ 0.15 ms, so the lean one is the default.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from bench.support import percentile

TARGET_P99_MS = 50.0


class Client(Protocol):
    async def post(self, path: str, body: dict[str, Any]) -> int: ...

    async def get(self, path: str) -> int: ...

    async def aclose(self) -> None: ...


class LeanClient:
    """POST JSON over a pool of keep-alive HTTP/1.1 connections; returns the status code."""

    IDLE_S = 2.0  # drop connections idle longer (uvicorn closes them after 5 s)

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.all: list[asyncio.StreamWriter] = []

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        """An idle connection (reused = True) or a new one."""
        now = time.monotonic()
        while self.idle:
            since, reader, writer = self.idle.pop()
            if now - since < self.IDLE_S and not reader.at_eof():
                return reader, writer, True
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.all.append(writer)
        return reader, writer, False

    async def post(self, path: str, body: dict[str, Any]) -> int:
        data = json.dumps(body).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"{self.extra}Content-Length: {len(data)}\r\n\r\n"
        ).encode() + data
        return await self._exchange(request)

    async def get(self, path: str) -> int:
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}\r\n".encode()
        return await self._exchange(request)

    async def _exchange(self, request: bytes) -> int:
        """Send one request on a kept-alive connection and read the answer; its status."""
        while True:
            reader, writer, reused = await self._connection()
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                break
            except asyncio.IncompleteReadError as exc:
                writer.close()
                # The server had closed an idle connection before reading: safe to send again.
                if not (reused and not exc.partial):
                    raise
            except BaseException:
                writer.close()
                raise
        try:
            lines = head.split(b"\r\n")
            status = int(lines[0].split()[1])
            length, close = 0, False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if close:
            writer.close()
        else:
            self.idle.append((time.monotonic(), reader, writer))
        return status

    async def aclose(self) -> None:
        for w in self.all:
            w.close()


class HttpxClient:
    """The same through httpx.AsyncClient."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
        self.client = httpx.AsyncClient(
            base_url=base_url, headers=headers, limits=limits, timeout=10
        )

    async def post(self, path: str, body: dict[str, Any]) -> int:
        r = await self.client.post(path, json=body)
        return r.status_code

    async def get(self, path: str) -> int:
        r = await self.client.get(path)
        return r.status_code

    async def aclose(self) -> None:
        await self.client.aclose()


def make_client(kind: str, host: str, port: int, headers: dict[str, str]) -> Client:
    """The lean client or httpx."""
    if kind == "httpx":
        return HttpxClient(f"http://{host}:{port}", headers)
    return LeanClient(host, port, headers)


@dataclass
class Step:
    """What one paced run measured."""

    rate: float
    latencies: list[float]
    errors: int
    achieved: float
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    @property
    def sustained(self) -> bool:
        """p99 under target, no failed request, and completions kept pace with arrivals."""
        return self.p99 < TARGET_P99_MS and self.errors == 0 and self.achieved >= 0.95 * self.rate

    def text(self) -> str:
        return (
            f"p50 {percentile(self.latencies, 50):6.1f} ms  p99 {self.p99:7.1f} ms"
            f"  {self.achieved:6,.0f}/s done  errors {self.errors}"
            + (
                f" ({', '.join(f'{k} ×{v}' for k, v in self.kinds.most_common(3))})"
                if self.errors
                else ""
            )
        )


async def paced(
    client: Client,
    path: str,
    body_of: Callable[[], dict[str, Any]],
    rate: float,
    seconds: float,
    expect: int = 201,
    timeout: float = 10.0,
    method: str = "POST",
) -> Step:
    """Open-loop arrivals at `rate` for `seconds`; latency from each scheduled start (POST
    `body_of()` each time, or GET)."""
    loop = asyncio.get_running_loop()
    n = int(rate * seconds)
    latencies: list[float] = []
    kinds: Counter[str] = Counter()
    last_done = 0.0

    async def one(at: float) -> None:
        nonlocal last_done
        try:
            sent = client.get(path) if method == "GET" else client.post(path, body_of())
            status = await asyncio.wait_for(sent, timeout)
            kind = "" if status == expect else f"HTTP {status}"
        except Exception as exc:
            kind = type(exc).__name__
        done = loop.time()
        last_done = max(last_done, done)
        if kind:
            kinds[kind] += 1
        else:
            latencies.append((done - at) * 1000)

    tasks: set[asyncio.Task[None]] = set()
    start = loop.time()
    for i in range(n):
        at = start + i / rate
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(at))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    achieved = len(latencies) / max(last_done - start, 1e-9)
    return Step(rate, latencies, sum(kinds.values()), achieved, kinds)
