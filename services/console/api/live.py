"""Live updates: Server-Sent Events that tell an open worklist its tasks changed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from services.console.api import guard
from services.console.workflow.live import Hub, Listener

router = APIRouter()
# A stream ends after this long and the browser reconnects, so an ended or expired session
# stops receiving hints soon after (the reconnect is checked like any request).
STREAM_SECONDS = 300.0


async def events(hub: Hub, listener: Listener, heartbeat: float) -> AsyncIterator[str]:
    """The event stream: ready, then a `callback` event per hint (a burst in one write),
    comments to keep it open."""
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_SECONDS
    try:
        yield "retry: 1000\nevent: ready\ndata: {}\n\n"
        while (left := ends - loop.time()) > 0:
            try:
                async with asyncio.timeout(min(heartbeat, left)):
                    first = await listener.queue.get()
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            hints = [first, *listener.take()]
            if None in hints:
                return
            yield "".join(f"event: callback\ndata: {h}\n\n" for h in hints)
    finally:
        hub.leave(listener)


@router.get("/live")
async def live(request: Request) -> Response:
    """The signed-in person's stream of change hints for their worklist."""
    visit = await guard.visit(request)
    if visit is None:
        return Response(status_code=401)
    hub: Hub = request.app.state.hub
    listener = hub.join(visit.staff)
    return StreamingResponse(
        events(hub, listener, request.app.state.svc.config.heartbeat_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
