"""Messages end to end through the fake providers on loopback: one SMS per event even when it is
delivered twice, quiet hours, a gateway outage, signed webhooks, report e-mails with CSV."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from fastapi import FastAPI, Request
from nats.js import JetStreamContext

from services.notifications.app import create_app
from services.notifications.domain import idempotency_key, verify_webhook_signature
from shared.calendar import BUSINESS_TZ
from shared.contracts.intake import ComplaintEscalated, CustomerUpdated
from shared.contracts.logistics import Contacts, ShipmentDelayed
from shared.contracts.reports import ReportPublished
from shared.contracts.values import Department, EscalationLevel, ReportKind
from shared.links import DEV_LINK_SECRET, Audience, key_of, open_link
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import (
    ADMIN,
    complaint_opened,
    customer,
    emitted,
    harness,
    new_id,
    new_phone,
    parse_time,
    serve,
)
from tooling.fakes import SmsGateway

pytestmark = pytest.mark.quick


async def sent(h: Any, entity_id: str, **f: Any) -> Any:
    items = await h.messages(entity_id=entity_id, **f)
    return items if items and all(m["status"] == "sent" for m in items) else None


async def test_a_duplicated_event_sends_one_sms_in_the_newest_contact_language(
    settings: Settings, js: JetStreamContext
) -> None:
    cust, phone = new_id("cust"), new_phone()
    async with harness(settings, js) as h:
        await h.publish(customer(cust, phone, language="zh", version=1))
        await h.publish(
            CustomerUpdated(
                source="intake",
                customer_id=cust,
                name="王芳",
                phone=phone,
                language="en",
                version=3,
            )
        )
        await h.wait_drained()
        # A stale update (version 2) arriving late changes nothing.
        await h.publish(
            CustomerUpdated(
                source="intake",
                customer_id=cust,
                name="王芳",
                phone="13000000000",
                language="zh",
                version=2,
            )
        )
        opened = complaint_opened(cust)
        await h.publish(opened, msg_id="relay-attempt-1")
        await h.publish(opened, msg_id="relay-attempt-2")  # beyond JetStream's dedupe
        await h.wait_drained()
        [message] = await eventually(lambda: sent(h, opened.complaint_id, channel="sms"))
        tasks = await h.callbacks(entity_id=opened.complaint_id)
        notices = await emitted(js, "notification.sent", message_id=message["id"])
        by_customer = await h.messages(customer_id=cust, channel="sms")
        scheduled = await emitted(js, "callback.scheduled", customer_id=cust)

    assert [s["phone_numbers"] for s in h.gateway.sent] == [phone]
    assert h.gateway.requests == 1
    assert message["language"] == "en" and message["text"].startswith("Your complaint")
    assert len(tasks) == 1 and len(scheduled) == 1 and len(notices) == 1
    assert [m["id"] for m in by_customer] == [message["id"]]


async def test_an_sms_planned_in_the_quiet_hours_is_sent_at_eight(
    settings: Settings, js: JetStreamContext
) -> None:
    cust, phone = new_id("cust"), new_phone()
    now = datetime.now(BUSINESS_TZ)
    evening = datetime.combine(now.date(), clock_time(22, 30), tzinfo=BUSINESS_TZ)
    evening += timedelta(days=1) if evening <= now else timedelta(0)
    morning = datetime.combine(
        evening.date() + timedelta(days=1), clock_time(8), tzinfo=BUSINESS_TZ
    )
    async with harness(settings, js, quiet_hours_start="21:00", quiet_hours_end="08:00") as h:
        await h.publish(customer(cust, phone))
        await h.wait_drained()
        h.move_clock((evening - datetime.now(UTC)).total_seconds())
        opened = complaint_opened(cust)
        await h.publish(opened)
        [queued] = await eventually(
            lambda: h.messages(entity_id=opened.complaint_id, channel="sms")
        )
        await h.wait_drained()
        night = list(h.gateway.sent)
        h.move_clock((morning - datetime.now(UTC)).total_seconds() + 1)
        [done] = await eventually(lambda: sent(h, opened.complaint_id, channel="sms"))

    assert queued["status"] == "queued" and night == []
    assert parse_time(queued["send_at"]) == morning
    assert [s["phone_numbers"] for s in h.gateway.sent] == [phone]
    assert morning <= parse_time(done["sent_at"]) < morning + timedelta(minutes=1)
    assert (
        done["text"] == f"您的投诉（编号{opened.complaint_id}）已受理，我们将在24小时内联系您处理。"
    )


async def test_a_gateway_outage_is_retried_with_backoff_and_the_sms_sent_once(
    settings: Settings, js: JetStreamContext
) -> None:
    cust, phone = new_id("cust"), new_phone()
    async with harness(settings, js, gateway=SmsGateway(key="sms-secret", fail_next=2)) as h:
        await h.publish(customer(cust, phone))
        await h.wait_drained()
        opened = complaint_opened(cust)
        await h.publish(opened)
        [first] = await eventually(lambda: _attempts(h, opened.complaint_id, 1))
        h.move_clock(31)  # the first retry waits 30 s
        [second] = await eventually(lambda: _attempts(h, opened.complaint_id, 2))
        h.move_clock(31 + 121)  # the second waits 2 minutes
        [done] = await eventually(lambda: sent(h, opened.complaint_id, channel="sms"))
        notices = await eventually(lambda: emitted(js, "notification.sent", message_id=done["id"]))

    assert first["status"] == "queued" and "HTTP 503" in first["last_error"]
    assert parse_time(second["send_at"]) - parse_time(first["send_at"]) >= timedelta(minutes=2)
    assert (done["attempts"], done["last_error"]) == (3, None)
    assert h.gateway.requests == 3
    assert [s["phone_numbers"] for s in h.gateway.sent] == [phone]
    assert [n["status"] for n in notices] == ["sent"]


async def _attempts(h: Any, entity_id: str, n: int) -> Any:
    items = await h.messages(entity_id=entity_id, channel="sms")
    return items if items and items[0]["attempts"] == n else None


async def test_webhooks_are_signed_and_the_receiver_verifies_them(
    settings: Settings, js: JetStreamContext
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> dict[str, str]:
        received.append((dict(request.headers), await request.body()))
        return {"ok": "yes"}

    complaint = new_id("cmp")
    async with serve(receiver) as base:
        async with harness(
            settings, js, webhook_urls={"manager": [f"{base}/hook"]}, webhook_secret="hook-secret"
        ) as h:
            escalated = ComplaintEscalated(
                source="intake",
                complaint_id=complaint,
                customer_id="cust-e",
                department=Department.ENGINEERING,
                level=EscalationLevel.MANAGER,
                automatic=True,
                reason="not handled in 24 hours",
                version=4,
            )
            await h.publish(escalated)
            messages = await eventually(lambda: _count(sent(h, complaint), 2))
            await eventually(lambda: received)
            mail = await eventually(lambda: list(h.smtp.messages))

    [(headers, body)] = received
    signature = headers["kefu-signature"]
    assert verify_webhook_signature(b"hook-secret", signature, body, int(time.time()))
    assert not verify_webhook_signature(b"wrong-secret", signature, body, int(time.time()))
    assert not verify_webhook_signature(b"hook-secret", signature, body + b" ", int(time.time()))
    payload = json.loads(body)
    assert payload["template"] == "complaint_escalated" and payload["audience"] == "manager"
    assert payload["entity"] == {"kind": "complaint", "id": complaint}
    assert payload["text"] == (
        f"投诉{complaint}（责任部门：engineering）已升级至manager。原因：not handled in 24 hours"
    )
    by_channel = {m["channel"]: m for m in messages}
    hook_key = idempotency_key(f"{base}/hook")[:12]
    dedupe = f"{escalated.event_id}:complaint_escalated:manager:webhook:{hook_key}"
    assert headers["idempotency-key"] == idempotency_key(dedupe)
    assert by_channel["webhook"]["recipient"]["address"] == f"{base}/hook"
    assert [m["to"] for m in mail] == [["manager@example.com"]]
    assert subject(mail[0]) == f"投诉升级：{complaint}"


async def _count(coro: Any, n: int) -> Any:
    items = await coro
    return items if items and len(items) == n else None


async def test_a_report_is_mailed_once_per_audience_with_its_csv(
    settings: Settings, js: JetStreamContext
) -> None:
    csv = "region,unreturned,overdue\neast,4,2\n"
    report = ReportPublished(
        source="logistics",
        kind=ReportKind.RECEIPTS_MONTHLY,
        period="2026-10",
        audience="region:east",
        summary={"unreturned": 4, "overdue": 2},
        csv=csv,
    )
    recipients = {
        "region:*": ["regions@example.com", "east@example.com"],
        "manager": ["boss@example.com"],
    }
    async with harness(settings, js, report_recipients=recipients) as h:
        await h.publish(report, msg_id="first")
        await h.publish(report, msg_id="second")
        await h.wait_drained()
        [message] = await eventually(lambda: _report_sent(h))
        mails = list(h.smtp.messages)
        listed = (
            await h.client.get("/v1/messages", params={"channel": "email"}, headers=ADMIN)
        ).json()["items"]

    [mail] = mails
    assert sorted(mail["to"]) == ["east@example.com", "regions@example.com"]
    assert subject(mail) == "报表：receipts_monthly（2026-10）"
    assert mail["attachments"] == ["receipts_monthly-2026-10.csv"]
    key = idempotency_key(f"{report.event_id}:report:region:east")
    assert mail["message_id"] == f"<{key}@example.com>"
    parsed = message_from_bytes(mail["raw"].encode())
    [part] = [p for p in parsed.walk() if p.get_filename()]
    assert part.get_content_type() == "text/csv"
    # Text travels with CRLF line ends over SMTP (RFC 4180 CSV uses them too).
    assert payload_text(part) == csv
    assert _body(parsed) == "unreturned: 4\noverdue: 2\n\n明细见附件CSV。\n"
    assert message["attachment"] == "receipts_monthly-2026-10.csv"
    assert message["recipient"]["address"] == "regions@example.com, east@example.com"
    assert [m["id"] for m in listed] == [message["id"]]


def payload_text(part: Message) -> str:
    """A MIME part's decoded text with LF line ends."""
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data.decode().replace("\r\n", "\n")


