"""Notifications' rules table (docs/EVENTS.md, DOMAIN.md §1.2, §2.3, §3, §4, §5), rule by rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.notifications.domain import (
    COMPLAINT_HANDLING_DUE,
    RULES,
    SCRIPTS,
    SUBJECTS,
    DomainError,
    MessageSpec,
    Plan,
    ScheduleKind,
    TaskSpec,
    next_run,
    occurrence_task,
    occurrences,
    plan,
    render,
)
from services.notifications.domain import rules as table
from services.notifications.domain.event import EventView
from services.notifications.domain.params import STAGE_NAMES
from services.notifications.domain.specs import EntityRef, Recipient
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import CallbackPurpose as P
from shared.contracts.values import EscalationLevel, MessageChannel, Stage

pytestmark = pytest.mark.quick

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
OCCURRED = datetime(2026, 3, 10, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A Shanghai wall-clock time."""
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


def event(event_id: str = "ev-1", **fields: Any) -> dict[str, Any]:
    """An event as JSON: envelope + payload."""
    return {"event_id": event_id, "occurred_at": OCCURRED.isoformat(), "version": 3, **fields}


def stage_event(to: str, at: datetime = OCCURRED, **fields: Any) -> dict[str, Any]:
    """project.stage.changed to `to` (from completion on with its date and the card's last day)."""
    if to in ("completed", "warranty"):
        done_on = at.astimezone(BUSINESS_TZ).date()
        fields.setdefault("completed_on", done_on.isoformat())
        fields.setdefault("warranty_ends_on", done_on.replace(year=done_on.year + 2).isoformat())
    return event(
        project_id="p-1",
        customer_id="c-1",
        from_stage="consultation",
        to_stage=to,
        at=at.isoformat(),
        by="eng-1",
        project_manager="pm-1",
        **fields,
    )


SHIPMENT: dict[str, Any] = {
    "waybill": "WB100",
    "origin": "SH01",
    "destination": "BJ02",
    "region": "east",
    "transfers": 1,
    "promised_arrival_at": "2026-03-12T10:00:00+08:00",
    "at": "2026-03-10T09:00:00+08:00",
    "contacts": {"shipper_phone": "13800000001", "consignee_phone": "13900000002"},
}

# One sample per subject of the table: every subject must ask for something.
SAMPLES: dict[str, dict[str, Any]] = {
    "customer.registered": event(customer_id="c-1", name="王芳", phone="13800000000"),
    "customer.updated": event(customer_id="c-1", name="王芳", phone="13800000009", language="en"),
    "complaint.opened": event(
        complaint_id="cp-1",
        customer_id="c-1",
        department="engineering",
        channel="phone",
        category="quality",
        severity="high",
        received_by="cs",
        received_by_sub="cs-7",
    ),
    "complaint.handed_off": event(
        complaint_id="cp-1",
        customer_id="c-1",
        department="design",
        from_department="engineering",
        to_department="design",
        to_assignee="des-3",
        by="eng-1",
    ),
    "complaint.escalated": event(
        complaint_id="cp-1",
        customer_id="c-1",
        department="engineering",
        level="manager",
        automatic=False,
        reason="unresolved",
    ),
    "complaint.resolved": event(
        complaint_id="cp-1",
        customer_id="c-1",
        department="engineering",
        result="fixed",
        received_by="reception",
        received_by_sub="rec-2",
        confirmation_assignee="rec-2",
        resolved_by="eng-1",
    ),
    "complaint.reopened": event(
        complaint_id="cp-1", customer_id="c-1", department="engineering", reason="not satisfied"
    ),
    "complaint.closed": event(complaint_id="cp-1", customer_id="c-1", department="engineering"),
    "project.opened": event(
        project_id="p-1", customer_id="c-1", address="x", designer="des-1", project_manager="pm-1"
    ),
    "project.stage.changed": stage_event("contract"),
    "project.renderings.delivered": event(
        project_id="p-1", customer_id="c-1", at="2026-03-10T11:00:00+08:00", designer="des-1"
    ),
    "project.inspection.recorded": event(
        project_id="p-1",
        customer_id="c-1",
        inspection_id="in-1",
        inspector="insp-2",
        at="2026-03-10T15:00:00+08:00",
        quality=2,
        progress=4,
        tidiness=3,
        problems=["卫生间防水层破损", "材料堆放杂乱"],
        project_manager="pm-1",
    ),
    "project.design_acceptance.booked": event(
        project_id="p-1", customer_id="c-1", on="2026-03-12T14:30:00+08:00", designer="des-1"
    ),
    "project.spot_check.due": event(
        project_id="p-1",
        customer_id="c-1",
        project_manager="pm-1",
        week="2026-W11",
        due_on="2026-03-15",
    ),
    "project.payment.due": event(
        project_id="p-1",
        customer_id="c-1",
        installment="midterm",
        amount_fen=3_000_000,
        due_on="2026-03-13",
        paid_fen=0,
    ),
    "project.payment.overdue": event(
        project_id="p-1",
        customer_id="c-1",
        installment="midterm",
        amount_fen=3_000_000,
        due_on="2026-03-13",
        paid_fen=1_000_000,
    ),
    "project.payment.received": event(
        project_id="p-1",
        customer_id="c-1",
        installment="midterm",
        amount_fen=3_000_000,
        paid_fen=3_000_000,
    ),
    "project.deadline.missed": event(
        project_id="p-1",
        deadline="renderings",
        due_at="2026-03-10T00:00:00+08:00",
        responsible="des-1",
    ),
    "repair.opened": event(repair_id="r-1", customer_id="c-1", at="2026-03-10T09:00:00+08:00"),
    "repair.scheduled": event(
        repair_id="r-1", customer_id="c-1", kind="survey", at="2026-03-12T14:00:00+08:00"
    ),
    "repair.completed": event(
        repair_id="r-1", customer_id="c-1", at="2026-03-10T16:00:00+08:00", evaluation_score=5
    ),
    "repair.sla.breached": event(repair_id="r-1", customer_id="c-1", step="first_contact"),
    "repair.closed": event(repair_id="r-1", customer_id="c-1"),
    "shipment.dispatched": event(**SHIPMENT),
    "shipment.arrived": event(**SHIPMENT),
    "shipment.signed": event(**SHIPMENT),
    "shipment.delayed": event(
        waybill="WB100",
        promised_arrival_at="2026-03-10T10:00:00+08:00",
        new_eta="2026-03-11T15:30:00+08:00",
        station="JN03",
        region="east",
        contacts=SHIPMENT["contacts"],
    ),
    "shipment.loading.unconfirmed": event(waybill="WB100", station="SH01", day="2026-03-09"),
    "shipment.exception.registered": event(
        waybill="WB100", exception_id="x-1", kind="damage", station="JN03", photos=["a", "b"]
    ),
    "shipment.tracking.flagged": event(
        waybill="WB100",
        region="east",
        station="JN03",
        kind="delivery",
        goods_state="damaged",
        note="外包装破损",
        at="2026-03-10T10:00:00+08:00",
    ),
    "receipt.overdue": event(
        waybill="WB100",
        region="east",
        origin_branch="SH01",
        due_on="2026-02-20",
        days_overdue=18,
        hard_breach=False,
    ),
    "receipt.returned": event(
        waybill="WB100", region="east", origin_branch="SH01", due_on="2026-02-20"
    ),
    "receipt.abnormal": event(
        waybill="WB100",
        region="east",
        origin_branch="SH01",
        destination_branch="BJ02",
        due_on="2026-02-20",
        abnormality_id="ab-1",
        step="received",
        defects=["the company stamp is missing", "2 copies are required, 1 signed"],
        found_late=True,
        at="2026-03-10T10:00:00+08:00",
    ),
    "shipment.shipper_slip.missing": event(
        waybill="WB100",
        region="east",
        origin_branch="SH01",
        station="CD01",
        note="托运凭证后未见厂家单",
        at="2026-03-10T10:00:00+08:00",
    ),
    "receipt.cancelled": event(
        waybill="WB100",
        region="east",
        origin_branch="SH01",
        due_on="2026-02-20",
        contacts={"shipper_phone": "13800000000"},
        reason="cash_paid",
        at="2026-03-10T10:00:00+08:00",
    ),
    "receipt.collected": event(
        waybill="WB100",
        region="east",
        origin_branch="SH01",
        contacts={"shipper_phone": "13800000000"},
        collected_by="王芳",
        at="2026-03-10T10:00:00+08:00",
    ),
    "shipper.registered": event(
        shipper_id="s-1", name="华东贸易", phone="13700000000", key_customer=True
    ),
    "callback.completed": event(
        callback_id="cb-1",
        purpose="frontdesk_call",
        stage="works_started",
        entity={"kind": "project", "id": "p-1"},
        due_at="2026-03-11T00:00:00+08:00",
        customer_id="c-1",
        project_manager="pm-1",
        reached=True,
        satisfaction=3,
        comment="工人下午常迟到",
        by="rec-1",
    ),
    "report.published": event(
        kind="receipts_monthly",
        period="2026-02",
        audience="region:east",
        summary={"unreturned": 4, "overdue": 2},
        csv="region,unreturned\neast,4\n",
    ),
}


