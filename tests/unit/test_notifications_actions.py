"""The building blocks of the rules table (services/notifications/domain/actions.py): each
picker and condition called on its own, and every field each action kind puts in its spec.

The rules table is built once, at import; these tests call the pickers themselves, so a wrong
picker is caught here and not only through a rule that happens to use it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.notifications.domain.actions import (
    CallbackTask,
    Cancel,
    ContactUpdate,
    Entity,
    Message,
    ProjectRoster,
    Recurring,
    after_event,
    after_fact,
    after_now,
    always,
    const,
    entity_of,
    field,
    field_in,
    fixed_level,
    has,
    is_true,
    lacks,
    level_of,
    nothing,
    to_audience,
    to_contact,
    to_customer,
    within_days,
)
from services.notifications.domain.event import DomainError, EventView
from services.notifications.domain.schedule import ScheduleKind
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
)
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import CallbackPurpose as P
from shared.contracts.values import EscalationLevel, MessageChannel

pytestmark = pytest.mark.quick

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
OCCURRED = "2026-03-10T09:30:00+08:00"
PROJECT = Entity("project", "project_id")


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


def ev(now: datetime = NOW, **payload: Any) -> EventView:
    base = {"event_id": "ev-1", "occurred_at": OCCURRED, "version": 4}
    return EventView("thing.happened", {**base, **payload}, now)


# --- pickers ---------------------------------------------------------------------------------
def test_field_reads_optional_text_and_nothing_reads_nothing() -> None:
    e = ev(name="王芳", empty="", n=3)
    assert field("name")(e) == "王芳"
    assert field("n")(e) == "3"
    assert field("empty")(e) is None and field("missing")(e) is None
    assert nothing(e) is None


def test_const_and_fixed_level_ignore_the_event() -> None:
    assert const("reception")(ev()) == "reception"
    assert const(None)(ev()) is None
    assert fixed_level(EscalationLevel.MANAGER)(ev()) is EscalationLevel.MANAGER


def test_level_of_reads_an_escalation_level_or_none() -> None:
    pick = level_of("level")
    assert pick(ev(level="dept_head")) is EscalationLevel.DEPT_HEAD
    assert pick(ev(level="manager")) is EscalationLevel.MANAGER
    assert pick(ev(level="")) is None and pick(ev()) is None
    assert level_of("escalation_level")(ev(level="manager")) is None
    with pytest.raises(ValueError):
        pick(ev(level="boss"))


def test_dues_count_from_the_envelope_the_fact_or_the_clock() -> None:
    e = ev(at="2026-03-01T23:30:00+08:00")
    assert after_event(timedelta(hours=24))(e) == local(2026, 3, 11, 9, 30)
    assert after_fact(timedelta(hours=24))(e) == local(2026, 3, 2, 23, 30)
    assert after_now(timedelta(hours=4))(e) == NOW + timedelta(hours=4)
    assert after_now(timedelta(0))(e) == NOW
    # no business time: the fact is the envelope's
    assert after_fact(timedelta(hours=2))(ev()) == local(2026, 3, 10, 11, 30)


def test_within_days_ends_with_local_day_d_plus_n() -> None:
    # 23:30 on the last day of March in Shanghai is still March 31 there (15:30 UTC).
    e = ev(at="2026-03-31T15:30:00+00:00")
    assert within_days(1)(e) == local(2026, 4, 2)
    assert within_days(3)(e) == local(2026, 4, 4)
    assert within_days(0)(e) == local(2026, 4, 1)
    # 00:00 on April 1 in Shanghai (16:00 UTC the day before) is April's first day.
    assert within_days(1)(ev(at="2026-03-31T16:00:00+00:00")) == local(2026, 4, 3)


def test_conditions_on_presence_truth_and_membership() -> None:
    e = ev(a="x", empty="", none=None, zero=0, no=False, yes=True, stage="contract")
    assert always(e) is True
    assert [has(n)(e) for n in ("a", "empty", "none", "missing", "zero", "no")] == [
        True,
        False,
        False,
        False,
        True,
        True,
    ]
    assert [lacks(n)(e) for n in ("a", "empty", "none", "missing", "zero", "no")] == [
        False,
        True,
        True,
        True,
        False,
        False,
    ]
    assert [is_true(n)(e) for n in ("yes", "no", "missing", "a")] == [True, False, False, True]
    stages = frozenset({"contract", "completed"})
    assert field_in("stage", stages)(e) is True
    assert field_in("stage", frozenset({"completed"}))(e) is False
    assert field_in("missing", stages)(e) is False
    assert field_in("empty", frozenset({""}))(e) is False  # empty text is no value


# --- entity and recipients -------------------------------------------------------------------
def test_an_entity_is_its_kind_and_the_id_field_of_the_event() -> None:
    assert PROJECT(ev(project_id="p-1")) == EntityRef("project", "p-1")
    with pytest.raises(DomainError) as err:
        PROJECT(ev())
    assert (err.value.code, err.value.field) == ("invalid_event", "project_id")


def test_a_callback_events_entity_needs_kind_and_id() -> None:
    assert entity_of(ev(entity={"kind": "project", "id": "p-1"})) == EntityRef("project", "p-1")
    for entity in ({"kind": "project"}, {"id": "p-1"}, {"kind": "", "id": "p-1"}, None):
        with pytest.raises(DomainError) as err:
            entity_of(ev(entity=entity))
        assert (err.value.code, err.value.detail, err.value.field) == (
            "invalid_event",
            "thing.happened needs `entity` (kind, id)",
            "entity",
        )


def test_recipients_a_customer_the_shipment_contacts_with_a_phone_and_an_audience() -> None:
    assert to_customer(ev(customer_id="c-1")) == [Recipient("customer", "c-1", "customer")]
    phones = {"shipper_phone": "138", "consignee_phone": "139"}
    both = to_contact("shipper", "consignee")
    assert both(ev(contacts=phones)) == [
        Recipient("phone", "138", "shipper"),
        Recipient("phone", "139", "consignee"),
    ]
    assert both(ev(contacts={"consignee_phone": "139", "shipper_phone": ""})) == [
        Recipient("phone", "139", "consignee")
    ]
    assert to_contact("consignee")(ev(contacts=phones)) == [Recipient("phone", "139", "consignee")]
    assert both(ev()) == []
    assert to_audience("logistics")(ev()) == [Recipient("audience", "logistics", "logistics")]
    by_event = to_audience(lambda e: f"region:{e.text('region')}")
    assert by_event(ev(region="east")) == [Recipient("audience", "region:east", "region:east")]


# --- actions ---------------------------------------------------------------------------------
def test_a_callback_task_carries_every_field_of_the_event_and_the_rule() -> None:
    task = CallbackTask(
        P.STAGE_CALLBACK,
        PROJECT,
        within_days(1),
        team=const("customer_service"),
        assignee=field("assignee"),
        stage=field("to_stage"),
        level=level_of("level"),
        script="custom_script",
        key="k",
        assignee_from_roster="project_manager",
        replaces=True,
    )
    e = ev(
        project_id="p-1",
        customer_id="c-1",
        to_stage="contract",
        assignee="cs-1",
        level="dept_head",
        project_manager="pm-1",
        at="2026-03-10T15:00:00+08:00",
    )
    assert task.when is always
    assert task.expand(e) == [
        TaskSpec(
            purpose=P.STAGE_CALLBACK,
            entity=EntityRef("project", "p-1"),
            due_at=local(2026, 3, 12),
            dedupe_key="ev-1:stage_callback:p-1:contract:k",
            script="custom_script",
            assignee="cs-1",
            team="customer_service",
            stage="contract",
            customer_id="c-1",
            level=EscalationLevel.DEPT_HEAD,
            project_manager="pm-1",
            assignee_from_roster="project_manager",
            duty="stage_callback:project:p-1:contract",
            replaces=True,
            version=4,
        )
    ]


def test_a_plain_callback_task_takes_the_defaults() -> None:
    task = CallbackTask(P.REPAIR_CONTACT, Entity("repair", "repair_id"), after_now(timedelta(0)))
    assert (task.script, task.key, task.assignee_from_roster, task.replaces) == (
        None,
        "",
        None,
        False,
    )
    [spec] = task.expand(ev(repair_id="r-1"))
    assert spec == TaskSpec(
        purpose=P.REPAIR_CONTACT,
        entity=EntityRef("repair", "r-1"),
        due_at=NOW,
        dedupe_key="ev-1:repair_contact:r-1",
        script="repair_contact",
        duty="repair_contact:repair:r-1",
        version=4,
    )
    assert spec.assignee is None and spec.team is None and spec.level is None
    assert spec.replaces is False


def test_a_tasks_case_is_its_own_else_the_stage_else_the_key() -> None:
    due = after_now(timedelta(0))
    e = ev(project_id="p-1", to_stage="contract", installment="final")
    by_case = CallbackTask(P.PAYMENT_REMINDER, PROJECT, due, case=field("installment"), key="k")
    by_stage = CallbackTask(P.PAYMENT_REMINDER, PROJECT, due, stage=field("to_stage"), key="k")
    by_key = CallbackTask(P.PAYMENT_REMINDER, PROJECT, due, key="k")
    assert by_case.expand(e)[0].duty == "payment_reminder:project:p-1:final"
    assert by_case.expand(e)[0].dedupe_key == "ev-1:payment_reminder:p-1:k"
    assert by_stage.expand(e)[0].duty == "payment_reminder:project:p-1:contract"
    assert by_key.expand(e)[0].duty == "payment_reminder:project:p-1:k"
    empty_case = CallbackTask(P.PAYMENT_REMINDER, PROJECT, due, case=field("missing"), key="k")
    assert empty_case.expand(e)[0].duty == "payment_reminder:project:p-1:k"


def test_a_message_goes_to_each_recipient_with_its_own_dedupe_key() -> None:
    message = Message(
        MessageChannel.SMS,
        "shipment_dispatched",
        to_contact("shipper", "consignee"),
        Entity("shipment", "waybill"),
        lambda e: {"waybill": e.text("waybill")},
        attachment=lambda e: Attachment("a.csv", "x"),
        link=True,
    )
    e = ev(
        waybill="WB1", customer_id="c-1", contacts={"shipper_phone": "1", "consignee_phone": "2"}
    )
    assert message.expand(e) == [
        MessageSpec(
            channel=MessageChannel.SMS,
            template="shipment_dispatched",
            recipient=Recipient("phone", phone, label),
            params={"waybill": "WB1"},
            dedupe_key=f"ev-1:shipment_dispatched:{label}",
            entity=EntityRef("shipment", "WB1"),
            customer_id="c-1",
            attachment=Attachment("a.csv", "x"),
            link=label,
        )
        for phone, label in (("1", "shipper"), ("2", "consignee"))
    ]


def test_a_message_without_entity_or_link_or_attachment() -> None:
    message = Message(MessageChannel.EMAIL, "report", to_audience("manager"), None, lambda e: {})
    assert (message.when, message.link) == (always, False)
    [spec] = message.expand(ev())
    assert (spec.entity, spec.link, spec.attachment, spec.customer_id) == (None, None, None, None)
    assert spec.dedupe_key == "ev-1:report:manager"


def recurring(**fields: Any) -> Recurring:
    settings: dict[str, Any] = {
        "purpose": P.WARRANTY_QUARTERLY,
        "kind": ScheduleKind.QUARTERLY,
        "entity": PROJECT,
        "anchor": lambda e: local(2026, 1, 15, 10),
        "stops": lambda e: local(2027, 1, 16),
        "stops_when": "warranty ends",
    }
    return Recurring(**{**settings, **fields})


def test_a_recurring_call_starts_one_period_after_its_anchor() -> None:
    r = recurring(team=field("team"), assignee=field("pm"), assignee_from_roster="project_manager")
    e = ev(local(2026, 1, 20), project_id="p-1", customer_id="c-1", pm="pm-1", team="reception")
    assert r.expand(e) == [
        RecurringSpec(
            purpose=P.WARRANTY_QUARTERLY,
            kind=ScheduleKind.QUARTERLY,
            entity=EntityRef("project", "p-1"),
            anchor=local(2026, 1, 15, 10),
            first_at=local(2026, 4, 15, 10),
            stops_at=local(2027, 1, 16),
            stops_when="warranty ends",
            dedupe_key="ev-1:warranty_quarterly:p-1",
            script="warranty_quarterly",
            team="reception",
            assignee="pm-1",
            customer_id="c-1",
            assignee_from_roster="project_manager",
        )
    ]
    plain = recurring().expand(ev(local(2026, 1, 20), project_id="p-1"))[0]
    assert (plain.team, plain.assignee, plain.assignee_from_roster) == (None, None, None)


def test_a_backdated_anchor_skips_the_calls_already_missed() -> None:
    # reported on 2026-08-01: the calls of April and July are not made; October is the first
    late = ev(local(2026, 8, 1), project_id="p-1")
    assert recurring().expand(late)[0].first_at == local(2026, 10, 15, 10)
    # reported exactly at an occurrence: the next one (strictly after now)
    on_time = ev(local(2026, 4, 15, 10), project_id="p-1")
    assert recurring().expand(on_time)[0].first_at == local(2026, 7, 15, 10)
    # anchor in the future: one period after it
    early = ev(local(2025, 12, 1), project_id="p-1")
    assert recurring().expand(early)[0].first_at == local(2026, 4, 15, 10)


def test_a_recurring_call_over_before_it_began_has_no_first_call() -> None:
    e = ev(local(2026, 1, 20), project_id="p-1")
    # the stop at exactly the first occurrence is exclusive: no call
    at_first = recurring(stops=lambda _: local(2026, 4, 15, 10))
    assert at_first.expand(e)[0].first_at is None
    just_after = recurring(stops=lambda _: local(2026, 4, 15, 10, 1))
    assert just_after.expand(e)[0].first_at == local(2026, 4, 15, 10)
    endless = recurring(stops=nothing)
    [spec] = endless.expand(e)
    assert (spec.first_at, spec.stops_at) == (local(2026, 4, 15, 10), None)


def test_a_cancel_names_its_purposes_and_only_the_duties_of_its_case() -> None:
    all_duties = Cancel((P.REPAIR_CONTACT, P.SLA_TASK), Entity("repair", "repair_id"))
    assert all_duties.when is always
    assert all_duties.expand(ev(repair_id="r-1")) == [
        CancelSpec(
            (P.REPAIR_CONTACT, P.SLA_TASK),
            EntityRef("repair", "r-1"),
            "ev-1:cancel:repair_contact+sla_task:r-1",
            duties=None,
            version=4,
        )
    ]
    one = Cancel((P.SLA_TASK, P.ALERT), Entity("repair", "repair_id"), case=const("survey"))
    [spec] = one.expand(ev(repair_id="r-1"))
    assert spec.duties == ("sla_task:repair:r-1:survey", "alert:repair:r-1:survey")
    empty = Cancel((P.SLA_TASK,), Entity("repair", "repair_id"), case=field("missing"))
    assert empty.expand(ev(repair_id="r-1"))[0].duties is None


def test_the_roster_and_the_contact_book_entries() -> None:
    e = ev(project_id="p-1", customer_id="c-1", designer="d-1", project_manager="pm-1")
    assert ProjectRoster().when is always
    assert ProjectRoster().expand(e) == [
        RosterSpec(
            project_id="p-1", customer_id="c-1", designer="d-1", project_manager="pm-1", version=4
        )
    ]
    contact = ContactUpdate("shipper", "shipper_id")
    assert contact.when is always
    e = ev(shipper_id="s-1", name="华东贸易", phone="137", language="en")
    assert contact.expand(e) == [
        ContactSpec(
            kind="shipper", contact_id="s-1", name="华东贸易", phone="137", language="en", version=4
        )
    ]
    [plain] = contact.expand(ev(shipper_id="s-1", language=""))
    assert (plain.name, plain.phone, plain.language) == (None, None, "zh")
