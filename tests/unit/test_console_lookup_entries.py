"""The customer card's entries and the search box's edges (services/console/domain/lookup.py):
every field each service answers lands where the card shows it, an absent one reads blank,
each record kind links to its page or to none, and the limits of a typed query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.console.domain.lookup import (
    Entry,
    Kind,
    Query,
    from_callback,
    from_complaint,
    from_intake,
    from_message,
    from_project,
    from_repair,
    from_shipment,
    href,
    parse,
)

pytestmark = pytest.mark.quick

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "page"),
    [
        (Kind.CUSTOMER, "/customers/x1"),
        (Kind.COMPLAINT, "/complaints/x1"),
        (Kind.PROJECT, "/projects/x1"),
        (Kind.REPAIR, "/repairs/x1"),
        (Kind.SHIPMENT, "/shipments/x1"),
        (Kind.LEAD, None),
        (Kind.REPAIR_REQUEST, None),
        (Kind.CALLBACK, None),
        (Kind.MESSAGE, None),
    ],
)
def test_each_kind_links_to_its_page_or_to_none(kind: Kind, page: str | None) -> None:
    assert href(kind, "x1") == page


@pytest.mark.parametrize(
    ("kind", "page"),
    [("lead", None), ("complaint", "/complaints/i1"), ("repair_request", None)],
)
def test_an_intake_entry_keeps_its_kind_time_status_and_detail(kind: str, page: str) -> None:
    item = {"kind": kind, "id": "i1", "at": T0.isoformat(), "status": "open", "detail": "漏水"}
    assert from_intake(item) == Entry(Kind(kind), "i1", T0, "open", "漏水", href=page)
    bare = {"kind": kind, "id": "i1", "status": None, "detail": None}
    assert from_intake(bare) == Entry(Kind(kind), "i1", None, "", "", href=page)


def test_a_listed_complaint_keeps_every_field() -> None:
    item = {
        "id": "c9",
        "opened_at": T0.isoformat(),
        "status": "escalated",
        "category": "delay",
        "description": "瓷砖未到",
    }
    assert from_complaint(item) == Entry(
        Kind.COMPLAINT, "c9", T0, "escalated", "delay", "瓷砖未到", "/complaints/c9"
    )
    assert from_complaint({"id": "c9"}) == Entry(
        Kind.COMPLAINT, "c9", None, "", "", "", "/complaints/c9"
    )


def test_a_project_shows_its_stage_and_address() -> None:
    item = {"id": "p1", "stage": "design", "address": "锦绣路 1 号", "created_at": T0.isoformat()}
    assert from_project(item) == Entry(
        Kind.PROJECT, "p1", T0, "design", "锦绣路 1 号", "", "/projects/p1"
    )
    assert from_project({"id": "p1", "stage": "design", "address": None}) == Entry(
        Kind.PROJECT, "p1", None, "design", "", "", "/projects/p1"
    )


def test_a_repair_shows_its_status_and_problem() -> None:
    item = {"id": "r1", "opened_at": T0.isoformat(), "status": "assigned", "problem": "漏水"}
    assert from_repair(item) == Entry(Kind.REPAIR, "r1", T0, "assigned", "漏水", "", "/repairs/r1")
    assert from_repair({"id": 7}) == Entry(Kind.REPAIR, "7", None, "", "", "", "/repairs/7")


def test_a_shipment_shows_its_waybill_and_route() -> None:
    item = {
        "waybill": "WB1",
        "origin_branch": "SH01",
        "destination_branch": "HZ02",
        "dispatched_at": T0.isoformat(),
        "status": "in_transit",
    }
    assert from_shipment(item) == Entry(
        Kind.SHIPMENT, "WB1", T0, "in_transit", "WB1", "SH01 → HZ02", "/shipments/WB1"
    )
    assert from_shipment({"waybill": "WB2"}) == Entry(
        Kind.SHIPMENT, "WB2", None, "", "WB2", " → ", "/shipments/WB2"
    )


def test_a_callback_is_placed_when_closed_else_when_due_and_links_what_it_is_about() -> None:
    item = {
        "id": "k1",
        "due_at": T0.isoformat(),
        "closed_at": T1.isoformat(),
        "status": "done",
        "purpose": "complaint_handling",
        "entity": {"kind": "project", "id": "p1"},
    }
    assert from_callback(item) == Entry(
        Kind.CALLBACK, "k1", T1, "done", "complaint_handling", href="/projects/p1"
    )
    open_call = {"id": "k2", "due_at": T0.isoformat(), "closed_at": None}
    assert from_callback(open_call) == Entry(Kind.CALLBACK, "k2", T0, "", "")
    about_a_lead = {"id": "k3", "entity": {"kind": "lead", "id": "l1"}}
    assert from_callback(about_a_lead) == Entry(Kind.CALLBACK, "k3", None)
    about_another = {"id": "k4", "entity": {"kind": "invoice", "id": "v1"}}
    assert from_callback(about_another).href is None


def test_a_message_is_placed_when_sent_else_when_queued_and_titled_by_its_words() -> None:
    item = {
        "id": "m1",
        "sent_at": T1.isoformat(),
        "created_at": T0.isoformat(),
        "status": "sent",
        "channel": "sms",
        "subject": "回访",
        "text": "您好",
        "template": "callback",
    }
    assert from_message(item) == Entry(Kind.MESSAGE, "m1", T1, "sent", "sms", "回访")
    queued = {"id": "m2", "created_at": T0.isoformat(), "text": "您好", "template": "callback"}
    assert from_message(queued) == Entry(Kind.MESSAGE, "m2", T0, "", "", "您好")
    templated = {"id": "m3", "template": "callback"}
    assert from_message(templated) == Entry(Kind.MESSAGE, "m3", None, "", "", "callback")
    assert from_message({"id": 4}) == Entry(Kind.MESSAGE, "4", None, "", "", "")


def test_a_query_keeps_what_was_typed_with_spaces_collapsed() -> None:
    for typed, text in [
        ("  13812345678 ", "13812345678"),
        ("5678   王芳", "5678 王芳"),
        ("王芳 5678", "王芳 5678"),
        ("7F1C0A52-3F8E-4C55-9D55-0C2D1E0B9A11", "7F1C0A52-3F8E-4C55-9D55-0C2D1E0B9A11"),
        ("WB-1", "WB-1"),
        ("a b", "a b"),
        ("", ""),
    ]:
        assert parse(typed).text == text


def test_a_query_is_cut_to_a_hundred_characters() -> None:
    assert parse("W" * 150) == Query("W" * 100)  # too long for a waybill, too
    assert parse("W" * 100) == Query("W" * 100)
    assert parse("W" * 64) == Query("W" * 64, waybill="W" * 64)


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("123456", None),
        ("1234567", "1234567"),
        ("123456789012345", "123456789012345"),
        ("1234567890123456", None),
    ],
)
def test_a_phone_has_seven_to_fifteen_digits(typed: str, phone: str | None) -> None:
    assert parse(typed).phone == phone
    assert parse(typed).waybill == typed  # digits alone may also be a waybill


def test_four_digits_before_a_phone_number_are_not_a_name_search() -> None:
    q = parse("5678 +86 1234")
    assert (q.last4, q.name, q.phone) == (None, None, "5678 +86 1234")
    q = parse("(021) 5678")
    assert (q.last4, q.name, q.phone) == (None, None, "(021) 5678")
