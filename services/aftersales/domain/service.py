"""Service levels, the repair visit, the material list, photo limits and phases (DOMAIN.md §3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from services.aftersales.domain.errors import (
    AFTER_PHOTO_MISSING,
    PHOTO_PHASE,
    PHOTO_TOO_LARGE,
    PHOTO_TYPE_NOT_ALLOWED,
    DomainError,
)
from services.aftersales.domain.lifecycle import (
    ORDER,
    Status,
    Step,
    Ticket,
    require,
    status_words,
)
from services.aftersales.domain.rules import RepairRules
from shared.calendar import end_of_local_day, start_of_local_day
from shared.contracts.values import (
    ComplaintCategory,
    PhotoPhase,
    ProblemKind,
    RepairKind,
    SubjectKind,
)


class SlaStep(StrEnum):
    """A step with a service-level target (the `step` of repair.sla.breached)."""

    FIRST_CONTACT = "first_contact"
    SURVEY = "survey"
    REPAIR = "repair"


def sla_deadlines(ticket: Ticket, rules: RepairRules) -> list[tuple[SlaStep, datetime]]:
    """Each service-level step with the last instant it is on time.

    First contact and survey run in hours from the opening; once scheduled, the repair is due by
    the end of its last planned local day (repair date + duration - 1).
    """
    deadlines = [
        (
            SlaStep.FIRST_CONTACT,
            ticket.opened_at + timedelta(hours=rules.sla_first_contact_hours),
        ),
        (SlaStep.SURVEY, ticket.opened_at + timedelta(hours=rules.sla_survey_hours)),
    ]
    if ticket.repair_on is not None and ticket.duration_days is not None:
        last_day = ticket.repair_on + timedelta(days=ticket.duration_days - 1)
        deadlines.append((SlaStep.REPAIR, end_of_local_day(last_day)))
    return deadlines


def done_at(ticket: Ticket, step: SlaStep) -> datetime | None:
    """When the ticket did the step, if it has."""
    if step is SlaStep.FIRST_CONTACT:
        return ticket.first_contact_at
    if step is SlaStep.SURVEY:
        return ticket.surveyed_at
    return ticket.completed_at


def breached(ticket: Ticket, step: SlaStep, now: datetime, rules: RepairRules) -> bool:
    """True when the step was not done by its due time (done late, or still not done after it)."""
    due = dict(sla_deadlines(ticket, rules)).get(step)
    if due is None:
        return False
    done = done_at(ticket, step)
    return (done if done is not None else now) > due


def breaches(ticket: Ticket, now: datetime, rules: RepairRules) -> list[tuple[SlaStep, datetime]]:
    """Every breached step with the bound that passed (for the service-level timer)."""
    return [
        (step, due)
        for step, due in sla_deadlines(ticket, rules)
        if breached(ticket, step, now, rules)
    ]


@dataclass(frozen=True)
class Visit:
    """The appointment agreed with the customer (payload of repair.scheduled)."""

    kind: RepairKind
    at: datetime
    on: date | None = None
    duration_days: int | None = None


def booked_visit(ticket: Ticket) -> Visit | None:
    """The visit the ticket is waiting for: the survey once booked, the repair once scheduled."""
    if ticket.status is Status.SURVEY_BOOKED and ticket.survey_at is not None:
        return Visit(kind=RepairKind.SURVEY, at=ticket.survey_at)
    if ticket.status is Status.SCHEDULED and ticket.repair_on is not None:
        return Visit(
            kind=RepairKind.REPAIR,
            at=start_of_local_day(ticket.repair_on),
            on=ticket.repair_on,
            duration_days=ticket.duration_days,
        )
    return None


# Material categories worth preparing per problem kind; a kind not listed gets the whole file.
# Categories are free text from the project's customer file, matched case-insensitively.
MATERIAL_CATEGORIES: Final[Mapping[ProblemKind, frozenset[str]]] = {
    ProblemKind.PAINT: frozenset({"paint", "coating"}),
    ProblemKind.TILE: frozenset({"tile"}),
    ProblemKind.LEAK: frozenset({"plumbing", "waterproofing"}),
    ProblemKind.PLUMBING: frozenset({"plumbing"}),
    ProblemKind.ELECTRICAL: frozenset({"electrical"}),
    ProblemKind.CARPENTRY: frozenset({"carpentry", "wood"}),
    ProblemKind.FIXTURE: frozenset({"fixture"}),
}

MATERIAL_FIELDS: Final[tuple[str, ...]] = (
    "category",
    "supplier",
    "brand",
    "model",
    "spec",
    "colour",
)


def materials_list(
    project_materials: Iterable[Mapping[str, object]], problem_kind: ProblemKind
) -> list[dict[str, str | None]]:
    """The original materials relevant to the problem, to match supplier, model and colour."""
    wanted = MATERIAL_CATEGORIES.get(problem_kind)
    selected: list[dict[str, str | None]] = []
    for item in project_materials:
        # No category (None reads "none") matches no wanted one.
        category = str(item.get("category")).strip().lower()
        if wanted is not None and category not in wanted:
            continue
        row = {name: _str_or_none(item.get(name)) for name in MATERIAL_FIELDS}
        selected.append(row)
    return selected


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def check_photo(ticket: Ticket, content_type: str, size_bytes: int, rules: RepairRules) -> None:
    """Refuse a photo or document the ticket cannot take: wrong moment, type or size."""
    require(ticket, Step.ADD_PHOTO)
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type not in rules.photo_types:
        allowed = ", ".join(sorted(rules.photo_types))
        raise DomainError(
            PHOTO_TYPE_NOT_ALLOWED,
            f"{media_type or 'unknown'} is not accepted; use {allowed}",
            "file",
        )
    if size_bytes > rules.photo_max_bytes:
        raise DomainError(
            PHOTO_TOO_LARGE,
            f"the file has {size_bytes} bytes; the limit is {rules.photo_max_bytes} bytes",
            "file",
        )


def photo_phase(ticket: Ticket, given: PhotoPhase | None) -> PhotoPhase:
    """The phase a new photo belongs to (相片存档: 现场勘查, 维修过程, 维修结束): as given, else by
    where the ticket stands — the survey until the repair is scheduled, during the repair after,
    after once completed; a photo of the repair before it is scheduled is refused."""
    started = ORDER.index(ticket.status) >= ORDER.index(Status.SCHEDULED)
    if given is None:
        if ORDER.index(ticket.status) >= ORDER.index(Status.COMPLETED):
            return PhotoPhase.AFTER
        return PhotoPhase.DURING if started else PhotoPhase.SURVEY
    if given is not PhotoPhase.SURVEY and not started:
        raise DomainError(
            PHOTO_PHASE,
            f"a photo `{given}` the repair waits until the repair is scheduled; the ticket is "
            f"{status_words(ticket.status)}",
            "phase",
        )
    return PhotoPhase(given)


def require_after_photo(after_photos: int, rules: RepairRules) -> None:
    """The repair's end is photographed before it is completed (维修结束相片存档)."""
    if rules.after_photo_required and after_photos < 1:
        raise DomainError(
            AFTER_PHOTO_MISSING,
            "photograph the finished repair first (维修结束相片): add a photo with phase `after`",
        )


def complaint_opens_repair(category: ComplaintCategory, subject_kind: SubjectKind | None) -> bool:
    """A quality complaint about a project becomes a repair ticket (docs/EVENTS.md)."""
    return category is ComplaintCategory.QUALITY and subject_kind is SubjectKind.PROJECT