def run(subject: str, payload: dict[str, Any] | None = None, now: datetime = NOW) -> Plan:
    """Plan one event on the injected clock."""
    return plan(subject, SAMPLES[subject] if payload is None else payload, now)


def only_task(p: Plan) -> TaskSpec:
    assert len(p.tasks) == 1, p.tasks
    return p.tasks[0]


def test_every_subject_in_the_table_asks_for_something() -> None:
    assert set(SAMPLES) == SUBJECTS == set(RULES)
    for subject in SUBJECTS:
        assert not run(subject).empty, subject


def test_unknown_subject_asks_for_nothing_and_missing_event_id_is_refused() -> None:
    assert plan("lead.registered", event(lead_id="l-1"), NOW).empty
    payload = dict(SAMPLES["complaint.opened"])
    del payload["event_id"]
    with pytest.raises(DomainError) as err:
        plan("complaint.opened", payload, NOW)
    assert err.value.code == "invalid_event" and err.value.field == "event_id"


def test_complaint_opened_acknowledges_by_sms_and_gives_the_department_24_hours() -> None:
    p = run("complaint.opened")
    [sms] = [m for m in p.messages if m.channel is MessageChannel.SMS]
    assert sms.channel is MessageChannel.SMS and sms.template == "complaint_ack"
    assert (sms.recipient.kind, sms.recipient.value) == ("customer", "c-1")
    assert sms.params == {"complaint_no": "cp-1"}
    task = only_task(p)
    assert COMPLAINT_HANDLING_DUE == timedelta(hours=24)
    assert task.purpose is P.COMPLAINT_HANDLING and task.team == "engineering"
    assert task.due_at == OCCURRED + timedelta(hours=24)  # exactly 24 h after the event
    assert (task.entity.kind, task.entity.id, task.customer_id) == ("complaint", "cp-1", "c-1")


def test_duty_complaint_registration_form_goes_to_the_manager_and_the_departments() -> None:
    """《投诉登记表》:报主管经理及相关部门 — a new complaint's form goes by e-mail to the
    responsible department, the manager in charge and customer service (who coordinate and
    supervise the departments), each once."""
    payload = {**SAMPLES["complaint.opened"], "description": "墙面开裂", "severity": "high"}
    mails = [
        m for m in run("complaint.opened", payload).messages if m.channel is MessageChannel.EMAIL
    ]
    assert [(m.template, m.recipient.kind, m.recipient.value) for m in mails] == [
        ("complaint_registered", "audience", "engineering"),
        ("complaint_registered", "audience", "manager"),
        ("complaint_registered", "audience", "customer_service"),
    ]
    assert len({m.dedupe_key for m in mails}) == 3
    assert mails[0].params == {
        "complaint_no": "cp-1",
        "opened_at": "2026-03-10 09:30",
        "channel": "phone",
        "category": "quality",
        "severity": "high",
        "department": "engineering",
        "received_by": "cs-7",
        "description": "墙面开裂",
    }
    text = render("complaint_registered", "zh", mails[0].params)
    assert text.startswith("投诉登记表") and "墙面开裂" in text and "责任部门：engineering" in text
    # Customer service responsible itself: one copy, not two.
    own = {**SAMPLES["complaint.opened"], "department": "customer_service"}
    mails = [m for m in run("complaint.opened", own).messages if m.channel is MessageChannel.EMAIL]
    assert [m.recipient.value for m in mails] == ["customer_service", "manager"]


def test_duty_reception_sheet_in_duplicate_to_the_department_and_customer_service() -> None:
    """投诉至接待员处时,接待员应填写投诉接待处理单一式两份转至责任部门及客户服务部: a reception-desk
    complaint's sheet is the reception sheet, one copy each to the department and customer
    service (and the manager in charge is told, as for every complaint)."""
    desk = {**SAMPLES["complaint.opened"], "channel": "reception", "received_by": "reception"}
    mails = [m for m in run("complaint.opened", desk).messages if m.channel is MessageChannel.EMAIL]
    assert [(m.template, m.recipient.value) for m in mails] == [
        ("complaint_reception_sheet", "engineering"),
        ("complaint_reception_sheet", "manager"),
        ("complaint_reception_sheet", "customer_service"),
    ]
    text = render("complaint_reception_sheet", "zh", mails[0].params)
    assert text.startswith("投诉接待处理单（一式两份") and "接待员：cs-7" in text
    english = render("complaint_reception_sheet", "en", mails[0].params)
    assert english.startswith("Reception complaint sheet (in duplicate")


def test_confirmation_goes_to_reception_for_a_reception_complaint() -> None:
    task = only_task(run("complaint.resolved"))
    assert task.purpose is P.COMPLAINT_CONFIRMATION
    assert (task.team, task.assignee) == ("reception", "rec-2")
    assert task.due_at == OCCURRED + timedelta(hours=24)


def test_confirmation_goes_to_customer_service_otherwise() -> None:
    payload = {
        **SAMPLES["complaint.resolved"],
        "received_by": "cs",
        "received_by_sub": None,
        "confirmation_assignee": None,
    }
    task = only_task(run("complaint.resolved", payload))
    assert (task.team, task.assignee) == ("customer_service", None)


def test_duty_confirmation_call_never_goes_to_a_system_identity() -> None:
    """Defect (issue 17): a branch's complaint had its confirmation call assigned to
    `branch:SH01`. The call goes to `confirmation_assignee` (a person at the desk), never to
    whoever registered it; without one, to the desk's team."""
    payload = {
        **SAMPLES["complaint.resolved"],
        "received_by": "cs",
        "received_by_sub": "branch:SH01",
        "confirmation_assignee": None,
    }
    task = only_task(run("complaint.resolved", payload))
    assert (task.team, task.assignee) == ("customer_service", None)


def test_escalation_to_the_manager_makes_a_manager_level_task_and_an_email() -> None:
    p = run("complaint.escalated")
    task = only_task(p)
    assert task.purpose is P.COMPLAINT_HANDLING and task.team == "engineering"
    assert task.level is EscalationLevel.MANAGER
    [mail] = p.messages
    assert mail.channel is MessageChannel.EMAIL and mail.recipient.value == "manager"
    assert mail.params["reason"] == "unresolved"