def subject(mail: dict[str, Any]) -> str:
    return str(make_header(decode_header(mail["subject"])))


def _body(parsed: Any) -> str:
    for part in parsed.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return payload_text(part)
    return ""


async def _report_sent(h: Any) -> Any:
    r = await h.client.get("/v1/reports/sent", headers=ADMIN)
    items = r.json()["items"]
    return items if items and items[0]["status"] == "sent" else None


async def test_settings_come_from_the_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEFU_NOTIFICATIONS_SMS_URL", "http://127.0.0.1:9/sms/send")
    monkeypatch.setenv("KEFU_NOTIFICATIONS_REPORT_RECIPIENTS", '{"manager": ["m@example.com"]}')
    monkeypatch.setenv("KEFU_NOTIFICATIONS_QUIET_HOURS_START", "22:00")
    app = create_app(settings)
    cfg = app.state.svc.config
    assert cfg.sms_url == "http://127.0.0.1:9/sms/send"
    assert cfg.report_recipients == {"manager": ["m@example.com"]}
    assert cfg.quiet_hours_start == clock_time(22, 0)
    await asyncio.sleep(0)


async def test_a_delayed_shipment_texts_both_contacts_the_new_time_and_calls_the_station(
    settings: Settings, js: JetStreamContext
) -> None:
    waybill, shipper, consignee = new_id("WB"), new_phone(), new_phone()
    eta = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)  # 15:30 in Shanghai
    delayed = ShipmentDelayed(
        source="logistics",
        waybill=waybill,
        region="east",
        promised_arrival_at=eta - timedelta(days=1),
        new_eta=eta,
        station="NJ02",
        contacts=Contacts(shipper_phone=shipper, consignee_phone=consignee),
    )
    async with harness(settings, js) as h:
        await h.publish(delayed)
        messages = await eventually(lambda: _count(sent(h, waybill), 2))
        [call] = await eventually(lambda: h.callbacks(entity_id=waybill))

    assert sorted(s["phone_numbers"] for s in h.gateway.sent) == sorted([shipper, consignee])
    assert {s["template_code"] for s in h.gateway.sent} == {"SMS_008"}
    params = {s["phone_numbers"]: json.loads(s["template_param"]) for s in h.gateway.sent}
    links = {phone: p.pop("link") for phone, p in params.items()}
    assert all(p == {"waybill": waybill, "eta": "2026-12-03 15:30"} for p in params.values())
    # each contact's own signed link to the shipment's page (issue 19)
    key = key_of(DEV_LINK_SECRET)
    opened = {
        phone: open_link(key, link.rsplit("/t/", 1)[1], datetime.now(UTC))
        for phone, link in links.items()
    }
    assert {(o.subject, o.audience) for o in opened.values() if o} == {
        (waybill, Audience.SHIPPER),
        (waybill, Audience.CONSIGNEE),
    }
    assert opened[shipper] is not None and opened[shipper].audience is Audience.SHIPPER
    assert sorted(m["recipient"]["label"] for m in messages) == ["consignee", "shipper"]
    assert all(m["entity"] == {"kind": "shipment", "id": waybill} for m in messages)
    assert (call["purpose"], call["team"]) == ("station_call", "logistics")
    assert parse_time(call["due_at"]) - parse_time(messages[0]["created_at"]) < timedelta(
        hours=2, seconds=5
    )
