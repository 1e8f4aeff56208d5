"""The console's calls to the services: a burst waits its turn outside httpx's pool (whose
per-request scans made a backlog unrecoverable), one service's slow answers hold no other's
calls, and a call that cannot get a turn in time is a 503 like an unreachable service."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.console.workflow.services import ServiceError, Services
from shared.settings import Settings

pytestmark = pytest.mark.quick


class Server:
    """A loopback stand-in for a service: answers after `delay`, counting calls in flight."""

    def __init__(self, delay: float) -> None:
        self.delay, self.now, self.most, self.served = delay, 0, 0, 0
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(self.delay)
        await self.release.wait()
        self.now -= 1
        self.served += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b'{"ok": true}'})


def services(servers: dict[str, Server], *, in_flight: int, timeout: float = 10.0) -> Services:
    mounts = {f"http://{n}": httpx.ASGITransport(app=s) for n, s in servers.items()}
    return Services(
        {n: f"http://{n}" for n in servers},
        Settings(auth_secret="s1", auth_kid="k1"),
        token_ttl_seconds=60,
        timeout_seconds=timeout,
        in_flight=in_flight,
        mounts=mounts,
    )


async def test_a_burst_is_answered_whole_with_no_more_than_the_slots_in_flight() -> None:
    server = Server(delay=0.002)
    s = services({"projects": server}, in_flight=3)
    try:
        answers = await asyncio.gather(*(s.get("tok", "projects", "/x") for _ in range(60)))
    finally:
        await s.close()
    assert answers == [{"ok": True}] * 60
    assert server.served == 60
    assert server.most == 3


async def test_a_stuck_service_holds_no_other_services_calls() -> None:
    stuck, quick = Server(delay=0), Server(delay=0)
    stuck.release.clear()
    s = services({"projects": stuck, "aftersales": quick}, in_flight=2)
    try:
        held = [asyncio.create_task(s.get("tok", "projects", "/x")) for _ in range(4)]
        await asyncio.sleep(0.05)
        assert stuck.now == 2  # both of its slots taken, two calls waiting
        answers = await asyncio.wait_for(
            asyncio.gather(*(s.get("tok", "aftersales", "/y") for _ in range(5))), 2
        )
        assert answers == [{"ok": True}] * 5
        stuck.release.set()
        assert await asyncio.gather(*held) == [{"ok": True}] * 4
    finally:
        await s.close()


async def test_a_call_that_gets_no_turn_in_time_is_a_503() -> None:
    stuck = Server(delay=0)
    stuck.release.clear()
    s = services({"projects": stuck}, in_flight=1, timeout=0.2)
    try:
        first = asyncio.create_task(s.get("tok", "projects", "/x"))
        await asyncio.sleep(0.02)
        with pytest.raises(ServiceError) as refused:
            await s.get("tok", "projects", "/x")
        assert (refused.value.service, refused.value.status) == ("projects", 503)
        assert refused.value.detail == "too many calls waiting"
        stuck.release.set()
        assert await first == {"ok": True}
        assert await s.get("tok", "projects", "/x") == {"ok": True}  # the slot came back
    finally:
        await s.close()
