"""A new complaint's form reaches the manager in charge and the departments concerned, on real
NATS + Postgres with the SMTP sink on loopback (《投诉登记表》: 报主管经理及相关部门; the reception
sheet 一式两份 to the department and customer service)."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from nats.js import JetStreamContext

from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import complaint_opened, harness, new_id

pytestmark = pytest.mark.quick

RECIPIENTS = {
    "manager": ["manager@kefu.test"],
    "engineering": ["engineering@kefu.test"],
    "customer_service": ["cs@kefu.test"],
}


def subject(mail: dict[str, Any]) -> str:
    return str(make_header(decode_header(mail["subject"])))


def body(mail: dict[str, Any]) -> str:
    parsed = message_from_bytes(mail["raw"].encode())
    for part in parsed.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            data = part.get_payload(decode=True)
            assert isinstance(data, bytes)
            return data.decode().replace("\r\n", "\n")
    return ""


async def test_duty_complaint_registration_form_reaches_manager_department_and_cs(
    settings: Settings, js: JetStreamContext
) -> None:
    phone_call = complaint_opened(new_id("cust"), description="客厅墙面开裂")
    at_desk = complaint_opened(
        new_id("cust"),
        channel="reception",
        received_by="reception",
        received_by_sub="rec-zhang",
        description="地板起拱",
    )
    async with harness(settings, js, report_recipients=RECIPIENTS) as h:
        await h.publish(phone_call)
        await h.publish(phone_call, msg_id="again")  # a duplicate sends nothing more
        await h.publish(at_desk)
        await h.wait_drained()
        mails = await eventually(lambda: h.smtp.messages if len(h.smtp.messages) >= 6 else None)

        async def all_sent() -> list[dict[str, Any]] | None:
            # The gateway has the mail a moment before the message's row says it was sent.
            found = await h.messages(entity_id=phone_call.complaint_id, channel="email")
            return found if len(found) == 3 and all(m["status"] == "sent" for m in found) else None

        listed = await eventually(all_sent)

    by_complaint: dict[str, dict[str, str]] = {}
    for mail in mails:
        [to] = mail["to"]
        text = body(mail)
        cid = phone_call.complaint_id if phone_call.complaint_id in text else at_desk.complaint_id
        by_complaint.setdefault(cid, {})[to] = subject(mail) + "\n" + text
    assert len(mails) == 6
    phone = by_complaint[phone_call.complaint_id]
    assert sorted(phone) == ["cs@kefu.test", "engineering@kefu.test", "manager@kefu.test"]
    for text in phone.values():
        assert text.startswith(f"投诉登记表：{phone_call.complaint_id}（engineering）")
        assert "客厅墙面开裂" in text and "受理人：agent-1" in text
    desk = by_complaint[at_desk.complaint_id]
    assert sorted(desk) == ["cs@kefu.test", "engineering@kefu.test", "manager@kefu.test"]
    for text in desk.values():
        assert "投诉接待处理单（一式两份：责任部门、客户服务部各执一份）" in text
        assert "地板起拱" in text and "接待员：rec-zhang" in text
    assert sorted(m["recipient"]["label"] for m in listed) == [
        "customer_service",
        "engineering",
        "manager",
    ]
    assert {m["status"] for m in listed} == {"sent"}
