"""The action kinds of the rules table and the small pickers their fields are made of."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from services.notifications.domain.event import INVALID_EVENT, DomainError, EventView
from services.notifications.domain.schedule import ScheduleKind, next_occurrence
from services.notifications.domain.specs import (
    Attachment,
    CancelSpec,
    ContactSpec,
    EntityRef,
    MessageSpec,
    Recipient,
    RecurringSpec,
    RosterSpec,
    TaskSpec,
    duty_key,
)
from shared.calendar import due_within_days
from shared.contracts.values import CallbackPurpose, EscalationLevel, MessageChannel

T = TypeVar("T")
Pick = Callable[[EventView], T]
Cond = Callable[[EventView], bool]
Spec = TaskSpec | MessageSpec | RecurringSpec | CancelSpec | RosterSpec | ContactSpec


# --- pickers: each reads one value off the event -------------------------------------------
def field(name: str) -> Pick[str | None]:
    """The payload's text field `name` (None when absent)."""
    return lambda ev: ev.opt(name)


def nothing(ev: EventView) -> None:
    """No value (no team, no assignee, no stop)."""
    return None


def const(value: str | None) -> Pick[str | None]:
    """Always `value`."""
    return lambda ev: value


def level_of(name: str) -> Pick[EscalationLevel | None]:
    """The payload's escalation level `name` (None when absent)."""

    def pick(ev: EventView) -> EscalationLevel | None:
        value = ev.opt(name)
        return EscalationLevel(value) if value else None

    return pick


def fixed_level(level: EscalationLevel) -> Pick[EscalationLevel | None]:
    """Always `level`."""
    return lambda ev: level


def after_event(delta: timedelta) -> Pick[datetime]:
    """`delta` after the envelope time (when the producer recorded the fact)."""
    return lambda ev: ev.occurred_at + delta


def after_fact(delta: timedelta) -> Pick[datetime]:
    """`delta` after the fact's business time (`at`, may be backdated)."""
    return lambda ev: ev.fact_at + delta


def after_now(delta: timedelta) -> Pick[datetime]:
    """`delta` after the planning clock."""
    return lambda ev: ev.now + delta


def within_days(days: int) -> Pick[datetime]:
    """End of local day D+days, D being the fact's business day (exclusive bound)."""
    return lambda ev: due_within_days(ev.fact_at, days)


def always(ev: EventView) -> bool:
    """No condition."""
    return True


def has(name: str) -> Cond:
    """The payload carries a non-empty `name`."""
    return lambda ev: ev.payload.get(name) not in (None, "")


def lacks(name: str) -> Cond:
    """The payload carries no `name`."""
    return lambda ev: ev.payload.get(name) in (None, "")


def is_true(name: str) -> Cond:
    """The payload's boolean `name` is true."""
    return lambda ev: ev.flag(name)


def field_in(name: str, values: frozenset[str]) -> Cond:
    """The payload's text `name` is one of `values`."""
    return lambda ev: ev.opt(name) in values


# --- entity and recipients -------------------------------------------------------------------
@dataclass(frozen=True)
class Entity:
    """Which record a task or message concerns: its kind and the payload field with its id."""

    kind: str
    id_field: str

    def __call__(self, ev: EventView) -> EntityRef:
        return EntityRef(self.kind, ev.text(self.id_field))


def entity_of(ev: EventView) -> EntityRef:
    """The record a callback event concerns (its `entity`)."""
    kind, ident = ev.nested("entity", "kind"), ev.nested("entity", "id")
    if kind is None or ident is None:
        raise DomainError(INVALID_EVENT, f"{ev.subject} needs `entity` (kind, id)", "entity")
    return EntityRef(kind, ident)


def to_customer(ev: EventView) -> list[Recipient]:
    """The event's customer; the sender looks the phone up in the contact book."""
    return [Recipient("customer", ev.text("customer_id"), "customer")]


def to_contact(*roles: str) -> Pick[list[Recipient]]:
    """Shipment contacts by role (shipper, consignee) whose phone the event carries."""

    def pick(ev: EventView) -> list[Recipient]:
        found = [(role, ev.nested("contacts", f"{role}_phone")) for role in roles]
        return [Recipient("phone", phone, role) for role, phone in found if phone]

    return pick


def to_audience(audience: str | Pick[str]) -> Pick[list[Recipient]]:
    """A staff audience: a role, a department or `region:<code>`."""

    def pick(ev: EventView) -> list[Recipient]:
        name = audience if isinstance(audience, str) else audience(ev)
        return [Recipient("audience", name, name)]

    return pick


