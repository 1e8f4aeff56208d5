"""A shipment for the logistics rules' unit tests: SH01 → CD01 in the west, dispatched on
1 November 2026 at 08:00 and promised for the 5th at 18:00 (Shanghai)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.logistics.domain import Consignee, Party, Shipment

SH = ZoneInfo("Asia/Shanghai")


def november(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Shanghai time in November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def a_shipment(**over: Any) -> Shipment:
    """The usual shipment, any field changed by `over`."""
    fields: dict[str, Any] = dict(
        origin_branch="SH01",
        destination_branch="CD01",
        region="west",
        promised_arrival_at=november(5, 18),
        dispatched_at=november(1, 8),
        shipper=Party("上海建材", "13800000000"),
        consignee=Consignee("杨民敬", "13900000000"),
    )
    fields.update(over)
    return Shipment(**fields)
