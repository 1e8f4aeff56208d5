"""The renovation duties notifications carries out, on real NATS + Postgres with the fake SMS
gateway and the SMTP sink on loopback (issue 17; 《家装设计师工作流程》)."""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from nats.js import JetStreamContext

from shared.calendar import BUSINESS_TZ
from shared.contracts.aftersales import RepairCompleted
from shared.contracts.projects import (
    ProjectDesignAcceptanceBooked,
    ProjectInspectionRecorded,
    ProjectRenderingsDelivered,
    ProjectSpotCheckDue,
    ProjectStageChanged,
)
from shared.contracts.values import ProblemKind, Stage
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import customer, harness, new_id, new_phone

pytestmark = pytest.mark.quick

RECIPIENTS = {
    "manager": ["manager@kefu.test"],
    "engineering": ["engineering@kefu.test"],
    "customer_service": ["cs@kefu.test"],
}


def mail_text(mail: dict[str, Any]) -> str:
    """An e-mail's subject and plain-text body."""
    parsed = message_from_bytes(mail["raw"].encode())
    text = ""
    for part in parsed.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            text = data.decode().replace("\r\n", "\n")
    return str(make_header(decode_header(mail["subject"]))) + "\n" + text


def stage_changed(project_id: str, to: Stage, at: datetime, **kw: Any) -> ProjectStageChanged:
    """project.stage.changed as projects publishes it."""
    return ProjectStageChanged(
        project_id=project_id,
        customer_id=new_id("cust"),
        from_stage=Stage.DESIGN,
        to_stage=to,
        at=at,
        by="eng-1",
        project_manager="pm-7",
        version=kw.pop("version", 6),
        **kw,
    )


async def all_sent(h: Any, n: int, **filters: Any) -> list[dict[str, Any]] | None:
    """The listed messages once `n` of them are sent (the sender settles after the provider)."""
    listed = await h.messages(**filters)
    return listed if len(listed) == n and all(m["status"] == "sent" for m in listed) else None


async def test_duty_signing_tells_engineering_to_arrange_the_start(
    settings: Settings, js: JetStreamContext
) -> None:
    """签施工合同…通知工程部安排开工事宜: the signing e-mails engineering once (a redelivery
    sends nothing more), with the last day to start."""
    pid = new_id("proj")
    signed = stage_changed(
        pid,
        Stage.CONTRACT,
        datetime(2026, 3, 10, 15, tzinfo=BUSINESS_TZ),
        works_start_by=date(2026, 3, 13),
    )
    async with harness(settings, js, report_recipients=RECIPIENTS) as h:
        await h.publish(signed)
        await h.publish(signed, msg_id="again")
        await h.wait_drained()
        [mail] = await eventually(lambda: h.smtp.messages or None)
        listed = await eventually(lambda: all_sent(h, 1, entity_id=pid, channel="email"))
    assert mail["to"] == ["engineering@kefu.test"]
    text = mail_text(mail)
    assert text.startswith(f"请安排开工：项目{pid}（合同2026-03-10签订）")
    assert "最迟于2026-03-13开工" in text and "项目经理：pm-7" in text
    assert [(m["template"], m["status"]) for m in listed] == [("works_to_arrange", "sent")]


async def test_duty_renderings_delivered_tells_the_customer_to_see_the_scheme(
    settings: Settings, js: JetStreamContext
) -> None:
    """设计师4天内做完效果图,通知客户看方案: the delivery texts the customer once."""
    cid, phone, pid = new_id("cust"), new_phone(), new_id("proj")
    delivered = ProjectRenderingsDelivered(
        project_id=pid,
        customer_id=cid,
        at=datetime(2026, 3, 10, 11, tzinfo=BUSINESS_TZ),
        designer="des-1",
        version=4,
    )
    async with harness(settings, js) as h:
        await h.publish(customer(cid, phone))
        await h.publish(delivered)
        await h.publish(delivered, msg_id="again")
        await h.wait_drained()
        [sms] = await eventually(lambda: h.sms_to(phone) or None)
        listed = await eventually(lambda: all_sent(h, 1, entity_id=pid))
    assert sms["template_code"] == "SMS_010"
    assert [(m["template"], m["status"]) for m in listed] == [("renderings_ready", "sent")]


