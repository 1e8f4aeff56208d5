"""Facts recorded on a project: opening, people, the customer's approvals and sign-offs."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from shared.contracts.values import SignoffParty, Stage
from shared.errors import DomainError, Invalid

from .errors import require_aware
from .model import Approval, Project, Signoff, StageEntry
from .stages import REQUIRED_SIGNOFFS, STAGE_ORDER, has_reached, parse_stage


def project_id_for_lead(lead_id: str) -> str:
    """The id of the project a lead opens: derived from the lead, so a replay opens the same."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kefu:lead:{lead_id}"))


def open_project(
    project_id: str,
    customer_id: str,
    at: datetime,
    *,
    designer: str | None = None,
    project_manager: str | None = None,
) -> Project:
    """A new project at `consultation` (from a lead or directly), version 1."""
    require_aware(at, "at")
    return Project(
        id=project_id,
        customer_id=customer_id,
        version=1,
        designer=designer,
        project_manager=project_manager,
        history=(StageEntry(Stage.CONSULTATION, at),),
    )


def assign(
    project: Project,
    *,
    designer: str | None = None,
    project_manager: str | None = None,
    supervisor: str | None = None,
    foreman: str | None = None,
) -> Project:
    """Assign people; a None argument leaves that role as it is."""
    return replace(
        project,
        version=project.version + 1,
        designer=designer if designer is not None else project.designer,
        project_manager=project_manager if project_manager is not None else project.project_manager,
        supervisor=supervisor if supervisor is not None else project.supervisor,
        foreman=foreman if foreman is not None else project.foreman,
    )


def approve(project: Project, what: Approval | str, at: datetime) -> Project:
    """Record the customer's approval of the scheme and quote, or signature on the drawings."""
    require_aware(at, "at")
    try:
        kind = Approval(what)
    except ValueError:
        raise Invalid("what", f"unknown approval {what!r}") from None
    if kind is Approval.SCHEME_AND_QUOTE:
        if project.stage != Stage.DESIGN:
            raise DomainError(
                "not_in_design",
                "the scheme and quote are approved in `design`; "
                f"the project is at `{project.stage}`",
            )
        if project.scheme_approved_at is not None:
            return project
        return replace(project, version=project.version + 1, scheme_approved_at=at)
    if project.stage not in (Stage.DESIGN, Stage.CONTRACT):
        raise DomainError(
            "drawings_out_of_stage",
            "the customer signs the construction drawings in `design` or `contract`, before the "
            f"works start; the project is at `{project.stage}`",
        )
    if project.drawings_signed_at is not None:
        return project
    return replace(project, version=project.version + 1, drawings_signed_at=at)


def record_signoff(
    project: Project, stage: Stage | str, party: SignoffParty | str, name: str, signed_at: datetime
) -> Project:
    """Record a party's sign-off for a coming stage; a repeat replaces the party's earlier one."""
    require_aware(signed_at, "signed_at")
    target = parse_stage(stage, "stage")
    try:
        who = SignoffParty(party)
    except ValueError:
        raise Invalid("party", f"unknown party {party!r}") from None
    if target not in REQUIRED_SIGNOFFS:
        stages = ", ".join(s.value for s in STAGE_ORDER if s in REQUIRED_SIGNOFFS)
        raise Invalid("stage", f"no sign-off is taken for `{target}`; only for {stages}")
    if not name.strip():
        raise Invalid("name", "the signing person's name is required")
    if has_reached(project, target):
        raise DomainError(
            "stage_already_reached",
            f"the project has already reached `{target}`; sign-offs are taken before it",
        )
    kept = tuple(s for s in project.signoffs if (s.stage, s.party) != (target, who))
    return replace(
        project,
        version=project.version + 1,
        signoffs=(*kept, Signoff(target, who, name.strip(), signed_at)),
    )


def check_material_change(signed_by_customer: bool) -> None:
    """A customer's material change is made only with the change form the customer signed."""
    if not signed_by_customer:
        raise DomainError(
            "change_not_signed",
            "a material change needs the change form (材料增减、更改建议书) signed by the customer",
        )
