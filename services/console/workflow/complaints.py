"""Complaints through intake's API (register, read, hand off, escalate, record the cause,
resolve) and the confirmation call through notifications'."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from services.console.domain import Staff
from services.console.domain.complaints import Step, trail
from services.console.workflow.lookup import attempt
from services.console.workflow.services import ServiceError, Services


@dataclass(frozen=True)
class Case:
    """A complaint with its trail, its customer (None when the role may not read customers)
    and its open confirmation call (None when there is none or the role may not read it)."""

    complaint: dict[str, Any]
    customer: dict[str, Any] | None
    confirmation: dict[str, Any] | None
    trail: list[Step]


def path(complaint_id: str, *rest: str) -> str:
    """The API path of a complaint (or of one of its actions)."""
    return "/".join(("/v1/complaints", quote(complaint_id, safe=""), *rest))


async def case(services: Services, staff: Staff, complaint_id: str, *, lang: str) -> Case:
    """The case as intake gives it (its refusal or 404 is the page's), with the customer and
    the confirmation task beside it."""
    c: dict[str, Any] = await services.get(staff, "intake", path(complaint_id))
    customer, calls = await asyncio.gather(
        attempt(services.get(staff, "intake", f"/v1/customers/{quote(str(c['customer_id']))}")),
        attempt(
            services.get(
                staff,
                "notifications",
                "/v1/callbacks",
                purpose="complaint_confirmation",
                entity_id=str(c["id"]),
                status="open",
                lang="en" if lang == "en" else "zh",
            )
        ),
    )
    person = None if isinstance(customer, ServiceError) else customer
    found = [] if isinstance(calls, ServiceError) else calls["items"]
    return Case(c, person, found[0] if found else None, trail(c))


async def register(services: Services, staff: Staff, body: dict[str, Any]) -> str:
    """A new complaint as the person registers it; its id."""
    created: dict[str, Any] = await services.post(staff, "intake", "/v1/complaints", body)
    return str(created["id"])


async def act(
    services: Services, staff: Staff, complaint_id: str, action: str, body: dict[str, Any]
) -> dict[str, Any]:
    """A hand-off, an escalation, a cause or a resolution; the complaint as it now stands."""
    done: dict[str, Any] = await services.post(staff, "intake", path(complaint_id, action), body)
    return done


async def confirm(
    services: Services, staff: Staff, callback_id: str, outcome: dict[str, Any]
) -> dict[str, Any]:
    """The confirmation call's result on its task; intake closes or reopens the complaint
    when notifications reports it."""
    answer: dict[str, Any] = await services.post(
        staff, "notifications", f"/v1/callbacks/{quote(callback_id, safe='')}/outcome", outcome
    )
    return answer