async def test_duty_frontdesk_feedback_goes_to_engineering_and_cs_the_same_day(
    settings: Settings, js: JetStreamContext
) -> None:
    """八、电话回访: 对于客户反馈,认真记录,并于当日转至工程部和客户服务部 — the front desk
    records the customer's words on the call the start of works made; both departments get
    them by e-mail at once (through the callback.completed the outcome published)."""
    pid = new_id("proj")
    started = stage_changed(pid, Stage.WORKS_STARTED, datetime.now(BUSINESS_TZ))
    async with harness(settings, js, report_recipients=RECIPIENTS) as h:
        await h.publish(started)
        await h.wait_drained()
        [desk] = await eventually(lambda: h.callbacks(entity_id=pid, purpose="frontdesk_call"))
        said = {"reached": True, "satisfaction": 3, "comment": "工人下午常迟到"}
        r = await h.outcome(desk["id"], said)
        assert r.status_code == 200, r.text
        mails = await eventually(lambda: h.smtp.messages if len(h.smtp.messages) >= 2 else None)
        await h.wait_drained()
        listed = await eventually(
            lambda: all_sent(h, 2, entity_id=pid, template="frontdesk_feedback")
        )
    assert sorted(m["to"][0] for m in mails) == ["cs@kefu.test", "engineering@kefu.test"]
    for mail in mails:
        text = mail_text(mail)
        assert text.startswith(f"客户回访反馈：项目{pid}")
        assert "客户反馈：工人下午常迟到" in text and "满意度：3/5" in text
    assert sorted(m["recipient"]["label"] for m in listed) == ["customer_service", "engineering"]
    assert {m["status"] for m in listed} == {"sent"}


def inspection(pid: str, version: int, problems: list[str]) -> ProjectInspectionRecorded:
    """project.inspection.recorded as projects publishes it."""
    return ProjectInspectionRecorded(
        project_id=pid,
        customer_id="cust-insp",
        inspection_id=new_id("insp"),
        inspector="insp-2",
        at=datetime.now(BUSINESS_TZ),
        quality=2,
        progress=4,
        tidiness=3,
        problems=problems,
        project_manager="pm-7",
        version=version,
    )


async def test_duty_inspection_problems_are_handled_at_once(
    settings: Settings, js: JetStreamContext
) -> None:
    """七、质量检查: 发现问题,及时处理 — the problems are the project manager's task and
    engineering's e-mail; a newer inspection's problems take the task over (one open), a clean
    one cancels it, and an older inspection arriving late brings nothing back."""
    pid = new_id("proj")
    first = inspection(pid, 8, ["卫生间防水层破损"])
    again = inspection(pid, 9, ["卫生间防水层破损", "插座未接地"])
    clean = inspection(pid, 10, [])
    late = inspection(pid, 8, ["瓷砖空鼓"])  # an older inspection's event, retried late
    async with harness(settings, js, report_recipients=RECIPIENTS) as h:
        await h.publish(first)
        await h.wait_drained()
        [task] = await eventually(lambda: h.callbacks(entity_id=pid, status="open"))
        await h.publish(again)
        await h.wait_drained()
        [taken] = await h.callbacks(entity_id=pid, status="open")
        mails = await eventually(lambda: h.smtp.messages if len(h.smtp.messages) >= 2 else None)
        await h.publish(clean)
        await h.publish(late)
        await h.wait_drained()
        still_open = await h.callbacks(entity_id=pid, status="open")
        every = await h.callbacks(entity_id=pid)
    assert (task["purpose"], task["team"], task["assignee"]) == (
        "inspection_problems",
        "engineering",
        "pm-7",
    )
    assert taken["id"] != task["id"] and taken["duty"] == task["duty"]
    assert still_open == []
    assert sorted(c["status"] for c in every) == ["cancelled", "cancelled"]
    assert {m["to"][0] for m in mails} == {"engineering@kefu.test"}
    assert any("2. 插座未接地" in mail_text(m) for m in mails)


