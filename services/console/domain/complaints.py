"""A complaint case on screen: its trail in time order, the forms its state allows, and which
form field an API's refusal names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.console.domain.lookup import when
from shared.contracts.values import Role

# Mirrors intake's roles (its API decides; these only spare a person forms they cannot use).
REGISTRARS = frozenset(
    {Role.BRANCH, Role.CS, Role.RECEPTION, Role.DEPT_HEAD, Role.MANAGER, Role.ADMIN}
)
HANDLERS = frozenset({Role.CS, Role.DEPT_HEAD, Role.MANAGER, Role.ADMIN})
UNRESOLVED = frozenset({"open", "in_progress", "escalated"})

CHANNELS = ("phone", "visit", "reception", "department")
CATEGORIES = ("quality", "service", "delay", "billing", "logistics", "other")
SEVERITIES = ("normal", "low", "high", "urgent")
DEPARTMENTS = ("customer_service", "engineering", "design", "aftersales", "logistics", "finance")
CAUSES = (
    "workmanship",
    "materials",
    "design",
    "schedule",
    "staff_attitude",
    "billing",
    "logistics",
    "aftersales",
    "other",
)
SUBJECT_KINDS = ("project", "shipment", "repair")

# intake's field names → the form's (a list item's index is the list's field).
FORM_FIELDS = {
    "customer.name": "name",
    "customer.phone": "phone",
    "customer": "phone",
    "subject.kind": "subject_kind",
    "subject.id": "subject_id",
    "subject": "subject_id",
    "body": "form",
}
INDEX = re.compile(r"\.\d+$")


@dataclass(frozen=True)
class Step:
    """One line of the case's trail: what happened, when, by whom, and its particulars."""

    kind: str
    at: datetime | None
    by: str | None
    values: dict[str, Any] = field(default_factory=dict)


def trail(c: Mapping[str, Any]) -> list[Step]:
    """Registration, hand-offs, escalations, findings, the resolution and the confirmation
    call, oldest first."""
    handoffs = c.get("handoffs") or []
    # Registered with the department the first hand-off took it from (the complaint now names
    # where it is).
    first = {"department": handoffs[0]["from_department"]} if handoffs else {}
    opened = Step("opened", when(c.get("opened_at")), c.get("received_by_sub"), {**c, **first})
    steps = [opened]
    steps += [Step("handoff", when(h["at"]), h.get("by"), dict(h)) for h in handoffs]
    steps += [
        Step("escalation", when(e["at"]), e.get("by"), dict(e)) for e in c.get("escalations") or []
    ]
    steps += [Step("cause", when(x["at"]), x.get("by"), dict(x)) for x in c.get("causes") or []]
    for kind in ("resolution", "confirmation"):
        if c.get(kind):
            done = c[kind]
            steps.append(Step(kind, when(done.get("at")), done.get("by"), dict(done)))
    # A stable sort keeps the order within one instant: registration, then as recorded.
    earliest = min((s.at for s in steps if s.at), default=None)
    return sorted(steps, key=lambda s: s.at or earliest or datetime.min)


def actions(c: Mapping[str, Any], role: Role) -> set[str]:
    """The forms the case offers this role now: hand-off, escalation (below the manager) and
    resolution while unresolved, the cause until closed."""
    if role not in HANDLERS:
        return set()
    status = str(c.get("status"))
    found = {"cause"} if status != "closed" else set()
    if status in UNRESOLVED:
        found |= {"handoff", "resolution"}
        if c.get("escalation_level") != "manager":
            found.add("escalation")
    return found


def form_field(api_field: str) -> str:
    """The form field an API error names."""
    name = INDEX.sub("", api_field)
    return FORM_FIELDS.get(name, name)
