"""The search box's readings, the customer card's timeline and a complaint case's trail and
forms: the console's pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.console.api.models import ComplaintForm, ResolutionForm
from services.console.domain.complaints import actions, form_field, trail
from services.console.domain.lookup import (
    Entry,
    Kind,
    from_callback,
    from_complaint,
    from_intake,
    from_message,
    from_project,
    newest_first,
    parse,
)
from shared.contracts.values import Role

pytestmark = pytest.mark.quick

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "phone", "last4", "name", "ident", "waybill"),
    [
        ("13812345678", "13812345678", None, None, None, "13812345678"),
        (" +86 138-1234-5678 ", "+86 138-1234-5678", None, None, None, None),
        ("5678 王芳", None, "5678", "王芳", None, None),
        ("王芳  5678", None, "5678", "王芳", None, None),
        ("Wang Fang 5678", None, "5678", "Wang Fang", None, None),
        ("WB-2026-0001", None, None, None, None, "WB-2026-0001"),
        (
            "7F1C0A52-3F8E-4C55-9D55-0C2D1E0B9A11",
            None,
            None,
            None,
            "7f1c0a52-3f8e-4c55-9d55-0c2d1e0b9a11",
            None,
        ),
        ("1234", None, None, None, None, "1234"),
    ],
)
def test_a_typed_query_is_read_every_way_it_fits(
    typed: str,
    phone: str | None,
    last4: str | None,
    name: str | None,
    ident: str | None,
    waybill: str | None,
) -> None:
    q = parse(typed)
    assert (q.phone, q.last4, q.name, q.ident, q.waybill) == (phone, last4, name, ident, waybill)


def test_text_that_is_nothing_searchable_searches_nothing() -> None:
    assert parse("   ").empty
    assert parse("王芳").empty  # a name alone never finds a customer (the four digits go with it)
    assert parse("a b c").empty


def test_the_timeline_is_newest_first_across_services_undated_last() -> None:
    lead = from_intake({"kind": "lead", "id": "l1", "at": T0.isoformat(), "detail": "referral"})
    complaint = from_intake(
        {
            "kind": "complaint",
            "id": "c1",
            "at": (T0 + timedelta(days=2)).isoformat(),
            "status": "open",
        }
    )
    project = from_project(
        {
            "id": "p1",
            "stage": "measurement",
            "address": "锦绣路",
            "created_at": T0 + timedelta(hours=1),
        }
    )
    call = from_callback(
        {
            "id": "k1",
            "purpose": "complaint_handling",
            "status": "done",
            "due_at": T0.isoformat(),
            "closed_at": (T0 + timedelta(days=3)).isoformat(),
            "entity": {"kind": "complaint", "id": "c1"},
        }
    )
    queued = from_message({"id": "m1", "channel": "sms", "status": "queued", "created_at": None})
    order = newest_first(x for x in (lead, complaint, project, call, queued))
    assert [e.id for e in order] == ["k1", "c1", "p1", "l1", "m1"]
    assert complaint.href == "/complaints/c1" and lead.href is None
    assert project.href == "/projects/p1" and project.status == "measurement"
    assert call.at == T0 + timedelta(days=3)  # a finished call is placed when it was finished
    assert call.href == "/complaints/c1"  # the record it is about


def test_a_case_trail_is_in_time_order_and_the_forms_follow_its_state() -> None:
    c = {
        "id": "c1",
        "status": "escalated",
        "escalation_level": "dept_head",
        "opened_at": T0.isoformat(),
        "received_by_sub": "li.na",
        "department": "engineering",
        "handoffs": [
            {
                "at": (T0 + timedelta(hours=2)).isoformat(),
                "by": "li.na",
                "from_department": "customer_service",
                "to_department": "engineering",
            }
        ],
        "escalations": [
            {"at": (T0 + timedelta(hours=1)).isoformat(), "by": None, "level": "dept_head"}
        ],
        "causes": [],
        "resolution": None,
        "confirmation": None,
    }
    steps = trail(c)
    assert [s.kind for s in steps] == ["opened", "escalation", "handoff"]
    assert steps[0].values["department"] == "customer_service"  # where it was registered
    assert actions(c, Role.CS) == {"handoff", "escalation", "resolution", "cause"}
    assert actions({**c, "escalation_level": "manager"}, Role.MANAGER) == {
        "handoff",
        "resolution",
        "cause",
    }
    assert actions({**c, "status": "resolved"}, Role.CS) == {"cause"}
    assert actions({**c, "status": "closed"}, Role.ADMIN) == set()
    assert actions(c, Role.RECEPTION) == set()  # intake lets reception register, not handle


def test_an_api_refusal_names_the_form_field() -> None:
    assert form_field("customer.phone") == "phone"
    assert form_field("subject.id") == "subject_id"
    assert form_field("alternatives_offered.3") == "alternatives_offered"
    assert form_field("note") == "note"


def test_the_forms_become_the_api_bodies() -> None:
    known = ComplaintForm(
        customer_id="c-1",
        channel="phone",
        category="quality",
        severity="high",
        department="engineering",
        description=" 墙面开裂 ",
    ).body()
    assert known == {
        "customer_id": "c-1",
        "channel": "phone",
        "category": "quality",
        "severity": "high",
        "description": "墙面开裂",
        "department": "engineering",
    }
    new = ComplaintForm(
        name=" 王芳 ", phone="138 1234 5678", subject_kind="shipment", subject_id="WB1"
    )
    assert new.body()["customer"] == {"name": "王芳", "phone": "138 1234 5678"}
    assert new.body()["subject"] == {"kind": "shipment", "id": "WB1"}
    offered = ResolutionForm(result="已重新批荡", alternatives_offered="更换瓷砖\n\n 补偿500元 \n")
    assert offered.body() == {
        "result": "已重新批荡",
        "alternatives_offered": ["更换瓷砖", "补偿500元"],
    }


def test_an_entry_without_a_page_has_no_link() -> None:
    assert Entry(Kind.CALLBACK, "k1", None).href is None


def test_a_listed_complaint_links_to_its_case() -> None:
    c = from_complaint(
        {
            "id": "c9",
            "status": "escalated",
            "category": "delay",
            "description": "瓷砖未到",
            "opened_at": T0.isoformat(),
        }
    )
    assert (c.kind, c.status, c.title, c.detail, c.href) == (
        Kind.COMPLAINT,
        "escalated",
        "delay",
        "瓷砖未到",
        "/complaints/c9",
    )
