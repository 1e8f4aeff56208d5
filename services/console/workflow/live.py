"""Live updates: callback events fanned out to the open pages they concern. A page is only
told that its list changed; it then re-reads the list through the API, so nothing it shows
skips the services' checks."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field

from services.console.domain import Audience, Staff, audience
from services.console.metrics import LIVE_DROPPED, LIVE_PAGES, LIVE_SENT

# A page that stops reading loses the oldest hints first; one is enough to refresh it.
QUEUE = 64


@dataclass(eq=False)
class Listener:
    """One open page: whose it is, and the hints waiting to be sent to it."""

    staff: Staff
    audience: Audience
    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(QUEUE))

    def take(self) -> list[str | None]:
        """Every hint waiting now (sent together: one write for a burst)."""
        taken: list[str | None] = []
        while not self.queue.empty():
            taken.append(self.queue.get_nowait())
        return taken


class Hub:
    """The open pages of this replica. Each replica subscribes to the bus itself, so a page
    hears every event whichever replica serves it."""

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()

    def join(self, staff: Staff) -> Listener:
        """A page starts listening."""
        listener = Listener(staff, audience(staff))
        self.listeners.add(listener)
        LIVE_PAGES.set(len(self.listeners))
        return listener

    def leave(self, listener: Listener) -> None:
        """A page went away."""
        self.listeners.discard(listener)
        LIVE_PAGES.set(len(self.listeners))

    def publish(
        self, subject: str, callback_id: str | None, assignee: str | None, team: str | None
    ) -> int:
        """Tell every page the change concerns; returns how many were told."""
        hint = json.dumps({"subject": subject, "id": callback_id})
        told = 0
        for listener in self.listeners:
            if not listener.audience.concerns(assignee, team):
                continue
            if listener.queue.full():
                listener.queue.get_nowait()
                LIVE_DROPPED.inc()
            listener.queue.put_nowait(hint)
            told += 1
        LIVE_SENT.inc(told)
        return told

    def close(self) -> None:
        """End every page's stream (the replica is stopping; browsers reconnect elsewhere)."""
        for listener in list(self.listeners):
            if listener.queue.full():
                listener.queue.get_nowait()
            listener.queue.put_nowait(None)
