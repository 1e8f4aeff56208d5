"""What a plan asks the service to store: tasks, messages, schedules, cancellations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.notifications.domain.schedule import ScheduleKind
from shared.contracts.values import CallbackPurpose, EscalationLevel, MessageChannel


@dataclass(frozen=True)
class EntityRef:
    """What a task or message concerns; `kind` is an EntityKind value."""

    kind: str
    id: str


def duty_key(purpose: CallbackPurpose, entity: EntityRef, case: str | None = None) -> str:
    """What one duty is: a purpose on a record, and the case when a record has several (a
    stage, an instalment, an occurrence). At most one task of a duty is open at a time."""
    base = f"{purpose.value}:{entity.kind}:{entity.id}"
    return f"{base}:{case}" if case else base


@dataclass(frozen=True)
class Recipient:
    """Who gets a message, resolved by the sender at send time.

    `kind` is `customer` (value = customer_id, phone from the contact book), `phone`
    (value = the number, e.g. a shipment contact) or `audience` (value = a role, a department
    or `region:<code>`, mapped to addresses by settings). `label` names the recipient in the
    dedupe key (customer, shipper, consignee, the audience).
    """

    kind: str
    value: str
    label: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail (a report's CSV)."""

    name: str
    content: str
    media_type: str = "text/csv"


@dataclass(frozen=True)
class TaskSpec:
    """One callback task to store (and announce with callback.scheduled)."""

    purpose: CallbackPurpose
    entity: EntityRef
    due_at: datetime
    dedupe_key: str
    script: str
    assignee: str | None = None
    team: str | None = None
    stage: str | None = None
    customer_id: str | None = None
    level: EscalationLevel | None = None
    project_manager: str | None = None  # project calls carry it for care compliance
    # When `assignee` is None, the roster field (e.g. project_manager) the service may fill it
    # from: the event can arrive before the project.opened that names the person.
    assignee_from_roster: str | None = None
    duty: str = ""  # duty_key(); empty: the purpose on the record
    # An open task of the same duty: True cancels it and this one takes over (a new team or
    # level); False keeps it and this one is not made.
    replaces: bool = False
    version: int = 0  # the record's version the event saw (0: unknown); older events lose


@dataclass(frozen=True)
class MessageSpec:
    """One customer or staff message to queue; sent once per dedupe key."""

    channel: MessageChannel
    template: str
    recipient: Recipient
    params: dict[str, str]
    dedupe_key: str
    entity: EntityRef | None = None
    customer_id: str | None = None
    language: str | None = None  # None: the contact book's language, else zh
    attachment: Attachment | None = None
    # A shipment SMS carries its customer's page: the audience (the recipient's role, consignee
    # or shipper) the workflow signs the link for, as the `link` param.
    link: str | None = None


@dataclass(frozen=True)
class RecurringSpec:
    """A recurring call: one task per occurrence anchor + period×k (k ≥ 1), before `stops_at`."""

    purpose: CallbackPurpose
    kind: ScheduleKind
    entity: EntityRef
    anchor: datetime
    first_at: datetime | None  # None: the stop comes before the first call
    stops_at: datetime | None  # exclusive; None = until a cancel stops it
    stops_when: str  # the business reason it ends, for people reading the schedule
    dedupe_key: str
    script: str
    team: str | None = None
    assignee: str | None = None
    customer_id: str | None = None
    assignee_from_roster: str | None = None


@dataclass(frozen=True)
class CancelSpec:
    """Cancel the open tasks and active schedules of these purposes for an entity (only the
    duties named, when `duties` is given): their reason has ended."""

    purposes: tuple[CallbackPurpose, ...]
    entity: EntityRef
    dedupe_key: str
    duties: tuple[str, ...] | None = None
    version: int = 0  # the record's version the event saw (0: unknown)


@dataclass(frozen=True)
class RosterSpec:
    """Who works on a project (a projection); None fields leave the stored value as is."""

    project_id: str
    customer_id: str | None
    designer: str | None
    project_manager: str | None
    version: int


@dataclass(frozen=True)
class ContactSpec:
    """A contact-book entry (customer or shipper): the only copy of phones outside intake."""

    kind: str
    contact_id: str
    name: str | None
    phone: str | None
    language: str
    version: int


@dataclass
class Plan:
    """Everything one event asks for; the store applies `cancel` before inserting tasks."""

    tasks: list[TaskSpec] = field(default_factory=list)
    messages: list[MessageSpec] = field(default_factory=list)
    recurring: list[RecurringSpec] = field(default_factory=list)
    cancel: list[CancelSpec] = field(default_factory=list)
    rosters: list[RosterSpec] = field(default_factory=list)
    contacts: list[ContactSpec] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the event asks for nothing."""
        return not (
            self.tasks
            or self.messages
            or self.recurring
            or self.cancel
            or self.rosters
            or self.contacts
        )