def test_escalation_to_the_department_head_mails_the_department() -> None:
    payload = {**SAMPLES["complaint.escalated"], "level": "dept_head"}
    p = run("complaint.escalated", payload)
    assert p.messages[0].recipient.value == "engineering"
    assert p.tasks[0].level is EscalationLevel.DEPT_HEAD


def test_hand_off_replaces_the_handling_task_and_close_cancels_what_is_open() -> None:
    p = run("complaint.handed_off")
    task = only_task(p)
    assert (task.team, task.assignee, task.level) == ("design", "des-3", None)
    assert task.replaces and task.duty == "complaint_handling:complaint:cp-1"
    closed = run("complaint.closed")
    assert closed.cancel[0].purposes == (P.COMPLAINT_HANDLING, P.COMPLAINT_CONFIRMATION)
    assert closed.cancel[0].entity.id == "cp-1" and not closed.tasks
    assert closed.cancel[0].version == 3  # the complaint's version: a late event loses to it


def test_duty_complaint_handling_is_one_task_per_complaint_until_its_result() -> None:
    """Defect (issue 17): a resolved complaint kept its handling task `scheduled` until closed,
    and one reopened and escalated had three open at once. 投诉到部门时,应由部门负责人及时处理 …
    转至客户服务部 … 未得到有效解决的立即上报经理处理及反馈至责任部门: one handling duty per
    complaint, which moves with it (hand-off, escalation) and ends with the reported result."""
    duty = "complaint_handling:complaint:cp-1"
    opened = only_task(run("complaint.opened"))
    handed = only_task(run("complaint.handed_off"))
    escalated = only_task(run("complaint.escalated"))
    for task in (opened, handed, escalated):
        assert (task.purpose, task.duty, task.replaces) == (P.COMPLAINT_HANDLING, duty, True)
    # A hand-off of an escalated complaint keeps its level; an escalation keeps its assignee.
    at_head = {**SAMPLES["complaint.handed_off"], "escalation_level": "dept_head"}
    assert only_task(run("complaint.handed_off", at_head)).level is EscalationLevel.DEPT_HEAD
    with_person = {**SAMPLES["complaint.escalated"], "assignee": "eng-7"}
    assert only_task(run("complaint.escalated", with_person)).assignee == "eng-7"
    # The result ends handling and starts the confirmation call (its own duty).
    result = run("complaint.resolved")
    [stop] = result.cancel
    assert (stop.purposes, stop.duties, stop.version) == ((P.COMPLAINT_HANDLING,), None, 3)
    call = only_task(result)
    assert call.duty == "complaint_confirmation:complaint:cp-1" and call.replaces
    # Reopened (not satisfied): the call's duty ends; the escalation that follows hands the
    # department its task back, so the reopening itself makes none.
    reopened = run("complaint.reopened")
    assert not reopened.tasks and reopened.cancel[0].purposes == (P.COMPLAINT_CONFIRMATION,)


def test_duty_every_task_names_its_duty_on_its_record() -> None:
    """One open task per duty per case: every task the table makes names its duty, which starts
    with its purpose and record; a case (stage, instalment, step…) only narrows it."""
    for subject in SUBJECTS:
        for task in run(subject).tasks:
            base = f"{task.purpose.value}:{task.entity.kind}:{task.entity.id}"
            assert task.duty == base or task.duty.startswith(base + ":"), (subject, task.duty)


def test_project_opened_only_remembers_the_roster() -> None:
    p = run("project.opened")
    [roster] = p.rosters
    assert (roster.project_id, roster.designer, roster.project_manager) == ("p-1", "des-1", "pm-1")
    assert not (p.tasks or p.messages or p.recurring)


@pytest.mark.parametrize(
    "stage",
    [
        "design_agreement",
        "contract",
        "plumbing_electrical_accepted",
        "carpentry_accepted",
        "tiling_accepted",
        "painting_accepted",
    ],
)
def test_each_required_stage_gets_its_stage_callback_by_the_end_of_the_next_day(
    stage: str,
) -> None:
    p = plan("project.stage.changed", stage_event(stage, at=local(2026, 3, 10, 15)), NOW)
    [cb] = [t for t in p.tasks if t.purpose is P.STAGE_CALLBACK]
    assert (cb.stage, cb.team) == (stage, "customer_service")
    assert cb.due_at == local(2026, 3, 12)  # end of local day D+1, exclusive
    assert cb.project_manager == "pm-1"


def test_stages_without_a_callback_ask_for_no_task() -> None:
    for stage in ("measurement", "quotation", "design", "materials_accepted", "warranty"):
        assert not run("project.stage.changed", stage_event(stage)).tasks, stage


def test_works_started_starts_weekly_manager_calls_and_the_first_frontdesk_call() -> None:
    p = run("project.stage.changed", stage_event("works_started", at=local(2026, 3, 9, 15)))
    [weekly, _] = p.recurring
    assert weekly.purpose is P.WEEKLY_WORKS and weekly.kind is ScheduleKind.WEEKLY
    assert (weekly.assignee, weekly.assignee_from_roster) == ("pm-1", "project_manager")
    assert weekly.anchor == local(2026, 3, 9, 10)
    assert weekly.first_at == local(2026, 3, 16, 10) and weekly.stops_at is None
    [desk] = p.tasks
    assert (desk.purpose, desk.team, desk.stage) == (P.FRONTDESK_CALL, "reception", "works_started")
    assert desk.due_at == local(2026, 3, 11)


def test_duty_weekly_satisfaction_call_by_customer_service_is_its_own_duty() -> None:
    """满意度跟踪流程: 开工后每周定期回访 — customer service calls weekly from the start of works,
    a schedule of its own beside the project manager's weekly visit (项目经理每周定期走访);
    completion stops both."""
    p = run("project.stage.changed", stage_event("works_started", at=local(2026, 3, 9, 15)))
    by_purpose = {r.purpose: r for r in p.recurring}
    assert set(by_purpose) == {P.WEEKLY_WORKS, P.WEEKLY_SATISFACTION}
    cs = by_purpose[P.WEEKLY_SATISFACTION]
    assert (cs.kind, cs.team, cs.assignee) == (ScheduleKind.WEEKLY, "customer_service", None)
    assert cs.anchor == local(2026, 3, 9, 10) and cs.first_at == local(2026, 3, 16, 10)
    assert cs.dedupe_key != by_purpose[P.WEEKLY_WORKS].dedupe_key
    task = occurrence_task(cs, cs.first_at)
    assert (task.purpose, task.team, task.script) == (
        P.WEEKLY_SATISFACTION,
        "customer_service",
        "weekly_satisfaction",
    )
    done = run("project.stage.changed", stage_event("completed"))
    [stop] = [c for c in done.cancel if P.WEEKLY_SATISFACTION in c.purposes]
    assert P.WEEKLY_WORKS in stop.purposes


def test_a_backdated_start_does_not_make_the_weekly_calls_it_missed() -> None:
    p = run("project.stage.changed", stage_event("works_started", at=local(2026, 1, 5, 15)))
    assert p.recurring[0].first_at == local(2026, 3, 16, 10)  # the next Monday after NOW


def test_the_three_frontdesk_calls_come_at_start_midterm_and_before_completion() -> None:
    keys = []
    for stage in ("works_started", "midterm_accepted", "painting_accepted"):
        p = plan("project.stage.changed", stage_event(stage, event_id=f"e-{stage}"), NOW)
        desks = [t for t in p.tasks if t.purpose is P.FRONTDESK_CALL]
        assert len(desks) == 1, stage
        keys.append(desks[0].dedupe_key)
    assert [k.rsplit(":", 1)[1] for k in keys] == ["1", "2", "3"]
    painting = run("project.stage.changed", stage_event("painting_accepted"))
    assert {t.purpose for t in painting.tasks} == {P.STAGE_CALLBACK, P.FRONTDESK_CALL}


