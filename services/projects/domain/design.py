"""The design acceptance on site (设计验收): the designer may invite the customer before the
mid-term acceptance to accept the design where it is built (DOMAIN.md §2.1 stage 10)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.contracts.values import Stage
from shared.errors import DomainError, Invalid

from .errors import require_aware
from .model import DesignAcceptance, Project
from .stages import stage_index

# 十、中期验收 (设计师也可提前约请客户到现场进行设计验收): once works started, before mid-term.
OPEN_FROM, OPEN_UNTIL = Stage.WORKS_STARTED, Stage.MIDTERM_ACCEPTED


def _designer_only(project: Project, by: str) -> None:
    if project.designer is not None and by != project.designer:
        raise DomainError(
            "not_the_designer", f"the project's designer ({project.designer}) invites the customer"
        )


def book_design_acceptance(project: Project, on: datetime, by: str, at: datetime) -> Project:
    """The designer invites the customer to a design acceptance on site at `on`: once works
    started and before the mid-term acceptance (提前); booked again, the new time replaces the
    old until a result is recorded."""
    require_aware(at, "at")
    require_aware(on, "on")
    _designer_only(project, by)
    if not stage_index(OPEN_FROM) <= stage_index(project.stage) < stage_index(OPEN_UNTIL):
        raise DomainError(
            "design_acceptance_stage",
            f"a design acceptance is booked once works started and before `{OPEN_UNTIL}`; "
            f"the project is at `{project.stage}`",
        )
    current = project.design_acceptance
    if current is not None and current.accepted is not None:
        raise DomainError("design_acceptance_recorded", "the design acceptance already took place")
    if on < at:
        raise Invalid("on", "the appointment cannot be before it is booked")
    return replace(
        project, version=project.version + 1, design_acceptance=DesignAcceptance(on, by, at)
    )


def record_design_acceptance(
    project: Project,
    *,
    accepted: bool,
    notes: str,
    customer_name: str,
    by: str,
    at: datetime,
) -> Project:
    """What the customer said on site: accepted, or what is to change (notes), signed."""
    require_aware(at, "at")
    booked = project.design_acceptance
    if booked is None:
        raise DomainError("design_acceptance_not_booked", "book the design acceptance first")
    if booked.accepted is not None:
        raise DomainError("design_acceptance_recorded", "the design acceptance already took place")
    if at < booked.on:
        raise Invalid("at", f"the result comes after the appointment ({booked.on.isoformat()})")
    if not accepted and not notes.strip():
        raise Invalid("notes", "say what the customer wants changed")
    if not customer_name.strip():
        raise Invalid("customer_name", "the customer signs the result")
    result = replace(
        booked,
        accepted=accepted,
        notes=notes.strip(),
        customer_name=customer_name.strip(),
        recorded_by=by,
        recorded_at=at,
    )
    return replace(project, version=project.version + 1, design_acceptance=result)
