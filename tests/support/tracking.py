"""Customers' links in tests: a shipment registered with its own phones, the link read from
the SMS the fake gateway recorded, and links signed by hand (expired, for another waybill)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from shared.calendar import BUSINESS_TZ
from shared.links import DEV_LINK_SECRET, Audience, key_of, sign
from tests.support.harness import eventually
from tests.support.journeys import Kefu, new_phone, uid

CONSIGNEE = "王芳芳"
SHIPPER = "上海美居建材有限公司"


async def register(k: Kefu, *, receipt: bool = True, promised_hours: float = 72) -> dict[str, str]:
    """A shipment SH01 → BJ02 (via HZ05) with phones of its own; its waybill and phones."""
    waybill, consignee, shipper = f"WB{uid()}", new_phone(), new_phone()
    now = datetime.now(BUSINESS_TZ)
    body: dict[str, Any] = {
        "waybill": waybill,
        "origin_branch": "SH01",
        "destination_branch": "BJ02",
        "region": "east",
        "transfers": 1,
        "transfer_branches": ["HZ05"],
        "batches": 1,
        "promised_arrival_at": (now + timedelta(hours=promised_hours)).isoformat(),
        "dispatched_at": (now - timedelta(hours=3)).isoformat(),
        "urgent": False,
        "shipper": {"name": SHIPPER, "phone": shipper},
        "consignee": {"name": CONSIGNEE, "phone": consignee, "kind": "person"},
        "receipt": {
            "required": receipt,
            "signature": True,
            "stamp": False,
            "id_number": False,
            "copies": 1,
        },
    }
    await k.post("logistics", "/v1/shipments", body, headers=k.auth("branch", branch="SH01"))
    return {"waybill": waybill, "consignee": consignee, "shipper": shipper}


# The gateway's codes of the shipment SMS (notifications' templates).
DISPATCHED, ARRIVED, SIGNED, DELAYED, DELAYED_TBC, READY = (
    "SMS_005",
    "SMS_006",
    "SMS_007",
    "SMS_008",
    "SMS_009",
    "SMS_010",
)


async def sms_link(k: Kefu, phone: str, template: str, timeout: float = 45) -> str:
    """The link in the SMS (by gateway code) the fake gateway accepted for the phone."""

    def found() -> str | None:
        for sms in k.sms_to(phone):
            params = json.loads(sms["template_param"])
            if sms["template_code"] == template and params.get("link"):
                return str(params["link"])
        return None

    link: str = await eventually(found, timeout=timeout, interval=0.2)
    return link


def path_of(link: str) -> str:
    """The link's path on the console (/t/<token>)."""
    return urlsplit(link).path


def signed(
    waybill: str,
    audience: Audience = Audience.CONSIGNEE,
    *,
    issued: datetime | None = None,
    days: int = 30,
) -> str:
    """A link path signed as notifications signs one (the development secret tests use)."""
    at = issued or datetime.now(UTC)
    return "/t/" + sign(key_of(DEV_LINK_SECRET), waybill, audience, at, timedelta(days=days))


def tampered(path: str) -> str:
    """The same link with one character in its middle changed."""
    i = len(path) - 10
    return path[:i] + ("A" if path[i] != "A" else "B") + path[i + 1 :]