def test_weekly_calls_stop_at_completion() -> None:
    start = run("project.stage.changed", stage_event("works_started", at=local(2026, 1, 5, 9)))
    weekly = start.recurring[0]
    done = run("project.stage.changed", stage_event("completed", at=local(2026, 3, 20, 11)))
    [stop] = [c for c in done.cancel if P.WEEKLY_WORKS in c.purposes]
    assert stop.entity == weekly.entity
    # Before the cancel lands, the weeks between start and completion are 10 calls.
    calls = occurrences(weekly.kind, weekly.anchor, local(2026, 3, 20, 11))
    assert len(calls) == 10 and calls[0] == local(2026, 1, 12, 10)
    assert calls[-1] == local(2026, 3, 16, 10)
    assert next_run(weekly, local(2026, 3, 16, 10)) == local(2026, 3, 23, 10)
    task = occurrence_task(weekly, calls[0])
    assert (task.assignee, task.project_manager, task.purpose) == ("pm-1", "pm-1", P.WEEKLY_WORKS)
    assert task.dedupe_key == f"{weekly.dedupe_key}:{calls[0].isoformat()}"


def test_duty_quarterly_warranty_calls_run_through_the_cards_last_day() -> None:
    """十三、客户维护: 保修期内前台每隔一季度应对客户进行电话回访 — the calls run while the warranty
    covers, through the card's last day (warranty_ends_on, as projects published it) and not
    after: completed 2026-01-15, last day 2028-01-15, the 8th call falls on that day."""
    payload = stage_event(
        "completed",
        at=local(2026, 1, 15, 16),
        completed_on="2026-01-15",
        warranty_ends_on="2028-01-15",
    )
    p = run("project.stage.changed", payload, now=local(2026, 1, 15, 16, 5))
    by_purpose = {t.purpose: t for t in p.tasks}
    survey = by_purpose[P.COMPLETION_SURVEY]
    assert (survey.team, survey.due_at) == ("customer_service", local(2026, 1, 19))
    visit = by_purpose[P.RETURN_VISIT]
    assert (visit.team, visit.due_at) == ("customer_service", local(2026, 2, 15, 10))
    [warranty] = p.recurring
    # 保修期内前台每隔一季度应对客户进行电话回访: the front desk (reception) makes them.
    assert warranty.kind is ScheduleKind.QUARTERLY and warranty.team == "reception"
    assert warranty.first_at == local(2026, 4, 15, 10)
    assert warranty.stops_at == local(2028, 1, 16, 0)  # the end of the last day, exclusive
    calls = occurrences(warranty.kind, warranty.anchor, warranty.stops_at)
    assert [c.date() for c in calls] == [
        date(2026, 4, 15),
        date(2026, 7, 15),
        date(2026, 10, 15),
        date(2027, 1, 15),
        date(2027, 4, 15),
        date(2027, 7, 15),
        date(2027, 10, 15),
        date(2028, 1, 15),
    ]
    assert next_run(warranty, calls[-1]) is None  # none after the last day of cover
    # A card whose last day is the day before the 8th quarter: that call is not made.
    shorter = stage_event("completed", completed_on="2026-01-15", warranty_ends_on="2028-01-14")
    [stop] = run("project.stage.changed", shorter, now=local(2026, 1, 15, 16, 5)).recurring
    assert len(occurrences(stop.kind, stop.anchor, stop.stops_at)) == 7


def test_a_completion_reported_after_the_warranty_ended_schedules_no_call() -> None:
    late = stage_event("completed", completed_on="2020-01-15", warranty_ends_on="2022-01-15")
    [warranty] = run("project.stage.changed", late).recurring
    assert warranty.first_at is None
    four_months_late = stage_event(
        "completed", completed_on="2025-11-05", warranty_ends_on="2027-11-05"
    )
    [warranty] = run("project.stage.changed", four_months_late).recurring
    assert warranty.first_at == local(2026, 5, 5, 10)  # the Feb call is not made after the fact


def test_duty_warranty_calls_never_compute_the_warranty_end() -> None:
    """The last day of cover is projects' to compute: a completion without it is refused."""
    p = run(
        "project.stage.changed",
        stage_event("completed", completed_on="2026-08-31", warranty_ends_on="2028-08-31"),
    )
    assert p.recurring[0].stops_at == local(2028, 9, 1, 0)
    visit = next(t for t in p.tasks if t.purpose is P.RETURN_VISIT)
    assert visit.due_at == local(2026, 9, 30, 10)  # +1 month, clamped to September's end
    bare = {**stage_event("completed", completed_on="2026-08-31"), "warranty_ends_on": None}
    with pytest.raises(DomainError, match="needs `warranty_ends_on`"):
        run("project.stage.changed", bare)


def test_payment_due_reminds_the_customer_of_what_is_still_owed() -> None:
    [sms] = run("project.payment.due").messages
    assert sms.template == "payment_due" and sms.recipient.value == "c-1"
    assert sms.params == {"project_no": "p-1", "amount": "30,000.00", "due_on": "2026-03-13"}
    assert sms.link == "customer"  # the project's page: what is due and when


def test_payment_overdue_gives_finance_a_task_and_texts_the_customer() -> None:
    p = run("project.payment.overdue")
    task = only_task(p)
    assert (task.purpose, task.team) == (P.PAYMENT_REMINDER, "finance")
    assert task.due_at == local(2026, 3, 12)
    [sms] = p.messages
    assert sms.template == "payment_overdue" and sms.params["amount"] == "20,000.00"
    assert sms.link == "customer"


def test_a_full_payment_cancels_the_reminders_a_partial_one_does_not() -> None:
    [stop] = run("project.payment.received").cancel
    assert stop.purposes == (P.PAYMENT_REMINDER,)
    # Only that instalment's reminder: the final one may still be owed.
    assert stop.duties == ("payment_reminder:project:p-1:midterm",)
    assert only_task(run("project.payment.overdue")).duty == stop.duties[0]
    partial = {**SAMPLES["project.payment.received"], "paid_fen": 2_999_999}
    assert run("project.payment.received", partial).empty


def test_missed_deadline_is_a_task_for_the_responsible_person_in_4_hours() -> None:
    task = only_task(run("project.deadline.missed"))
    assert (task.purpose, task.assignee, task.team) == (P.DEADLINE_MISSED, "des-1", "design")
    assert task.due_at == NOW + timedelta(hours=4)
    assert task.duty == "deadline_missed:project:p-1:renderings"


def test_duty_missed_start_of_works_ends_when_the_works_start() -> None:
    """The works_start deadline's task (合同签订三日后开工) ends with the start of works."""
    [stop] = [
        c
        for c in run("project.stage.changed", stage_event("works_started")).cancel
        if c.purposes == (P.DEADLINE_MISSED,)
    ]
    assert stop.duties == ("deadline_missed:project:p-1:works_start",)


def test_duty_signing_tells_engineering_to_arrange_the_start() -> None:
    """四、签约: 签施工合同…通知工程部安排开工事宜 — the contract's signing e-mails engineering
    the project, the signing day and the last day to start (合同签订三日后开工, as projects
    published it); no other stage does."""
    signed = stage_event("contract", at=local(2026, 3, 10, 15), works_start_by="2026-03-13")
    [mail] = [
        m
        for m in run("project.stage.changed", signed).messages
        if m.channel is MessageChannel.EMAIL
    ]
    assert (mail.channel, mail.template) == (MessageChannel.EMAIL, "works_to_arrange")
    assert (mail.recipient.kind, mail.recipient.value) == ("audience", "engineering")
    assert mail.params == {
        "project_no": "p-1",
        "signed_on": "2026-03-10",
        "start_by": "2026-03-13",
        "project_manager": "pm-1",
    }
    assert mail.entity is not None and (mail.entity.kind, mail.entity.id) == ("project", "p-1")
    assert "最迟于2026-03-13开工" in render(mail.template, "zh", mail.params)
    for stage in ("design", "works_started", "completed"):
        sent = run("project.stage.changed", stage_event(stage)).messages
        assert [m.template for m in sent] == ["project_stage"], stage


