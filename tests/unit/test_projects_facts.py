"""The facts recorded on a project (opening, people, the customer's approvals, sign-offs, a
material change) and the checks every rule shares: each field kept, each refusal's code,
field and words (the API shows them)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    REQUIRED_SIGNOFFS,
    STAGE_ORDER,
    Approval,
    Project,
    approve,
    assign,
    open_project,
    record_signoff,
)
from services.projects.domain.errors import require_aware, require_positive
from services.projects.domain.facts import check_material_change, project_id_for_lead
from services.projects.domain.model import Signoff, StageEntry
from shared.contracts.values import SignoffParty, Stage
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=SH)
NAIVE = datetime(2026, 3, 1, 10, 0)


def at_stage(stage: Stage, **fields: object) -> Project:
    return Project(id="p-1", customer_id="c-1", stage=stage, version=4, **fields)  # type: ignore[arg-type]


def refused(call: object) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()  # type: ignore[operator]
    return info.value


def test_a_lead_opens_the_same_project_every_time_and_another_lead_another() -> None:
    assert project_id_for_lead("L-1") == str(uuid.uuid5(uuid.NAMESPACE_URL, "kefu:lead:L-1"))
    assert project_id_for_lead("L-1") == project_id_for_lead("L-1")
    assert project_id_for_lead("L-1") != project_id_for_lead("L-2")
    assert uuid.UUID(project_id_for_lead("L-1")).version == 5


def test_an_opened_project_is_at_consultation_with_its_people() -> None:
    p = open_project("p-1", "c-1", T0, designer="des-li", project_manager="pm-wu")
    assert p == Project(
        id="p-1",
        customer_id="c-1",
        version=1,
        designer="des-li",
        project_manager="pm-wu",
        history=(StageEntry(Stage.CONSULTATION, T0),),
    )
    assert p.stage is Stage.CONSULTATION
    err = refused(lambda: open_project("p-1", "c-1", NAIVE))
    assert (err.field, err.detail) == ("at", "a time must carry its UTC offset")


def test_assigning_changes_only_the_roles_given() -> None:
    p = at_stage(Stage.DESIGN, designer="d0", project_manager="m0", supervisor="s0", foreman="f0")
    kept = assign(p)
    assert kept.version == 5
    assert (kept.designer, kept.project_manager, kept.supervisor, kept.foreman) == (
        "d0",
        "m0",
        "s0",
        "f0",
    )
    for role in ("designer", "project_manager", "supervisor", "foreman"):
        changed = assign(p, **{role: "new"})
        people = {
            "designer": changed.designer,
            "project_manager": changed.project_manager,
            "supervisor": changed.supervisor,
            "foreman": changed.foreman,
        }
        expected = {"designer": "d0", "project_manager": "m0", "supervisor": "s0", "foreman": "f0"}
        expected[role] = "new"
        assert people == expected, role
        assert changed.version == 5


def test_the_scheme_is_approved_once_in_design() -> None:
    p = approve(at_stage(Stage.DESIGN), Approval.SCHEME_AND_QUOTE, T0)
    assert (p.scheme_approved_at, p.version, p.drawings_signed_at) == (T0, 5, None)
    assert approve(p, "scheme_and_quote", T0 + timedelta(days=1)) is p  # the first one stands
    err = refused(lambda: approve(at_stage(Stage.CONTRACT), Approval.SCHEME_AND_QUOTE, T0))
    assert (err.code, err.detail) == (
        "not_in_design",
        "the scheme and quote are approved in `design`; the project is at `contract`",
    )


def test_the_drawings_are_signed_once_in_design_or_contract() -> None:
    for stage in (Stage.DESIGN, Stage.CONTRACT):
        p = approve(at_stage(stage), Approval.CONSTRUCTION_DRAWINGS, T0)
        assert (p.drawings_signed_at, p.version, p.scheme_approved_at) == (T0, 5, None)
        assert approve(p, "construction_drawings", T0 + timedelta(days=1)) is p
    err = refused(
        lambda: approve(at_stage(Stage.WORKS_STARTED), Approval.CONSTRUCTION_DRAWINGS, T0)
    )
    assert (err.code, err.detail) == (
        "drawings_out_of_stage",
        "the customer signs the construction drawings in `design` or `contract`, before the "
        "works start; the project is at `works_started`",
    )


def test_an_approval_needs_a_known_kind_and_an_offset() -> None:
    err = refused(lambda: approve(at_stage(Stage.DESIGN), "quote", T0))
    assert (err.field, err.detail) == ("what", "unknown approval 'quote'")
    err = refused(lambda: approve(at_stage(Stage.DESIGN), Approval.SCHEME_AND_QUOTE, NAIVE))
    assert (err.field, err.detail) == ("at", "a time must carry its UTC offset")


def test_a_signoff_is_kept_with_the_name_trimmed_and_a_repeat_replaces_it() -> None:
    p = at_stage(Stage.CONTRACT)
    p = record_signoff(p, "works_started", "supervisor", " Wang ", T0)
    p = record_signoff(p, Stage.WORKS_STARTED, SignoffParty.FOREMAN, "Li", T0)
    assert p.version == 6
    later = T0 + timedelta(hours=1)
    p = record_signoff(p, Stage.WORKS_STARTED, SignoffParty.SUPERVISOR, "Zhao", later)
    assert p.signoffs == (
        Signoff(Stage.WORKS_STARTED, SignoffParty.FOREMAN, "Li", T0),
        Signoff(Stage.WORKS_STARTED, SignoffParty.SUPERVISOR, "Zhao", later),
    )
    # Another stage's sign-off of the same party is another sign-off.
    p = record_signoff(p, Stage.MIDTERM_ACCEPTED, SignoffParty.SUPERVISOR, "Zhao", later)
    assert len(p.signoffs) == 3


def test_a_refused_signoff_names_its_field_and_says_why() -> None:
    p = at_stage(Stage.CONTRACT)
    stages = ", ".join(s.value for s in STAGE_ORDER if s in REQUIRED_SIGNOFFS)
    cases = [
        (("works_started", "boss", "Wang", T0), "party", "unknown party 'boss'"),
        (("soon", "customer", "Wang", T0), "stage", "unknown stage 'soon'"),
        (
            ("design", "customer", "Wang", T0),
            "stage",
            f"no sign-off is taken for `design`; only for {stages}",
        ),
        (("works_started", "customer", "  ", T0), "name", "the signing person's name is required"),
        (
            ("works_started", "customer", "Wang", NAIVE),
            "signed_at",
            "a time must carry its UTC offset",
        ),
    ]
    for args, field, detail in cases:
        err = refused(lambda args=args: record_signoff(p, *args))
        assert isinstance(err, Invalid)
        assert (err.field, err.detail) == (field, detail), args
    assert stages.startswith("works_started, materials_accepted")
    err = refused(
        lambda: record_signoff(at_stage(Stage.WORKS_STARTED), "works_started", "customer", "W", T0)
    )
    assert (err.code, err.detail) == (
        "stage_already_reached",
        "the project has already reached `works_started`; sign-offs are taken before it",
    )


def test_a_material_change_needs_the_form_the_customer_signed() -> None:
    check_material_change(True)
    err = refused(lambda: check_material_change(False))
    assert (err.code, err.detail) == (
        "change_not_signed",
        "a material change needs the change form (材料增减、更改建议书) signed by the customer",
    )


def test_times_carry_an_offset_and_money_is_positive_whole_fen() -> None:
    assert require_aware(T0, "at") is T0

    class NoOffset(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta | None:
            return None

    err = refused(lambda: require_aware(datetime(2026, 3, 1, tzinfo=NoOffset()), "at"))
    assert err.field == "at"
    err = refused(lambda: require_aware(NAIVE, "paid_at"))
    assert (err.field, err.detail, err.code) == (
        "paid_at",
        "a time must carry its UTC offset",
        "invalid_value",
    )
    assert require_positive(1) == 1
    for bad in (0, -1, True, 1.5, "100"):
        err = refused(lambda bad=bad: require_positive(bad))  # type: ignore[arg-type]
        assert (err.field, err.detail) == (
            "amount_fen",
            f"must be a positive whole number of fen, got {bad!r}",
        )
    err = refused(lambda: require_positive(0, "fee_fen"))
    assert err.field == "fee_fen"
