"""A complaint case on screen (services/console/domain/complaints.py): every step of its trail
with when, by whom and its particulars, the order of steps at one instant and without a time,
the forms each state offers, and the form field an API refusal names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.console.domain.complaints import HANDLERS, Step, actions, form_field, trail
from shared.contracts.values import Role

pytestmark = pytest.mark.quick

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def at(hours: int) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def full_case() -> dict[str, Any]:
    """A case that went through every step, each by someone else at its own time."""
    return {
        "id": "c1",
        "status": "closed",
        "opened_at": at(0),
        "received_by_sub": "li.na",
        "department": "engineering",
        "handoffs": [
            {"at": at(1), "by": "wang.fang", "from_department": "customer_service"},
            {"at": at(3), "by": "zhao.lei", "from_department": "design"},
        ],
        "escalations": [
            {"at": at(2), "by": "sun.li", "level": "dept_head"},
            {"at": at(5), "by": "zhou.bo", "level": "manager"},
        ],
        "causes": [
            {"at": at(4), "by": "qian.yu", "cause": "workmanship"},
            {"at": at(6), "by": "wu.di", "cause": "materials"},
        ],
        "resolution": {"at": at(7), "by": "zheng.he", "result": "已重新批荡"},
        "confirmation": {"at": at(8), "by": "feng.xi", "satisfied": True},
    }


def test_every_step_of_the_trail_carries_when_who_and_its_particulars() -> None:
    c = full_case()
    h, e, x = c["handoffs"], c["escalations"], c["causes"]
    when = [T0 + timedelta(hours=n) for n in range(9)]
    assert trail(c) == [
        Step("opened", when[0], "li.na", {**c, "department": "customer_service"}),
        Step("handoff", when[1], "wang.fang", h[0]),
        Step("escalation", when[2], "sun.li", e[0]),
        Step("handoff", when[3], "zhao.lei", h[1]),
        Step("cause", when[4], "qian.yu", x[0]),
        Step("escalation", when[5], "zhou.bo", e[1]),
        Step("cause", when[6], "wu.di", x[1]),
        Step("resolution", when[7], "zheng.he", c["resolution"]),
        Step("confirmation", when[8], "feng.xi", c["confirmation"]),
    ]


def test_a_case_without_hand_offs_was_registered_where_it_is() -> None:
    c = {**full_case(), "handoffs": []}
    assert trail(c)[0] == Step("opened", T0, "li.na", c)
    assert trail(c)[0].values["department"] == "engineering"


def test_a_new_case_has_only_its_registration() -> None:
    c = {"id": "c2", "status": "open", "opened_at": at(0), "received_by_sub": "li.na"}
    assert trail(c) == [Step("opened", T0, "li.na", c)]
    empty = {**c, "handoffs": None, "escalations": None, "causes": None, "resolution": None}
    assert trail(empty) == [Step("opened", T0, "li.na", empty)]


def test_a_step_without_a_person_or_a_time_is_still_shown() -> None:
    c = {
        "status": "resolved",
        "opened_at": at(0),
        "escalations": [{"at": at(1), "level": "dept_head"}],
        "resolution": {"result": "已修复"},
    }
    # the resolution without a time is placed at the earliest instant, after the registration
    assert trail(c) == [
        Step("opened", T0, None, c),
        Step("resolution", None, None, {"result": "已修复"}),
        Step("escalation", T0 + timedelta(hours=1), None, {"at": at(1), "level": "dept_head"}),
    ]


def test_a_trail_without_any_time_keeps_the_recorded_order() -> None:
    c = {
        "status": "resolved",
        "resolution": {"by": "a"},
        "confirmation": {"by": "b"},
    }
    assert [(s.kind, s.at, s.by) for s in trail(c)] == [
        ("opened", None, None),
        ("resolution", None, "a"),
        ("confirmation", None, "b"),
    ]


def test_steps_at_one_instant_keep_registration_first_then_as_recorded() -> None:
    c = {
        "status": "escalated",
        "opened_at": at(0),
        "handoffs": [{"at": at(0), "by": "a", "from_department": "design"}],
        "escalations": [{"at": at(0), "by": "b"}],
        "causes": [{"at": at(0), "by": "c"}],
    }
    assert [s.kind for s in trail(c)] == ["opened", "handoff", "escalation", "cause"]


@pytest.mark.parametrize("role", sorted(HANDLERS))
def test_a_handler_gets_the_forms_the_state_allows(role: Role) -> None:
    for status in ("open", "in_progress", "escalated"):
        c = {"status": status, "escalation_level": None}
        assert actions(c, role) == {"handoff", "escalation", "resolution", "cause"}
        up = {"status": status, "escalation_level": "dept_head"}
        assert actions(up, role) == {"handoff", "escalation", "resolution", "cause"}
        top = {"status": status, "escalation_level": "manager"}
        assert actions(top, role) == {"handoff", "resolution", "cause"}
    assert actions({"status": "resolved"}, role) == {"cause"}
    assert actions({"status": "closed"}, role) == set()
    assert actions({}, role) == {"cause"}  # no status: nothing but the cause


@pytest.mark.parametrize("role", sorted(set(Role) - HANDLERS))
def test_other_roles_get_no_form(role: Role) -> None:
    assert actions({"status": "open"}, role) == set()


def test_the_handlers_are_customer_service_and_their_managers() -> None:
    assert HANDLERS == {Role.CS, Role.DEPT_HEAD, Role.MANAGER, Role.ADMIN}


@pytest.mark.parametrize(
    ("api", "form"),
    [
        ("customer.name", "name"),
        ("customer.phone", "phone"),
        ("customer", "phone"),
        ("subject.kind", "subject_kind"),
        ("subject.id", "subject_id"),
        ("subject", "subject_id"),
        ("body", "form"),
        ("alternatives_offered.3", "alternatives_offered"),
        ("alternatives_offered.12", "alternatives_offered"),
        ("note", "note"),
        ("v1.2x", "v1.2x"),
    ],
)
def test_an_api_refusal_names_the_form_field(api: str, form: str) -> None:
    assert form_field(api) == form