def test_every_stage_change_texts_the_customer_their_link() -> None:
    """The stage-change SMS names the stage in Chinese and carries the customer's link to the
    project's page (the workflow signs it for the audience `customer`)."""
    for stage, name in (
        ("works_started", "开工"),
        ("midterm_accepted", "中期验收"),
        ("warranty", "保修"),
    ):
        [sms] = [
            m
            for m in run("project.stage.changed", stage_event(stage)).messages
            if m.channel is MessageChannel.SMS
        ]
        assert (sms.template, sms.recipient.kind, sms.recipient.value) == (
            "project_stage",
            "customer",
            "c-1",
        )
        assert sms.params == {"project_no": "p-1", "stage": name}
        assert sms.link == "customer" and sms.entity is not None
        assert (sms.entity.kind, sms.entity.id) == ("project", "p-1")
    assert STAGE_NAMES.keys() == {s.value for s in Stage}
    odd = {**stage_event("design"), "to_stage": "unheard_of"}
    [sms] = [m for m in run("project.stage.changed", odd).messages if m.template == "project_stage"]
    assert sms.params["stage"] == "unheard_of"  # a new stage still texts, by its code


def test_duty_renderings_delivered_tells_the_customer_to_see_the_scheme() -> None:
    """四、签约: 设计师4天内做完效果图,通知客户看方案 — one SMS to the customer, no task."""
    p = run("project.renderings.delivered")
    [sms] = p.messages
    assert (sms.channel, sms.template) == (MessageChannel.SMS, "renderings_ready")
    assert (sms.recipient.kind, sms.recipient.value) == ("customer", "c-1")
    assert sms.params == {"project_no": "p-1"} and not p.tasks
    assert "请与设计师预约时间看方案" in render(sms.template, "zh", sms.params)


def test_duty_frontdesk_feedback_goes_to_engineering_and_cs_the_same_day() -> None:
    """八、电话回访: 对于客户反馈,认真记录,并于当日转至工程部和客户服务部 — the feedback of a
    front-desk call is e-mailed to both as soon as it is recorded; a call with nothing said,
    not reached, or of another purpose forwards nothing."""
    p = run("callback.completed")
    assert [(m.channel, m.template, m.recipient.value) for m in p.messages] == [
        (MessageChannel.EMAIL, "frontdesk_feedback", "engineering"),
        (MessageChannel.EMAIL, "frontdesk_feedback", "customer_service"),
    ]
    mail = p.messages[0]
    assert mail.entity is not None and (mail.entity.kind, mail.entity.id) == ("project", "p-1")
    assert mail.params == {
        "project_no": "p-1",
        "call": "works_started",
        "satisfaction": "3/5",
        "comment": "工人下午常迟到",
        "by": "rec-1",
        "project_manager": "pm-1",
        "at": "2026-03-10 09:30",
    }
    assert "当日转至工程部和客户服务部" in render(mail.template, "zh", mail.params)
    sample = SAMPLES["callback.completed"]
    for other in (
        {"comment": None},
        {"reached": False, "satisfaction": None},
        {"purpose": "stage_callback"},
    ):
        assert run("callback.completed", {**sample, **other}).empty, other


def test_duty_inspection_problems_are_the_project_managers_task_by_the_next_day() -> None:
    """七、质量检查: 发现问题,及时处理 — problems found make one task for the project manager
    due by the end of the next local day (a newer inspection's problems take it over) and an
    e-mail to engineering listing them; a clean inspection, or the completion, ends it."""
    p = run("project.inspection.recorded")
    task = only_task(p)
    assert (task.purpose, task.team, task.assignee) == (
        P.INSPECTION_PROBLEMS,
        "engineering",
        "pm-1",
    )
    assert task.assignee_from_roster == "project_manager" and task.replaces
    assert task.due_at == local(2026, 3, 12)  # found on the 10th: by the end of the 11th
    assert task.duty == "inspection_problems:project:p-1"
    [mail] = p.messages
    assert (mail.template, mail.recipient.value) == ("inspection_problems", "engineering")
    assert mail.params["problems"] == "1. 卫生间防水层破损\n2. 材料堆放杂乱"
    assert "请工程部及时处理" in render(mail.template, "zh", mail.params)
    assert not p.cancel
    clean = run(
        "project.inspection.recorded", {**SAMPLES["project.inspection.recorded"], "problems": []}
    )
    assert not clean.tasks and not clean.messages
    [stop] = clean.cancel
    assert stop.purposes == (P.INSPECTION_PROBLEMS,) and stop.version == 3
    done = run("project.stage.changed", stage_event("completed"))
    assert any(c.purposes == (P.INSPECTION_PROBLEMS,) for c in done.cancel)


def test_duty_design_acceptance_booking_tells_the_customer_when() -> None:
    """十、中期验收: 设计师也可提前约请客户到现场进行设计验收 — the booking texts the customer the
    appointment's local time."""
    [sms] = run("project.design_acceptance.booked").messages
    assert (sms.template, sms.recipient.value) == ("design_acceptance_booked", "c-1")
    assert sms.params == {"project_no": "p-1", "time": "2026-03-12 14:30"}
    assert "2026-03-12 14:30到施工现场进行设计验收" in render(sms.template, "zh", sms.params)


def test_duty_engineering_manager_spot_checks_the_weeks_pick_by_sunday() -> None:
    """工程部经理每周抽查走访一次客户 — the week's project is a department-head-level task of
    engineering due by the end of the week's Sunday, one per week; completion ends it."""
    task = only_task(run("project.spot_check.due"))
    assert (task.purpose, task.team, task.level) == (
        P.WEEKLY_SPOT_CHECK,
        "engineering",
        EscalationLevel.DEPT_HEAD,
    )
    assert task.due_at == local(2026, 3, 16)  # the end of Sunday 2026-03-15
    assert task.duty == "weekly_spot_check:project:p-1:2026-W11"
    assert (task.customer_id, task.project_manager) == ("c-1", "pm-1")
    done = run("project.stage.changed", stage_event("completed"))
    assert any(P.WEEKLY_SPOT_CHECK in c.purposes for c in done.cancel)


def test_repair_rules() -> None:
    contact = only_task(run("repair.opened"))
    assert (contact.purpose, contact.team) == (P.REPAIR_CONTACT, "aftersales")
    assert contact.due_at == local(2026, 3, 11, 9)  # 24 h after the request
    [sms] = run("repair.scheduled").messages
    assert sms.template == "repair_appointment" and sms.params["date"] == "2026-03-12 14:00"
    followup = only_task(run("repair.completed"))
    assert (followup.purpose, followup.team) == (P.REPAIR_FOLLOWUP, "supervision")
    assert followup.due_at == local(2026, 3, 13)  # within 2 days: end of local day D+2
    sla = only_task(run("repair.sla.breached"))
    assert (sla.purpose, sla.team, sla.due_at) == (P.SLA_TASK, "aftersales", NOW)
    assert sla.duty == "sla_task:repair:r-1:first_contact"
    assert run("repair.closed").cancel[0].purposes == (P.REPAIR_CONTACT, P.SLA_TASK)


