"""The design acceptance on site (《家装设计师工作流程》十、中期验收: 设计师也可提前约请客户到现场进行
设计验收)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    book_design_acceptance,
    open_project,
    record_design_acceptance,
)
from shared.contracts.values import Stage
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

AT = datetime(2026, 3, 9, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
ON = AT + timedelta(days=2)
SITE = replace(
    open_project("p-1", "c-1", AT, designer="des-1"), stage=Stage.PLUMBING_ELECTRICAL_ACCEPTED
)


def test_duty_designer_invites_the_customer_to_a_design_acceptance_before_midterm() -> None:
    """提前约请: once works started and before the mid-term acceptance, the project's designer
    books the visit; booked again, the new time replaces the old; the result is the customer's,
    signed, after the appointment."""
    booked = book_design_acceptance(SITE, ON, "des-1", AT)
    assert booked.version == SITE.version + 1
    d = booked.design_acceptance
    assert d is not None and (d.on, d.booked_by, d.booked_at, d.accepted) == (ON, "des-1", AT, None)
    later = book_design_acceptance(booked, ON + timedelta(days=1), "des-1", AT)
    assert later.design_acceptance is not None and later.design_acceptance.on == ON + timedelta(
        days=1
    )
    done = record_design_acceptance(
        booked, accepted=False, notes=" 电视墙改浅色 ", customer_name=" 孙丽 ", by="des-1", at=ON
    )
    result = done.design_acceptance
    assert result is not None and (result.accepted, result.notes, result.customer_name) == (
        False,
        "电视墙改浅色",
        "孙丽",
    )
    assert (result.recorded_by, result.recorded_at, done.version) == (
        "des-1",
        ON,
        booked.version + 1,
    )
    for stage in (Stage.WORKS_STARTED, Stage.MATERIALS_ACCEPTED):
        assert book_design_acceptance(replace(SITE, stage=stage), ON, "des-1", AT).design_acceptance
    # No designer named yet: whoever books it stands as the designer.
    assert book_design_acceptance(replace(SITE, designer=None), ON, "eng-9", AT).design_acceptance


def test_design_acceptance_refusals() -> None:
    for stage in (Stage.CONTRACT, Stage.MIDTERM_ACCEPTED, Stage.COMPLETED):
        with pytest.raises(DomainError) as when:
            book_design_acceptance(replace(SITE, stage=stage), ON, "des-1", AT)
        assert when.value.code == "design_acceptance_stage"
    with pytest.raises(DomainError) as other:
        book_design_acceptance(SITE, ON, "des-2", AT)
    assert other.value.code == "not_the_designer"
    with pytest.raises(Invalid) as past:
        book_design_acceptance(SITE, AT - timedelta(minutes=1), "des-1", AT)
    assert past.value.field == "on"
    with pytest.raises(DomainError) as unbooked:
        record_design_acceptance(SITE, accepted=True, notes="", customer_name="孙丽", by="d", at=ON)
    assert unbooked.value.code == "design_acceptance_not_booked"
    booked = book_design_acceptance(SITE, ON, "des-1", AT)
    for kw, field in (
        ({"at": ON - timedelta(minutes=1)}, "at"),
        ({"accepted": False, "notes": " "}, "notes"),
        ({"customer_name": " "}, "customer_name"),
    ):
        values = {"accepted": True, "notes": "", "customer_name": "孙丽", "by": "des-1", "at": ON}
        with pytest.raises(Invalid) as bad:
            record_design_acceptance(booked, **{**values, **kw})  # type: ignore[arg-type]
        assert bad.value.field == field
    done = record_design_acceptance(
        booked, accepted=True, notes="", customer_name="孙丽", by="des-1", at=ON
    )
    with pytest.raises(DomainError) as twice:
        record_design_acceptance(done, accepted=True, notes="", customer_name="孙丽", by="d", at=ON)
    assert twice.value.code == "design_acceptance_recorded"
    with pytest.raises(DomainError) as rebook:
        book_design_acceptance(done, ON, "des-1", AT)
    assert rebook.value.code == "design_acceptance_recorded"
