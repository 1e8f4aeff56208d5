"""The search box and the customer card, read through the services' APIs as the signed-in
person: each source answers, refuses (403) or is down on its own, and the page says which."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from services.console.domain import Staff
from services.console.domain.lookup import (
    SECTIONS,
    Access,
    Entry,
    Kind,
    Query,
    Section,
    from_callback,
    from_complaint,
    from_intake,
    from_message,
    from_project,
    from_repair,
    from_shipment,
    href,
    newest_first,
)
from services.console.workflow.services import ServiceError, Services

Shape = Callable[[Any], list[Entry]]


@dataclass(frozen=True)
class Found:
    """What a search found, the sources the person may not read, the services not answering."""

    query: Query
    hits: list[Entry]
    refused: list[Kind]
    failed: list[str]


@dataclass(frozen=True)
class Card:
    """A customer as intake gives them, each source's section and the merged timeline."""

    customer: dict[str, Any]
    sections: list[Section]
    timeline: list[Entry]


async def attempt(call: Awaitable[Any]) -> Any:
    """The answer, or the service's refusal as a value (one source's failure is not the
    page's)."""
    try:
        return await call
    except ServiceError as exc:
        return exc


def customers(page: Mapping[str, Any]) -> list[Entry]:
    """Customers found by phone: name and masked phone, to their card."""
    return [
        Entry(
            Kind.CUSTOMER,
            str(c["id"]),
            None,
            "",
            str(c["name"]),
            str(c["phone"]),
            href(Kind.CUSTOMER, str(c["id"])),
        )
        for c in page["items"]
    ]


def complaint(c: Mapping[str, Any]) -> list[Entry]:
    """A complaint found by id."""
    return [from_complaint(c)]


async def search(services: Services, staff: Staff, q: Query, *, size: int = 20) -> Found:
    """Every reading of the query at once: customers by phone (or last four and name),
    shipments by consignee phone or waybill, a complaint or repair by id."""
    calls: list[tuple[Kind, Awaitable[Any], Shape]] = []
    if q.phone:
        calls.append(
            (
                Kind.CUSTOMER,
                services.get(staff, "intake", "/v1/customers", phone=q.phone, limit=size),
                customers,
            )
        )
        shipments = services.get(
            staff, "logistics", "/v1/shipments", consignee_phone=q.phone, limit=size
        )
        calls.append((Kind.SHIPMENT, shipments, lambda p: [from_shipment(s) for s in p["items"]]))
    if q.last4 and q.name:
        found = services.get(
            staff, "intake", "/v1/customers", phone_last4=q.last4, name=q.name, limit=size
        )
        calls.append((Kind.CUSTOMER, found, customers))
    if q.ident:
        key = quote(q.ident, safe="")
        calls.append(
            (Kind.COMPLAINT, services.get(staff, "intake", f"/v1/complaints/{key}"), complaint)
        )
        repair = services.get(staff, "aftersales", f"/v1/repairs/{key}")
        calls.append((Kind.REPAIR, repair, lambda r: [from_repair(r)]))
    if q.waybill:
        shipment = services.get(staff, "logistics", f"/v1/shipments/{quote(q.waybill, safe='')}")
        calls.append((Kind.SHIPMENT, shipment, lambda s: [from_shipment(s)]))
    answers = await asyncio.gather(*(attempt(call) for _, call, _ in calls))
    hits: dict[tuple[Kind, str], Entry] = {}
    refused: list[Kind] = []
    failed: list[str] = []
    for (kind, _, shape), answer in zip(calls, answers, strict=True):
        if not isinstance(answer, ServiceError):
            for e in shape(answer):
                hits.setdefault((e.kind, e.id), e)
        elif answer.status == 403:
            if kind not in refused:
                refused.append(kind)
        elif answer.status >= 500 and answer.service not in failed:
            failed.append(answer.service)
        # 404 and 422: nothing of that kind answers to this text.
    return Found(q, list(hits.values()), refused, failed)


def section(kind: Kind, answer: Any, shape: Shape) -> tuple[Section, list[Entry]]:
    """One source of the card as it came back."""
    if isinstance(answer, ServiceError):
        access = Access.FORBIDDEN if answer.status == 403 else Access.FAILED
        return Section(kind, access), []
    entries = shape(answer)
    return Section(kind, Access.SHOWN, len(entries), bool(answer.get("next_cursor"))), entries


async def customer_card(
    services: Services, staff: Staff, customer_id: str, *, size: int = 100
) -> Card:
    """The customer (intake's refusal or 404 is the page's) and every service's records of
    them, a section each; shipments need the whole number, which only the roles that call
    customers are given."""
    customer: dict[str, Any] = await services.get(
        staff, "intake", f"/v1/customers/{quote(customer_id, safe='')}"
    )
    ident = str(customer["id"])
    phone = customer.get("phone_full")
    sources: list[tuple[Kind, Awaitable[Any], Shape]] = [
        (
            Kind.COMPLAINT,
            services.get(staff, "intake", "/v1/complaints", customer_id=ident, limit=size),
            lambda p: [from_complaint(i) for i in p["items"]],
        ),
        (
            Kind.PROJECT,
            services.get(staff, "projects", "/v1/projects", customer_id=ident, limit=size),
            lambda p: [from_project(i) for i in p["items"]],
        ),
        (
            Kind.REPAIR,
            services.get(staff, "aftersales", "/v1/repairs", customer_id=ident, limit=size),
            lambda p: [from_repair(i) for i in p["items"]],
        ),
        (
            Kind.CALLBACK,
            services.get(staff, "notifications", "/v1/callbacks", customer_id=ident, limit=size),
            lambda p: [from_callback(i) for i in p["items"]],
        ),
        (
            Kind.MESSAGE,
            services.get(staff, "notifications", "/v1/messages", customer_id=ident, limit=size),
            lambda p: [from_message(i) for i in p["items"]],
        ),
    ]
    if phone:
        shipments = services.get(
            staff, "logistics", "/v1/shipments", consignee_phone=phone, limit=size
        )
        sources.append((Kind.SHIPMENT, shipments, lambda p: [from_shipment(i) for i in p["items"]]))
    answers = await asyncio.gather(*(attempt(call) for _, call, _ in sources))
    # The customer's own timeline gives leads and repair requests; complaints come from their
    # list, which shows a department head only their department's.
    intake = [
        e for e in map(from_intake, customer.get("timeline") or []) if e.kind is not Kind.COMPLAINT
    ]
    sections = {
        kind: Section(kind, Access.SHOWN, sum(1 for e in intake if e.kind is kind))
        for kind in (Kind.LEAD, Kind.REPAIR_REQUEST)
    }
    if not phone:
        sections[Kind.SHIPMENT] = Section(Kind.SHIPMENT, Access.NO_PHONE)
    entries = list(intake)
    for (kind, _, shape), answer in zip(sources, answers, strict=True):
        sections[kind], found = section(kind, answer, shape)
        entries.extend(found)
    return Card(customer, [sections[k] for k in SECTIONS], newest_first(entries))