@pytest.mark.parametrize(
    ("kind", "template", "tip"),
    [
        ("leak", "repair_done_water", "24小时内请勿用水冲淋"),
        ("plumbing", "repair_done_water", "定期检查管道接口"),
        ("paint", "repair_done_surface", "7天内请勿擦洗"),
        ("crack", "repair_done_surface", "避免阳光直射"),
        ("tile", "repair_done_surface", "软布轻拭"),
        ("carpentry", "repair_done_surface", "请勿擦洗或磕碰"),
        ("electrical", "repair_done_electrical", "请勿超负荷用电"),
        ("fixture", "repair_done", "保持室内通风"),
        (None, "repair_done", "保持室内通风"),
    ],
)
def test_duty_repair_completion_apologises_with_care_tips_and_the_service_card(
    kind: str | None, template: str, tip: str
) -> None:
    """维修结束: 告知客户后期注意事项及保养常识,赠送…服务卡片,(因维修给客户带来不便)向客户真诚致歉 —
    one SMS at completion: the apology, the care tips for the problem repaired, the card's
    number; never two."""
    payload = {**SAMPLES["repair.completed"], "problem_kind": kind}
    [sms] = run("repair.completed", payload).messages
    assert (sms.channel, sms.template) == (MessageChannel.SMS, template)
    assert (sms.recipient.kind, sms.recipient.value) == ("customer", "c-1")
    assert sms.params == {"repair_no": "r-1"}
    text = render(sms.template, "zh", sms.params)
    assert "深表歉意" in text and tip in text and "服务卡片（维修单号r-1）" in text
    assert "sorry" in render(sms.template, "en", sms.params)


def test_duty_repair_contact_ends_when_a_visit_is_booked() -> None:
    """安排售后人员预约客户, 确定上门勘察时间: the contact task ends once a visit is booked with the
    customer (with the first-contact service-level task); a booked repair ends the survey's."""
    survey = run("repair.scheduled").cancel
    assert [(c.purposes, c.duties) for c in survey] == [
        ((P.REPAIR_CONTACT,), None),
        ((P.SLA_TASK,), ("sla_task:repair:r-1:first_contact",)),
    ]
    repair = {**SAMPLES["repair.scheduled"], "kind": "repair"}
    assert [c.duties for c in run("repair.scheduled", repair).cancel][-1] == (
        "sla_task:repair:r-1:survey",
    )
    [done] = run("repair.completed").cancel
    assert done.purposes == (P.REPAIR_CONTACT, P.SLA_TASK) and done.duties is None


def test_repair_appointment_booked_by_day() -> None:
    payload = event(repair_id="r-1", customer_id="c-1", kind="repair", on="2026-03-14")
    assert run("repair.scheduled", payload).messages[0].params["date"] == "2026-03-14"


def test_dispatch_texts_both_arrival_tells_the_consignee_to_collect_signature_the_shipper() -> None:
    sent = run("shipment.dispatched").messages
    assert [(m.recipient.label, m.recipient.value) for m in sent] == [
        ("shipper", "13800000001"),
        ("consignee", "13900000002"),
    ]
    assert sent[0].params == {
        "waybill": "WB100",
        "origin": "SH01",
        "destination": "BJ02",
        "at": "2026-03-10 09:00",
    }
    no_phone = {**SAMPLES["shipment.dispatched"], "contacts": {"shipper_phone": "13800000001"}}
    assert len(run("shipment.dispatched", no_phone).messages) == 1
    [signed] = run("shipment.signed").messages
    assert (signed.template, signed.recipient.label) == ("shipment_signed", "shipper")
    arrived = run("shipment.arrived").messages
    assert [(m.template, m.recipient.label) for m in arrived] == [
        ("shipment_arrived", "shipper"),
        ("shipment_ready", "consignee"),  # ready for collection: what to bring is on the page
    ]
    # every shipment SMS carries its recipient's own link (signed by the workflow)
    for subject in ("shipment.dispatched", "shipment.arrived", "shipment.signed"):
        assert all(m.link == m.recipient.label for m in run(subject).messages), subject
    assert all(m.link == m.recipient.label for m in run("shipment.delayed").messages)
    assert all(m.link is None for m in run("complaint.opened").messages)


def test_delay_tells_both_contacts_the_new_time_and_calls_the_station_in_2_hours() -> None:
    p = run("shipment.delayed")
    assert [(m.template, m.recipient.label) for m in p.messages] == [
        ("shipment_delayed", "shipper"),
        ("shipment_delayed", "consignee"),
    ]
    assert p.messages[0].params["eta"] == "2026-03-11 15:30"
    task = only_task(p)
    assert (task.purpose, task.team) == (P.STATION_CALL, "logistics")
    assert task.due_at == NOW + timedelta(hours=2)
    unknown = {**SAMPLES["shipment.delayed"], "new_eta": None}
    assert {m.template for m in run("shipment.delayed", unknown).messages} == {
        "shipment_delayed_tbc"
    }


def test_logistics_alerts() -> None:
    loading = run("shipment.loading.unconfirmed")
    assert (only_task(loading).purpose, only_task(loading).due_at) == (P.ALERT, NOW)
    assert loading.messages[0].recipient.value == "logistics"
    exception = run("shipment.exception.registered")
    assert exception.messages[0].recipient.value == "cargo_supervisor"
    assert exception.messages[0].params["photos"] == "2"
    assert only_task(exception).team == "logistics"
    # Two duties on one waybill: the loading alert, and each exception's.
    assert only_task(loading).duty == "alert:shipment:WB100:loading"
    assert only_task(exception).duty == "alert:shipment:WB100:exception:x-1"


def test_duty_loading_alert_ends_when_the_cargo_leaves() -> None:
    """加急货物当日确认装车: the alert ends when the shipment departs after all."""
    stops = run("shipment.dispatched").cancel
    assert [(c.purposes, c.duties) for c in stops] == [
        ((P.ALERT,), ("alert:shipment:WB100:loading",))
    ]


def test_duty_station_call_ends_when_the_shipment_arrives() -> None:
    """联系下游站点 … 直至签收: once it arrived (a split shipment: signed) no station is left to
    call."""
    for subject in ("shipment.arrived", "shipment.signed"):
        [stop] = run(subject).cancel
        assert stop.purposes == (P.STATION_CALL,) and stop.entity.id == "WB100"
    one_batch = {**SAMPLES["shipment.arrived"], "batch": 1}
    assert not run("shipment.arrived", one_batch).cancel


def test_overdue_receipt_is_chased_by_the_end_of_the_next_local_day() -> None:
    p = run("receipt.overdue")
    task = only_task(p)
    assert (task.purpose, task.team, task.level) == (P.RECEIPT_CHASE, "logistics", None)
    assert (task.entity.kind, task.entity.id) == ("receipt", "WB100")
    assert task.due_at == local(2026, 3, 12)
    assert not p.messages
    assert run("receipt.returned").cancel[0].purposes == (P.RECEIPT_CHASE,)


def test_duty_the_regions_receipt_owner_chases_and_a_missed_chase_goes_to_the_superior() -> None:
    """回单管理及签收标准考核 6): 各区域公司需明确回单管理责任人 — the chase is assigned to the owner;
    still out 3 days after it went overdue, the chase was missed: the superior gets one too."""
    named = {**SAMPLES["receipt.overdue"], "owner": "clerk-1", "superior": "boss-1"}
    first = run("receipt.overdue", {**named, "days_overdue": 2})
    assert [(t.assignee, t.duty) for t in first.tasks] == [
        ("clerk-1", "receipt_chase:receipt:WB100")
    ]
    missed = run("receipt.overdue", {**named, "days_overdue": 3})
    assert [(t.assignee, t.duty) for t in missed.tasks] == [
        ("clerk-1", "receipt_chase:receipt:WB100"),
        ("boss-1", "receipt_chase:receipt:WB100:superior"),
    ]
    nobody = run("receipt.overdue", {**SAMPLES["receipt.overdue"], "days_overdue": 9})
    assert [t.assignee for t in nobody.tasks] == [None]


