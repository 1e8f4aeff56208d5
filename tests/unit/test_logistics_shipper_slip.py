"""发货方厂家单 (回单规范要求 2)): a waybill whose remarks ask for the shipper's own slip; a
station down the route that finds it missing tells the origin to confirm."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.logistics.domain import (
    Consignee,
    DomainError,
    Party,
    Shipment,
    SlipMissing,
    slip_missing,
)

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 4, 9, tzinfo=SH)
ASKS = Shipment(
    waybill="WB7",
    origin_branch="SH01",
    destination_branch="CD01",
    region="west",
    promised_arrival_at=datetime(2026, 11, 5, tzinfo=SH),
    dispatched_at=datetime(2026, 11, 1, tzinfo=SH),
    shipper=Party("上海建材", "13800000000"),
    consignee=Consignee("杨明静", "13900000000"),
    transfers=1,
    transfer_branches=("WH01",),
    shipper_slip=True,
)


@pytest.mark.parametrize("station", ["WH01", "CD01"])
def test_duty_shipper_slip_missing_down_the_route_tells_the_origin(station: str) -> None:
    assert slip_missing(ASKS, station, " 托运凭证后未见厂家单 ", AT) == SlipMissing(
        "WB7", station, "SH01", "托运凭证后未见厂家单", AT
    )


def test_duty_shipper_slip_missing_only_when_the_remarks_ask_for_it() -> None:
    with pytest.raises(DomainError) as err:
        slip_missing(replace(ASKS, shipper_slip=False), "CD01", "", AT)
    assert err.value.code == "wrong_state"
    assert err.value.detail == "the remarks of waybill WB7 ask for no shipper's slip"


def test_duty_shipper_slip_missing_is_found_on_the_route_after_the_origin() -> None:
    with pytest.raises(DomainError) as off:
        slip_missing(ASKS, "GZ09", "", AT)
    assert (off.value.code, off.value.field) == ("off_route", "station")
    assert off.value.detail == "station GZ09 is not on the route of waybill WB7"
    with pytest.raises(DomainError) as origin:
        slip_missing(ASKS, "SH01", "", AT)
    assert (origin.value.code, origin.value.field) == ("invalid_value", "station")
    assert "the origin SH01 attaches the slip" in origin.value.detail


def test_duty_shipper_slip_missing_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="at must carry a UTC offset"):
        slip_missing(ASKS, "CD01", "", datetime(2026, 11, 4, 9))


def test_a_waybill_asks_for_no_shipper_slip_unless_its_remarks_say_so() -> None:
    assert not replace(ASKS, shipper_slip=False).shipper_slip
    plain = Shipment("WB8", "SH01", "CD01", "west", AT, AT, Party("a", "1"), Consignee("b", "2"))
    assert plain.shipper_slip is False
