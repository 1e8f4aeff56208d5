"""The logistics duties notifications carries out, end to end on real NATS and Postgres through
the fake SMS gateway and SMTP sink on loopback: the shipper told of a cancelled cash-paid
receipt and of a receipt collected (日回单管理 2), 3)), the origin told of a missing shipper's
slip (回单规范要求 2)), the downstream station told what a tracking call found (向下游站点反馈)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

from nats.js import JetStreamContext

from shared.contracts.logistics import (
    Contacts,
    ReceiptCancelled,
    ReceiptCollected,
    ShipmentShipperSlipMissing,
    ShipmentTrackingFlagged,
)
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.notifications import harness, new_id, new_phone


def subject(mail: dict[str, Any]) -> str:
    return str(make_header(decode_header(message_from_bytes(mail["raw"].encode())["Subject"])))


async def test_duty_logistics_messages_reach_the_shipper_origin_and_station(
    settings: Settings, js: JetStreamContext
) -> None:
    at = datetime.now(UTC)
    phone = new_phone()
    cancelled = ReceiptCancelled(
        source="logistics",
        waybill=new_id("WB"),
        region="east",
        origin_branch="SH01",
        contacts=Contacts(shipper_phone=phone),
        at=at,
    )
    collected = ReceiptCollected(
        source="logistics",
        waybill=new_id("WB"),
        region="east",
        origin_branch="SH01",
        contacts=Contacts(shipper_phone=phone),
        collected_by="王芳",
        at=at,
    )
    slip = ShipmentShipperSlipMissing(
        source="logistics",
        waybill=new_id("WB"),
        region="east",
        origin_branch="SH01",
        station="CD01",
        note="托运凭证后未见厂家单",
        at=at,
    )
    flagged = ShipmentTrackingFlagged(
        source="logistics",
        waybill=new_id("WB"),
        region="east",
        station="JN03",
        kind="delivery",
        goods_state="damaged",
        note="外包装破损",
        at=at,
    )
    recipients = {"station:SH01": ["sh01@example.com"], "station:*": ["stations@example.com"]}
    async with harness(settings, js, report_recipients=recipients) as h:
        for event in (cancelled, collected, slip, flagged):
            await h.publish(event)
        await h.wait_drained()
        sms = await eventually(lambda: h.sms_to(phone) if len(h.sms_to(phone)) == 2 else None)
        mails = await eventually(
            lambda: list(h.smtp.messages) if len(h.smtp.messages) == 2 else None
        )
        alerts = await h.callbacks(entity_id=slip.waybill)

    assert sorted(s["template_code"] for s in sms) == ["SMS_016", "SMS_017"]
    by_to = {tuple(m["to"]): subject(m) for m in mails}
    assert by_to == {
        ("sh01@example.com",): f"厂家单缺失：{slip.waybill}",
        ("stations@example.com",): f"追踪异常反馈：{flagged.waybill}",
    }
    assert [(a["purpose"], a["team"]) for a in alerts] == [("alert", "logistics")]
