"""The worklist and its outcomes, read and recorded through notifications' API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from services.console.domain import Groups, Staff, Task, group, merge, scopes
from services.console.workflow.services import Services


@dataclass(frozen=True)
class Worklist:
    """The open tasks for a person in due groups, and whether more are due after them."""

    groups: Groups
    more: bool


def task_of(item: dict[str, Any]) -> Task:
    """A notifications callback item as a worklist task (customer fields when it has them)."""
    customer = item.get("customer") or {}
    entity = item.get("entity") or {}
    return Task(
        id=str(item["id"]),
        purpose=str(item["purpose"]),
        due_at=datetime.fromisoformat(str(item["due_at"])),
        status=str(item["status"]),
        entity_kind=str(entity.get("kind", "")),
        entity_id=str(entity.get("id", "")),
        stage=item.get("stage"),
        assignee=item.get("assignee"),
        team=item.get("team"),
        attempts=int(item.get("attempts") or 0),
        script=item.get("script"),
        customer_id=item.get("customer_id"),
        customer_name=customer.get("name"),
        customer_phone=customer.get("phone"),
    )


async def worklist(
    services: Services, staff: Staff, *, now: datetime, size: int, lang: str
) -> Worklist:
    """The person's and their team's open callbacks, soonest first, grouped overdue / today /
    later in the business calendar: one list call per scope, merged."""
    pages = await asyncio.gather(
        *(
            services.get(
                staff,
                "notifications",
                "/v1/callbacks",
                status="open",
                limit=size,
                lang="en" if lang == "en" else "zh",
                **scope,
            )
            for scope in scopes(staff)
        )
    )
    lists = [[task_of(i) for i in p["items"]] for p in pages]
    every = merge(lists, size + 1)
    more = len(every) > size or any(p.get("next_cursor") for p in pages)
    return Worklist(group(every[:size], now), more)


async def record_outcome(
    services: Services, staff: Staff, callback_id: str, outcome: dict[str, Any]
) -> dict[str, Any]:
    """One call's outcome on a task; notifications decides what follows (done, retry, give up)."""
    answer: dict[str, Any] = await services.post(
        staff, "notifications", f"/v1/callbacks/{quote(callback_id, safe='')}/outcome", outcome
    )
    return answer