def test_hard_breach_goes_to_the_regions_manager() -> None:
    payload = {**SAMPLES["receipt.overdue"], "days_overdue": 26, "hard_breach": True}
    p = run("receipt.overdue", payload)
    assert [t.level for t in p.tasks] == [None, EscalationLevel.MANAGER]
    # receipt.overdue comes once a day: each day's task is the same duty, kept while open.
    assert [(t.duty, t.replaces) for t in p.tasks] == [
        ("receipt_chase:receipt:WB100", False),
        ("receipt_chase:receipt:WB100:manager", False),
    ]
    [mail] = p.messages
    assert mail.recipient.value == "region:east" and mail.params["days_overdue"] == "26"


def test_duty_force_majeure_delay_goes_to_the_department_supervisor() -> None:
    """如遇非人为因素不可抗拒因素可能会影响正常交货时间…及时将相关信息反馈给部门主管进行处理:
    besides the customer's SMS and the station call, an alert at the department head's level."""
    plain = run("shipment.delayed")
    assert [t.purpose for t in plain.tasks] == [P.STATION_CALL]
    p = run("shipment.delayed", {**SAMPLES["shipment.delayed"], "force_majeure": True})
    assert [(t.purpose, t.level) for t in p.tasks] == [
        (P.STATION_CALL, None),
        (P.ALERT, EscalationLevel.DEPT_HEAD),
    ]
    assert p.tasks[1].duty == "alert:shipment:WB100:force_majeure"


def test_duty_a_flagged_tracking_call_goes_to_the_department_head_and_the_station() -> None:
    """如出现异常,立即向部门领导、下游站点反馈: an alert at the department head's level, at once, and a
    call to the downstream station."""
    p = run("shipment.tracking.flagged")
    assert [(t.purpose, t.level) for t in p.tasks] == [
        (P.ALERT, EscalationLevel.DEPT_HEAD),
        (P.STATION_CALL, None),
    ]
    assert p.tasks[0].due_at == NOW
    assert p.tasks[0].duty == "alert:shipment:WB100:tracking:2026-03-10T10:00:00+08:00"


def test_duty_abnormal_receipt_goes_to_the_supervisor_at_once() -> None:
    """回单管理及签收标准考核 8): 发现回单签收异常的,须第一时间报主管(经理)及时协商处理 — a task
    at the manager's level due now, one per abnormality, and an e-mail to the region naming
    what the receipt lacks and who found it."""
    p = run("receipt.abnormal")
    task = only_task(p)
    assert (task.purpose, task.team, task.level) == (P.ALERT, "logistics", EscalationLevel.MANAGER)
    assert (task.entity.kind, task.entity.id, task.due_at) == ("receipt", "WB100", NOW)
    assert task.duty == "alert:receipt:WB100:abnormal:ab-1"
    [mail] = p.messages
    assert mail.recipient.value == "region:east" and mail.template == "receipt_abnormal"
    assert mail.params["defects"] == "the company stamp is missing; 2 copies are required, 1 signed"
    assert (mail.params["found_by_party"], mail.params["destination"]) == ("origin", "BJ02")


def test_key_customers_get_monthly_calls_others_only_a_contact_entry() -> None:
    p = run("shipper.registered")
    [monthly] = p.recurring
    assert (monthly.purpose, monthly.kind, monthly.team) == (
        P.KEY_CUSTOMER_MONTHLY,
        ScheduleKind.MONTHLY,
        "logistics",
    )
    assert monthly.first_at == local(2026, 4, 10, 10)
    assert p.contacts[0].phone == "13700000000"
    plain = run("shipper.registered", {**SAMPLES["shipper.registered"], "key_customer": False})
    assert not plain.recurring and len(plain.contacts) == 1
    [stop] = plain.cancel  # an update that drops the key-customer flag ends the monthly calls
    assert stop.purposes == (P.KEY_CUSTOMER_MONTHLY,) and stop.entity.id == "s-1"
    assert not p.cancel


def test_report_is_one_email_with_its_csv_attached() -> None:
    [mail] = run("report.published").messages
    assert mail.channel is MessageChannel.EMAIL and mail.recipient.value == "region:east"
    assert mail.attachment is not None
    assert mail.attachment.name == "receipts_monthly-2026-02.csv"
    assert mail.attachment.content.startswith("region,unreturned")
    assert mail.params["summary"] == "unreturned: 4\noverdue: 2"


def test_customer_events_update_the_contact_book() -> None:
    [contact] = run("customer.updated").contacts
    assert (contact.kind, contact.contact_id, contact.phone, contact.language) == (
        "customer",
        "c-1",
        "13800000009",
        "en",
    )
    assert contact.version == 3
    assert run("customer.registered").contacts[0].language == "zh"


def keys(p: Plan) -> list[str]:
    specs: list[Any] = [*p.tasks, *p.messages, *p.recurring, *p.cancel]
    return [s.dedupe_key for s in specs]


def test_a_redelivered_event_yields_the_same_dedupe_keys() -> None:
    for subject, payload in SAMPLES.items():
        first = plan(subject, payload, NOW)
        again = plan(subject, dict(payload), NOW + timedelta(minutes=5))
        assert keys(first) == keys(again), subject
        assert all(k.startswith(f"{payload['event_id']}:") for k in keys(first)), subject
        assert len(set(keys(first))) == len(keys(first)), subject
    other = plan("complaint.opened", {**SAMPLES["complaint.opened"], "event_id": "ev-2"}, NOW)
    assert set(keys(other)).isdisjoint(keys(run("complaint.opened")))


def test_every_planned_message_renders_and_every_task_has_a_script() -> None:
    stages = ["works_started", "completed", "contract", "painting_accepted"]
    extra = [("project.stage.changed", stage_event(s)) for s in stages]
    for subject, payload in [*SAMPLES.items(), *extra]:
        p = plan(subject, payload, NOW)
        for message in p.messages:
            assert isinstance(message, MessageSpec)
            params = {
                **message.params,
                **({"link": "https://k.example/t/x"} if message.link else {}),
            }
            for language in ("zh", "en"):
                assert render(message.template, language, params)
        for spec in p.tasks:
            assert spec.script in SCRIPTS, spec.purpose
        for schedule in p.recurring:
            assert schedule.script in SCRIPTS, schedule.purpose


def test_duty_cash_paid_receipt_cancelled_tells_the_customer() -> None:
    """日回单管理 2) 对现付类回单,要及时通知客户取消: an SMS to the shipper that the receipt is
    cancelled, and the chase of it ends."""
    p = run("receipt.cancelled")
    [sms] = p.messages
    assert (sms.channel, sms.template, sms.recipient.value) == (
        MessageChannel.SMS,
        "receipt_cancelled",
        "13800000000",
    )
    assert sms.params == {"waybill": "WB100", "at": "2026-03-10 10:00"}
    [cancel] = p.cancel
    assert cancel.purposes == (P.RECEIPT_CHASE,) and cancel.entity.id == "WB100"
    text = render("receipt_cancelled", "zh", sms.params)
    assert "现付" in text and "WB100" in text


def test_duty_customer_collects_receipt_and_it_is_written_off() -> None:
    """日回单管理 3) 客户上门取回单,作回单签收登记和系统回单核销: the shipper has the collection
    confirmed by SMS (who took it, when) and the chase ends."""
    p = run("receipt.collected")
    [sms] = p.messages
    assert (sms.template, sms.recipient.value) == ("receipt_collected", "13800000000")
    assert sms.params == {"waybill": "WB100", "at": "2026-03-10 10:00", "collected_by": "王芳"}
    assert [c.purposes for c in p.cancel] == [(P.RECEIPT_CHASE,)]
    assert "核销" in render("receipt_collected", "zh", sms.params)


