"""The live-update baseline: a bare Starlette app that fans core NATS messages on callback.>
out to every open Server-Sent Events stream (no session, no filter, no metrics).

    KEFU_NATS_URL=… .venv/bin/python -m uvicorn bench.bare_sse:app --port 9000
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import nats
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

QUEUES: set[asyncio.Queue[bytes]] = set()


async def live(request: Request) -> StreamingResponse:
    """One stream: ready, then every message's payload as an event."""
    queue: asyncio.Queue[bytes] = asyncio.Queue(64)
    QUEUES.add(queue)

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b"event: ready\ndata: {}\n\n"
            while True:
                data = await queue.get()
                yield b"event: callback\ndata: " + data + b"\n\n"
        finally:
            QUEUES.discard(queue)

    return StreamingResponse(events(), media_type="text/event-stream")


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    nc = await nats.connect(os.environ["KEFU_NATS_URL"])

    async def fan_out(msg: nats.aio.msg.Msg) -> None:
        for queue in QUEUES:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(msg.data)

    await nc.subscribe("callback.>", cb=fan_out)
    yield
    await nc.close()


app = Starlette(routes=[Route("/live", live)], lifespan=lifespan)