# --- actions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallbackTask:
    """Create one callback task."""

    purpose: CallbackPurpose
    entity: Entity
    due: Pick[datetime]
    team: Pick[str | None] = nothing
    assignee: Pick[str | None] = nothing
    stage: Pick[str | None] = nothing
    level: Pick[EscalationLevel | None] = nothing
    script: str | None = None  # defaults to the purpose
    key: str = ""  # extra dedupe discriminator when one event makes two of a purpose
    assignee_from_roster: str | None = None
    when: Cond = always
    # Which duty of the purpose on the record (default: the stage, else the key): at most one
    # task of a duty is open. `replaces`: a new team, assignee or level takes over the open
    # one; otherwise the open one is kept and this one is not made.
    case: Pick[str | None] = nothing
    replaces: bool = False

    def expand(self, ev: EventView) -> list[Spec]:
        entity, stage = self.entity(ev), self.stage(ev)
        parts = [ev.event_id, self.purpose.value, entity.id, stage or "", self.key]
        case = self.case(ev) or stage or self.key or None
        return [
            TaskSpec(
                purpose=self.purpose,
                entity=entity,
                due_at=self.due(ev),
                dedupe_key=":".join(p for p in parts if p),
                script=self.script or self.purpose.value,
                assignee=self.assignee(ev),
                team=self.team(ev),
                stage=stage,
                customer_id=ev.opt("customer_id"),
                level=self.level(ev),
                project_manager=ev.opt("project_manager"),
                assignee_from_roster=self.assignee_from_roster,
                duty=duty_key(self.purpose, entity, case),
                replaces=self.replaces,
                version=ev.number("version"),
            )
        ]


@dataclass(frozen=True)
class Message:
    """Queue one message per recipient from a registered template (no free text)."""

    channel: MessageChannel
    template: str
    to: Pick[list[Recipient]]
    entity: Pick[EntityRef] | None
    params: Pick[dict[str, str]]
    attachment: Pick[Attachment | None] = nothing
    when: Cond = always
    link: bool = False  # carries the recipient's signed link to the record's page

    def expand(self, ev: EventView) -> list[Spec]:
        params, attachment = self.params(ev), self.attachment(ev)
        entity = self.entity(ev) if self.entity else None
        return [
            MessageSpec(
                channel=self.channel,
                template=self.template,
                recipient=recipient,
                params=params,
                dedupe_key=f"{ev.event_id}:{self.template}:{recipient.label}",
                entity=entity,
                customer_id=ev.opt("customer_id"),
                attachment=attachment,
                link=recipient.label if self.link else None,
            )
            for recipient in self.to(ev)
        ]


@dataclass(frozen=True)
class Recurring:
    """Start a recurring call; it ends at `stops` or when a Cancel names its purpose."""

    purpose: CallbackPurpose
    kind: ScheduleKind
    entity: Entity
    anchor: Pick[datetime]
    stops: Pick[datetime | None]
    stops_when: str
    team: Pick[str | None] = nothing
    assignee: Pick[str | None] = nothing
    assignee_from_roster: str | None = None
    when: Cond = always

    def expand(self, ev: EventView) -> list[Spec]:
        entity, anchor, stops = self.entity(ev), self.anchor(ev), self.stops(ev)
        # A backdated fact does not make the calls it missed: the schedule starts from now.
        first: datetime | None = next_occurrence(self.kind, anchor, max(anchor, ev.now))
        if stops is not None and first is not None and first >= stops:
            first = None  # over before it began (a completion reported after the warranty)
        return [
            RecurringSpec(
                purpose=self.purpose,
                kind=self.kind,
                entity=entity,
                anchor=anchor,
                first_at=first,
                stops_at=stops,
                stops_when=self.stops_when,
                dedupe_key=f"{ev.event_id}:{self.purpose.value}:{entity.id}",
                script=self.purpose.value,
                team=self.team(ev),
                assignee=self.assignee(ev),
                customer_id=ev.opt("customer_id"),
                assignee_from_roster=self.assignee_from_roster,
            )
        ]


@dataclass(frozen=True)
class Cancel:
    """Cancel open tasks and active schedules of these purposes: their reason has ended."""

    purposes: tuple[CallbackPurpose, ...]
    entity: Entity
    when: Cond = always
    case: Pick[str | None] = nothing  # only this duty of each purpose (None: all of them)

    def expand(self, ev: EventView) -> list[Spec]:
        entity, case = self.entity(ev), self.case(ev)
        names = "+".join(p.value for p in self.purposes)
        duties = tuple(duty_key(p, entity, case) for p in self.purposes) if case else None
        return [
            CancelSpec(
                self.purposes,
                entity,
                f"{ev.event_id}:cancel:{names}:{entity.id}",
                duties=duties,
                version=ev.number("version"),
            )
        ]


@dataclass(frozen=True)
class ProjectRoster:
    """Remember who designs and manages a project, to assign its calls."""

    when: Cond = always

    def expand(self, ev: EventView) -> list[Spec]:
        return [
            RosterSpec(
                project_id=ev.text("project_id"),
                customer_id=ev.opt("customer_id"),
                designer=ev.opt("designer"),
                project_manager=ev.opt("project_manager"),
                version=ev.number("version"),
            )
        ]


@dataclass(frozen=True)
class ContactUpdate:
    """Keep the contact book current (customers from intake, shippers from logistics)."""

    kind: str
    id_field: str
    when: Cond = always

    def expand(self, ev: EventView) -> list[Spec]:
        return [
            ContactSpec(
                kind=self.kind,
                contact_id=ev.text(self.id_field),
                name=ev.opt("name"),
                phone=ev.opt("phone"),
                language=ev.opt("language") or "zh",
                version=ev.number("version"),
            )
        ]


Action = CallbackTask | Message | Recurring | Cancel | ProjectRoster | ContactUpdate