def test_duty_shipper_slip_missing_tells_the_origin() -> None:
    """回单规范要求 2) 备注需签发货方厂家单…没有附带的,要与发货网点联系确认: the origin station is
    e-mailed at once, and the logistics desk gets an alert to follow the confirmation."""
    p = run("shipment.shipper_slip.missing")
    [mail] = p.messages
    assert (mail.channel, mail.template, mail.recipient.value) == (
        MessageChannel.EMAIL,
        "shipper_slip_missing",
        "station:SH01",
    )
    assert mail.params == {
        "waybill": "WB100",
        "station": "CD01",
        "at": "2026-03-10 10:00",
        "note": "托运凭证后未见厂家单",
    }
    task = only_task(p)
    assert (task.purpose, task.team, task.due_at) == (P.ALERT, "logistics", NOW)
    assert task.duty == "alert:shipment:WB100:shipper_slip:2026-03-10T10:00:00+08:00"


def test_duty_downstream_station_is_told_what_the_tracking_call_found() -> None:
    """客服员的工作内容 4) 如出现异常,立即向…下游站点反馈: the downstream station itself is
    e-mailed (audience station:<code>) what the call found, besides the desk's call to it."""
    p = run("shipment.tracking.flagged")
    [mail] = p.messages
    assert (mail.channel, mail.template, mail.recipient.value) == (
        MessageChannel.EMAIL,
        "tracking_flagged_station",
        "station:JN03",
    )
    assert mail.params == {
        "waybill": "WB100",
        "kind": "delivery",
        "goods_state": "damaged",
        "note": "外包装破损",
        "at": "2026-03-10 10:00",
    }
    assert "外包装破损" in render("tracking_flagged_station", "zh", mail.params)
    quiet = run(
        "shipment.tracking.flagged", {**SAMPLES["shipment.tracking.flagged"], "goods_state": None}
    )
    assert quiet.messages[0].params["goods_state"] == "-"


# --- the table's own helpers, called on their own --------------------------------------------
# The table is built once at import; these tests call the helpers it is built from, so a wrong
# helper is caught here and not only through a rule that happens to use it.


def view(subject: str, payload: dict[str, Any], now: datetime = NOW) -> EventView:
    return EventView(subject, payload, now)


def test_to_stage_matches_the_stage_moved_to_only() -> None:
    cond = table.to_stage(Stage.CONTRACT, Stage.COMPLETED)
    assert cond(view("project.stage.changed", stage_event("contract"))) is True
    assert cond(view("project.stage.changed", stage_event("completed"))) is True
    moved_from = {**stage_event("works_started"), "from_stage": "contract"}
    assert cond(view("project.stage.changed", moved_from)) is False
    assert table.to_stage()(view("project.stage.changed", stage_event("contract"))) is False


@pytest.mark.parametrize(
    ("stage", "key"),
    [(Stage.WORKS_STARTED, "1"), (Stage.MIDTERM_ACCEPTED, "2"), (Stage.PAINTING_ACCEPTED, "3")],
)
def test_the_nth_frontdesk_call_is_due_by_the_end_of_the_next_day(stage: Stage, key: str) -> None:
    assert table.FRONTDESK_CALL_STAGES[stage] == key
    call = table.frontdesk_call(stage)
    ev = view("project.stage.changed", stage_event(stage.value, at=local(2026, 3, 31, 23, 30)))
    assert call.when(ev) is True
    other = Stage.CONTRACT if stage is not Stage.CONTRACT else Stage.COMPLETED
    assert call.when(view("project.stage.changed", stage_event(other.value))) is False
    [task] = call.expand(ev)
    assert (task.purpose, task.entity, task.team, task.stage) == (
        P.FRONTDESK_CALL,
        EntityRef("project", "p-1"),
        "reception",
        stage.value,
    )
    assert task.due_at == local(2026, 4, 2)  # the end of the next local day
    assert task.dedupe_key == f"ev-1:frontdesk_call:p-1:{stage.value}:{key}"
    assert task.duty == f"frontdesk_call:project:p-1:{stage.value}"


def test_the_completion_sms_is_the_one_of_the_repaired_problems_care_tips() -> None:
    water = table.care_tips_are("repair_done_water")
    assert water(view("repair.completed", event(repair_id="r-1", problem_kind="leak"))) is True
    assert water(view("repair.completed", event(repair_id="r-1", problem_kind="paint"))) is False
    general = table.care_tips_are("repair_done")
    assert general(view("repair.completed", event(repair_id="r-1"))) is True
    assert table.REPAIR_DONE_TEMPLATES == (
        "repair_done",
        "repair_done_water",
        "repair_done_surface",
        "repair_done_electrical",
    )


def test_a_chase_is_missed_from_three_days_overdue_when_there_is_a_superior() -> None:
    assert table.RECEIPT_CHASE_MISSED_AFTER_DAYS == 3
    base = {**SAMPLES["receipt.overdue"], "superior": "boss-1"}
    days = [
        table.chase_missed(view("receipt.overdue", {**base, "days_overdue": d})) for d in (2, 3, 4)
    ]
    assert days == [False, True, True]
    nobody = {**SAMPLES["receipt.overdue"], "days_overdue": 9, "superior": ""}
    assert table.chase_missed(view("receipt.overdue", nobody)) is False


def test_a_shipment_sms_goes_to_the_named_contacts_with_their_link() -> None:
    sms = table.shipment_sms("shipment_arrived", "shipper")
    ev = view("shipment.arrived", SAMPLES["shipment.arrived"])
    [spec] = sms.expand(ev)
    assert (spec.channel, spec.template, spec.recipient, spec.link) == (
        MessageChannel.SMS,
        "shipment_arrived",
        Recipient("phone", "13800000001", "shipper"),
        "shipper",
    )
    assert spec.entity == EntityRef("shipment", "WB100")
    assert spec.params == {
        "waybill": "WB100",
        "origin": "SH01",
        "destination": "BJ02",
        "at": "2026-03-10 09:00",
    }
    both = table.shipment_sms("shipment_dispatched", "shipper", "consignee").expand(ev)
    assert [m.recipient.label for m in both] == ["shipper", "consignee"]


def test_the_handling_task_is_due_24_hours_after_the_event_and_takes_over() -> None:
    task = table.handling_task("to_department", "to_assignee", lambda ev: None)
    payload = {**SAMPLES["complaint.handed_off"], "at": "2026-03-01T08:00:00+08:00"}
    [spec] = task.expand(view("complaint.handed_off", payload))
    assert (spec.purpose, spec.entity, spec.team, spec.assignee, spec.level) == (
        P.COMPLAINT_HANDLING,
        EntityRef("complaint", "cp-1"),
        "design",
        "des-3",
        None,
    )
    assert spec.due_at == OCCURRED + timedelta(hours=24)  # the envelope's, not the fact's
    assert spec.replaces is True
    levelled = table.handling_task("department", "assignee", lambda ev: EscalationLevel.MANAGER)
    [spec] = levelled.expand(view("complaint.escalated", SAMPLES["complaint.escalated"]))
    assert (spec.team, spec.assignee, spec.level) == ("engineering", None, EscalationLevel.MANAGER)


def test_a_refused_event_is_named_by_its_subject() -> None:
    payload = dict(SAMPLES["complaint.closed"])
    del payload["complaint_id"]
    with pytest.raises(DomainError) as err:
        plan("complaint.closed", payload, NOW)
    assert (err.value.code, err.value.detail, err.value.field) == (
        "invalid_event",
        "complaint.closed needs `complaint_id`",
        "complaint_id",
    )
