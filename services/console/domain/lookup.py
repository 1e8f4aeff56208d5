"""The search box and the customer card: what a typed query may be, and the card's timeline
built from what each service answered."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# The last four digits and the name, in either order ("5678 王芳", "王芳 5678").
LAST4_FIRST = re.compile(r"(\d{4})\s+(\D.*)")
LAST4_AFTER = re.compile(r"(.*\D)\s+(\d{4})")
PHONE_CHARS = re.compile(r"[\s\-().+]")


@dataclass(frozen=True)
class Query:
    """What a typed search may mean; every reading that fits is searched."""

    text: str
    phone: str | None = None
    last4: str | None = None
    name: str | None = None
    ident: str | None = None
    waybill: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.phone or self.last4 or self.ident or self.waybill)


def parse(typed: str) -> Query:
    """A whole phone (also a consignee's, also maybe a waybill), the last four digits with the
    exact name, a complaint or repair id, or a waybill."""
    text = " ".join(typed.split())[:100]
    if not text:
        return Query(text)
    for pattern, digits_at in ((LAST4_FIRST, 1), (LAST4_AFTER, 2)):
        found = pattern.fullmatch(text)
        if found and not PHONE_CHARS.sub("", found.group(3 - digits_at)).isdigit():
            return Query(
                text, last4=found.group(digits_at), name=found.group(3 - digits_at).strip()
            )
    if UUID.fullmatch(text):
        return Query(text, ident=text.lower())
    waybill = text if CODE.fullmatch(text) else None
    digits = PHONE_CHARS.sub("", text)
    if digits.isdigit() and 7 <= len(digits) <= 15:
        return Query(text, phone=text, waybill=waybill)
    return Query(text, waybill=waybill)


class Kind(StrEnum):
    """The records the card and the search show, by the service that keeps them."""

    LEAD = "lead"
    COMPLAINT = "complaint"
    REPAIR_REQUEST = "repair_request"
    PROJECT = "project"
    REPAIR = "repair"
    SHIPMENT = "shipment"
    CALLBACK = "callback"
    MESSAGE = "message"
    CUSTOMER = "customer"


# The card's sections in the order shown; intake answers the first three in one call.
SECTIONS = (
    Kind.LEAD,
    Kind.PROJECT,
    Kind.COMPLAINT,
    Kind.REPAIR_REQUEST,
    Kind.REPAIR,
    Kind.SHIPMENT,
    Kind.CALLBACK,
    Kind.MESSAGE,
)


class Access(StrEnum):
    """How a section came back: shown, refused to this role, or its service not answering
    (`no_phone`: the role is not given the whole number the search needs)."""

    SHOWN = "shown"
    FORBIDDEN = "forbidden"
    FAILED = "failed"
    NO_PHONE = "no_phone"


@dataclass(frozen=True)
class Entry:
    """One line of a timeline or of search results: a record, when, its state, a title, and
    the console page that shows it (None: no page)."""

    kind: Kind
    id: str
    at: datetime | None
    status: str = ""
    title: str = ""
    detail: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Section:
    """One source of the card: how it came back, how many entries, whether more exist."""

    kind: Kind
    access: Access
    count: int = 0
    more: bool = False


def when(value: Any) -> datetime | None:
    """A service's ISO 8601 time as a datetime (None when absent)."""
    return datetime.fromisoformat(str(value)) if value else None


def href(kind: Kind, ident: str) -> str | None:
    """The console page of a record (projects, repairs and shipments are the desk's and the
    project pages')."""
    pages = {
        Kind.CUSTOMER: "/customers/",
        Kind.COMPLAINT: "/complaints/",
        Kind.PROJECT: "/projects/",
        Kind.REPAIR: "/repairs/",
        Kind.SHIPMENT: "/shipments/",
    }
    prefix = pages.get(kind)
    return f"{prefix}{ident}" if prefix else None


def from_intake(item: Mapping[str, Any]) -> Entry:
    """An entry of intake's customer timeline (lead, complaint, repair request)."""
    kind = Kind(str(item["kind"]))
    ident = str(item["id"])
    return Entry(
        kind,
        ident,
        when(item.get("at")),
        str(item.get("status") or ""),
        str(item.get("detail") or ""),
        href=href(kind, ident),
    )


def from_complaint(item: Mapping[str, Any]) -> Entry:
    """A complaint as intake lists it: its category, state and what the customer said."""
    ident = str(item["id"])
    return Entry(
        Kind.COMPLAINT,
        ident,
        when(item.get("opened_at")),
        str(item.get("status") or ""),
        str(item.get("category") or ""),
        str(item.get("description") or ""),
        href(Kind.COMPLAINT, ident),
    )


def from_project(item: Mapping[str, Any]) -> Entry:
    """A project with its stage."""
    ident = str(item["id"])
    at = when(item.get("created_at"))
    address = str(item.get("address") or "")
    return Entry(
        Kind.PROJECT, ident, at, str(item["stage"]), address, "", href(Kind.PROJECT, ident)
    )


def from_repair(item: Mapping[str, Any]) -> Entry:
    """An aftersales repair ticket."""
    ident = str(item["id"])
    return Entry(
        Kind.REPAIR,
        ident,
        when(item.get("opened_at")),
        str(item.get("status") or ""),
        str(item.get("problem") or ""),
        href=href(Kind.REPAIR, ident),
    )


def from_shipment(item: Mapping[str, Any]) -> Entry:
    """A shipment the customer is the consignee of."""
    waybill = str(item["waybill"])
    route = f"{item.get('origin_branch', '')} → {item.get('destination_branch', '')}"
    return Entry(
        Kind.SHIPMENT,
        waybill,
        when(item.get("dispatched_at")),
        str(item.get("status") or ""),
        waybill,
        route,
        href(Kind.SHIPMENT, waybill),
    )


def from_callback(item: Mapping[str, Any]) -> Entry:
    """A callback task: when it closed, else when it is due; linked to the page of the record
    it is about."""
    entity = item.get("entity") or {}
    about = entity.get("kind")
    page = href(Kind(about), str(entity.get("id"))) if about in set(Kind) else None
    return Entry(
        Kind.CALLBACK,
        str(item["id"]),
        when(item.get("closed_at") or item.get("due_at")),
        str(item.get("status") or ""),
        str(item.get("purpose") or ""),
        href=page,
    )


def from_message(item: Mapping[str, Any]) -> Entry:
    """A message to the customer: when sent, else when queued."""
    return Entry(
        Kind.MESSAGE,
        str(item["id"]),
        when(item.get("sent_at") or item.get("created_at")),
        str(item.get("status") or ""),
        str(item.get("channel") or ""),
        str(item.get("subject") or item.get("text") or item.get("template") or ""),
    )


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """A timeline: newest first, undated last, ties by kind and id (stable across reloads)."""
    every = list(entries)
    dated = sorted(
        (e for e in every if e.at), key=lambda e: (e.at, e.kind.value, e.id), reverse=True
    )
    return dated + [e for e in every if not e.at]