async def test_duty_repair_completion_apologises_with_care_tips_and_the_service_card(
    settings: Settings, js: JetStreamContext
) -> None:
    """维修结束: 保养常识, 服务卡片, 向客户真诚致歉 — the completed repair texts the customer once,
    the tips for a leak."""
    cid, phone, rid = new_id("cust"), new_phone(), new_id("rep")
    done = RepairCompleted(
        source="aftersales",
        repair_id=rid,
        customer_id=cid,
        at=datetime.now(BUSINESS_TZ),
        evaluation_score=5,
        problem_kind=ProblemKind.LEAK,
        version=9,
    )
    async with harness(settings, js) as h:
        await h.publish(customer(cid, phone))
        await h.publish(done)
        await h.publish(done, msg_id="again")
        await h.wait_drained()
        [sms] = await eventually(lambda: h.sms_to(phone) or None)
        listed = await eventually(lambda: all_sent(h, 1, entity_id=rid, channel="sms"))
        [followup] = await h.callbacks(entity_id=rid)
    assert sms["template_code"] == "SMS_012"
    assert [(m["template"], m["status"]) for m in listed] == [("repair_done_water", "sent")]
    assert followup["purpose"] == "repair_followup"


async def test_duty_design_acceptance_booking_tells_the_customer_when(
    settings: Settings, js: JetStreamContext
) -> None:
    """设计师也可提前约请客户到现场进行设计验收: the booking texts the customer the time, once."""
    cid, phone, pid = new_id("cust"), new_phone(), new_id("proj")
    booked = ProjectDesignAcceptanceBooked(
        project_id=pid,
        customer_id=cid,
        on=datetime(2026, 3, 12, 14, 30, tzinfo=BUSINESS_TZ),
        designer="des-1",
        version=9,
    )
    async with harness(settings, js) as h:
        await h.publish(customer(cid, phone))
        await h.publish(booked)
        await h.publish(booked, msg_id="again")
        await h.wait_drained()
        [sms] = await eventually(lambda: h.sms_to(phone) or None)
        listed = await eventually(lambda: all_sent(h, 1, entity_id=pid))
    assert sms["template_code"] == "SMS_015"
    assert '"time": "2026-03-12 14:30"' in sms["template_param"]
    assert [(m["template"], m["status"]) for m in listed] == [("design_acceptance_booked", "sent")]


async def test_duty_engineering_manager_spot_check_is_on_the_worklist(
    settings: Settings, js: JetStreamContext
) -> None:
    """工程部经理每周抽查走访一次客户: the week's pick is engineering's department-head task due by
    the end of the week; a redelivery adds none, and the completion of the works ends it."""
    pid = new_id("proj")
    due = ProjectSpotCheckDue(
        project_id=pid,
        customer_id="cust-spot",
        project_manager="pm-7",
        week="2026-W11",
        due_on=date(2026, 3, 15),
        version=12,
    )
    async with harness(settings, js) as h:
        await h.publish(due)
        await h.publish(due, msg_id="again")
        await h.wait_drained()
        [task] = await eventually(lambda: h.callbacks(entity_id=pid, purpose="weekly_spot_check"))
        done_on = date(2026, 3, 20)
        await h.publish(
            stage_changed(
                pid,
                Stage.COMPLETED,
                datetime(2026, 3, 20, 15, tzinfo=BUSINESS_TZ),
                completed_on=done_on,
                warranty_ends_on=done_on.replace(year=2028),
                version=13,
            )
        )
        await h.wait_drained()
        [ended] = await eventually(
            lambda: h.callbacks(entity_id=pid, purpose="weekly_spot_check", status="cancelled")
        )
    assert (task["team"], task["duty"]) == (
        "engineering",
        f"weekly_spot_check:project:{pid}:2026-W11",
    )
    # The end of Sunday 2026-03-15 in Shanghai.
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 3, 16, tzinfo=BUSINESS_TZ)
    assert ended["id"] == task["id"]
